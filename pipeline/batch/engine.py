"""The batch engine: one worker's loop — read every unit, group them into work units
(chunks of batch.batch_size in input order), skip the chunks of other workers and those
the ledger has, process a chunk through the stages as one batch, append its records to
the worker's log, commit it.

`run_worker(job, rank, world_size)` is the whole unit of execution: it needs nothing but
the job description and the output directory, and touches only its own files
(`work/worker-RRRRR-of-WWWWW/`), so any executor can run it: in this process
(`newsbridge batch`, world size 1), as W processes or Slurm array tasks
(`--rank R --world-size W`), or as Ray tasks. `finalize.finalize()` then merges every
worker's results into the outputs, deterministically, whoever runs it.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import time
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator, Protocol

from ..config import Config
from ..errors import ConfigError, InputError, ModelError, ModelUnavailable, OutputDirError, exception_brief
from ..io.writers import check_out_dir_usable
from ..io.atomic import remove_stale_temps
from ..io.jsonl import AppendLog, dumps_line
from .control import StopFlag
from .ledger import Ledger, LedgerCorrupted, TaskEnd, UnitRow, checksum, is_corruption
from .sources import Plan, Task, Unit, chunk_owner, chunk_tag, error_unit, iter_units, plan_digest, plan_inputs

OUTPUT_FILES = ("articles.jsonl", "errors.jsonl", "duplicates.jsonl", "articles.parquet", "pairs.tsv", "pairs.tmx", "manifest.json")


class ConfigChanged(ConfigError):
    """The output directory was started with another config: outputs would mix."""


@dataclass
class BatchJob:
    inputs: list[Path]
    out: Path
    config: Config
    retry_errors: bool = False
    force_config: bool = False


class Progress(Protocol):
    def start(self, total: int | None, done: int) -> None: ...
    def advance(self, units: int, written: int, errors: int, duplicates: int) -> None: ...
    def finish(self) -> None: ...


@dataclass
class WorkerResult:
    rank: int
    world_size: int
    status: str  # complete | interrupted
    processed: int = 0  # units committed in this session
    written: int = 0
    errors: int = 0
    duplicates: int = 0
    batches: int = 0
    dropped_bytes: int = 0
    redone: int = 0  # committed records whose log line was damaged or missing: done again
    changed_inputs: list[str] = field(default_factory=list)  # inputs edited since the last run: read again
    signal: int | None = None
    stats: dict[str, dict[str, Any]] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    error_samples: list[dict[str, Any]] = field(default_factory=list)
    signature: dict[str, Any] = field(default_factory=dict)
    plan: Plan | None = None


def worker_dir(out: Path, rank: int, world_size: int) -> Path:
    return Path(out) / "work" / f"worker-{rank:05d}-of-{world_size:05d}"


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def check_out_dir(out: Path, world_size: int) -> None:
    """Refuse directories that hold someone else's files or another world size's work."""
    out = Path(out)
    work = out / "work"
    check_out_dir_usable(out)
    if not work.is_dir():
        clash = [n for n in OUTPUT_FILES if (out / n).exists()]
        if clash:
            raise OutputDirError(f"{out} already holds {', '.join(clash)} but no newsbridge batch ledger (work/); choose a new or empty --out")
        return
    sizes = {p.name.rsplit("-of-", 1)[-1] for p in work.glob("worker-*-of-*")}
    if sizes and sizes != {f"{world_size:05d}"}:
        found = ", ".join(str(int(s)) for s in sorted(sizes))
        raise OutputDirError(f"{out} was started with --world-size {found}; resume it with the same world size")


def config_diff(old: dict[str, Any], new: dict[str, Any], prefix: str = "") -> list[str]:
    out = []
    for key in sorted(set(old) | set(new)):
        a, b = old.get(key), new.get(key)
        name = f"{prefix}{key}"
        if isinstance(a, dict) and isinstance(b, dict):
            out.extend(config_diff(a, b, name + "."))
        elif a != b:
            out.append(f"{name} ({a!r} -> {b!r})")
    return out


class Worker:
    def __init__(self, job: BatchJob, rank: int = 0, world_size: int = 1, *, stop: StopFlag | None = None, progress: Progress | None = None,
                 locked: bool = False):
        if not 0 <= rank < world_size:
            raise ConfigError(f"--rank must be in 0..{world_size - 1}, got {rank}")
        self.job = job
        self.cfg = job.config
        self.rank = rank
        self.world_size = world_size
        self.stop = stop or StopFlag()
        self.progress = progress
        self.pipeline = None
        self.locked = locked  # the caller holds this worker's lock (and keeps it through finalise)
        # stages: time inside the stages, summed over threads (with prefetch it can exceed the
        # wall time: that is the overlap); prefetch_wait: the main thread waiting for the
        # prefetch thread's CPU stages. run: the whole worker, from opening its ledger to its
        # last commit (what a job's wall time holds beyond it is the executor's and the merge's).
        self.timings = {"load": 0.0, "read": 0.0, "stages": 0.0, "write": 0.0, "ledger": 0.0, "prefetch_wait": 0.0, "run": 0.0}

    # -- setup ----------------------------------------------------------------------------

    def _open(self) -> tuple[Ledger, AppendLog, int, int]:
        check_out_dir(self.job.out, self.world_size)
        folder = worker_dir(self.job.out, self.rank, self.world_size)
        if not self.locked:
            self._lock = _lock_worker(folder)
        ledger = Ledger(folder / "ledger.sqlite")
        try:
            return self._open_ledger(ledger, folder)
        except BaseException:
            ledger.close()
            raise

    def _open_ledger(self, ledger: Ledger, folder: Path) -> tuple[Ledger, AppendLog, int, int]:
        resolved = self.cfg.to_dict()
        digest = self.cfg.config_hash()
        old_hash = ledger.get("config_hash")
        if old_hash is None:
            ledger.set(config_hash=digest, config=resolved, created=now(), rank=self.rank, world_size=self.world_size, log_bytes=0, complete=False, config_history=[digest])
        elif old_hash != digest:
            changes = config_diff(ledger.get("config", {}), resolved)
            if not self.job.force_config:
                shown = "; ".join(changes[:6]) + (f"; ... {len(changes) - 6} more" if len(changes) > 6 else "")
                raise ConfigChanged(
                    f"{self.job.out} was started with another config (hash {old_hash}, now {digest}): {shown}. "
                    "Resuming would mix outputs of both; use a new --out, or --force-config to resume anyway"
                )
            ledger.set(config_hash=digest, config=resolved, config_history=[*ledger.get("config_history", []), digest])
        log = AppendLog(folder / "articles.jsonl")
        committed = int(ledger.get("log_bytes", 0))
        redone = 0
        if log.size < committed:  # the log was cut short (a copy, a full disk, a hand edit)
            lost = [(t, p) for t, p, off, n, _ in ledger.written_spans() if off + n > log.size]
            ledger.forget_units(lost, log_bytes=log.size)
            redone += len(lost)
            committed = log.size
        dropped = log.recover(committed)
        redone += self._verify_log(ledger, log)
        if self.world_size == 1:  # with several workers another one may be finalising right now
            remove_stale_temps(Path(self.job.out))
        return ledger, log, dropped, redone

    @staticmethod
    def _verify_log(ledger: Ledger, log: AppendLog) -> int:
        """Committed lines whose checksum fails (damaged or edited on disk) are forgotten,
        so this run does them again instead of publishing them."""
        bad = []
        with open(log.path, "rb") as fh:
            for task, pos, offset, length, crc in ledger.written_spans():
                if crc is None:
                    continue  # written before checksums existed
                fh.seek(offset)
                if checksum(fh.read(length)) != crc:
                    bad.append((task, pos))
        if bad:
            ledger.forget_units(bad)
        return len(bad)

    # -- the loop -------------------------------------------------------------------------

    def run(self) -> WorkerResult:
        self._started = time.perf_counter()
        try:
            ledger, log, dropped, redone = self._open()
        except sqlite3.DatabaseError as exc:
            self._unlock()
            if not is_corruption(exc):
                raise
            raise LedgerCorrupted(worker_dir(self.job.out, self.rank, self.world_size) / "ledger.sqlite", exc) from None
        except BaseException:
            self._unlock()
            raise
        result = WorkerResult(rank=self.rank, world_size=self.world_size, status="running", dropped_bytes=dropped, redone=redone)
        self._changed = result.changed_inputs
        try:
            return self._run(ledger, log, result)
        except sqlite3.DatabaseError as exc:
            if not is_corruption(exc):
                raise
            raise LedgerCorrupted(ledger.path, exc) from None
        finally:
            log.close()
            ledger.close()
            self._unlock()

    def _run(self, ledger: Ledger, log: AppendLog, result: WorkerResult) -> WorkerResult:
        plan = plan_inputs(self.job.inputs, self.cfg.batch, self.job.out)
        result.plan = plan
        ledger.set(complete=False, inputs=[str(p) for p in self.job.inputs], plan=plan_digest(plan))
        session = ledger.start_session(now())
        if self.progress is not None:
            self.progress.start(self._estimate(plan.tasks), sum(ledger.counts().values()))
        try:
            self._loop(ledger, log, plan.tasks, result)
        finally:
            result.stats = self.pipeline.stats_dict() if self.pipeline is not None else {}
            self.timings["run"] = time.perf_counter() - self._started
            result.timings = {k: round(v, 4) for k, v in self.timings.items()}
            if self.pipeline is not None:
                result.signature = self.pipeline.signature()
                ledger.set(signature=result.signature)
            else:
                result.signature = ledger.get("signature", {})
            if result.status == "running":
                result.status = "failed"
            ledger.end_session(session, now(), result.status, result.processed,
                               {"written": result.written, "errors": result.errors, "duplicates": result.duplicates,
                                "stats": result.stats, "timings": result.timings, "signal": result.signal})
            if result.status == "complete":
                ledger.set(complete=True)
            if self.progress is not None:
                self.progress.finish()
        return result

    def _loop(self, ledger: Ledger, log: AppendLog, tasks: list[Task], result: WorkerResult) -> None:
        """Read every input in order, as every worker does: the global position of each unit
        says which work unit (chunk) it is in and so which worker does it, and the ids seen
        say which units are duplicates, exactly as one worker reading everything would
        decide. Only this worker's chunks go through the stages."""
        batch_no = int(ledger.get("batches", 0))
        size = self.cfg.batch.batch_size
        claims: dict[str, tuple[str, int]] = {}  # id -> its first unit in input order (the job's, not this worker's)
        members: list[tuple[Unit, str | None]] = []  # this chunk's units (when it is ours), with duplicate-of
        keys: list[tuple[str, int]] = []
        task_ends: list[TaskEnd] = []
        index = 0  # the unit's position in the whole job
        inflight: deque[_Batch] = deque()
        depth = self.cfg.runtime.prefetch_batches
        executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="newsbridge-prefetch") if depth else None
        self._contents: dict[str, str | None] = {}
        stream = self._stream(ledger, tasks)
        try:
            while True:
                t0 = time.perf_counter()
                item = next(stream, None)
                self.timings["read"] += time.perf_counter() - t0
                if item is None:
                    break
                if isinstance(item, TaskEnd):  # read to its end: committed with the next batch
                    task_ends.append(item)
                    continue
                unit: Unit = item
                dup = None
                if unit.claims_id:
                    owner = claims.setdefault(unit.id, (unit.task.key, unit.pos))
                    if owner != (unit.task.key, unit.pos):
                        dup = f"{owner[0]}#{owner[1]}"
                mine = chunk_owner(index // size, self.world_size) == self.rank
                index += 1
                keys.append((unit.task.key, unit.pos))
                if mine:
                    members.append((unit, dup))
                if index % size:
                    continue
                batch = self._chunk(ledger, members, keys, batch_no + 1, task_ends) if members else None
                members, keys = [], []
                if batch is None:
                    continue
                batch_no += 1
                task_ends = []
                inflight.append(self._start(ledger, executor, batch))
                while len(inflight) > depth:
                    self._finish(ledger, log, inflight.popleft(), result)
                    if self.stop.requested:
                        result.status = "interrupted"
                        result.signal = self.stop.signum
                        return  # prepared batches are dropped uncommitted: a resume redoes them
            batch = self._chunk(ledger, members, keys, batch_no + 1, task_ends) if members else None
            if batch is None and task_ends:  # nothing left to do here, but the inputs' lengths to record
                batch = _Batch(batch_no + 1, [], task_ends, "")
            if batch is not None:
                batch_no += 1
                inflight.append(self._start(ledger, executor, batch))
            while inflight:
                self._finish(ledger, log, inflight.popleft(), result)
            result.status = "complete"
        finally:
            if executor is not None:
                executor.shutdown(wait=True, cancel_futures=True)

    def _chunk(self, ledger: Ledger, members: list[tuple[Unit, str | None]], keys: list[tuple[str, int]], batch_no: int,
               task_ends: list[TaskEnd]) -> "_Batch | None":
        """This worker's chunk as a batch, or None when the ledger has all of it. A chunk
        with any unit to do (never done, done in another chunk, or a retried error) goes
        through the stages whole, so that every article meets the same batch as in any
        other run; only the units still to do are written and committed."""
        tag = chunk_tag(keys, self._contents)
        retry = self.job.retry_errors
        todo = []
        for unit, dup in members:
            done = ledger.unit_state(unit.task.key, unit.pos)
            if done is None or done[1] != tag or (retry and done[0] == "error"):
                todo.append((unit, dup))
        if not todo:
            return None
        articles = []
        if any(u.article is not None and dup is None for u, dup in todo):
            articles = [u.article for u, dup in members if u.article is not None and dup is None]
        return _Batch(batch_no, todo, task_ends, tag, articles=articles)

    def _stream(self, ledger: Ledger, tasks: list[Task]) -> Iterator[Unit | TaskEnd]:
        """Every unit of every input, in order; after each task, a TaskEnd with its number of records."""
        for task in tasks:
            self._contents[task.key] = self._check_fingerprint(ledger, task)
            count = 0
            units = iter_units(task, self.cfg.read, self.cfg.batch)
            while True:
                try:
                    unit = next(units, None)
                except Exception as exc:  # noqa: BLE001 - one input's failure is its error record, never the job's
                    unit = error_unit(task, count, task.path, _reading_failure(task, count, exc))
                    units = iter(())  # the rest of this input cannot be read
                if unit is None:
                    break
                count = unit.pos + 1
                yield unit
            yield TaskEnd(task.key, task.path, task.fmt, task.split, count)

    def _check_fingerprint(self, ledger: Ledger, task: Task) -> str | None:
        """Save an input's fingerprint when first seen; on a later run, an input whose content
        changed is read again from the start (its old units forgotten), never half-old.
        Returns the content hash (None for folders and datasets, or an unreadable input)."""
        if task.fmt in ("dataset", "folder"):
            return None
        from ..io.files import fingerprint, same_input

        try:
            saved = ledger.fingerprint(task.key)
            if saved is None:
                saved = fingerprint(task.path)
                ledger.set_fingerprint(task.key, saved)
                return str(saved["sha256"])
            unchanged, now_fp = same_input(task.path, saved)
        except (OSError, InputError):
            return None  # gone or unreadable: reading it says so in an error record
        if unchanged:
            if now_fp is not None:  # touched, same bytes
                ledger.set_fingerprint(task.key, now_fp)
            return str(saved["sha256"])
        forgotten = ledger.set_fingerprint(task.key, now_fp, forget=True)
        if forgotten:
            self._changed.append(f"{task.path} ({forgotten} records done before)")
        return str(now_fp["sha256"])

    def _start(self, ledger: Ledger, executor: ThreadPoolExecutor | None, batch: "_Batch") -> "_Batch":
        """Run the batch's CPU stages (clean, segment, detect): in the prefetch thread, so
        that they overlap the model stages of the batch before, or here without one."""
        if batch.articles:
            pipeline = self._pipeline(ledger)  # loaded here, in this thread, before any prefetch
            if executor is not None:
                batch.prepared = executor.submit(_timed_isolated, pipeline.prepare, batch.articles)
            else:
                self.timings["stages"] += _timed_isolated(pipeline.prepare, batch.articles)
        return batch

    def _finish(self, ledger: Ledger, log: AppendLog, batch: "_Batch", result: WorkerResult) -> None:
        """Wait for the batch's CPU stages, run its model stages, commit it."""
        if batch.prepared is not None:
            t0 = time.perf_counter()
            self.timings["stages"] += batch.prepared.result()
            self.timings["prefetch_wait"] += time.perf_counter() - t0
        if batch.articles:
            pipeline = self._pipeline(ledger)
            # The translation and summary caches live for one chunk: a hit then returns what
            # this very batch computed, never a text decoded in another batch shape (batched
            # generation is not bit-exact across shapes), so a chunk's output is a function
            # of the chunk alone, whichever worker does it and whatever it did before.
            for cache in pipeline.context.caches.values():
                cache.clear()
            self.timings["stages"] += _timed_isolated(pipeline.finish, batch.articles)
        self._commit(ledger, log, batch, result)

    def _commit(self, ledger: Ledger, log: AppendLog, batch: "_Batch", result: WorkerResult) -> None:
        t0 = time.perf_counter()
        rows: list[UnitRow] = []
        lines: list[bytes] = []
        line_rows: list[UnitRow] = []
        written = errors = duplicates = 0
        tag = batch.tag
        for unit, dup in batch.pending:
            key = unit.task.key
            if dup is not None:
                info = {"id": unit.id, "source": unit.source(), "duplicate_of": dup}
                rows.append(UnitRow(key, unit.pos, unit.id, False, "duplicate", info=info, chunk=tag))
                duplicates += 1
            elif unit.article is None or not unit.article.ok:
                err = unit.error or unit.article.error.to_dict()  # type: ignore[union-attr]
                info = {"id": unit.id, "source": unit.source(), "where": unit.where, **err}
                rows.append(UnitRow(key, unit.pos, unit.id, unit.claims_id, "error", info=info, chunk=tag))
                errors += 1
                if len(result.error_samples) < 20:
                    result.error_samples.append(info)
            else:
                try:
                    line = dumps_line(unit.article.to_record())
                except Exception as exc:  # noqa: BLE001 - a record that cannot be serialised is this article's error
                    info = {"id": unit.id, "source": unit.source(), "where": unit.where,
                            "stage": "write", "kind": "internal", "message": exception_brief(exc)}
                    rows.append(UnitRow(key, unit.pos, unit.id, True, "error", info=info, chunk=tag))
                    errors += 1
                    continue
                row = UnitRow(key, unit.pos, unit.id, True, "written", checksum=checksum(line), chunk=tag)
                lines.append(line)
                line_rows.append(row)
                rows.append(row)
                written += 1
        for row, (offset, length) in zip(line_rows, log.append(lines)):
            row.offset, row.length = offset, length
        committed = log.sync()
        t1 = time.perf_counter()
        ledger.commit_batch(batch.batch_no, rows, batch.task_ends, committed)
        t2 = time.perf_counter()
        self.timings["write"] += t1 - t0
        self.timings["ledger"] += t2 - t1
        result.batches += 1
        result.processed += len(rows)
        result.written += written
        result.errors += errors
        result.duplicates += duplicates
        if self.progress is not None and rows:
            self.progress.advance(len(rows), written, errors, duplicates)

    def _unlock(self) -> None:
        lock = getattr(self, "_lock", None)
        if lock is not None:
            lock.close()  # closing the file releases the flock
            self._lock = None

    def _pipeline(self, ledger: Ledger):
        if self.pipeline is None:
            from ..runner import Pipeline

            t0 = time.perf_counter()
            self.pipeline = Pipeline.from_config(self.cfg)
            self.timings["load"] += time.perf_counter() - t0
        return self.pipeline

    def _estimate(self, tasks: list[Task]) -> int | None:
        """Units in this worker's chunks (every input's length estimated; None when unknown)."""
        from ..io.records import count_records

        total = 0
        for task in tasks:
            if not task.is_records:
                total += 1
                continue
            n = count_records(Path(task.path), fmt=task.fmt, split=task.split, csv_delimiter=self.cfg.batch.csv_delimiter)
            if n is None:
                return None
            total += n
        size = self.cfg.batch.batch_size
        chunks = -(-total // size)
        return sum(min(size, total - k * size) for k in range(chunks) if chunk_owner(k, self.world_size) == self.rank)


@dataclass
class _Batch:
    """One chunk on its way through the stages: `articles` all of its articles (what the
    stages see), `pending` the units to commit (those not yet in the ledger)."""

    batch_no: int
    pending: list[tuple[Unit, str | None]]
    task_ends: list[TaskEnd]
    tag: str
    articles: list[Any] = field(default_factory=list)
    prepared: Future | None = None  # the CPU stages' seconds, from the prefetch thread


def _timed_isolated(run, articles: list) -> float:
    """`run(articles)` (some of the pipeline's stages), timed. Stages isolate articles
    themselves; this is the net under them: an unexpected exception is retried article by
    article, so it fails only the article that raises it. Job faults (a model, the config)
    propagate."""
    t0 = time.perf_counter()
    try:
        run(articles)
    except (ModelUnavailable, ModelError, ConfigError):
        raise
    except Exception:  # noqa: BLE001
        for article in articles:
            if not article.ok:
                continue
            try:
                run([article])
            except (ModelUnavailable, ModelError, ConfigError):
                raise
            except Exception as exc:  # noqa: BLE001
                article.fail("pipeline", "internal", exception_brief(exc))
    return time.perf_counter() - t0


def _lock_worker(folder: Path):
    """Hold this worker's lock for the whole run: two processes must never append to the
    same log (a second overnight run started by cron while the first is still going)."""
    import fcntl

    out = folder.parent.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fh = open(folder / "lock", "a+")
    except OSError as exc:  # what check_out_dir cannot foresee: a read-only or virtual file system
        raise OutputDirError(f"--out {out}: cannot create {folder} ({exc.strerror or exc})") from None
    try:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        fh.seek(0)
        holder = fh.read().strip() or "another process"
        fh.close()
        raise OutputDirError(f"another batch is writing {out} ({holder}); wait for it to finish or stop it first") from None
    fh.seek(0)
    fh.truncate()
    fh.write(f"pid {os.getpid()}\n")
    fh.flush()
    return fh


@contextlib.contextmanager
def hold_worker_lock(out: Path, rank: int = 0, world_size: int = 1):
    """The worker's lock, held by the caller from the first read until the outputs are in
    place: a second run must not start (and clear temp files) while this one finalises.
    Pass `locked=True` to run_worker inside it."""
    check_out_dir(out, world_size)  # before the lock creates work/
    fh = _lock_worker(worker_dir(out, rank, world_size))
    try:
        yield
    finally:
        fh.close()


@contextlib.contextmanager
def hold_job_lock(out: Path, world_size: int = 1):
    """The driver's lock on the whole output folder (OUT/work/driver/lock), held by a run
    that places every rank itself (--executor ray, or local without --rank) from the first
    read until the outputs are in place; the workers still take their own locks."""
    check_out_dir(out, world_size)
    fh = _lock_worker(Path(out) / "work" / "driver")
    try:
        yield
    finally:
        fh.close()


def _reading_failure(task: Task, pos: int, exc: BaseException) -> InputError:
    """An unexpected exception while reading one input, as that input's error."""
    where = task.path
    if isinstance(exc, ImportError):
        name = getattr(exc, "name", None) or "a module"
        return InputError(where, f"needs the Python package '{name}', which is missing or broken ({exception_brief(exc)}); "
                                 f"install it (pip install {name}) and run again with --retry-errors", kind="dependency")
    if isinstance(exc, MemoryError):
        return InputError(where, f"record {pos} did not fit in memory; the rest of this input was not read", kind="too_large")
    if isinstance(exc, RecursionError):
        return InputError(where, f"record {pos} is nested too deeply to read; the rest of this input was not read", kind="record")
    if isinstance(exc, OSError):
        return InputError(where, f"cannot be read ({exc.strerror or exc}); the rest of this input was not read", kind="unreadable")
    return InputError(where, f"failed while reading record {pos} ({exception_brief(exc)}); the rest of this input was not read", kind="internal")


def run_worker(job: BatchJob, rank: int = 0, world_size: int = 1, *, stop: StopFlag | None = None, progress: Progress | None = None,
               locked: bool = False) -> WorkerResult:
    return Worker(job, rank, world_size, stop=stop, progress=progress, locked=locked).run()
