"""`newsbridge batch` end to end with the tiny models: the issue's acceptance directory,
kills at random points (SIGINT once, SIGKILL three times) resumed to the same outputs as an
uninterrupted run, and the CLI's messages."""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.cli.app import app
from pipeline.config import load_config

from ..batch.helpers import jsonl, parquet_rows, read_outputs, write_txt_articles
from ..conftest import SAMPLE_ARTICLE, TINY_CONFIG
from ..io.tmx_dtd import XML_NS, validate_tmx

runner = CliRunner()

UK_CP1251 = (
    "Уряд оголосив нові заходи підтримки фермерів\n\n"
    "Уряд оголосив нові заходи підтримки фермерів після посушливого літа. "
    "Міністр сказав, що виплати почнуться наступного місяця.\n\n"
    "Фермери з півдня країни найбільше постраждали від посухи.\n"
)


def _sets(overrides):
    return [x for o in overrides for x in ("--set", o)]


def _acceptance_dir(root: Path) -> Path:
    root.mkdir(parents=True)
    (root / "mali-rebels-en.txt").write_bytes(SAMPLE_ARTICLE.read_bytes())
    write_txt_articles(root / "generated", 50, seed=7)
    (root / "legacy-cp1251.txt").write_bytes(UK_CP1251.encode("cp1251"))
    (root / "empty.txt").write_bytes(b"")
    (root / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    return root


def test_acceptance_directory(tmp_path, tiny_overrides):
    root = _acceptance_dir(tmp_path / "archive")
    out = tmp_path / "out"
    args = ["batch", str(root), "--out", str(out), "--config", str(TINY_CONFIG), "--digest", *_sets([*tiny_overrides, "batch.batch_size=8"])]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "54 inputs = 52 written + 2 errors + 0 skipped duplicates: ok" in result.stdout
    # --digest: one page per written article, the two failures listed on the index.
    assert len(list((out / "digest" / "articles").glob("*.html"))) == 52
    index = (out / "digest" / "index.html").read_text(encoding="utf-8")
    assert "Malian rebels deny support" in index and "empty.txt" in index and "binary.txt" in index
    assert "━" in result.stdout and "translate" in result.stdout  # the summary table
    records = jsonl(out / "articles.jsonl")
    assert len(records) == 52 and len({r["id"] for r in records}) == 52
    by_path = {Path(r["source"]["path"]).name: r for r in records}
    legacy = by_path["legacy-cp1251.txt"]
    assert legacy["source"]["encoding"] == "cp1251" and legacy["source"]["lang"] == "uk"
    assert legacy["title"]["uk"].startswith("Уряд оголосив") and legacy["title"]["en"]
    mali = by_path["mali-rebels-en.txt"]
    assert len(mali["sections"]) == 6 and all(s["summary"].get("uk") for s in mali["sections"])
    errors = {Path(e["source"]["path"]).name: e for e in jsonl(out / "errors.jsonl")}
    assert set(errors) == {"empty.txt", "binary.txt"}
    assert errors["empty.txt"]["kind"] == "empty" and errors["empty.txt"]["message"].endswith("empty.txt: file is empty")
    assert errors["binary.txt"]["kind"] == "binary" and "binary" in errors["binary.txt"]["message"]
    assert all(e["stage"] == "read" and e["id"] for e in errors.values())
    assert "file is empty" in result.stdout  # the first errors are shown in the summary

    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["counts"] == {"inputs": 54, "written": 52, "errors": 2, "duplicates": 0, "input_files": 54, "ignored_files": 0, "balanced": True}
    assert all(p["balanced"] for p in manifest["per_input"]) and len(manifest["per_input"]) == 54
    sig = manifest["signature"]
    used = {"tiny-marian-en-uk", load_config(TINY_CONFIG).summarize.model}
    assert used <= set(sig["models"]) and sig["config"]["batch"]["batch_size"] == 8
    assert sig["config_hash"] == records[0]["signature"]["config_hash"] and sig["libraries"]["torch"]
    assert manifest["started"] <= manifest["finished"]

    import datasets

    ds = datasets.load_dataset("parquet", data_files=str(out / "articles.parquet"), split="train")
    assert ds.num_rows == 52 and set(ds["id"]) == {r["id"] for r in records}
    tree = validate_tmx(out / "pairs.tmx")
    tus = tree.findall("body/tu")
    langs = [{t.get(XML_NS) for t in tu.findall("tuv")} for tu in tus]
    assert tus and all({"en", "uk"} <= s for s in langs)
    assert any(tu.get("srclang") == "uk" for tu in tus) and any(tu.get("srclang") == "en" for tu in tus)
    kinds = {tu.find("prop[@type='x-kind']").text for tu in tus}
    assert {"title", "heading", "body", "tag"} <= kinds
    tsv = (out / "pairs.tsv").read_text(encoding="utf-8").splitlines()
    assert len(tsv) == len(tus) + 1 and all(line.count("\t") == 5 for line in tsv)


def _cli() -> list[str]:
    script = Path(sys.executable).with_name("newsbridge")
    return [str(script)] if script.exists() else [sys.executable, "-c", "from pipeline.cli.app import main; main()"]


def _committed(out: Path) -> int:
    db = out / "work" / "worker-00000-of-00001" / "ledger.sqlite"
    if not db.exists():
        return 0
    try:
        con = sqlite3.connect(str(db), timeout=5)
        row = con.execute("SELECT value FROM meta WHERE key = 'batches'").fetchone()
        con.close()
    except sqlite3.Error:
        return 0
    return int(row[0]) if row else 0


# Waits are bounded by progress, not by the clock: a run is given up on only when it has
# shown no sign of life (no new output bytes, no new commit) for this long. A loaded
# machine makes a run slow, never silent for minutes; a hang is silent.
STALL_SECONDS = 180


def _progress_mark(out: Path) -> tuple:
    """Anything that moves while a batch run works: commits, log and output sizes."""
    files = sorted(out.rglob("*")) if out.exists() else []
    return (_committed(out), tuple((str(p), p.stat().st_size) for p in files if p.is_file()))


def _wait(proc: subprocess.Popen, out: Path, until=lambda: False) -> None:
    """Wait for `proc` to exit (or `until()`), failing only after STALL_SECONDS without progress."""
    mark = _progress_mark(out)
    last_move = last_look = time.monotonic()
    while proc.poll() is None and not until():
        time.sleep(0.02)
        if time.monotonic() - last_look < 0.5:
            continue
        last_look = time.monotonic()
        now_mark = _progress_mark(out)
        if now_mark != mark:
            mark, last_move = now_mark, last_look
        elif last_look - last_move > STALL_SECONDS:
            proc.kill()
            stdout, stderr = proc.communicate()
            pytest.fail(f"the batch made no progress for {STALL_SECONDS} s: {stderr[-600:]}")


def _run_to_end(args: list[str], out: Path) -> subprocess.CompletedProcess:
    with tempfile.TemporaryFile("w+") as so, tempfile.TemporaryFile("w+") as se:
        proc = subprocess.Popen(args, stdout=so, stderr=se, text=True)
        _wait(proc, out)
        so.seek(0)
        se.seek(0)
        return subprocess.CompletedProcess(args, proc.returncode, so.read(), se.read())


def _start_and_interrupt(args: list[str], out: Path, sig: int, rng: random.Random) -> subprocess.CompletedProcess:
    """Start the real CLI, wait until it commits a new batch, then send `sig` at a random moment."""
    before = _committed(out)
    with tempfile.TemporaryFile("w+") as so, tempfile.TemporaryFile("w+") as se:
        proc = subprocess.Popen(args, stdout=so, stderr=se, text=True)
        _wait(proc, out, until=lambda: _committed(out) > before)
        time.sleep(rng.uniform(0.0, 0.4))
        assert proc.poll() is None, "the run finished before it could be interrupted; make the archive bigger"
        proc.send_signal(sig)
        _wait(proc, out)  # SIGINT: it finishes the batch in flight first
        so.seek(0)
        se.seek(0)
        return subprocess.CompletedProcess(args, proc.returncode, so.read(), se.read())


def test_killed_three_times_resumes_to_identical_outputs(tmp_path, tiny_overrides):
    root = tmp_path / "archive"
    write_txt_articles(root, 60, seed=3)
    (root / "empty.txt").write_bytes(b"")
    (root / "copy").mkdir()  # the same file saved twice: same name and bytes, same id
    (root / "copy" / "gen-3-000005.txt").write_bytes((root / "gen-3-000005.txt").read_bytes())
    # Default caches: batched CPU generation is not bit-exact across batch shapes, so the
    # outputs only match because every work unit is done whole, with caches that live for
    # that unit alone (pipeline/batch/engine.py), however often the job is killed.
    sets = _sets([*tiny_overrides, "batch.batch_size=2"])
    base = tmp_path / "uninterrupted"
    result = runner.invoke(app, ["batch", str(root), "--out", str(base), "--config", str(TINY_CONFIG), *sets])
    assert result.exit_code == 0, result.output

    out = tmp_path / "resumed"
    args = [*_cli(), "batch", str(root), "--out", str(out), "--config", str(TINY_CONFIG), *sets]
    seed = int(os.environ.get("NEWSBRIDGE_KILL_SEED", time.time_ns() % 100_000))
    rng = random.Random(seed)
    # Ctrl-C: the batch in flight is finished and committed, and the message says how to resume.
    done = _start_and_interrupt(args, out, signal.SIGINT, rng)
    assert done.returncode == 130, (seed, done.stderr)
    assert "Resume with: newsbridge batch" in done.stderr and "Traceback" not in done.stderr
    log = out / "work" / "worker-00000-of-00001" / "articles.jsonl"
    con = sqlite3.connect(str(out / "work" / "worker-00000-of-00001" / "ledger.sqlite"))
    assert int(con.execute("SELECT value FROM meta WHERE key = 'log_bytes'").fetchone()[0]) == log.stat().st_size
    con.close()
    for _ in range(3):
        killed = _start_and_interrupt(args, out, signal.SIGKILL, rng)
        assert killed.returncode == -signal.SIGKILL, (seed, killed.stderr)
        assert not (out / "manifest.json").exists()
    final = _run_to_end(args, out)
    assert final.returncode == 0, (seed, final.stderr)
    assert "62 inputs = 60 written + 1 errors + 1 skipped duplicates: ok" in final.stdout, final.stdout[-600:]
    assert read_outputs(base) == read_outputs(out), f"kill seed {seed}"
    assert parquet_rows(base) == parquet_rows(out)
    sessions = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["sessions"]
    assert [s["status"] for s in sessions] == ["interrupted", "running", "running", "running", "complete"]


def test_cli_errors_and_progress(tmp_path):
    root = tmp_path / "in"
    write_txt_articles(root, 3)
    out = tmp_path / "out"
    fast = ["--set", "pipeline.stages=[clean,segment]"]
    quiet = runner.invoke(app, ["batch", str(root), "--out", str(out), *fast])
    assert quiet.exit_code == 0 and "articles/s" not in quiet.output  # not a terminal: no bar
    changed = runner.invoke(app, ["batch", str(root), "--out", str(out), *fast, "--set", "batch.batch_size=5"])
    assert changed.exit_code == 2
    err = changed.stderr.strip()
    assert err.startswith("error:") and "\n" not in err and "batch.batch_size (32 -> 5)" in err and "--force-config" in err
    forced = runner.invoke(app, ["batch", str(root), "--out", str(out), *fast, "--set", "batch.batch_size=5", "--force-config", "--progress"])
    assert forced.exit_code == 0, forced.output
    missing = runner.invoke(app, ["batch", str(tmp_path / "nope"), "--out", str(tmp_path / "o2")])
    assert missing.exit_code == 1 and "no such file or directory" in missing.stderr
    assert not (tmp_path / "o2" / "articles.jsonl").exists()
    shown = runner.invoke(app, ["batch", str(root), "--out", str(tmp_path / "o3"), *fast, "--progress"])
    assert shown.exit_code == 0 and "articles/s" in shown.stderr


def test_cli_ranks_and_unbalanced_exit(tmp_path):
    root = tmp_path / "in"
    write_txt_articles(root, 6)
    fast = ["--set", "pipeline.stages=[clean,segment]", "--set", "batch.batch_size=2"]
    out = tmp_path / "out"
    first = runner.invoke(app, ["batch", str(root), "--out", str(out), *fast, "--rank", "0", "--world-size", "2"])
    assert first.exit_code == 0 and "worker 0 of 2 is done" in first.stderr
    assert not (out / "articles.jsonl").exists()
    last = runner.invoke(app, ["batch", str(root), "--out", str(out), *fast, "--rank", "1", "--world-size", "2"])
    assert last.exit_code == 0 and "6 inputs = 6 written + 0 errors + 0 skipped duplicates: ok" in last.stdout
    assert len(jsonl(out / "articles.jsonl")) == 6
    bad_rank = runner.invoke(app, ["batch", str(root), "--out", str(out), *fast, "--rank", "2", "--world-size", "2"])
    assert bad_rank.exit_code == 2 and "--rank must be in 0..1" in bad_rank.stderr

    # An input whose records were partly done, then dropped from the command: exit 1, named.
    from ..batch.helpers import write_jsonl

    feed = write_jsonl(tmp_path / "feed.jsonl", [{"id": f"f{i}", "text": f"Feed article {i}."} for i in range(9)])
    out2 = tmp_path / "out2"
    from pipeline.batch.control import StopFlag
    from pipeline.batch.engine import BatchJob, run_worker
    from pipeline.config import load_config

    from ..batch.test_engine import _StopAfter

    stop = StopFlag()
    cfg = load_config(None, ["pipeline.stages=[clean,segment]", "batch.batch_size=2"])
    run_worker(BatchJob(inputs=[feed], out=out2, config=cfg), stop=stop, progress=_StopAfter(stop, 1))
    dropped = runner.invoke(app, ["batch", str(root), "--out", str(out2), *fast])
    assert dropped.exit_code == 1 and "never read to its end" in dropped.stderr and "feed.jsonl" in dropped.stderr


@pytest.mark.parametrize("value", ["fr", "EN", "all", ""])
def test_tmx_srclang_outside_what_the_pairs_hold_is_a_config_error(tmp_path, value):
    root = tmp_path / "in"
    write_txt_articles(root, 1)
    out = tmp_path / "out"
    result = runner.invoke(
        app, ["batch", str(root), "--out", str(out), "--set", "pipeline.stages=[clean,segment]", "--set", f"batch.tmx_srclang={value}"]
    )
    assert result.exit_code == 2, result.output
    err = result.stderr.strip()
    assert err.startswith("error:") and "\n" not in err, err
    assert "batch.tmx_srclang" in err and "'en'" in err and "'uk'" in err and "'*all*'" in err, err
    assert not (out / "pairs.tmx").exists()


def test_tmx_srclang_all_is_written_to_the_header(tmp_path):
    root = tmp_path / "in"
    write_txt_articles(root, 1)
    out = tmp_path / "out"
    result = runner.invoke(
        app, ["batch", str(root), "--out", str(out), "--set", "pipeline.stages=[clean,segment]", "--set", "batch.tmx_srclang=*all*"]
    )
    assert result.exit_code == 0, result.output
    assert 'srclang="*all*"' in (out / "pairs.tmx").read_text(encoding="utf-8").split("<body>")[0]


def test_control_characters_in_inputs_keep_every_output_valid(tmp_path, tiny_overrides):
    """NUL, BEL, DEL, C1, U+FFFE/U+FFFF and a lone surrogate in a JSONL record (and all but
    NUL and the surrogate in a .txt file): the records are processed, the characters counted in metadata, and pairs.tmx
    parses as XML 1.0, articles.jsonl as UTF-8 JSON, pairs.tsv with the csv module."""
    import csv
    import xml.etree.ElementTree as ET

    from lxml import etree

    page = SAMPLE_ARTICLE.read_text(encoding="utf-8")
    dirty = page.replace("Tuareg rebel", "Tuareg\x00 rebel\x07", 1).replace("Wagner", "Wag\x7fner\x85\ufffe", 1).replace("Niger", "Ni\ud800ger\uffff", 1)
    root = tmp_path / "in"
    root.mkdir()
    # json.dumps escapes the lone surrogate as \ud800, which json.loads turns back into one.
    (root / "dirty.jsonl").write_text(json.dumps({"id": "dirty-1", "text": dirty}) + "\n", encoding="utf-8")
    # A .txt file with a NUL byte counts as binary (tests/io/test_readers.py); the rest stays.
    (root / "dirty.txt").write_text(dirty.replace("\ud800", "").replace("\x00", ""), encoding="utf-8")
    out = tmp_path / "out"
    result = runner.invoke(app, ["batch", str(root), "--out", str(out), "--config", str(TINY_CONFIG), *_sets(tiny_overrides)])
    assert result.exit_code == 0, result.output
    records = jsonl(out / "articles.jsonl")  # strict UTF-8 JSON
    assert len(records) == 2 and not jsonl(out / "errors.jsonl")
    by_id = {r["id"]: r for r in records}
    assert by_id["dirty-1"]["metadata"]["removed_chars"] == {"U+0000": 1, "U+0007": 1, "U+007F": 1, "U+0085": 1, "U+D800": 1, "U+FFFE": 1, "U+FFFF": 1}
    for rec in records:
        assert any("control or non-text characters" in w for w in rec["warnings"])
        text = json.dumps(rec, ensure_ascii=False)
        assert not any(c in text for c in "\x00\x07\x7f\x85\ufffe\uffff")
    tmx = (out / "pairs.tmx").read_bytes()
    ET.fromstring(tmx)  # the standard library's parser: XML 1.0, strict about characters
    etree.fromstring(tmx, etree.XMLParser(recover=False))
    validate_tmx(out / "pairs.tmx")
    with open(out / "pairs.tsv", encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh, delimiter="\t"))
    assert len(rows) > 1 and all(len(r) == 6 for r in rows)


