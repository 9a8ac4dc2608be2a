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


def _article(paragraphs, tags, heading=None):
    paras = [Block(kind="paragraph", text=p, segments=[Segment(p)]) for p in paragraphs]
    head = Block(kind="heading", text=heading, segments=[Segment(heading)]) if heading else None
    return Article(
        id="a",
        sections=[Section(heading=head, paragraphs=paras)],
        tags=[Block(kind="tag", text=t, segments=[Segment(t)], is_tag=True) for t in tags],
    )


def test_short_blocks_only_the_script_decided_follow_the_article():
    stage = DetectStage(Context(load_config(None)))
    # Written for this test: a French article whose tags are single words.
    art = _article(
        ["Le conseil municipal a voté hier le budget de l'année prochaine.",
         "Les travaux du nouveau pont commenceront au printemps, selon la mairie."],
        ["économie", "cac 40"],
        heading="Budget voté",
    )
    stage.process(art)
    assert art.source.lang == "fr"
    assert [t.lang for t in art.tags] == ["fr", "fr"]
    assert art.sections[0].heading.lang == "fr"
    assert all(s.lang == "fr" for t in art.tags for s in t.segments)


def test_candidate_articles_keep_their_short_blocks():
    stage = DetectStage(Context(load_config(None)))
    english = _article(["The city council adopted next year's budget on Monday evening."], ["NEWS"])
    stage.process(english)
    assert english.source.lang == "en" and english.tags[0].lang == "en"
    # A Ukrainian article's Latin-script tag is not Ukrainian: only a non-candidate article leads.
    ukrainian = _article(["Міська рада ухвалила бюджет міста на наступний рік."], ["NATO", "НОВИНИ"])
    stage.process(ukrainian)
    assert [t.lang for t in ukrainian.tags] == ["en", "uk"]
    # Short Cyrillic blocks with their own evidence in a Bulgarian article keep it.
    bulgarian = _article([OTHERS[0][0], OTHERS[1][0]], ["НОВИНИ"])
    stage.process(bulgarian)
    assert bulgarian.source.lang == "bg" and bulgarian.tags[0].lang == "uk"
