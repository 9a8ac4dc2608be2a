"""The ledger: one SQLite database per worker recording the state of every unit.

A unit (task key, position) is `written` (its record line is in the worker's log at a
known offset), `error` (its error record is stored here) or `duplicate` (its id was
already claimed). A batch is committed in one transaction *after* its lines are appended
to the log and fsynced, together with the log's new committed length; so the ledger
never points at bytes that are not on disk, and on resume the log is cut back to the
committed length (see io/jsonl.AppendLog). WAL mode and synchronous=FULL: a commit
survives a kill -9 or a power cut, and readers (the finaliser, `sqlite3`) never block
the writer.

Why one ledger per worker rather than one shared database: a worker only ever writes its
own files (ledger + log), so workers need no locks between them and can run as separate
processes, Slurm array tasks or Ray actors on any shared filesystem (SQLite locking over
NFS is not to be trusted); the finaliser reads them all. This is datatrove's model:
per-rank outputs, per-rank completion, one deterministic merge.
"""

from __future__ import annotations

import json
import sqlite3
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator

from ..errors import NewsbridgeError

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS tasks (
    task TEXT PRIMARY KEY, path TEXT NOT NULL, format TEXT NOT NULL, split TEXT,
    records INTEGER, complete INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS units (
    task TEXT NOT NULL, pos INTEGER NOT NULL, id TEXT NOT NULL, claim INTEGER NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('written', 'error', 'duplicate')),
    offset INTEGER, length INTEGER, info TEXT, batch INTEGER NOT NULL, checksum INTEGER, chunk TEXT,
    PRIMARY KEY (task, pos)
);
CREATE TABLE IF NOT EXISTS inputs (task TEXT PRIMARY KEY, fingerprint TEXT NOT NULL);
CREATE UNIQUE INDEX IF NOT EXISTS units_claimed_id ON units (id) WHERE claim = 1;
CREATE TABLE IF NOT EXISTS sessions (
    n INTEGER PRIMARY KEY, started TEXT NOT NULL, ended TEXT, status TEXT NOT NULL,
    processed INTEGER NOT NULL DEFAULT 0, info TEXT
);
"""


def checksum(line: bytes) -> int:
    """CRC-32 of a committed log line: a line edited or damaged on disk is redone, not published."""
    return zlib.crc32(line)


class LedgerCorrupted(NewsbridgeError):
    """A worker's ledger is not a readable SQLite database (truncated, overwritten)."""

    kind = "ledger"

    def __init__(self, path: Path, exc: BaseException):
        self.path = str(path)
        super().__init__(
            f"the batch ledger {path} is damaged ({exc}). It only records which articles are done: "
            f"move it aside (or delete it) and run the same command again, and that worker's articles are redone "
            f"from the inputs; or start again with a new --out"
        )


def is_corruption(exc: BaseException) -> bool:
    """A damaged database file, as opposed to a full disk or a lock (also DatabaseErrors)."""
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return code in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB)
    return type(exc) is sqlite3.DatabaseError


@dataclass
class UnitRow:
    task: str
    pos: int
    id: str
    claim: bool
    state: str
    offset: int | None = None
    length: int | None = None
    info: dict[str, Any] | None = None
    checksum: int | None = None
    chunk: str | None = None  # the work unit (sources.Chunk.tag) it was done in


@dataclass
class TaskEnd:
    """A task read to its end: how many records (units) it has."""

    key: str
    path: str
    fmt: str
    split: str | None
    records: int


@dataclass
class TaskInfo:
    records: int | None
    complete: bool
    errors: int


