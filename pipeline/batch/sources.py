"""Inputs -> a sorted plan of tasks, and each task -> a stream of units (one per record).

A task is one input file, or one split of a saved `datasets` directory. Directories are
walked recursively with `batch.include` / `batch.exclude` globs; the output directory is
never read as input. Tasks are sorted by key (the absolute path), and that order is the
order of the final outputs, whichever worker processed a task.

A unit is one record of a task at a fixed position: an Article to process, or the error
that says why there is none (empty, binary, undecodable, not JSON, no text field...).
Positions are stable across runs, so (task key, position) names a unit in the ledger.
"""

from __future__ import annotations

import fnmatch
import hashlib
import os
import zlib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, Iterator

from ..config import BatchConfig, ReadConfig
from ..data import Article
from ..errors import InputError
from ..io.records import dataset_splits, is_saved_dataset, iter_records, record_format
from ..text.ids import slug


@dataclass(frozen=True)
class Task:
    key: str  # absolute path, "::split" for a DatasetDict split; sort and ledger key
    path: str  # as the user named it (what records show as source.path)
    fmt: str  # txt|md|html|... (read_path) or jsonl|json|csv|parquet|dataset (records)
    split: str | None = None

    @property
    def is_records(self) -> bool:
        return self.fmt in ("jsonl", "json", "csv", "parquet", "dataset")


@dataclass
class Plan:
    tasks: list[Task]
    ignored: list[str] = field(default_factory=list)  # files in input folders not taken


@dataclass
class Unit:
    task: Task
    pos: int
    id: str
    where: str
    article: Article | None = None
    error: dict[str, str] | None = None  # {"stage", "kind", "message"} when unreadable

    @property
    def claims_id(self) -> bool:
        # Only a readable article owns its id; unreadable inputs are errors, never duplicates.
        return self.article is not None

    def source(self) -> dict[str, Any]:
        out: dict[str, Any] = {"path": self.task.path, "format": self.task.fmt}
        if self.task.split:
            out["split"] = self.task.split
        if self.task.is_records:
            out["row"] = self.pos
        return out


def worker_of(task_key: str, world_size: int) -> int:
    """Which worker owns a task: a stable hash, so adding files never moves old tasks."""
    return zlib.crc32(task_key.encode("utf-8")) % world_size


def plan_inputs(inputs: list[Path], config: BatchConfig, out_dir: Path) -> Plan:
    """Every task of the inputs, sorted and deduplicated. Missing inputs are an InputError."""
    tasks: dict[str, Task] = {}
    ignored: list[str] = []
    out_abs = Path(out_dir).resolve()
    for given in inputs:
        given = Path(given)
        if not given.exists():
            raise InputError(given, "no such file or directory", kind="missing")
        if given.is_dir():
            if is_saved_dataset(given):
                _add_dataset(tasks, given)
                continue
            _walk(tasks, ignored, given, config, out_abs)
        else:
            _add_file(tasks, given)
    return Plan(tasks=[tasks[k] for k in sorted(tasks)], ignored=ignored)


def _add_file(tasks: dict[str, Task], path: Path) -> None:
    key = str(path.resolve())
    suffix = path.suffix.lower()
    fmt = record_format(path) or (suffix.lstrip(".") or "txt")
    tasks.setdefault(key, Task(key=key, path=str(path), fmt=fmt))


def _add_dataset(tasks: dict[str, Task], path: Path) -> None:
    base = str(path.resolve())
    for split in dataset_splits(path):
        key = f"{base}::{split}" if split else base
        tasks.setdefault(key, Task(key=key, path=str(path), fmt="dataset", split=split))


def _walk(tasks: dict[str, Task], ignored: list[str], root: Path, config: BatchConfig, out_abs: Path) -> None:
    for folder, dirs, files in os.walk(root, followlinks=config.follow_symlinks):
        here = Path(folder)
        rel_here = PurePosixPath(here.relative_to(root).as_posix())
        keep = []
        for d in sorted(dirs):
            sub = here / d
            rel = (rel_here / d).as_posix()
            if sub.resolve() == out_abs or _excluded(rel, config.exclude):
                continue
            if is_saved_dataset(sub):
                _add_dataset(tasks, sub)
                continue
            keep.append(d)
        dirs[:] = keep
        for name in sorted(files):
            rel = (rel_here / name).as_posix()
            path = here / name
            if _excluded(rel, config.exclude):
                continue
            if not _included(rel, config.include):
                ignored.append(str(path))
                continue
            if not config.follow_symlinks and path.is_symlink():
                ignored.append(str(path))
                continue
            _add_file(tasks, path)


def _excluded(rel: str, patterns: list[str]) -> bool:
    parts = [p for p in rel.split("/") if p not in ("", ".")]
    return any(fnmatch.fnmatch(rel, pat) or any(fnmatch.fnmatch(part, pat) for part in parts) for pat in patterns)


def _included(rel: str, patterns: list[str]) -> bool:
    name = rel.rsplit("/", 1)[-1]
    return any(fnmatch.fnmatch(rel, pat) or fnmatch.fnmatch(name, pat) for pat in patterns)


def iter_units(task: Task, read: ReadConfig, config: BatchConfig) -> Iterator[Unit]:
    """The units of one task, in position order."""
    if task.is_records:
        items = iter_records(Path(task.path), read, fmt=task.fmt, split=task.split,
                             chunk_rows=config.read_chunk_rows, csv_delimiter=config.csv_delimiter)
        for item in items:
            if item.article is not None:
                yield Unit(task=task, pos=item.pos, id=item.article.id, where=item.where, article=item.article)
            else:
                yield _error_unit(task, item.pos, item.where, item.error)
        return
    from ..io.readers import read_path

    try:
        articles = read_path(Path(task.path), read)
    except InputError as exc:
        yield _error_unit(task, 0, task.path, exc)
        return
    for pos, article in enumerate(articles):
        yield Unit(task=task, pos=pos, id=article.id, where=task.path, article=article)


def _error_unit(task: Task, pos: int, where: str, exc: InputError | None) -> Unit:
    kind = getattr(exc, "kind", "input")
    message = str(exc) if exc is not None else f"{where}: could not be read"
    digest = hashlib.sha1(f"{task.key}#{pos}".encode("utf-8")).hexdigest()[:10]
    stem = slug(Path(task.path).stem, "input")
    return Unit(task=task, pos=pos, id=f"{stem}-{digest}", where=where, error={"stage": "read", "kind": kind, "message": message})
