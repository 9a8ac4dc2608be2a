"""Cyrillic text in languages outside the candidates (Bulgarian, Belarusian, Macedonian,
Serbian, Kazakh, Mongolian) is named as itself once it is long enough; short Ukrainian or
Russian decisions stay within the candidates. Sentences written for these tests."""

import json

import pytest
from typer.testing import CliRunner

from pipeline.cli.app import app
from pipeline.config import LangIdConfig, load_config
from pipeline.context import Context
from pipeline.data import Article, Block, Section, Segment
from pipeline.lang.identifier import LanguageIdentifier
from pipeline.stages.langid import DetectStage

OTHERS = [
    ("Министърът на здравеопазването обяви нови мерки срещу грипа.", "bg"),
    ("Кметът откри новия мост над реката в събота.", "bg"),
    ("Сёння ў Мінску адкрылі новую бібліятэку для дзяцей.", "be"),
    ("Міністр паведаміў, што цэны на хлеб не зменяцца.", "be"),
    ("Министерот за здравство најави нови мерки против грипот.", "mk"),
    ("Градоначалникот го отвори новиот мост во сабота.", "mk"),
    ("Министар здравља најавио је нове мере против грипа.", "sr"),
    ("Градоначелник је у суботу отворио нови мост преко реке.", "sr"),
    ("Денсаулық сақтау министрі тұмауға қарсы жаңа шаралар жариялады.", "kk"),
    ("Әкім сенбі күні өзен үстіндегі жаңа көпірді ашты.", "kk"),
]
# Ukrainian and Russian that other Cyrillic alphabets could hold (no і ї є ґ; no ы э ё).
CANDIDATES = [
    ("Мер сказав, що ранок буде холодним та вологим.", "uk"),
    ("Уряд ухвалив програму відновлення енергетики до зими.", "uk"),
    ("Министр сказал, что цена на хлеб не изменится до конца месяца.", "ru"),
    ("Правительство одобрило программу восстановления энергетики до зимы.", "ru"),
]


@pytest.fixture(scope="module")
def ident():
    return LanguageIdentifier(LangIdConfig())


@pytest.mark.parametrize("text,lang", OTHERS)
def test_other_cyrillic_languages_are_named(ident, text, lang):
    found = ident.detect(text)
    assert (found.lang, found.evidence) == (lang, "open-set")


@pytest.mark.parametrize("text,lang", CANDIDATES)
def test_ukrainian_and_russian_stay_themselves(ident, text, lang):
    assert ident.detect(text).lang == lang


@pytest.mark.parametrize("text", ["Нов закон", "Кметът откри", "Градско веће"])
def test_short_text_stays_within_the_candidates(ident, text):
    assert ident.detect(text).lang in ("uk", "ru")


def test_bulgarian_among_extra_languages_is_named_even_without_open_set():
    for open_set in (True, False):
        wide = LanguageIdentifier(LangIdConfig(extra_languages=["bg"], open_set=open_set))
        found = wide.detect(OTHERS[0][0])
        assert (found.lang, found.evidence) == ("bg", "statistics")
        assert wide.detect(CANDIDATES[2][0]).lang == "ru"


def test_open_set_off_keeps_bulgarian_within_the_candidates():
    closed = LanguageIdentifier(LangIdConfig(open_set=False))
    assert closed.detect(OTHERS[0][0]).lang in ("uk", "ru")


def test_a_bulgarian_block_and_its_short_sentence():
    stage = DetectStage(Context(load_config(None)))
    sentences = [OTHERS[0][0], "Нов закон.", OTHERS[1][0]]
    para = Block(kind="paragraph", text=" ".join(sentences), segments=[Segment(s) for s in sentences])
    art = Article(id="bg", sections=[Section(paragraphs=[para])])
    stage.process(art)
    assert para.lang == "bg" and [s.lang for s in para.segments] == ["bg", "bg", "bg"]
    assert art.source.lang == "bg"


def test_detect_names_bulgarian(tmp_path):
    path = tmp_path / "bg.txt"
    path.write_text(f"{OTHERS[0][0]} {OTHERS[1][0]}\n\n{CANDIDATES[2][0]}\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["detect", str(path)])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    assert [r["lang"] for r in rows] == ["bg", "ru"]
