import pytest

from pipeline import registry
from pipeline.config import LangIdConfig, load_config
from pipeline.context import Context
from pipeline.data import Article, Block, Section, Segment
from pipeline.lang.identifier import LanguageIdentifier
from pipeline.stages.langid import DetectStage


@pytest.fixture(scope="module")
def ident():
    return LanguageIdentifier(LangIdConfig())


@pytest.mark.parametrize(
    "text,lang,evidence",
    [
        ("Малі розірвала відносини з Україною", "uk", "orthography"),
        ("п'ять", "uk", "orthography"),
        ("объём работ", "ru", "orthography"),
        # No letter of its own: function words decide.
        ("що робити", "uk", "lexical"),
        ("Он сказал", "ru", "lexical"),
        ("так само як вони", "uk", "lexical"),
        ("что делать", "ru", "lexical"),
        ("новая книга", "ru", "lexical"),
    ],
)
def test_evidence_overrules_statistics(ident, text, lang, evidence):
    found = ident.detect(text)
    assert (found.lang, found.evidence) == (lang, evidence)


def test_without_rules_short_text_goes_to_statistics():
    plain = LanguageIdentifier(LangIdConfig(orthographic_evidence=False, lexical_evidence=False, frequency_evidence=False))
    assert plain.detect("що робити").evidence == "statistics"


@pytest.mark.parametrize("tag,lang", [("НОВИНИ", "uk"), ("ВІЙНА", "uk"), ("СВІТ", "uk"), ("НОВОСТИ", "ru"), ("WORLD", "en")])
def test_tags(ident, tag, lang):
    assert ident.detect(tag).lang == lang


def test_mixed_text_takes_the_majority_and_records_spans(ident):
    text = "Президент Emmanuel Macron заявив, що «Мы не отступим»."
    found = ident.detect(text)
    assert found.lang == "uk"  # the Russian quotation does not decide
    spans = ident.spans(text, found.lang)
    assert [(text[s.start : s.end], s.lang) for s in spans] == [("Emmanuel Macron", "en"), ("Мы не отступим", "ru")]


def test_latin_brand_names_do_not_make_russian_text_english(ident):
    assert ident.detect("Компания Google объявила о новых правилах для YouTube.").lang == "ru"
    assert ident.detect("The word \"спасибо\" was the only Russian he knew.").lang == "en"


def test_no_letters_is_undetermined(ident):
    found = ident.detect("12 345 — 678")
    assert (found.lang, found.script) == ("und", "none")


def test_extra_languages_need_confidence():
    wide = LanguageIdentifier(LangIdConfig(extra_languages=["pl", "de", "be", "bg"]))
    assert wide.detect("Rząd przyjął nowy program odbudowy energetyki przed zimą.").lang == "pl"
    assert wide.detect("Die Regierung hat ein neues Programm beschlossen.").lang == "de"
    # Short Ukrainian stays Ukrainian with Belarusian among the candidates.
    assert wide.detect("Уряд ухвалив програму відновлення енергетики до зими.").lang == "uk"


def test_registry_detector_contract():
    detector = registry.detectors.get("lingua")(["en", "uk", "ru"])
    lang, confidence = detector.detect("The government approved the plan.")
    assert lang == "en" and 0 < confidence <= 1


def test_block_majority_and_short_segments_follow_the_block():
    stage = DetectStage(Context(load_config(None)))
    para = Block(
        kind="paragraph",
        text="x",
        segments=[
            Segment("Уряд ухвалив програму відновлення енергетики до зими."),
            Segment("Так."),
            Segment("Документ передбачає ремонт підстанцій у дванадцяти областях."),
        ],
    )
    para.text = " ".join(s.text for s in para.segments)
    art = Article(id="a", sections=[Section(paragraphs=[para])])
    stage.process(art)
    assert para.lang == "uk" and [s.lang for s in para.segments] == ["uk", "uk", "uk"]
    assert art.source.lang == "uk" and art.sections[0].lang == "uk"


def test_spans_survive_the_record():
    seg = Segment("Компанія Apple представила iPhone.", lang="uk")
    ident = LanguageIdentifier(LangIdConfig())
    seg.spans = ident.spans(seg.text, "uk")
    art = Article(id="a", sections=[Section(paragraphs=[Block("paragraph", seg.text, lang="uk", segments=[seg])])])
    rec = art.to_record()
    spans = rec["sections"][0]["segments"][0]["spans"]
    assert [s["text"] for s in spans] == ["Apple", "iPhone"]
    back = Article.from_record(rec)
    restored = back.sections[0].paragraphs[0].segments[0]
    assert restored.spans == seg.spans and restored.text == seg.text


@pytest.mark.parametrize(
    "text,lang",
    [
        ('He said "the deal is done" and left.', "en"),
        ("“Peace talks resume,” the minister said; “we’ll see.”", "en"),
        ("Café owners in Zürich «celebrate» the naïve plan.", "en"),
        ("Das ist ein deutscher Satz, sagte er.", "de"),
        ("2024 — 15:30", "en"),
    ],
)
def test_segments_of_one_non_cyrillic_script_have_no_spans(ident, text, lang):
    from pipeline.stages.langid import may_have_spans

    assert not may_have_spans(text, lang)
    assert ident.spans(text, lang) == []  # what the skipped call would have said


@pytest.mark.parametrize(
    "text,lang",
    [
        ("Компанія Apple випустила iPhone.", "uk"),
        ("Він сказав «ничего не будет» і пішов.", "uk"),
        ("The Kremlin said «всё хорошо» today.", "en"),
        ("Ukraine's capital Київ was calm.", "en"),
    ],
)
def test_segments_with_another_script_or_cyrillic_are_asked(ident, text, lang):
    from pipeline.stages.langid import may_have_spans

    assert may_have_spans(text, lang)
