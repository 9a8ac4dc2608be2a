"""Read the records of a `run` or `batch` output directory, one at a time.

Two layouts exist: `batch` writes `articles.jsonl` (+ `errors.jsonl`, `manifest.json`),
`run --out` writes one `<stem>.json` per article. Records are yielded one by one so an
archive of any size streams; a line or file that cannot be read becomes a
`RecordProblem` naming it, so nothing vanishes from the digest unseen.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Union

from ..errors import InputError
from ..io.jsonl import json_problem

ARTICLES_JSONL = "articles.jsonl"
ERRORS_JSONL = "errors.jsonl"
# JSON files `batch` writes next to the records that are not records themselves.
NOT_RECORDS = {"manifest.json"}


@dataclass
class LocatedRecord:
    """A record and where it came from ("articles.jsonl line 12", "x.json")."""

    where: str
    record: dict[str, Any]


@dataclass
class RecordProblem:
    """A record that could not be read or shown, and why."""

    where: str
    problem: str

    def __str__(self) -> str:
        return f"{self.where}: {self.problem}"


RecordItem = Union[dict, LocatedRecord, RecordProblem]


def iter_out_dir(out_dir: Path) -> Iterator[LocatedRecord | RecordProblem]:
    """Every record of `out_dir`: articles.jsonl when present, else its top-level *.json.

    The layout is checked now (a missing or empty directory is an `InputError` before
    anything is written); the records themselves are read lazily as they are consumed.
    """
    out_dir = Path(out_dir)
    if not out_dir.exists():
        raise InputError(out_dir, "no such directory", kind="missing")
    if not out_dir.is_dir():
        raise InputError(out_dir, "is not a directory (give the --out directory of `run` or `batch`)", kind="missing")
    jsonl = out_dir / ARTICLES_JSONL
    if jsonl.is_file():
        return iter_jsonl(jsonl)
    files = sorted(p for p in out_dir.glob("*.json") if p.is_file() and p.name not in NOT_RECORDS)
    if not files:
        raise InputError(
            out_dir,
            f"holds no {ARTICLES_JSONL} and no *.json article records "
            "(write some with `newsbridge run FILE --out DIR` or `newsbridge batch INPUT... --out DIR`)",
            kind="empty",
        )
    return (_read_json_file(path) for path in files)


def iter_jsonl(path: Path) -> Iterator[LocatedRecord | RecordProblem]:
    """One item per non-blank line, read lazily (the file is never held in memory)."""
    with open(path, encoding="utf-8", errors="strict") as fh:
        line_no = 0
        while True:
            where = f"{path.name} line {line_no + 1}"
            try:
                line = fh.readline()
            except UnicodeDecodeError as exc:
                # The rest of the file cannot be trusted to split into lines correctly.
                yield RecordProblem(where, f"not UTF-8 ({exc.reason}); the rest of the file was not read")
                return
            if not line:
                return
            line_no += 1
            if not line.strip():
                continue
            yield _parse(where, line)


def iter_errors(out_dir: Path) -> Iterator[LocatedRecord | RecordProblem]:
    """The failed articles `batch` listed in errors.jsonl (nothing when there is none)."""
    path = Path(out_dir) / ERRORS_JSONL
    if path.is_file():
        yield from iter_jsonl(path)


def _read_json_file(path: Path) -> LocatedRecord | RecordProblem:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        return RecordProblem(path.name, f"not UTF-8 ({exc.reason} at byte {exc.start})")
    except OSError as exc:
        return RecordProblem(path.name, f"cannot be read ({exc.strerror})")
    return _parse(path.name, text, line=False)


def _parse(where: str, text: str, *, line: bool = True) -> LocatedRecord | RecordProblem:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        return RecordProblem(where, f"not valid JSON ({json_problem(exc, line=line)})")
    if not isinstance(value, dict):
        return RecordProblem(where, f"expected a JSON object, got {type(value).__name__}")
    return LocatedRecord(where, value)
