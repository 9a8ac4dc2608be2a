"""The service's memory: one SQLite file under --data holding every job, its input, its
status and current stage, and its record or error. Nothing lives only in memory: a job is
written before the client hears its id, and every status change is committed before it is
announced, so a killed server starts again from exactly what this file says.

One connection, used under a lock from the request threads and the worker thread (SQLite
serialises writers anyway; the statements here are all short). A stage's progress for a
whole batch (stage, count of stages done, and each job's checkpoint: the Article as that
stage left it) is one transaction, not one commit per job.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
import threading
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import NewsbridgeError

QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
STATUSES = (QUEUED, RUNNING, DONE, FAILED)
DB_NAME = "jobs.sqlite"
ID_CHARS = 16  # hex characters of a job id (64 random bits)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY,
    seq INTEGER NOT NULL,
    created REAL NOT NULL,
    updated REAL NOT NULL,
    status TEXT NOT NULL,
    stage TEXT,
    stages_done INTEGER NOT NULL DEFAULT 0,
    attempts INTEGER NOT NULL DEFAULT 0,
    owner TEXT,
    input TEXT NOT NULL,
    input_bytes BLOB,
    titles TEXT NOT NULL DEFAULT '{}',
    search TEXT NOT NULL DEFAULT '',
    record TEXT,
    error TEXT,
    checkpoint TEXT
);
CREATE INDEX IF NOT EXISTS jobs_status ON jobs(status, seq);
CREATE INDEX IF NOT EXISTS jobs_seq ON jobs(seq);
"""


class StoreError(NewsbridgeError):
    """The job database cannot be opened or written (disk, permissions, corruption)."""

    kind = "store"
    exit_code = 1


@dataclass
class Job:
    id: str
    seq: int
    created: float
    updated: float
    status: str
    stage: str | None
    stages_done: int
    attempts: int
    owner: str | None
    input: dict[str, Any]
    input_bytes: bytes | None
    titles: dict[str, str]
    record: dict[str, Any] | None
    error: dict[str, Any] | None

    def summary(self) -> dict[str, Any]:
        """What a history list shows of a job (no record body)."""
        out: dict[str, Any] = {"id": self.id, "status": self.status, "created": _iso(self.created), "titles": self.titles}
        if self.input.get("filename"):
            out["filename"] = self.input["filename"]
        if self.stage:
            out["stage"] = self.stage
        if self.error:
            out["error"] = self.error
        return out