class Ledger:
    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            # isolation_level=None: transactions are explicit (BEGIN IMMEDIATE ... COMMIT).
            self.db = sqlite3.connect(str(self.path), isolation_level=None, timeout=60)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=FULL")
            self.db.executescript(SCHEMA)
            columns = {row[1] for row in self.db.execute("PRAGMA table_info(units)")}
            if "checksum" not in columns:  # a ledger from before checksums: its rows stay unchecked
                self.db.execute("ALTER TABLE units ADD COLUMN checksum INTEGER")
            if "chunk" not in columns:  # a ledger from before work units: its rows are redone
                self.db.execute("ALTER TABLE units ADD COLUMN chunk TEXT")
        except sqlite3.DatabaseError as exc:
            if not is_corruption(exc):
                raise
            raise LedgerCorrupted(self.path, exc) from None

    def close(self) -> None:
        self.db.close()

    # -- meta -----------------------------------------------------------------------------

    def get(self, key: str, default: Any = None) -> Any:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else default

    def set(self, **values: Any) -> None:
        with self.transaction():
            self._set(values)

    def _set(self, values: dict[str, Any]) -> None:
        self.db.executemany(
            "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            [(k, json.dumps(v, ensure_ascii=False, sort_keys=True)) for k, v in values.items()],
        )

    def transaction(self):
        return _Transaction(self.db)

    # -- lookups --------------------------------------------------------------------------

    def task(self, key: str) -> TaskInfo | None:
        row = self.db.execute("SELECT records, complete FROM tasks WHERE task = ?", (key,)).fetchone()
        if row is None:
            return None
        errors = self.db.execute("SELECT COUNT(*) FROM units WHERE task = ? AND state = 'error'", (key,)).fetchone()[0]
        return TaskInfo(records=row[0], complete=bool(row[1]), errors=errors)

    def unit_state(self, key: str, pos: int) -> tuple[str, str | None] | None:
        """(state, the work unit it was committed in) of a unit, None when not done."""
        row = self.db.execute("SELECT state, chunk FROM units WHERE task = ? AND pos = ?", (key, pos)).fetchone()
        return (row[0], row[1]) if row else None

    def counts(self) -> dict[str, int]:
        out = {"written": 0, "error": 0, "duplicate": 0}
        for state, n in self.db.execute("SELECT state, COUNT(*) FROM units GROUP BY state"):
            out[state] = n
        return out

    def tasks(self) -> list[tuple[str, str, str, str | None, int | None, bool]]:
        """Every task with units or an end; one never read to its end has records None."""
        done = [(r[0], r[1], r[2], r[3], r[4], bool(r[5])) for r in self.db.execute("SELECT task, path, format, split, records, complete FROM tasks")]
        orphans = self.db.execute("SELECT DISTINCT task FROM units WHERE task NOT IN (SELECT task FROM tasks)")
        return done + [(key, key, "?", None, None, False) for (key,) in orphans]

    def units_of(self, key: str) -> Iterable[tuple]:
        return self.db.execute("SELECT pos, id, claim, state, offset, length, info FROM units WHERE task = ? ORDER BY pos", (key,))

    def units_of_checked(self, key: str) -> Iterable[tuple]:
        return self.db.execute("SELECT pos, id, claim, state, offset, length, info, checksum FROM units WHERE task = ? ORDER BY pos", (key,))

    def written_spans(self) -> Iterator[tuple[str, int, int, int, int | None]]:
        """(task, pos, offset, length, checksum) of every written unit, in log order."""
        return self.db.execute("SELECT task, pos, offset, length, checksum FROM units WHERE state = 'written' ORDER BY offset")

    def fingerprint(self, key: str) -> dict[str, Any] | None:
        row = self.db.execute("SELECT fingerprint FROM inputs WHERE task = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else None

    def set_fingerprint(self, key: str, fingerprint: dict[str, Any], *, forget: bool = False) -> int:
        """Save an input's fingerprint; with `forget`, drop what was done from its old
        content in the same transaction (it is read again). Returns units forgotten."""
        with self.transaction():
            dropped = 0
            if forget:
                dropped = self.db.execute("DELETE FROM units WHERE task = ?", (key,)).rowcount
                self.db.execute("DELETE FROM tasks WHERE task = ?", (key,))
                self._set({"complete": False})
            self.db.execute("INSERT OR REPLACE INTO inputs (task, fingerprint) VALUES (?, ?)",
                            (key, json.dumps(fingerprint, sort_keys=True)))
        return dropped

    def forget_units(self, units: list[tuple[str, int]], log_bytes: int | None = None) -> None:
        """Units whose committed line is damaged or missing: they will be done again."""
        with self.transaction():
            self.db.executemany("DELETE FROM units WHERE task = ? AND pos = ?", units)
            self.db.executemany("UPDATE tasks SET complete = 0 WHERE task = ?", [(t,) for t in {t for t, _ in units}])
            values: dict[str, Any] = {"complete": False}
            if log_bytes is not None:
                values["log_bytes"] = log_bytes
            self._set(values)

    def sessions(self) -> list[dict[str, Any]]:
        rows = self.db.execute("SELECT n, started, ended, status, processed, info FROM sessions ORDER BY n")
        return [{"session": n, "started": s, "ended": e, "status": st, "processed": p, **(json.loads(i) if i else {})} for n, s, e, st, p, i in rows]

    # -- writes ---------------------------------------------------------------------------

    def commit_batch(self, batch: int, rows: list[UnitRow], task_ends: list[TaskEnd], log_bytes: int) -> None:
        """One transaction: the batch's units, the tasks it finished and the log's new length."""
        with self.transaction():
            self.db.executemany(
                "INSERT OR REPLACE INTO units (task, pos, id, claim, state, offset, length, info, batch, checksum, chunk) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(r.task, r.pos, r.id, int(r.claim), r.state, r.offset, r.length,
                  json.dumps(r.info, ensure_ascii=False) if r.info is not None else None, batch, r.checksum, r.chunk) for r in rows],
            )
            # A task gets its row when it has been read to the end (one write per batch, not per file).
            self.db.executemany(
                "INSERT INTO tasks (task, path, format, split, records, complete) VALUES (?, ?, ?, ?, ?, 1) "
                "ON CONFLICT(task) DO UPDATE SET records = excluded.records, complete = 1",
                [(t.key, t.path, t.fmt, t.split, t.records) for t in task_ends],
            )
            self._set({"log_bytes": log_bytes, "batches": batch})

    def start_session(self, started: str) -> int:
        with self.transaction():
            cur = self.db.execute("INSERT INTO sessions (started, status) VALUES (?, 'running')", (started,))
            return int(cur.lastrowid)

    def end_session(self, n: int, ended: str, status: str, processed: int, info: dict[str, Any]) -> None:
        with self.transaction():
            self.db.execute("UPDATE sessions SET ended = ?, status = ?, processed = ?, info = ? WHERE n = ?",
                            (ended, status, processed, json.dumps(info, ensure_ascii=False), n))


class _Transaction:
    def __init__(self, db: sqlite3.Connection):
        self.db = db

    def __enter__(self):
        self.db.execute("BEGIN IMMEDIATE")
        return self.db

    def __exit__(self, exc_type, exc, tb):
        self.db.execute("ROLLBACK" if exc_type else "COMMIT")
        return False
