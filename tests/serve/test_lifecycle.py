"""Nothing lost: SIGTERM/Ctrl-C finishes or re-queues what is in flight, a SIGKILL'd
server resumes queued and half-done jobs when started again. Real server processes;
every wait is bounded by the jobs' progress, never a fixed sleep."""

from __future__ import annotations

import signal
import sqlite3
import time

import pytest

from .conftest import SHORT_EN, SHORT_UK
from .server import Server

pytestmark = pytest.mark.slow


def _statuses(data) -> dict[str, str]:
    with sqlite3.connect(data / "jobs.sqlite") as db:
        return dict(db.execute("SELECT id, status FROM jobs").fetchall())


def _started(data) -> dict[str, str]:
    """Status of the jobs the worker had taken (attempts > 0)."""
    with sqlite3.connect(data / "jobs.sqlite") as db:
        return dict(db.execute("SELECT id, status FROM jobs WHERE attempts > 0").fetchall())


def _submit_until_running(srv, client, n=4):
    """Submit n articles and return once the worker has taken the first (polled: the
    API's ?wait= waits for done/failed, not for a start)."""
    ids = [client.post("/api/articles", json={"text": (SHORT_EN if i % 2 else SHORT_UK) * 8}).json()["id"] for i in range(n)]
    deadline = time.monotonic() + 600
    while client.get(f"/api/articles/{ids[0]}").json()["status"] == "queued":
        srv._check_alive(deadline)
        time.sleep(0.02)
    return ids


@pytest.mark.parametrize(("grace", "expect"), [("0", {"queued"}), ("600", {"done"})])
def test_sigterm_requeues_or_finishes_in_flight(tmp_path, serve_overrides, grace, expect):
    srv = Server(tmp_path / "data", [*serve_overrides, f"serve.shutdown_grace_s={grace}", "serve.batch_size=2"]).start()
    try:
        with srv.client() as c:
            ids = _submit_until_running(srv, c)
        code = srv.stop(signal.SIGTERM)
    finally:
        srv.kill()
    assert "Traceback" not in srv.output(), srv.output()[-2000:]
    assert code in (0, -signal.SIGTERM, 128 + signal.SIGTERM), code
    statuses = _statuses(srv.data)
    assert set(statuses) == set(ids)
    assert "running" not in statuses.values()
    # The batch in flight when the signal came was put back (no grace) or finished (grace);
    # a batch done before it stays done; jobs never taken still wait.
    started = _started(srv.data)
    assert started and statuses[ids[-1]] == "queued", (started, srv.output()[-2000:])
    in_flight = [s for i, s in started.items() if i != ids[0]] or list(started.values())
    assert set(in_flight) == expect, (started, ids)

    again = Server(tmp_path / "data", serve_overrides, log=tmp_path / "second.log").start()
    try:
        with again.client() as c:
            assert [again.wait_done(c, i)["status"] for i in ids] == ["done"] * 4
            assert {a["id"] for a in c.get("/api/articles").json()["articles"]} == set(ids)
    finally:
        again.stop()
        again.kill()


def test_sigkill_then_restart_resumes_queued_and_half_done(tmp_path, serve_overrides):
    srv = Server(tmp_path / "data", [*serve_overrides, "serve.batch_size=2"]).start()
    with srv.client() as c:
        finished = c.post("/api/articles", json={"text": SHORT_EN, "title": "Finished before the kill"}).json()["id"]
        assert srv.wait_done(c, finished)["status"] == "done"
        ids = _submit_until_running(srv, c)
    srv.stop(signal.SIGKILL)
    statuses = _statuses(srv.data)
    assert "running" in statuses.values()  # a batch was half done when the server died
    assert statuses[finished] == "done"

    again = Server(tmp_path / "data", serve_overrides, log=tmp_path / "second.log").start()
    try:
        with again.client() as c:
            results = [again.wait_done(c, i) for i in ids]
            assert [r["status"] for r in results] == ["done"] * 4
            assert all(r["record"]["summary"]["uk"] and r["record"]["summary"]["en"] for r in results)
            history = c.get("/api/articles").json()["articles"]
            assert [a["id"] for a in history] == [*reversed(ids), finished]
            assert c.get(f"/api/articles/{finished}").json()["record"]["title"]["en"] == "Finished before the kill"
    finally:
        again.stop()
        again.kill()


