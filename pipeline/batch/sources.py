"""Inputs -> a sorted plan of tasks, and each task -> a stream of units (one per record).

A task is one input file, or one split of a saved `datasets` directory. Directories are
walked recursively with `batch.include` / `batch.exclude` globs; the output directory is
never read as input. Tasks are sorted by key (the absolute path), and that order is the
order of the final outputs, whichever worker processed a task.

A unit is one record of a task at a fixed position: an Article to process, or the error
that says why there is none (empty, binary, undecodable, not JSON, no text field...).
Positions are stable across runs, so (task key, position) names a unit in the ledger.

A work unit (a "chunk") is `batch.batch_size` consecutive units in that global order
(tasks by key, then positions): the batch the stages see, the grain a worker is given
(`chunk_owner`) and the grain of resuming. It is a function of the inputs alone, never of
the number of workers or of what ran before, which is what makes every worker count and
every resume write the same bytes (see engine.py).
"""

from __future__ import annotations

import fnmatch
import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, Iterator

from ..config import BatchConfig, ReadConfig
from ..data import Article
from ..errors import InputError
from ..io.files import check_regular
from ..io.records import dataset_splits, is_saved_dataset, iter_records, record_format
from ..text.ids import slug


@dataclass(frozen=True)
class Task:
    key: str  # absolute path, "::split" for a DatasetDict split; sort and ledger key
    path: str  # as the user named it (what records show as source.path)
    fmt: str  # txt|md|html|... (read_path) or jsonl|json|csv|parquet|dataset (records)
    split: str | None = None
    problem: str | None = None  # a folder that could not be listed: one error unit says why

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
        return unit_source(self.task, self.pos)


def unit_source(task: Task, pos: int) -> dict[str, Any]:
    """Where a unit came from, as error and duplicate records show it."""
    out: dict[str, Any] = {"path": task.path, "format": task.fmt}
    if task.split:
        out["split"] = task.split
    if task.is_records:
        out["row"] = pos
    return out


def plan_digest(plan: "Plan") -> str:
    """The inputs a worker found (every task key, in order): workers that found different
    ones (a file added or removed while the job ran) would not agree on the work units."""
    digest = hashlib.sha1()
    for task in plan.tasks:
        digest.update(task.key.encode("utf-8") + b"\n")
    return digest.hexdigest()[:16]


def chunk_owner(chunk: int, world_size: int) -> int:
    """Which worker does work unit number `chunk`: round robin, so every worker gets an even
    share of the archive however its files are sized, without knowing its length first."""
    return chunk % world_size


def chunk_tag(members: list[tuple[str, int]], contents: dict[str, str | None]) -> str:
    """What a work unit is made of: its records (task key, position) and the content hash of
    each input they come from. A unit done under another tag (an input edited, added or
    removed before it since) is done again whole, so its batch is again what a fresh run
    would make of it."""
    digest = hashlib.sha1()
    for key, pos in members:
        digest.update(f"{key}#{pos}#{contents.get(key) or ''}\n".encode("utf-8"))
    return digest.hexdigest()[:16]


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
    def unreadable(exc: OSError) -> None:
        # A sub-folder that cannot be listed (no permission, gone, an I/O error): its
        # files are unknown, so the folder itself becomes a task with one error unit.
        where = exc.filename or str(root)
        key = str(Path(where).resolve())
        tasks.setdefault(key, Task(key=key, path=str(where), fmt="folder",
                                   problem=f"folder cannot be listed ({exc.strerror or exc}); its files were not read"))

    for folder, dirs, files in os.walk(root, onerror=unreadable, followlinks=config.follow_symlinks):
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
    if task.problem is not None:
        yield error_unit(task, 0, task.path, InputError(task.path, task.problem, kind="unreadable"))
        return
    if task.fmt != "dataset":
        # FIFOs, sockets and devices are never opened (a FIFO blocks); parquet and the
        # text readers would otherwise meet them first.
        try:
            check_regular(task.path, os.stat(task.path))
        except InputError as exc:
            yield error_unit(task, 0, task.path, exc)
            return
        except OSError as exc:
            yield error_unit(task, 0, task.path, InputError(task.path, f"cannot be read ({exc.strerror or exc})", kind="unreadable"))
            return
    if task.is_records:
        items = iter_records(Path(task.path), read, fmt=task.fmt, split=task.split,
                             chunk_rows=config.read_chunk_rows, csv_delimiter=config.csv_delimiter)
        for item in items:
            if item.article is not None:
                yield Unit(task=task, pos=item.pos, id=item.article.id, where=item.where, article=item.article)
            else:
                yield error_unit(task, item.pos, item.where, item.error)
        return
    from ..io.readers import read_path

    try:
        articles = read_path(Path(task.path), read)
    except InputError as exc:
        yield error_unit(task, 0, task.path, exc)
        return
    for pos, article in enumerate(articles):
        yield Unit(task=task, pos=pos, id=article.id, where=task.path, article=article)


def error_unit(task: Task, pos: int, where: str, exc: InputError | None) -> Unit:
    kind = getattr(exc, "kind", "input")
    message = str(exc) if exc is not None else f"{where}: could not be read"
    digest = hashlib.sha1(f"{task.key}#{pos}".encode("utf-8")).hexdigest()[:10]
    stem = slug(Path(task.path).stem, "input")
    return Unit(task=task, pos=pos, id=f"{stem}-{digest}", where=where, error={"stage": "read", "kind": kind, "message": message})
