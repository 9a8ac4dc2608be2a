"""`newsbridge batch --executor ray` on a local Ray cluster: the same outputs as one local
worker (the model stages at their default batch sizes, caches on), a worker SIGKILLed
mid-unit retried by Ray and resumed from its ledger, a killed driver resumed by running the
command again, the shared-filesystem check, and the one clear error without Ray. Waits are
bounded by progress (ledger commits), not by the clock.

One cluster per module (`ray.init(address="local")` here, on 127.0.0.1); in-process runs
reuse this process's connection, subprocess drivers join it by its address.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.cli.app import app

from .helpers import assert_same_outputs, jsonl, write_txt_articles
from .test_engine import _archive, _feeds_split_over_two_workers

os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")  # the test cluster listens on 127.0.0.1 only
if os.environ.get("NEWSBRIDGE_REQUIRE_RAY"):  # CI: fail, never skip, when the extra is missing
    import ray
ray = pytest.importorskip("ray", reason="the 'ray' extra is not installed (pip install 'newsbridge[ray]'); CI installs it")

runner = CliRunner()
FAST = ["--set", "pipeline.stages=[clean,segment]", "--set", "batch.batch_size=3", "--set", "batch.outputs=[parquet,tsv,tmx]"]


@pytest.fixture(scope="module")
def cluster():
    ray.init(address="local", num_cpus=3, include_dashboard=False, _node_ip_address="127.0.0.1",
             object_store_memory=128 * 1024**2, logging_level="ERROR", log_to_driver=False)
    try:
        yield ray.get_runtime_context().gcs_address
    finally:
        ray.shutdown()


def _cli() -> list[str]:
    script = Path(sys.executable).with_name("newsbridge")
    return [str(script)] if script.exists() else [sys.executable, "-c", "from pipeline.cli.app import main; main()"]


def test_ray_two_and_three_workers_write_what_one_local_worker_writes(tmp_path, cluster):
    root = _archive(tmp_path / "in")
    _feeds_split_over_two_workers(root / "feeds")  # duplicates found only at the merge
    one = runner.invoke(app, ["batch", str(root), "--out", str(tmp_path / "one"), *FAST])
    assert one.exit_code == 0, one.output
    for w in (2, 3):
        out = tmp_path / f"ray{w}"
        result = runner.invoke(app, ["batch", str(root), "--out", str(out), *FAST, "--executor", "ray",
                                     "--workers", str(w), "--progress"])
        assert result.exit_code == 0, result.output
        assert_same_outputs(tmp_path / "one", out)
        manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
        assert manifest["executor"]["name"] == "ray" and manifest["executor"]["workers"] == w
        assert {s["worker"] for s in manifest["sessions"]} == set(range(w))
        # One progress display for the whole job: every worker's units counted once.
        total = manifest["counts"]["inputs"]
        assert f"{total}/{total}" in result.stderr and "articles/s" in result.stderr
    assert len(jsonl(tmp_path / "one" / "duplicates.jsonl")) == 4


def _worker_batches(out: Path, rank: int, world: int) -> int:
    db = out / "work" / f"worker-{rank:05d}-of-{world:05d}" / "ledger.sqlite"
    if not db.exists():
        return 0
    try:
        con = sqlite3.connect(str(db), timeout=5)
        try:
            row = con.execute("SELECT value FROM meta WHERE key = 'batches'").fetchone()
        finally:
            con.close()
    except sqlite3.Error:
        return 0
    return int(row[0]) if row else 0


def _all_batches(out: Path, world: int) -> int:
    return sum(_worker_batches(out, r, world) for r in range(world))


def _wait_for(proc: subprocess.Popen, what, out: Path, world: int, stall: float = 300.0):
    """Poll until what() is true; fail if the job exits first or commits nothing new for
    `stall` seconds (progress-bounded: a slow machine only makes it slower)."""
    last, since = -1, time.monotonic()
    while not what():
        assert proc.poll() is None, f"the job ended before it could be interrupted:\n{proc.stderr.read()[-2000:]}"
        now = _all_batches(out, world)
        if now != last:
            last, since = now, time.monotonic()
        assert time.monotonic() - since < stall, "no batch committed for a long time"
        time.sleep(0.05)


def _finish(proc: subprocess.Popen, out: Path, world: int, stall: float = 300.0) -> tuple[int, str, str]:
    last, since = -1, time.monotonic()
    while proc.poll() is None:
        now = _all_batches(out, world)
        if now != last:
            last, since = now, time.monotonic()
        if time.monotonic() - since > stall:
            proc.kill()
            pytest.fail("the job stopped making progress")
        time.sleep(0.1)
    return proc.returncode, proc.stdout.read(), proc.stderr.read()


def test_three_ray_workers_with_the_model_stages_write_what_one_local_worker_writes(tmp_path, cluster, model_archive):
    # Default model batch sizes and caches: each work unit is one batch wherever it runs.
    # (Two workers: the SIGKILL and killed-driver tests below compare with the same baseline.)
    root, options, base = model_archive
    out = tmp_path / "ray3"
    result = runner.invoke(app, ["batch", str(root), "--out", str(out), *options, "--executor", "ray", "--workers", "3"])
    assert result.exit_code == 0, result.output
    assert_same_outputs(base, out)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert [s["processed"] for s in sorted(manifest["sessions"], key=lambda s: s["worker"])] == [10, 8, 8]


def test_sigkilled_worker_is_retried_by_ray_and_resumes_from_its_ledger(tmp_path, cluster, model_archive):
    root, sets, base = model_archive
    out = tmp_path / "ray"
    args = [*_cli(), "batch", str(root), "--out", str(out), *sets, "--executor", "ray", "--workers", "2",
            "--ray-address", cluster, "--max-retries", "2"]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lock = out / "work" / "worker-00000-of-00002" / "lock"
    _wait_for(proc, lambda: _worker_batches(out, 0, 2) >= 2, out, 2)
    pid = int(lock.read_text().split()[1])
    assert pid not in (proc.pid, os.getpid())  # the worker runs in a Ray worker process, not in a driver
    # Never SIGKILL a pid not proven to be that worker now: a pid (or a thread id, which
    # kill() takes for its whole process) freed and reused would take another process down.
    assert Path(f"/proc/{pid}/cmdline").read_bytes().startswith(b"ray::newsbridge-worker-0-of-2\0")
    os.kill(pid, signal.SIGKILL)
    code, stdout, stderr = _finish(proc, out, 2)
    assert code == 0, stderr[-3000:]
    assert_same_outputs(base, out)
    con = sqlite3.connect(str(out / "work" / "worker-00000-of-00002" / "ledger.sqlite"))
    sessions = con.execute("SELECT status, processed FROM sessions ORDER BY n").fetchall()
    units = con.execute("SELECT COUNT(*) FROM units").fetchone()[0]
    con.close()
    # The killed attempt never ended its session; Ray's retry resumed where it had committed.
    assert [s for s, _ in sessions] == ["running", "complete"], sessions
    assert 0 < sessions[1][1] < units


def test_killed_driver_resumes_when_the_command_is_run_again(tmp_path, model_archive):
    # No --ray-address: each run starts (and stops) its own local cluster, as a user's would.
    root, sets, base = model_archive
    out = tmp_path / "ray"
    args = [*_cli(), "batch", str(root), "--out", str(out), *sets, "--executor", "ray", "--workers", "2"]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    _wait_for(proc, lambda: _all_batches(out, 2) >= 2, out, 2)
    proc.kill()
    proc.wait()
    assert not (out / "manifest.json").exists()
    again = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    code, stdout, stderr = _finish(again, out, 2)
    assert code == 0, stderr[-3000:]
    assert "26 inputs = 25 written + 0 errors + 1 skipped duplicates: ok" in stdout, stdout[-800:]
    assert_same_outputs(base, out)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert "running" in [s["status"] for s in manifest["sessions"]]  # the killed run's sessions


def test_worker_that_cannot_see_the_output_directory_names_node_and_path(tmp_path, cluster, monkeypatch):
    # A node with its own copy of OUT (not the shared one) does not see the driver's token.
    import socket

    from pipeline.batch import ray_executor

    root = tmp_path / "in"
    write_txt_articles(root, 2)
    monkeypatch.setattr(ray_executor, "write_job_token", _token_elsewhere)
    result = runner.invoke(app, ["batch", str(root), "--out", str(tmp_path / "out"), *FAST, "--executor", "ray"])
    assert result.exit_code == 2, result.output
    err = result.stderr.strip()
    assert err.startswith("error: worker 0 on node ") and "\n" not in err
    assert socket.gethostname() in err and str(tmp_path / "out") in err and "shared filesystem" in err
    assert not (tmp_path / "out" / "articles.jsonl").exists()


def _token_elsewhere(out: Path) -> str:
    from pipeline.batch.sharedfs import write_job_token

    write_job_token(out)
    return "not-the-token-on-disk"


def test_check_worker_view_names_what_is_missing(tmp_path):
    import socket

    from pipeline.batch.sharedfs import SharedFilesystemError, check_worker_view, write_job_token

    out = tmp_path / "out"
    token = write_job_token(out)
    check_worker_view([str(tmp_path)], str(out), token, "/", rank=0)  # sees everything
    with pytest.raises(SharedFilesystemError, match=f"worker 1 on node {socket.gethostname()} cannot see the input {tmp_path / 'gone'}"):
        check_worker_view([str(tmp_path / "gone")], str(out), token, "/", rank=1)
    with pytest.raises(SharedFilesystemError, match=f"does not see the output directory {tmp_path / 'elsewhere'}"):
        check_worker_view([str(tmp_path)], str(tmp_path / "elsewhere"), token, "/", rank=0)
    with pytest.raises(SharedFilesystemError, match="cannot see /no/such/dir, the directory the relative paths"):
        check_worker_view(["in"], str(out), token, "/no/such/dir", rank=0)


def test_stop_request_reaches_every_worker_and_the_job_resumes(tmp_path, cluster):
    # What Ctrl-C/SIGTERM on the driver does: every worker finishes its batch in flight,
    # commits and returns interrupted; the next run completes to the same outputs.
    from pipeline.batch.control import StopFlag
    from pipeline.batch.engine import BatchJob
    from pipeline.batch.executor import run_job
    from pipeline.batch.ray_executor import RayExecutor
    from pipeline.config import load_config

    root = tmp_path / "in"
    write_txt_articles(root, 16)
    cfg = load_config(None, ["pipeline.stages=[clean,segment]", "batch.batch_size=1"])
    run_job(BatchJob(inputs=[root], out=tmp_path / "one", config=cfg), _local())
    stop = StopFlag()
    stop.request(signal.SIGTERM)  # asked before the workers have committed anything
    job = BatchJob(inputs=[root], out=tmp_path / "ray", config=cfg)
    first = run_job(job, RayExecutor(), world_size=2, stop=stop)
    assert first.status == "interrupted" and first.final is None
    assert all(r.status == "interrupted" and r.signal == signal.SIGTERM for r in first.results)
    assert 0 < first.combined.processed < 16  # each worker stopped after its batch in flight
    again = run_job(job, RayExecutor(), world_size=2)
    assert again.status == "complete" and again.combined.processed == 16 - first.combined.processed
    assert_same_outputs(tmp_path / "one", tmp_path / "ray")


def _local():
    from pipeline.batch.local import LocalExecutor

    return LocalExecutor()