def test_executor_ray_without_ray_is_one_clear_error(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)  # what `import ray` meets without the extra
    root = tmp_path / "in"
    write_txt_articles(root, 1)
    result = runner.invoke(app, ["batch", str(root), "--out", str(tmp_path / "out"), "--executor", "ray", "--workers", "2"])
    assert result.exit_code == 2
    err = result.stderr.strip()
    assert err.startswith("error: --executor ray needs Ray") and "pip install 'newsbridge[ray]'" in err and "\n" not in err
    assert not (tmp_path / "out").exists()  # refused before anything was written


def test_executor_options_that_do_not_fit_together(tmp_path):
    root = tmp_path / "in"
    write_txt_articles(root, 1)
    base = ["batch", str(root), "--out", str(tmp_path / "out")]
    local_only = runner.invoke(app, [*base, "--ray-address", "auto"])
    assert local_only.exit_code == 2 and "--ray-address only apply to --executor ray" in local_only.stderr
    disagree = runner.invoke(app, [*base, "--workers", "2", "--world-size", "3"])
    assert disagree.exit_code == 2 and "--workers 2 and --world-size 3 disagree" in disagree.stderr
    bad = runner.invoke(app, [*base, "--executor", "spark"])
    assert bad.exit_code == 2 and "spark" in bad.output


def test_local_workers_run_every_rank_here(tmp_path):
    root = tmp_path / "in"
    write_txt_articles(root, 6)
    fast = ["--set", "pipeline.stages=[clean,segment]", "--set", "batch.batch_size=2"]
    one = runner.invoke(app, ["batch", str(root), "--out", str(tmp_path / "one"), *fast])
    three = runner.invoke(app, ["batch", str(root), "--out", str(tmp_path / "three"), *fast, "--workers", "3"])
    assert one.exit_code == 0 and three.exit_code == 0, three.output
    assert "6 inputs = 6 written + 0 errors + 0 skipped duplicates: ok" in three.stdout
    assert read_outputs(tmp_path / "one") == read_outputs(tmp_path / "three")
    assert sorted(p.name for p in (tmp_path / "three" / "work").glob("worker-*")) == [f"worker-0000{r}-of-00003" for r in range(3)]
