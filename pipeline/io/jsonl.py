"""JSONL: one compact JSON object per line, UTF-8, and an append-only log of them.

`AppendLog` is what a batch worker writes articles into: lines are appended, flushed and
fsynced at batch boundaries, and the committed length lives in the worker's ledger. On
resume the log is cut back to that length, which drops both a torn last line and whole
lines of a batch that was written but never committed.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Iterator

from ..errors import NewsbridgeError


def dumps_line(record: dict[str, Any]) -> bytes:
    """One record as a JSONL line (compact, non-ASCII kept, newline-terminated)."""
    return (json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")


def json_problem(exc: json.JSONDecodeError, *, line: bool = False) -> str:
    """The decoder's complaint, placed for a person: `line` for one JSONL line, where its
    own "line 2 column 1" would mean the end of that line, not line 2 of the file."""
    # Some messages end in " at" and expect json's own position suffix after them.
    msg = exc.msg.removesuffix(" at")
    if not line:
        return f"{msg} at line {exc.lineno} column {exc.colno}"
    body = exc.doc.rstrip("\r\n") if isinstance(exc.doc, str) else exc.doc
    if exc.pos >= len(body):
        return f"{msg} at the end of the line (is the record cut short?)"
    return f"{msg} at column {exc.pos + 1}"


class LogCorrupted(NewsbridgeError):
    kind = "ledger"


class AppendLog:
    """An append-only JSONL file whose committed length is tracked elsewhere (the ledger)."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._fh = open(self.path, "ab")

    @property
    def size(self) -> int:
        return self._fh.tell()

    def recover(self, committed: int) -> int:
        """Cut the file back to `committed` bytes; returns how many bytes were dropped."""
        actual = os.path.getsize(self.path)
        if actual < committed:
            raise LogCorrupted(
                f"{self.path} is {actual:,} bytes but the ledger committed {committed:,}: "
                "the output directory was modified; start again with a new --out"
            )
        if actual > committed:
            self._fh.close()
            os.truncate(self.path, committed)
            self._fh = open(self.path, "ab")
        return actual - committed

    def append(self, lines: list[bytes]) -> list[tuple[int, int]]:
        """Append lines; returns (offset, length) of each. Call `sync()` before committing."""
        spans = []
        offset = self._fh.tell()
        try:
            for line in lines:
                self._fh.write(line)
                spans.append((offset, len(line)))
                offset += len(line)
        except OSError as exc:  # a full disk: name the file (the boundary says what to do)
            raise OSError(exc.errno, exc.strerror, str(self.path)) from exc
        return spans

    def sync(self) -> int:
        try:
            self._fh.flush()
            os.fsync(self._fh.fileno())
        except OSError as exc:
            raise OSError(exc.errno, exc.strerror, str(self.path)) from exc
        return self._fh.tell()

    def close(self) -> None:
        self._fh.close()


def read_span(fh, offset: int, length: int) -> bytes:
    fh.seek(offset)
    data = fh.read(length)
    if len(data) != length or not data.endswith(b"\n"):
        raise LogCorrupted(f"{getattr(fh, 'name', 'log')}: committed line at byte {offset:,} is incomplete")
    return data


def iter_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    """Records of a JSONL file, streamed (blank lines skipped)."""
    with open(path, "rb") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)