def new_job_id() -> str:
    return secrets.token_hex(ID_CHARS // 2)


def is_job_id(value: str) -> bool:
    return len(value) == ID_CHARS and all(c in "0123456789abcdef" for c in value)


def search_key(text: str) -> str:
    """Case- and form-insensitive text to search in (Cyrillic too: SQLite's LIKE folds
    ASCII only, so the folding is done here, the same way for the data and the query)."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().replace("\u2019", "'").split())


class JobStore:
    def __init__(self, data_dir: str | Path):
        self.path = Path(data_dir) / DB_NAME
        try:
            Path(data_dir).mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=30)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(_SCHEMA)
            columns = {row[1] for row in self._db.execute("PRAGMA table_info(jobs)")}
            if "checkpoint" not in columns:  # a database made before checkpoints
                self._db.execute("ALTER TABLE jobs ADD COLUMN checkpoint TEXT")
            self._db.execute("PRAGMA quick_check").fetchone()
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(f"--data {data_dir}: cannot open the job database {self.path} ({exc})") from None
        self._lock = threading.Lock()

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def _exec(self, sql: str, params: tuple = ()) -> sqlite3.Cursor:
        try:
            with self._lock:
                return self._db.execute(sql, params)
        except sqlite3.Error as exc:
            raise StoreError(f"job database {self.path}: {exc}") from None

    # -- writing ----------------------------------------------------------------------------

    def add(self, job_input: dict[str, Any], input_bytes: bytes | None, owner: str | None, titles: dict[str, str]) -> str:
        job_id = new_job_id()
        now = time.time()
        search = search_key(" ".join([*titles.values(), job_input.get("filename") or ""]))
        self._exec(
            "INSERT INTO jobs (id, seq, created, updated, status, owner, input, input_bytes, titles, search) "
            "VALUES (?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM jobs), ?, ?, ?, ?, ?, ?, ?, ?)",
            (job_id, now, now, QUEUED, owner, json.dumps(job_input, ensure_ascii=False), input_bytes,
             json.dumps(titles, ensure_ascii=False), search),
        )
        return job_id

    def _transaction(self, sql: str, rows: list[tuple]) -> None:
        """One statement over many rows, committed once."""
        if not rows:
            return
        try:
            with self._lock:
                self._db.execute("BEGIN")
                try:
                    self._db.executemany(sql, rows)
                except BaseException:
                    self._db.execute("ROLLBACK")
                    raise
                self._db.execute("COMMIT")
        except sqlite3.Error as exc:
            raise StoreError(f"job database {self.path}: {exc}") from None

    def start(self, ids: list[str]) -> None:
        """Queued -> running; the stages already done (a checkpoint) are kept."""
        now = time.time()
        self._transaction("UPDATE jobs SET status=?, attempts=attempts+1, updated=? WHERE id=? AND status=?",
                          [(RUNNING, now, job_id, QUEUED) for job_id in ids])

    def set_stage(self, ids: list[str], stage: str, stages_done: int) -> None:
        now = time.time()
        self._transaction("UPDATE jobs SET stage=?, stages_done=?, updated=? WHERE id=? AND status IN (?, ?)",
                          [(stage, stages_done, now, job_id, QUEUED, RUNNING) for job_id in ids])

    def checkpoint(self, rows: list[tuple[str, str | None, int, dict[str, Any]]]) -> None:
        """[(id, next stage, stages done, article state)]: where each job is, and the Article
        as its last completed stage left it (a restart goes on from there)."""
        now = time.time()
        self._transaction(
            "UPDATE jobs SET stage=?, stages_done=?, checkpoint=?, updated=? WHERE id=? AND status IN (?, ?)",
            [(stage, done, json.dumps(state, ensure_ascii=False), now, job_id, QUEUED, RUNNING)
             for job_id, stage, done, state in rows],
        )

    def checkpoint_of(self, job_id: str) -> tuple[int, dict[str, Any]] | None:
        """(stages done, article state) of a half-done job; None when it has none."""
        row = self._exec("SELECT stages_done, checkpoint FROM jobs WHERE id=?", (job_id,)).fetchone()
        if not row or not row[1]:
            return None
        return row[0], json.loads(row[1])

    def finish(self, job_id: str, record: dict[str, Any], titles: dict[str, str], filename: str | None) -> None:
        search = search_key(" ".join([*titles.values(), filename or ""]))
        self.finish_many([(job_id, record, titles, filename)])

    def finish_many(self, done: list[tuple[str, dict[str, Any], dict[str, str], str | None]]) -> None:
        """[(id, record, titles, filename)], one commit; the checkpoint is no longer needed."""
        now = time.time()
        self._transaction(
            "UPDATE jobs SET status=?, stage=NULL, record=?, error=NULL, titles=?, search=?, checkpoint=NULL, updated=? WHERE id=?",
            [(DONE, json.dumps(record, ensure_ascii=False), json.dumps(titles, ensure_ascii=False),
              search_key(" ".join([*titles.values(), filename or ""])), now, job_id)
             for job_id, record, titles, filename in done],
        )

    def fail(self, job_id: str, error: dict[str, Any]) -> None:
        self._exec(
            "UPDATE jobs SET status=?, error=?, checkpoint=NULL, updated=? WHERE id=?",
            (FAILED, json.dumps(error, ensure_ascii=False), time.time(), job_id),
        )

    def requeue(self, ids: list[str]) -> None:
        """Running -> queued, keeping each job's checkpoint (it goes on from there)."""
        now = time.time()
        self._transaction("UPDATE jobs SET status=?, updated=? WHERE id=? AND status=?",
                          [(QUEUED, now, job_id, RUNNING) for job_id in ids])

    def recover(self) -> list[str]:
        """After a stop or a kill: jobs left running go back to the queue, each from its
        last checkpoint (the stages it had completed); returns every queued job's id,
        oldest first (the order they were submitted in)."""
        self._exec("UPDATE jobs SET status=? WHERE status=?", (QUEUED, RUNNING))
        # A job whose stages_done has no checkpoint behind it (a database from before
        # checkpoints) starts again from its input.
        self._exec("UPDATE jobs SET stage=NULL, stages_done=0 WHERE status=? AND checkpoint IS NULL", (QUEUED,))
        return [row[0] for row in self._exec("SELECT id FROM jobs WHERE status=? ORDER BY seq", (QUEUED,)).fetchall()]

    def delete(self, job_id: str) -> bool:
        return self._exec("DELETE FROM jobs WHERE id=?", (job_id,)).rowcount > 0

    # -- reading ----------------------------------------------------------------------------

    def get(self, job_id: str) -> Job | None:
        if not is_job_id(job_id):
            return None
        row = self._exec(f"SELECT {_COLUMNS} FROM jobs WHERE id=?", (job_id,)).fetchone()
        return _job(row) if row else None

    def status_of(self, job_id: str) -> str | None:
        row = self._exec("SELECT status FROM jobs WHERE id=?", (job_id,)).fetchone()
        return row[0] if row else None

    def history(self, query: str = "", limit: int = 100, owner: str | None = None) -> list[Job]:
        """Newest first; `query` keeps the jobs whose titles (any language) or file name
        hold every word of it; `owner` keeps one key's jobs."""
        words = search_key(query).split()
        sql = f"SELECT {_COLUMNS_NO_BODY} FROM jobs"
        conditions = ["instr(search, ?) > 0" for _ in words]
        params: list[Any] = list(words)
        if owner is not None:
            conditions.append("owner = ?")
            params.append(owner)
        if conditions:
            sql += " WHERE " + " AND ".join(conditions)
        sql += " ORDER BY seq DESC LIMIT ?"
        params.append(limit)
        return [_job(row + (None,)) for row in self._exec(sql, tuple(params)).fetchall()]

    def counts(self) -> dict[str, int]:
        rows = self._exec("SELECT status, COUNT(*) FROM jobs GROUP BY status").fetchall()
        return {status: dict(rows).get(status, 0) for status in STATUSES}


_COLUMNS_NO_BODY = "id, seq, created, updated, status, stage, stages_done, attempts, owner, input, NULL, titles, error"
_COLUMNS = "id, seq, created, updated, status, stage, stages_done, attempts, owner, input, input_bytes, titles, error, record"


def _job(row: tuple) -> Job:
    (job_id, seq, created, updated, status, stage, done, attempts, owner, inp, data, titles, error, record) = row
    return Job(
        id=job_id, seq=seq, created=created, updated=updated, status=status, stage=stage, stages_done=done,
        attempts=attempts, owner=owner, input=json.loads(inp), input_bytes=data, titles=json.loads(titles),
        record=json.loads(record) if record else None, error=json.loads(error) if error else None,
    )


def _iso(ts: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))