def _comparable(record: dict) -> dict:
    """A record without what two runs of the same article may differ in: the job id
    (a new job) and nothing else -- a record holds no timings."""
    return {k: v for k, v in record.items() if k != "id"}


def test_sigkill_in_a_late_stage_resumes_from_the_last_completed_stage(tmp_path, serve_overrides):
    """Kill the server while a job is summarising (its last stage): the next start goes on
    from the checkpoint the translate stage left (no stage before summarize runs again),
    and the record equals an uninterrupted run's."""
    from ..conftest import SAMPLE_ARTICLE

    # Sections make the summarize stage long enough to be caught in it (waits are by
    # progress: the job's stage as the database says, polled).
    text = "\n\n".join(f"## Part {i}\n\n" + SAMPLE_ARTICLE.read_text(encoding="utf-8") for i in range(4))
    body = {"text": text, "format": "md", "title": "Checkpointed"}
    overrides = [*serve_overrides, "serve.batch_size=1"]
    srv = Server(tmp_path / "data", overrides).start()
    try:
        with srv.client() as c:
            job_id = c.post("/api/articles", json=body).json()["id"]
        deadline = time.monotonic() + 600
        while True:
            with sqlite3.connect(tmp_path / "data" / "jobs.sqlite") as db:
                status, stage, done, saved = db.execute(
                    "SELECT status, stage, stages_done, checkpoint IS NOT NULL FROM jobs WHERE id=?", (job_id,)).fetchone()
            assert status in ("queued", "running"), f"the job ended ({status}) before it was caught summarising"
            if status == "running" and stage == "summarize":
                srv.proc.send_signal(signal.SIGKILL)
                srv.proc.wait(60)
                break
            srv._check_alive(deadline)
            time.sleep(0.002)
    finally:
        srv.kill()
    with sqlite3.connect(tmp_path / "data" / "jobs.sqlite") as db:
        status, stage, done, saved = db.execute(
            "SELECT status, stage, stages_done, checkpoint IS NOT NULL FROM jobs WHERE id=?", (job_id,)).fetchone()
    # Killed mid-summarize: read, clean, segment, detect, translate are done and saved.
    assert (status, stage, done, saved) == ("running", "summarize", 5, 1)

    again = Server(tmp_path / "data", overrides, log=tmp_path / "second.log").start()
    try:
        with again.client() as c:
            resumed = again.wait_done(c, job_id)
            assert resumed["status"] == "done", resumed
            stages = c.get("/healthz").json()["stages"]
            # Only summarize ran for it after the restart: nothing from scratch.
            assert {name: s["articles"] for name, s in stages.items()} == {
                "clean": 0, "segment": 0, "detect": 0, "translate": 0, "summarize": 1}
            # The same article, uninterrupted, on the same server and config.
            fresh_id = c.post("/api/articles", json=body).json()["id"]
            fresh = again.wait_done(c, fresh_id)
            assert fresh["status"] == "done", fresh
            assert _comparable(resumed["record"]) == _comparable(fresh["record"])
            assert resumed["record"]["summary"]["en"] and resumed["record"]["summary"]["uk"]
            with sqlite3.connect(tmp_path / "data" / "jobs.sqlite") as db:
                left = db.execute("SELECT COUNT(*) FROM jobs WHERE checkpoint IS NOT NULL").fetchone()[0]
            assert left == 0  # a finished job keeps its record, not its checkpoint
    finally:
        again.stop()
        again.kill()
