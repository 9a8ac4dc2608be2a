"""`newsbridge run` end to end, and the error boundary: one line, non-zero exit, no traceback."""

import json

import pytest
from typer.testing import CliRunner

from pipeline.cli.app import app

from ..conftest import SAMPLE_ARTICLE, TINY_CONFIG

runner = CliRunner()


def _sets(overrides):
    out = []
    for o in overrides:
        out += ["--set", o]
    return out


def test_run_writes_json_and_markdown(tmp_path, tiny_overrides):
    result = runner.invoke(app, ["run", str(SAMPLE_ARTICLE), "--config", str(TINY_CONFIG), "--out", str(tmp_path), *_sets(tiny_overrides)])
    assert result.exit_code == 0, result.output
    rec = json.loads((tmp_path / "mali-rebels-en.json").read_text(encoding="utf-8"))
    assert rec["title"]["en"].startswith("Malian rebels deny support")
    assert rec["title"]["uk"]
    assert len(rec["sections"]) == 6
    for sec in rec["sections"]:
        assert sec["text"]["en"] and sec["text"]["uk"]
        assert sec["summary"]["en"] and sec["summary"]["uk"]
    assert [t["text"] for t in rec["tags"]] == ["НОВИНИ"] and rec["tags"][0]["lang"] == "uk"
    body = " ".join(s["text"]["en"] for s in rec["sections"])
    assert "НОВИНИ" not in body
    assert rec["signature"]["config"]["translate"]["models"]["en-uk"] == "tiny-marian-en-uk"
    md = (tmp_path / "mali-rebels-en.md").read_text(encoding="utf-8")
    assert "Tinzaouatene Conflict" in md and "| English | Українська |" in md


def test_run_without_out_prints_markdown(tiny_overrides):
    result = runner.invoke(app, ["run", str(SAMPLE_ARTICLE), "--config", str(TINY_CONFIG), *_sets(tiny_overrides)])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("# Malian rebels deny support")


def _assert_one_line_error(result, *needles):
    assert result.exit_code != 0
    assert "Traceback" not in result.output
    err = result.stderr.strip()
    assert err.startswith("error:") and "\n" not in err, err
    for needle in needles:
        assert needle in err, err


@pytest.mark.parametrize(
    "name,content,needle",
    [("empty.txt", b"", "empty"), ("bin.txt", b"\x00\x01\x02\x00PK\x03\x04", "binary")],
)
def test_bad_files(tmp_path, tiny_overrides, name, content, needle):
    path = tmp_path / name
    path.write_bytes(content)
    result = runner.invoke(app, ["run", str(path), "--config", str(TINY_CONFIG), *_sets(tiny_overrides)])
    _assert_one_line_error(result, str(path), needle)


def test_missing_file(tmp_path, tiny_overrides):
    result = runner.invoke(app, ["run", str(tmp_path / "nope.txt"), "--config", str(TINY_CONFIG), *_sets(tiny_overrides)])
    _assert_one_line_error(result, "nope.txt", "no such file")


def test_unknown_config_key(tiny_overrides):
    result = runner.invoke(app, ["run", str(SAMPLE_ARTICLE), "--config", str(TINY_CONFIG), "--set", "translate.beams=2"])
    _assert_one_line_error(result, "unknown key 'translate.beams'")
    assert result.exit_code == 2


def test_missing_model(tmp_path):
    result = runner.invoke(app, ["run", str(SAMPLE_ARTICLE), "--config", str(TINY_CONFIG), "--set", f"models.root={tmp_path}"])
    _assert_one_line_error(result, "tiny-marian", "newsbridge models build-tiny")
    assert result.exit_code == 3


def test_missing_real_model_names_pull(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hf"))
    result = runner.invoke(app, ["run", str(SAMPLE_ARTICLE), "--set", f"models.root={tmp_path}"])
    _assert_one_line_error(result, "opus-mt-", "newsbridge models pull")


def test_empty_html_page_is_one_line_without_library_log(tmp_path, tiny_overrides):
    # trafilatura logs "ERROR ... empty HTML tree" for such a page; the user sees only
    # newsbridge's own line naming the file.
    import subprocess
    import sys
    from pathlib import Path

    page = tmp_path / "empty.html"
    page.write_text("<html><head><title>Only a title</title></head><body></body></html>", encoding="utf-8")
    script = Path(sys.executable).with_name("newsbridge")
    cmd = [str(script)] if script.exists() else [sys.executable, "-c", "from pipeline.cli.app import main; main()"]
    proc = subprocess.run([*cmd, "run", str(page), "--config", str(TINY_CONFIG), *_sets(tiny_overrides)], capture_output=True, text=True, timeout=300)
    assert proc.returncode != 0
    assert "trafilatura" not in proc.stderr + proc.stdout
    assert str(page) in proc.stderr and "no main text" in proc.stderr
