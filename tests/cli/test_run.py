"""`newsbridge run` end to end, and the error boundary: one line, non-zero exit, no traceback."""

import json
import os
import shlex
from pathlib import Path

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


def test_missing_model_names_the_relative_root_searched(tmp_path, monkeypatch):
    # A relative models.root is searched from where the command runs; the message must
    # name that directory, absolute, and the build command must build there.
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["run", str(SAMPLE_ARTICLE), "--config", str(TINY_CONFIG), "--set", "models.root=rel/models"])
    root = tmp_path / "rel" / "models"
    _assert_one_line_error(
        result,
        f"looked in: {root / 'tiny' / 'marian-en-uk'}",
        f"`newsbridge models build-tiny --set models.root={root}`",
    )
    assert result.exit_code == 3


def test_missing_model_root_with_tilde_is_expanded(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    result = runner.invoke(app, ["run", str(SAMPLE_ARTICLE), "--config", str(TINY_CONFIG), "--set", "models.root=~/nb-models"])
    _assert_one_line_error(result, f"looked in: {tmp_path / 'nb-models' / 'tiny' / 'marian-en-uk'}")


def test_missing_real_model_pull_hint_pulls_where_the_run_looks(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hf"))
    result = runner.invoke(app, ["run", str(SAMPLE_ARTICLE), "--set", f"models.root={tmp_path}"])
    _assert_one_line_error(
        result,
        f"looked in: {tmp_path / 'hub' / 'opus-mt-en-uk'}",
        f"`newsbridge models pull opus-mt-en-uk --set models.root={tmp_path}`",
    )


def _archive(tmp_path, kind):
    records = [{"id": "a", "text": "First article text."}, {"id": "b", "text": "Second article text."}]
    if kind == "jsonl":
        path = tmp_path / "feed.jsonl"
        path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    elif kind == "one-record-jsonl":
        path = tmp_path / "one.jsonl"
        path.write_text(json.dumps(records[0]) + "\n", encoding="utf-8")
    elif kind == "csv":
        path = tmp_path / "feed.csv"
        path.write_text("id,text\n" + "".join(f"{r['id']},{r['text']}\n" for r in records), encoding="utf-8")
    elif kind == "parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        path = tmp_path / "feed.parquet"
        pq.write_table(pa.Table.from_pylist(records), path)
    else:
        path = tmp_path / "articles dir"
        path.mkdir()
        for r in records:
            (path / f"{r['id']}.txt").write_text(r["text"], encoding="utf-8")
    return path


@pytest.mark.parametrize("kind", ["jsonl", "one-record-jsonl", "csv", "parquet", "directory"])
def test_run_on_an_archive_points_to_batch(tmp_path, kind):
    # `run` is one article (DESIGN.md); archives and directories are `batch`'s.
    path = _archive(tmp_path, kind)
    result = runner.invoke(app, ["run", str(path), "--config", str(TINY_CONFIG)])
    _assert_one_line_error(result, str(path), "not one article file", f"`newsbridge batch {shlex.quote(str(path))} --out DIR`")
    assert "unsupported" not in result.stderr


FAST = ["--set", "pipeline.stages=[clean,segment]"]


def _out_cases(tmp_path):
    a_file = tmp_path / "taken"
    a_file.write_text("not a directory\n", encoding="utf-8")
    dangling = tmp_path / "dangling"
    dangling.symlink_to(tmp_path / "gone" / "dir")
    return {
        "file": (a_file, f"--out {a_file} is a file, not a directory"),
        "under-a-file": (a_file / "deeper", f"--out {a_file / 'deeper'}: {a_file} is a file, so no directory can be made there"),
        "dangling-link": (dangling, f"--out {dangling}: {dangling} is a broken symbolic link"),
    }


@pytest.mark.parametrize("command", ["run", "batch"])
@pytest.mark.parametrize("case", ["file", "under-a-file", "dangling-link"])
def test_out_that_cannot_be_a_directory(tmp_path, command, case):
    out, message = _out_cases(tmp_path)[case]
    result = runner.invoke(app, [command, str(SAMPLE_ARTICLE), "--out", str(out), *FAST])
    _assert_one_line_error(result, message)
    assert result.exit_code == 2
    assert (tmp_path / "taken").read_text(encoding="utf-8") == "not a directory\n"


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs /proc")
@pytest.mark.parametrize("command", ["run", "batch"])
def test_out_on_a_file_system_that_refuses_directories(command):
    # Permission checks pass (as root too); only creating the directory tells.
    result = runner.invoke(app, [command, str(SAMPLE_ARTICLE), "--out", "/proc/newsbridge-out", *FAST])
    _assert_one_line_error(result, "--out /proc/newsbridge-out: cannot create")
    assert result.exit_code == 2


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write anywhere")
def test_out_in_a_read_only_directory(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    result = runner.invoke(app, ["run", str(SAMPLE_ARTICLE), "--out", str(locked / "out"), *FAST])
    _assert_one_line_error(result, f"{locked} is not writable")


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
