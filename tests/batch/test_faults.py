"""Faults and hostile inputs a long unattended batch meets (issue 19), through the real
CLI: one bad input is an error record and the job goes on; a fault of the job (disk,
lock, damaged state) is one line and an exit code, never a traceback; nothing is lost:
every other article comes out byte-identical to a clean run, and a resume after the
fault finishes the job with the same outputs.

Stages are clean + segment (no models): the faults are in reading, the ledger, the log
and the outputs, which do not depend on what the stages compute."""

from __future__ import annotations

import errno
import json
import os
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.cli.app import app

from .helpers import jsonl, read_outputs, write_jsonl, write_txt_articles

runner = CliRunner()
FAST = ["--set", "pipeline.stages=[clean,segment]", "--set", "batch.batch_size=2"]
WORKER = Path("work") / "worker-00000-of-00001"
GOOD = [{"id": f"r{i}", "title": f"Record {i}", "text": f"Body of record {i}.\n\nA second paragraph, number {i}."} for i in range(4)]
# Same position, an error either way: what a clean archive holds where the hostile one has its bad record.
PLACEHOLDER = {"id": "placeholder", "text": ""}


def batch(*args: str, sets: list[str] = ()):
    return runner.invoke(app, ["batch", *map(str, args), *FAST, *sets])


def one_line_error(result, *needles: str, code: int) -> str:
    assert result.exit_code == code, (result.exit_code, result.output)
    assert "Traceback" not in result.output
    err = result.stderr.strip().splitlines()[-1]
    assert err.startswith("error:"), result.stderr
    for needle in needles:
        assert needle in err, err
    return err


def ok(result) -> None:
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output


def errors_of(out: Path) -> list[dict]:
    return jsonl(out / "errors.jsonl")


def clean_run(tmp_path: Path, build) -> dict[str, bytes]:
    """The outputs of a run on the same archive without the fault (built at the same paths)."""
    root = build(tmp_path / "archive")
    out = tmp_path / "clean-out"
    ok(batch(root, "--out", out))
    outputs = read_outputs(out)
    import shutil

    shutil.rmtree(root)
    shutil.rmtree(out)
    return outputs


def txt_archive(root: Path) -> Path:
    write_txt_articles(root, 5, seed=11)
    return root


# -- hostile inputs: an error record each, the job goes on ---------------------------------


@pytest.mark.timeout(300)  # a hang is the bug: fail instead of blocking the suite
def test_fifo_in_a_folder_is_an_error_record_and_never_blocks(tmp_path):
    clean = clean_run(tmp_path, txt_archive)
    root = txt_archive(tmp_path / "archive")
    os.mkfifo(root / "x.txt")
    os.mkfifo(root / "feed.jsonl")
    out = tmp_path / "out"
    ok(batch(root, "--out", out))
    errors = {Path(e["source"]["path"]).name: e for e in errors_of(out)}
    assert set(errors) == {"x.txt", "feed.jsonl"}
    assert all(e["kind"] == "not_a_file" and "named pipe (FIFO), not a regular file" in e["message"] for e in errors.values())
    assert read_outputs(out)["articles.jsonl"] == clean["articles.jsonl"]


@pytest.mark.timeout(300)
@pytest.mark.parametrize("command", ["run", "detect"])
def test_fifo_given_directly_is_one_clear_error(tmp_path, command):
    fifo = tmp_path / "x.txt"
    os.mkfifo(fifo)
    result = runner.invoke(app, [command, str(fifo), "--set", "pipeline.stages=[clean,segment]"])
    one_line_error(result, f"{fifo}: is a named pipe (FIFO), not a regular file", code=1)


