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
