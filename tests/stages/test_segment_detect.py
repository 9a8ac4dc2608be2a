import pytest

from pipeline.config import load_config
from pipeline.context import Context
from pipeline.stages.clean import CleanStage
from pipeline.lang.evidence import orthographic_lang
from pipeline.stages.langid import DetectStage
from pipeline.stages.segment import SegmentStage

from ..conftest import make_article


@pytest.fixture(scope="module")
def stages():
    ctx = Context(load_config(None))
    return CleanStage(ctx), SegmentStage(ctx), DetectStage(ctx)


def _run(stages, text):
    art = make_article(text)
    for stage in stages:
        stage([art])
    assert art.ok, art.error
    return art


def test_sentences_keep_abbreviations(stages):
    art = _run(stages, "Title\n\nThe U.S. envoy met Dr. Smith on Monday. They spoke for an hour.")
    segs = [s.text for s in art.sections[0].paragraphs[0].segments]
    assert segs == ["The U.S. envoy met Dr. Smith on Monday.", "They spoke for an hour."]


def test_long_sentence_is_split_without_loss(stages):
    long = ", ".join(f"clause number {i} of a very long sentence" for i in range(80)) + "."
    art = _run(stages, f"Title\n\n{long}")
    segs = [s.text for s in art.sections[0].paragraphs[0].segments]
    assert len(segs) > 1 and all(len(s) <= 1000 for s in segs)
    assert " ".join(segs) == long


def test_languages_and_tag(stages, sample_text):
    art = _run(stages, sample_text)
    assert art.source.lang == "en"
    assert all(s.lang == "en" for s in art.sections)
    tag = art.tags[0]
    assert (tag.text, tag.lang, tag.script) == ("НОВИНИ", "uk", "Cyrillic")


def test_ukrainian_vs_russian_by_letters(stages):
    uk = _run(stages, "Заголовок\n\nУряд оголосив нові заходи підтримки.")
    ru = _run(stages, "Заголовок\n\nПравительство объявило новые меры поддержки.")
    assert uk.source.lang == "uk" and ru.source.lang == "ru"


@pytest.mark.parametrize(
    "text,expected",
    [("Їжак", "uk"), ("ґанок", "uk"), ("объём", "ru"), ("съезд", "ru"), ("мир", None), ("її объём", None)],
)
def test_orthographic_evidence(text, expected):
    assert orthographic_lang(text) == expected