def _deep_archive(root: Path, deep: bool) -> Path:
    bad = "[" * 100_000 + "]" * 100_000 if deep else json.dumps(PLACEHOLDER)
    root.mkdir(parents=True)
    lines = [json.dumps(r) for r in GOOD[:3]] + [bad] + [json.dumps(GOOD[3])]
    (root / "feed.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (root / "deep.json").write_text(bad, encoding="utf-8")
    write_txt_articles(root / "txt", 2, seed=5)
    return root


def test_deep_nesting_is_an_error_record_recorded_once(tmp_path):
    clean = clean_run(tmp_path, lambda r: _deep_archive(r, deep=False))
    root = _deep_archive(tmp_path / "archive", deep=True)
    out = tmp_path / "out"
    ok(batch(root, "--out", out))
    errors = {(Path(e["source"]["path"]).name, e["source"].get("row")): e for e in errors_of(out)}
    assert "nested too deeply" in errors[("feed.jsonl", 3)]["message"]
    assert "nested too deeply" in errors[("deep.json", 0)]["message"]
    first = read_outputs(out)
    assert first["articles.jsonl"] == clean["articles.jsonl"]  # the records around it are all there
    # The resume does not try the poisoned input again: nothing is left to do.
    again = batch(root, "--out", out)
    ok(again)
    assert "this run: 0 inputs committed" in again.stdout
    assert read_outputs(out) == first


def test_unreadable_sub_folder_is_an_error_record(tmp_path, monkeypatch):
    clean = clean_run(tmp_path, txt_archive)
    root = txt_archive(tmp_path / "archive")
    locked = root / "private"
    locked.mkdir()
    (locked / "secret.txt").write_text("A secret article.\n", encoding="utf-8")
    real_scandir = os.scandir

    def scandir(path="."):  # root reads any folder: refuse this one as a user's chmod 000 would
        if Path(path) == locked:
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    out = tmp_path / "out"
    ok(batch(root, "--out", out))
    (err,) = errors_of(out)
    assert err["source"]["path"] == str(locked) and err["kind"] == "unreadable"
    assert "folder cannot be listed (Permission denied)" in err["message"]
    assert read_outputs(out)["articles.jsonl"] == clean["articles.jsonl"]


def test_memory_error_on_one_record_is_its_error(tmp_path, monkeypatch):
    import pipeline.io.records as records

    def build(root: Path, poison: bool) -> Path:
        rows = [*GOOD[:2], {"id": "poison", "text": "POISON"} if poison else PLACEHOLDER, *GOOD[2:]]
        write_jsonl(root / "feed.jsonl", rows)
        return root

    clean = clean_run(tmp_path, lambda r: build(r, poison=False))
    real = records.record_to_article

    def exploding(rec, **kw):
        if rec.get("text") == "POISON":
            raise MemoryError
        return real(rec, **kw)

    monkeypatch.setattr(records, "record_to_article", exploding)
    root = build(tmp_path / "archive", poison=True)
    out = tmp_path / "out"
    ok(batch(root, "--out", out))
    (err,) = errors_of(out)
    assert err["source"]["row"] == 2 and err["kind"] == "too_large" and "memory" in err["message"]
    assert read_outputs(out)["articles.jsonl"] == clean["articles.jsonl"]


def test_missing_dependency_names_the_package(tmp_path, monkeypatch):
    import pipeline.batch.sources as sources

    root = txt_archive(tmp_path / "archive")
    (root / "table.parquet").write_bytes(b"PAR1")
    real = sources.iter_records

    def no_pyarrow(path, *a, **kw):
        if str(path).endswith(".parquet"):
            raise ModuleNotFoundError("No module named 'pyarrow'", name="pyarrow")
        return real(path, *a, **kw)

    monkeypatch.setattr(sources, "iter_records", no_pyarrow)
    out = tmp_path / "out"
    ok(batch(root, "--out", out))
    (err,) = errors_of(out)
    assert err["kind"] == "dependency" and "needs the Python package 'pyarrow'" in err["message"]
    assert "pip install pyarrow" in err["message"]
    assert len(jsonl(out / "articles.jsonl")) == 5


def _csv_archive(root: Path, broken: bool) -> Path:
    root.mkdir(parents=True)
    bad = 'c2,"Row two opens a quote and never closes it.' if broken else 'c2,""'
    rows = ["id,text", 'c1,"Row one text."', bad, 'c3,"Row three text."', "c4,Row four text."]
    (root / "table.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return root


def test_csv_unterminated_quote_is_an_error_naming_the_line_and_later_rows_are_read(tmp_path):
    clean = clean_run(tmp_path, lambda r: _csv_archive(r, broken=False))
    root = _csv_archive(tmp_path / "archive", broken=True)
    out = tmp_path / "out"
    ok(batch(root, "--out", out))
    (err,) = errors_of(out)
    assert err["source"]["row"] == 1 and err["kind"] == "record"
    assert "row 2 (line 3)" in err["message"] and "not valid CSV" in err["message"]
    assert [r["id"] for r in jsonl(out / "articles.jsonl")] == ["c1", "c3", "c4"]
    assert read_outputs(out)["articles.jsonl"] == clean["articles.jsonl"]


def test_huge_jsonl_line_is_an_error_record(tmp_path):
    def build(root: Path, huge: bool) -> Path:
        root.mkdir(parents=True)
        bad = json.dumps({"id": "huge", "text": "x" * 3_000_000}) if huge else json.dumps(PLACEHOLDER)
        lines = [json.dumps(GOOD[0]), bad, json.dumps(GOOD[1])]
        (root / "feed.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
        return root

    sets = ["--set", "read.max_bytes=100000"]
    root = build(tmp_path / "c", huge=False)
    ok(batch(root, "--out", tmp_path / "clean", sets=sets))
    clean = read_outputs(tmp_path / "clean")
    import shutil

    shutil.rmtree(root)
    root = build(tmp_path / "c", huge=True)
    out = tmp_path / "out"
    ok(batch(root, "--out", out, sets=sets))
    (err,) = errors_of(out)
    assert err["kind"] == "too_large" and "line 2" in err["message"] and "over read.max_bytes=100,000" in err["message"]
    assert read_outputs(out)["articles.jsonl"] == clean["articles.jsonl"]


def test_article_over_the_size_limit_is_a_clear_error(tmp_path):
    root = txt_archive(tmp_path / "archive")
    result = runner.invoke(app, ["run", str(next(root.glob("*.txt"))), "--set", "pipeline.stages=[clean,segment]",
                                 "--set", "read.max_article_chars=50"])
    one_line_error(result, "over read.max_article_chars=50", code=1)
    out = tmp_path / "out"
    ok(batch(root, "--out", out, sets=["--set", "read.max_article_chars=50"]))
    assert len(errors_of(out)) == 5 and all(e["kind"] == "too_long" for e in errors_of(out))


# -- faults of the job: one line, an exit code; the resume finishes it ---------------------


def test_disk_full_while_processing_then_resume(tmp_path, monkeypatch):
    clean = clean_run(tmp_path, txt_archive)
    root = txt_archive(tmp_path / "archive")
    out = tmp_path / "out"
    real = os.fsync
    calls = []

    def full(fd):
        # The worker log's second fsync (its second batch) meets a full disk.
        if os.readlink(f"/proc/self/fd/{fd}").endswith("worker-00000-of-00001/articles.jsonl"):
            calls.append(1)
            if len(calls) == 2:
                raise OSError(errno.ENOSPC, "No space left on device")
        return real(fd)

    monkeypatch.setattr(os, "fsync", full)
    err = one_line_error(batch(root, "--out", out), "no space left on the device writing", code=74)
    assert str(out / WORKER / "articles.jsonl") in err and "run the same command again" in err
    monkeypatch.setattr(os, "fsync", real)
    ok(batch(root, "--out", out))
    assert read_outputs(out) == clean


def test_disk_full_while_finalising_then_resume(tmp_path, monkeypatch):
    clean = clean_run(tmp_path, txt_archive)
    root = txt_archive(tmp_path / "archive")
    out = tmp_path / "out"
    real = os.fsync

    def full(fd):  # the finished articles.jsonl cannot be flushed to disk
        if os.readlink(f"/proc/self/fd/{fd}").startswith(str(out / ".articles.jsonl.")):
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(fd)

    with monkeypatch.context() as m:
        m.setattr(os, "fsync", full)
        one_line_error(batch(root, "--out", out), f"no space left on the device writing {out / 'articles.jsonl'}", code=74)
    assert not list(out.glob(".*.tmp")) and not (out / "manifest.json").exists()
    ok(batch(root, "--out", out))
    assert read_outputs(out) == clean


def test_out_that_cannot_be_written_is_one_line(tmp_path):
    target = Path("/sys/newsbridge-out")
    try:
        target.mkdir()
    except OSError:
        pass
    else:
        target.rmdir()
        pytest.skip("/sys is writable here")
    root = txt_archive(tmp_path / "archive")
    result = batch(root, "--out", target)
    assert result.exit_code in (2, 74) and "Traceback" not in result.output
    assert result.stderr.strip().startswith("error:") and str(target) in result.stderr


@pytest.mark.parametrize("damage", ["garbled header", "truncated"])
def test_damaged_ledger_is_one_line_naming_it_and_how_to_redo(tmp_path, damage):
    clean = clean_run(tmp_path, txt_archive)
    root = txt_archive(tmp_path / "archive")
    out = tmp_path / "out"
    ok(batch(root, "--out", out))
    ledger = out / WORKER / "ledger.sqlite"
    data = ledger.read_bytes()
    ledger.write_bytes(b"\x00garbage" * 16 + data[128:] if damage == "garbled header" else data[:1500])
    err = one_line_error(batch(root, "--out", out), str(ledger), "damaged", "move it aside", code=1)
    assert "redone" in err
    ledger.unlink()  # what the message says to do
    ok(batch(root, "--out", out))
    assert read_outputs(out) == clean


@pytest.mark.parametrize("damage", ["invalid utf-8", "edited text", "cut short"])
def test_damaged_worker_log_records_are_redone_not_published(tmp_path, damage):
    clean = clean_run(tmp_path, txt_archive)
    root = txt_archive(tmp_path / "archive")
    out = tmp_path / "out"
    ok(batch(root, "--out", out))
    log = out / WORKER / "articles.jsonl"
    data = bytearray(log.read_bytes())
    first_end = data.index(b"\n")
    if damage == "invalid utf-8":
        data[10:12] = b"\xff\xfe"
    elif damage == "edited text":
        i = data.index(b'"text"')
        data[i + 12] = ord("Z") if data[i + 12] != ord("Z") else ord("Y")
    else:
        data = data[: first_end + 40]  # the second committed line and all after it are gone
    log.write_bytes(bytes(data))
    (out / "articles.jsonl").unlink()
    again = batch(root, "--out", out)
    ok(again)
    assert "done again" in again.stderr
    assert read_outputs(out) == clean


def test_finaliser_never_publishes_a_line_that_fails_its_checksum(tmp_path):
    from pipeline.batch.finalize import finalize
    from pipeline.config import load_config
    from pipeline.io.jsonl import LogCorrupted

    root = txt_archive(tmp_path / "archive")
    out = tmp_path / "out"
    ok(batch(root, "--out", out))
    log = out / WORKER / "articles.jsonl"
    data = bytearray(log.read_bytes())
    data[20] = ord("#") if data[20] != ord("#") else ord("%")
    log.write_bytes(bytes(data))
    with pytest.raises(LogCorrupted, match="damaged.*run the same command again"):
        finalize(out, load_config(None, ["pipeline.stages=[clean,segment]", "batch.batch_size=2"]), 1, inputs=[str(root)])


def test_concurrent_run_during_finalise_is_refused_and_the_first_finishes(tmp_path, monkeypatch):
    import pipeline.batch.finalize as fin

    clean = clean_run(tmp_path, txt_archive)
    root = txt_archive(tmp_path / "archive")
    out = tmp_path / "out"
    seen = {}
    real = fin._Parallel.counts

    def second_run_meanwhile(self):
        # The first run is finalising: its temp outputs exist. A second run now must not
        # start (it used to delete them, and the first crashed with FileNotFoundError).
        seen["temps"] = sorted(p.name for p in out.glob(".*.tmp"))
        seen["second"] = batch(root, "--out", out)
        return real(self)

    monkeypatch.setattr(fin._Parallel, "counts", second_run_meanwhile)
    ok(batch(root, "--out", out))
    assert seen["temps"]
    one_line_error(seen["second"], f"another batch is writing {out} (pid {os.getpid()})", code=2)
    assert read_outputs(out) == clean


def test_unexpected_exception_writes_a_crash_report(tmp_path, monkeypatch):
    import pipeline.batch.executor as executor  # run_job: the one place that calls finalize

    def boom(*a, **kw):
        raise ValueError("something nobody expected")

    monkeypatch.setattr(executor, "finalize", boom)
    root = txt_archive(tmp_path / "archive")
    out = tmp_path / "out"
    err = one_line_error(batch(root, "--out", out), "unexpected internal error (ValueError: something nobody expected)", code=70)
    (report,) = out.glob("newsbridge-crash-*.txt")
    assert str(report) in err
    text = report.read_text(encoding="utf-8")
    assert "Traceback" in text and "something nobody expected" in text and "crash report" in text
    assert '"stages": [\n      "clean",\n      "segment"\n    ]' in text  # the resolved config


# -- changed inputs: never silently missing -----------------------------------------------


def test_input_edited_between_runs_is_read_again(tmp_path):
    root = tmp_path / "archive"
    feed = write_jsonl(root / "feed.jsonl", GOOD[:3])
    out = tmp_path / "out"
    ok(batch(root, "--out", out))
    write_jsonl(feed, [{"id": "new", "text": "Inserted at the top after the first run."}, *GOOD[:3]])
    again = batch(root, "--out", out)
    ok(again)
    assert "changed since the last run, read again" in again.stderr and "feed.jsonl" in again.stderr
    ids = [r["id"] for r in jsonl(out / "articles.jsonl")]
    assert ids == ["new", "r0", "r1", "r2"]
    reference = tmp_path / "reference"
    ok(batch(root, "--out", reference))
    assert read_outputs(out) == read_outputs(reference)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["counts"]["balanced"] and manifest["counts"]["written"] == 4


def test_input_edited_between_a_stop_and_the_resume(tmp_path):
    """The issue's case: killed mid-file, a record inserted at the top, resumed: exit 0 with
    the new article missing. Now the changed file is read again from the start."""
    from pipeline.batch.control import StopFlag
    from pipeline.batch.engine import BatchJob, run_worker
    from pipeline.batch.local import run_local
    from pipeline.config import load_config

    cfg = load_config(None, ["pipeline.stages=[clean,segment]", "batch.batch_size=2"])
    root = tmp_path / "archive"
    feed = write_jsonl(root / "feed.jsonl", GOOD)
    out = tmp_path / "out"
    stop = StopFlag()

    class StopAfterFirstBatch:
        def start(self, total, done): pass
        def advance(self, *a): stop.request()
        def finish(self): pass

    first = run_worker(BatchJob(inputs=[root], out=out, config=cfg), stop=stop, progress=StopAfterFirstBatch())
    assert first.status == "interrupted" and first.written == 2
    write_jsonl(feed, [{"id": "new", "text": "Inserted at the top while the job was stopped."}, *GOOD])
    results, final = run_local(BatchJob(inputs=[root], out=out, config=cfg))
    assert results[0].changed_inputs and final is not None and not final.unbalanced
    assert [r["id"] for r in jsonl(out / "articles.jsonl")] == ["new", "r0", "r1", "r2", "r3"]
    _, ref = run_local(BatchJob(inputs=[root], out=tmp_path / "ref", config=cfg))
    assert read_outputs(out) == read_outputs(tmp_path / "ref")


def test_touched_but_unchanged_input_is_not_redone(tmp_path):
    root = tmp_path / "archive"
    feed = write_jsonl(root / "feed.jsonl", GOOD)
    out = tmp_path / "out"
    ok(batch(root, "--out", out))
    st = feed.stat()
    os.utime(feed, ns=(st.st_atime_ns, st.st_mtime_ns + 5_000_000_000))
    again = batch(root, "--out", out)
    ok(again)
    assert "changed since" not in again.stderr and "this run: 0 inputs committed" in again.stdout
    con = sqlite3.connect(str(out / WORKER / "ledger.sqlite"))
    saved = json.loads(con.execute("SELECT fingerprint FROM inputs").fetchone()[0])
    con.close()
    assert saved["mtime_ns"] == feed.stat().st_mtime_ns  # the new mtime is remembered


def test_an_exit_the_command_chose_is_not_a_crash(tmp_path, monkeypatch):
    """fail() inside a command (Ctrl-C's exit 130, an unbalanced account) passes the boundary as is."""
    import typer

    from pipeline.cli.common import cli_errors, fail

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))

    @cli_errors
    def command(out=None):
        raise fail("stopped by SIGINT", 130)

    with pytest.raises(typer.Exit) as info:
        command(out=tmp_path)
    assert info.value.exit_code == 130 and not list(tmp_path.glob("newsbridge-crash-*"))
