"""`newsbridge summarize FILE --lang uk|en`."""

import json

from typer.testing import CliRunner

from pipeline.cli.app import app

from ..conftest import SAMPLE_ARTICLE, TINY_CONFIG

runner = CliRunner()


def _args(tiny_overrides, *extra):
    out = ["summarize", str(SAMPLE_ARTICLE), "--config", str(TINY_CONFIG)]
    for o in tiny_overrides:
        out += ["--set", o]
    return out + list(extra)


def _sentences_of_sample() -> str:
    return " ".join(SAMPLE_ARTICLE.read_text(encoding="utf-8").split())


def test_extractive_summary_in_english_is_sentences_of_the_text(tiny_overrides):
    result = runner.invoke(app, _args(tiny_overrides, "--lang", "en", "--set", "summarize.backend=extractive"))
    assert result.exit_code == 0, result.output
    summary = result.stdout.strip()
    assert summary and "\n" not in summary
    body = _sentences_of_sample()
    assert len(summary) < len(body) / 2
    # Each sentence of the summary is a sentence of the article.
    for sentence in summary.replace("” ", "”\n").replace(". ", ".\n").splitlines():
        assert sentence.strip() in body


def test_ukrainian_summary_and_sections(tiny_overrides):
    result = runner.invoke(app, _args(tiny_overrides, "--lang", "uk", "--sections"))
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert out.strip()
    assert out.count("\n## ") == 6


def test_json_output(tiny_overrides):
    result = runner.invoke(app, _args(tiny_overrides, "--lang", "en", "--json"))
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["lang"] == "en" and data["source_lang"] == "en" and data["summary"]
    assert len(data["sections"]) == 6 and all(s["summary"] for s in data["sections"])
    assert data["summary_info"]["strategy"] == "en_then_translate"
    assert data["sections"][1]["heading"].startswith("Tinzaouatene Conflict")


def test_bad_language_and_missing_file(tiny_overrides, tmp_path):
    result = runner.invoke(app, _args(tiny_overrides, "--lang", "de"))
    assert result.exit_code == 2 and "--lang" in result.output
    result = runner.invoke(app, ["summarize", str(tmp_path / "nope.txt"), "--lang", "en"])
    assert result.exit_code == 1
    err = result.stderr.strip()
    assert err.startswith("error:") and "nope.txt" in err and "\n" not in err
