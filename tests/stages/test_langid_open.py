"""Languages outside en/uk/ru are named, not passed off as English; word frequencies and
word shape help short Ukrainian/Russian text; out-of-set text is routed on purpose."""

import json

import pytest
from typer.testing import CliRunner

from pipeline.cli.app import app
from pipeline.config import LangIdConfig
from pipeline.lang.identifier import LanguageIdentifier
from pipeline.lang.wordshape import word_shape_model

from ..conftest import TINY_CONFIG

GERMAN = (
    "Regierung beschließt neues Energiegesetz\n\n"
    "Die Bundesregierung hat am Dienstag ein neues Gesetz zur Energieversorgung beschlossen. "
    "Nach Angaben des Wirtschaftsministeriums sollen die Netze bis zum Winter ausgebaut werden.\n\n"
    "Die Opposition kritisierte den Entwurf als unzureichend. Die Abstimmung im Bundestag ist für die kommende Woche geplant.\n"
)


@pytest.fixture(scope="module")
def ident():
    return LanguageIdentifier(LangIdConfig())


@pytest.mark.parametrize(
    "text,lang",
    [
        ("Die Bundesregierung hat am Dienstag ein neues Gesetz beschlossen.", "de"),
        ("Rząd przyjął we wtorek nową ustawę o bezpieczeństwie energetycznym.", "pl"),
        ("Le gouvernement a adopté mardi un nouveau projet de loi sur l'énergie.", "fr"),
        ("El Gobierno aprobó el martes una nueva ley sobre la energía.", "es"),
    ],
)
def test_a_sentence_in_another_language_is_named(ident, text, lang):
    found = ident.detect(text)
    assert (found.lang, found.evidence) == (lang, "open-set")


@pytest.mark.parametrize(
    "text",
    [
        "The government adopted a new energy law on Tuesday.",
        # A character model alone calls such English sentences Latin; word frequencies disagree.
        "Regular consumption can prevent atherosclerosis and hypertonia.",
        "Digital control panel with automatic temperature regime monitoring.",
    ],
)
def test_english_stays_english(ident, text):
    assert ident.detect(text).lang == "en"


def test_short_text_stays_within_the_configured_languages(ident):
    # Three words are too few to name a language outside the candidates reliably.
    assert ident.detect("Guten Tag Berlin").lang in ("en", "uk", "ru")


def test_open_set_off_keeps_the_restriction():
    closed = LanguageIdentifier(LangIdConfig(open_set=False))
    assert closed.detect("Die Bundesregierung hat am Dienstag ein neues Gesetz beschlossen.").lang == "en"


@pytest.mark.parametrize("word,lang", [("новини", "uk"), ("новости", "ru"), ("робота", "uk"), ("работа", "ru")])
def test_word_frequencies_decide_short_cyrillic_text(word, lang):
    on = LanguageIdentifier(LangIdConfig(cache_size=0))
    off = LanguageIdentifier(LangIdConfig(cache_size=0, frequency_evidence=False, lexical_evidence=False))
    found = on.detect(word)
    assert (found.lang, found.evidence) == (lang, "lexical")
    assert off.detect(word).evidence == "statistics"


def test_word_shape_model_leans_the_right_way():
    model = word_shape_model(20_000)
    # Endings and letter sequences of each language, in words without marker letters.
    assert model.log_odds("промощувати") > 0  # Ukrainian infinitive -увати
    assert model.log_odds("прокомментировать") < 0  # Russian -ировать


runner = CliRunner()


def _run(tmp_path, tiny_overrides, *extra):
    path = tmp_path / "de-article.txt"
    path.write_text(GERMAN, encoding="utf-8")
    args = ["run", str(path), "--config", str(TINY_CONFIG), "--out", str(tmp_path / "out")]
    for o in [*tiny_overrides, *extra]:
        args += ["--set", o]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    return json.loads((tmp_path / "out" / "de-article.json").read_text(encoding="utf-8"))


def test_a_german_article_goes_through_the_multilingual_model(tmp_path, tiny_overrides):
    rec = _run(tmp_path, tiny_overrides)
    assert rec["source"]["lang"] == "de"
    assert all(s["lang"] == "de" for s in rec["sections"])
    for section in rec["sections"]:
        assert set(section["text"]) >= {"de", "en", "uk"}
        # Translated (the tiny model's output is gibberish, but not the German source).
        assert section["text"]["en"] != section["text"]["de"]
    assert not any("no_model" in w for w in rec["warnings"])


def test_without_a_multilingual_model_german_is_a_warning_not_english(tmp_path, tiny_overrides):
    models = "translate.models={en-uk: tiny-marian-en-uk, uk-en: tiny-marian-uk-en, ru-en: tiny-marian-ru-en}"
    rec = _run(tmp_path, tiny_overrides, models)
    assert rec["source"]["lang"] == "de"
    warnings = " ".join(rec["warnings"])
    assert "no translation model for de->en" in warnings and "no translation model for de->uk" in warnings
    # Not sent through the English model: the Ukrainian side is the untouched source, flagged.
    for section in rec["sections"]:
        assert section["text"]["uk"] == section["text"]["de"]
        assert all(any("no_model" in w for w in seg.get("warnings", [])) for seg in section["segments"])


def test_detect_names_the_language_in_its_output_contract(tmp_path):
    path = tmp_path / "de.txt"
    path.write_text(GERMAN, encoding="utf-8")
    result = runner.invoke(app, ["detect", str(path)])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.output.splitlines() if line.strip()]
    assert rows and all(set(r) == {"text", "lang", "confidence", "script", "is_tag"} for r in rows)
    assert [r["lang"] for r in rows] == ["de"] * len(rows)
