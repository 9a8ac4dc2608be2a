"""`newsbridge digest OUT_DIR` and `newsbridge run --digest`, through the typer app."""

import json

from typer.testing import CliRunner

from pipeline.cli.app import app

from ..conftest import SAMPLE_ARTICLE, TINY_CONFIG
from ..digest.html_checks import parse
from ..digest.samples import russian_record, ukrainian_record

runner = CliRunner()


def _sets(overrides):
    return [arg for o in overrides for arg in ("--set", o)]


def test_run_digest_then_digest_command_on_the_run_layout(tmp_path, tiny_overrides):
    result = runner.invoke(app, ["run", str(SAMPLE_ARTICLE), "--config", str(TINY_CONFIG), "--out", str(tmp_path), "--digest", *_sets(tiny_overrides)])
    assert result.exit_code == 0, result.output
    index = tmp_path / "digest" / "index.html"
    assert f"wrote {index} (1 article)" in result.stderr
    entries = parse(index).cssselect("li.entry")
    assert len(entries) == 1 and "Malian rebels deny support" in entries[0].text_content()
    page = tmp_path / "digest" / entries[0].cssselect("h2 a")[0].get("href")
    assert len(parse(page).cssselect("section.section")) == 6

    # More records in the same directory (as further `run --out` calls leave them).
    for rec in (ukrainian_record(), russian_record()):
        (tmp_path / f"{rec['id']}.json").write_text(json.dumps(rec, ensure_ascii=False), encoding="utf-8")
    (tmp_path / "zz-broken.json").write_text("{", encoding="utf-8")
    result = runner.invoke(app, ["digest", str(tmp_path), "--set", "digest.languages=[en,uk]"])
    assert result.exit_code == 0, result.output
    assert "warning: zz-broken.json: not valid JSON" in result.stderr
    assert f"wrote {index} (3 articles)" in result.stderr
    doc = parse(index)
    assert len(doc.cssselect("li.entry")) == 3
    assert [s.get("lang") for s in doc.cssselect("li.entry")[0].cssselect(".summaries [lang]")] == ["en", "uk"]


def _one_line_error(result, *needles):
    assert result.exit_code != 0
    assert "Traceback" not in result.output
    err = result.stderr.strip()
    assert err.startswith("error:") and "\n" not in err, err
    for needle in needles:
        assert needle in err, err


def test_digest_of_missing_or_empty_dir(tmp_path):
    result = runner.invoke(app, ["digest", str(tmp_path / "nope")])
    _one_line_error(result, "nope", "no such directory")
    result = runner.invoke(app, ["digest", str(tmp_path)])
    _one_line_error(result, str(tmp_path), "no articles.jsonl", "newsbridge run")
    assert not (tmp_path / "digest").exists()


def test_run_digest_needs_out(tiny_overrides):
    result = runner.invoke(app, ["run", str(SAMPLE_ARTICLE), "--config", str(TINY_CONFIG), "--digest", *_sets(tiny_overrides)])
    _one_line_error(result, "--digest needs --out")
    assert result.exit_code == 2


def test_digest_bad_config_value(tmp_path):
    (tmp_path / "a.json").write_text(json.dumps(ukrainian_record(), ensure_ascii=False), encoding="utf-8")
    result = runner.invoke(app, ["digest", str(tmp_path), "--set", "digest.languages=[]"])
    _one_line_error(result, "digest.languages")
    assert result.exit_code == 2
