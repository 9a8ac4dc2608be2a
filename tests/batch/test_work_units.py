"""Work units: the batches the stages see are a function of the inputs alone, so the model
stages at their default batch sizes, with their caches on, write the same bytes whatever
the number of workers and however a unit was interrupted (pipeline/batch/engine.py)."""

from __future__ import annotations

import shutil
import sqlite3

from typer.testing import CliRunner

from pipeline.cli.app import app

from .helpers import assert_same_outputs

runner = CliRunner()


def test_ranks_run_as_separate_commands_write_what_one_worker_writes(tmp_path, model_archive):
    root, options, base = model_archive
    out = tmp_path / "ranks"
    for rank in (2, 0, 1):  # any order; the last one to finish merges
        done = runner.invoke(app, ["batch", str(root), "--out", str(out), *options, "--rank", str(rank), "--world-size", "3"])
        assert done.exit_code == 0, done.output
    assert_same_outputs(base, out)
    # Each rank did its own share of the units: round robin over the 7 units of 4 records.
    for rank, units in ((0, 4 + 4 + 2), (1, 4 + 4), (2, 4 + 4)):
        con = sqlite3.connect(str(out / "work" / f"worker-{rank:05d}-of-00003" / "ledger.sqlite"))
        assert con.execute("SELECT COUNT(*) FROM units").fetchone()[0] == units
        con.close()


def test_a_unit_partly_lost_is_done_again_whole_and_only_the_lost_records_written(tmp_path, model_archive):
    # Its lines damaged on disk, one record of a unit is redone: the stages see the whole
    # unit again (the same batch as the first time), the ledger takes only that record.
    root, options, base = model_archive
    out = tmp_path / "out"
    shutil.copytree(base, out)  # a finished job: its work/ folder is what a run leaves
    log = out / "work" / "worker-00000-of-00001" / "articles.jsonl"
    lines = log.read_bytes().splitlines(keepends=True)
    line = bytearray(lines[5])  # the 6th record: in the 2nd unit
    i = line.index(b'"text"') + 12
    line[i] = ord("Z") if line[i] != ord("Z") else ord("Y")
    lines[5] = bytes(line)
    log.write_bytes(b"".join(lines))
    again = runner.invoke(app, ["batch", str(root), "--out", str(out), *options])
    assert again.exit_code == 0, again.output
    assert "resumed: 1 committed record(s) were damaged" in again.stderr
    assert_same_outputs(base, out)
    con = sqlite3.connect(str(out / "work" / "worker-00000-of-00001" / "ledger.sqlite"))
    last = con.execute("SELECT info FROM sessions ORDER BY n DESC LIMIT 1").fetchone()[0]
    con.close()
    assert '"written": 1' in last  # one record written again, though its unit of 4 ran again


def test_a_file_added_between_ranks_is_caught_and_the_rerun_equals_a_fresh_run(tmp_path):
    # A file added mid-job moves every later record to another unit (and worker): the
    # rank that merges sees that the workers read different inputs and says so; running
    # the ranks again redoes the moved units, and nothing is written twice or lost.
    from .helpers import read_outputs, write_txt_articles

    fast = ["--set", "pipeline.stages=[clean,segment]", "--set", "batch.batch_size=2", "--no-progress"]
    root = tmp_path / "in"
    paths = write_txt_articles(root, 6, seed=9)
    out = tmp_path / "out"

    def rank(r):
        return runner.invoke(app, ["batch", str(root), "--out", str(out), *fast, "--rank", str(r), "--world-size", "2"])

    assert rank(0).exit_code == 0
    (root / (paths[1].stem + "-late.txt")).write_text("A late title\n\nFiled after the job began.\n", encoding="utf-8")
    changed = rank(1)
    assert changed.exit_code == 1 and changed.stderr.count("\n") == 1, changed.output
    assert "the inputs changed while the job ran" in changed.stderr and "run the same command again" in changed.stderr
    assert not (out / "articles.jsonl").exists()
    assert rank(0).exit_code == 0 and rank(1).exit_code == 0
    fresh = tmp_path / "fresh"
    assert runner.invoke(app, ["batch", str(root), "--out", str(fresh), *fast]).exit_code == 0
    assert read_outputs(fresh) == read_outputs(out)
