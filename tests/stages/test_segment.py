import pytest

from pipeline import registry
from pipeline.config import SegmentConfig
from pipeline.stages.segment import SentenceSplitter


@pytest.fixture(scope="module")
def split():
    return SentenceSplitter(SegmentConfig()).split


@pytest.mark.parametrize(
    "lang,sentences",
    [
        ("en", ["The U.S. envoy met Dr. Smith in Kyiv on Monday.", "They spoke for an hour."]),
        ("en", ["\"We will not retreat,\" he said.", "The crowd cheered."]),
        ("uk", ["Він народився у м. Львів на вул. Шевченка у 1990 р. в родині вчителів.", "Потім переїхав до Києва."]),
        ("uk", ["Відповідно до ст. 15 закону, рішення ухвалює проф. Іваненко.", "Воно набуває чинності одразу."]),
        ("uk", ["«Ми не відступимо», — сказав він.", "Зала аплодувала."]),
        ("ru", ["Согласно ст. 15 закона, решение принимает проф. Иванов.", "Оно вступает в силу сразу."]),
        ("ru", ["А. С. Пушкин родился в Москве.", "Он писал стихи."]),
    ],
)
def test_abbreviations_and_quotes_stay_inside_sentences(split, lang, sentences):
    assert split(" ".join(sentences), lang) == sentences


@pytest.mark.parametrize("backend", ["razdel", "sentencex", "regex"])
def test_every_registered_core_backend_splits(backend):
    splitter = SentenceSplitter(SegmentConfig(backend=backend))
    assert splitter.split("One sentence here. Another one there.", "en") == ["One sentence here.", "Another one there."]


def test_guards_undo_a_split_after_a_title(split):
    class Naive:
        def split(self, text, lang):
            return [s + "." for s in text.rstrip(".").split(". ")]

    guarded = SentenceSplitter(SegmentConfig(), Naive())
    assert guarded.split("Він жив у м. Київ. Потім поїхав.", "uk") == ["Він жив у м. Київ.", "Потім поїхав."]
    assert guarded.split("Це було у 2020 р. та пізніше. Далі.", "uk") == ["Це було у 2020 р. та пізніше.", "Далі."]


def test_huge_line_is_split_into_bounded_pieces_without_loss():
    cfg = SegmentConfig(chunk_chars=1000, max_chars=200)
    text = " ".join(f"word{i}" for i in range(20000))  # ~130 kB, no punctuation at all
    pieces = SentenceSplitter(cfg).split(text, "en")
    assert all(len(p) <= 200 for p in pieces) and " ".join(pieces) == text


def test_unknown_backend_is_a_config_error():
    from pipeline.errors import ConfigError

    with pytest.raises(ConfigError, match="segmenter"):
        registry.segmenters.get("nope")
