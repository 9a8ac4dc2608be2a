"""Finalisation: merge every worker's ledger and log into the outputs, deterministically.

Units are gathered in (task key, position) order, each from the worker whose work unit
(sources.chunk_owner) it belongs to, whichever order or session it was done in, so the outputs of a run killed and resumed any number of
times, or split over any number of workers, are the same bytes as an uninterrupted
single-process run. Every output is written to a temp file and renamed (never
half-written); the accounting invariant (per input: records = written + errors +
duplicates) is checked while gathering and reported in manifest.json.
"""

from __future__ import annotations

import json
import platform
import time
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Any, Iterator

from .. import __version__
from ..config import Config
from ..io.atomic import atomic_output, atomic_path
from ..io.jsonl import LogCorrupted, read_span
from ..io.pairs import record_pairs
from .engine import now, worker_dir
from ..errors import NewsbridgeError, exception_brief
from .ledger import Ledger, checksum
from .sources import Plan, Task, chunk_owner, plan_digest, plan_inputs, unit_source

LIBRARIES = ("torch", "transformers", "tokenizers", "sentencepiece", "sacremoses", "lingua-language-detector",
             "sentencex", "razdel", "charset-normalizer", "trafilatura", "pyarrow", "datasets", "pydantic", "rich")


@dataclass
class InputCount:
    input: str
    records: int | None
    written: int = 0
    errors: int = 0
    duplicates: int = 0

    @property
    def balanced(self) -> bool:
        return self.records is not None and self.records == self.written + self.errors + self.duplicates

    def to_dict(self) -> dict[str, Any]:
        return {"input": self.input, "records": self.records, "written": self.written, "errors": self.errors,
                "duplicates": self.duplicates, "balanced": self.balanced}


@dataclass
class FinalResult:
    inputs: list[InputCount] = field(default_factory=list)
    outputs: dict[str, int] = field(default_factory=dict)  # file -> records/lines
    seconds: float = 0.0
    manifest: dict[str, Any] = field(default_factory=dict)

    @property
    def totals(self) -> dict[str, int]:
        return {
            "inputs": sum(c.records or 0 for c in self.inputs),
            "written": sum(c.written for c in self.inputs),
            "errors": sum(c.errors for c in self.inputs),
            "duplicates": sum(c.duplicates for c in self.inputs),
        }

    @property
    def unbalanced(self) -> list[InputCount]:
        return [c for c in self.inputs if not c.balanced]


def workers_complete(out: Path, world_size: int) -> bool:
    for rank in range(world_size):
        path = worker_dir(out, rank, world_size) / "ledger.sqlite"
        if not path.is_file():
            return False
        ledger = Ledger(path)
        try:
            if not ledger.get("complete", False):
                return False
        finally:
            ledger.close()
    return True


class InputsChanged(NewsbridgeError):
    """The workers read different inputs (files added, removed or edited while the job ran)."""

    kind = "inputs_changed"


def finalize(out: Path, config: Config, world_size: int, *, inputs: list[str], ignored: list[str] | None = None,
             session: dict[str, Any] | None = None, executor: dict[str, Any] | None = None,
             plan: Plan | None = None) -> FinalResult:
    t0 = time.perf_counter()
    out = Path(out)
    if plan is None:
        plan = plan_inputs([Path(p) for p in inputs], config.batch, out)
    ledgers = [Ledger(worker_dir(out, r, world_size) / "ledger.sqlite") for r in range(world_size)]
    logs = [open(worker_dir(out, r, world_size) / "articles.jsonl", "rb") for r in range(world_size)]
    result = FinalResult()
    try:
        layout = _layout(ledgers, plan)
        wanted = set(config.batch.outputs)
        kinds = list(config.batch.pair_kinds)
        size = config.batch.batch_size
        # Who owns each article id: the first unit claiming it in (task, position) order.
        # Workers read every input and so already know (engine._loop); this is the check
        # that the merged outputs say so too, for units of inputs no longer in the job as well.
        owners: dict[str, str] = {}
        index = 0  # the unit's position in the whole job: its chunk says which worker did it
        with (atomic_output(out / "articles.jsonl") as articles, atomic_output(out / "errors.jsonl") as errors,
              atomic_output(out / "duplicates.jsonl") as duplicates, _Parallel(out, config, wanted) as parallel):
            for task, records, current in layout:
                count = InputCount(input=f"{task.path}::{task.split}" if task.split else task.path, records=records)
                if current:
                    rows = _chunked_rows(ledgers, task, records, index, size, count.input)
                    index += records
                else:  # an input no longer given: what was done of it is published (unbalanced)
                    rows = _any_rows(ledgers, task.key)
                for w, (pos, uid, claim, state, offset, length, info, crc) in rows:
                    if claim:
                        owner = owners.setdefault(uid, f"{task.key}#{pos}")
                        if owner != f"{task.key}#{pos}":
                            state, info = "duplicate", _duplicate_line(uid, task, pos, owner)
                    elif state == "duplicate" and uid in owners:
                        record = json.loads(info)
                        record["duplicate_of"] = owners[uid]
                        info = json.dumps(record, ensure_ascii=False)
                    if state == "written":
                        line = read_span(logs[w], offset, length)
                        record = _checked_record(line, crc, logs[w].name, offset)
                        articles.write(line)
                        parallel.write(record, kinds)
                        count.written += 1
                    elif state == "error":
                        errors.write(info.encode("utf-8") + b"\n")
                        count.errors += 1
                    else:
                        duplicates.write(info.encode("utf-8") + b"\n")
                        count.duplicates += 1
                result.inputs.append(count)
            result.outputs = {"articles.jsonl": sum(c.written for c in result.inputs),
                              "errors.jsonl": sum(c.errors for c in result.inputs),
                              "duplicates.jsonl": sum(c.duplicates for c in result.inputs), **parallel.counts()}
        result.seconds = round(time.perf_counter() - t0, 4)
        result.manifest = _manifest(out, config, ledgers, result, inputs=inputs, ignored=ignored or [], world_size=world_size,
                                    session=session, executor=executor)
        with atomic_output(out / "manifest.json", "w") as fh:
            json.dump(result.manifest, fh, ensure_ascii=False, indent=2)
            fh.write("\n")
    finally:
        for fh in logs:
            fh.close()
        for ledger in ledgers:
            ledger.close()
    return result


def _layout(ledgers: list[Ledger], plan: Plan) -> list[tuple[Task, int | None, bool]]:
    """Every task in output order: (task, records, in the job's current inputs). Every
    worker reads every input to its end, so each ledger knows each input's length; workers
    that disagree read different inputs, and their work units would not fit together."""
    known: dict[str, tuple[Task, dict[int, int]]] = {}
    for w, ledger in enumerate(ledgers):
        for key, path, fmt, split, records, complete in ledger.tasks():
            task, lengths = known.get(key, (None, {}))
            if task is None or task.fmt == "?":
                task = Task(key, path, fmt, split)
            if complete:
                lengths[w] = records
            known[key] = (task, lengths)
    digests = {ledger.get("plan") for ledger in ledgers}
    if digests != {plan_digest(plan)}:
        raise InputsChanged("the inputs changed while the job ran (the workers found different files); "
                            "run the same command again: what changed is redone")
    current = {t.key: t for t in plan.tasks}
    out = []
    for key in sorted(set(known) | set(current)):
        task, lengths = known.get(key, (current.get(key), {}))
        if key in current:
            if len(lengths) != len(ledgers) or len(set(lengths.values())) != 1:
                seen = ", ".join(f"worker {w}: {n}" for w, n in sorted(lengths.items())) or "none read it to its end"
                raise InputsChanged(f"{task.path} changed while the job ran (records {seen}); "
                                    "run the same command again: what changed is redone")
            out.append((task, lengths[0], True))
        else:
            out.append((task, next(iter(set(lengths.values()))) if len(set(lengths.values())) == 1 else None, False))
    return out


def _chunked_rows(ledgers: list[Ledger], task: Task, records: int, first: int, size: int, name: str) -> Iterator[tuple[int, tuple]]:
    """(worker, unit row) for positions 0..records-1 of a task whose first unit is the job's
    unit number `first`: each from the ledger of the worker its chunk belongs to (another
    worker may hold a stale copy, from before an input changed: never published)."""
    world = len(ledgers)
    cursors: dict[int, Iterator[tuple]] = {}
    heads: dict[int, tuple | None] = {}
    for pos in range(records):
        w = chunk_owner((first + pos) // size, world)
        if w not in cursors:
            cursors[w] = iter(ledgers[w].units_of_checked(task.key))
            heads[w] = next(cursors[w], None)
        while heads[w] is not None and heads[w][0] < pos:
            heads[w] = next(cursors[w], None)
        row = heads[w]
        if row is None or row[0] != pos:
            raise LogCorrupted(f"ledger of worker {w} has no unit {pos} of {name}; run the same command again to redo it")
        yield w, row


def _any_rows(ledgers: list[Ledger], key: str) -> Iterator[tuple[int, tuple]]:
    """(worker, unit row) of a task no longer in the job: every position any worker did, once."""
    rows: dict[int, tuple[int, tuple]] = {}
    for w, ledger in enumerate(ledgers):
        for row in ledger.units_of_checked(key):
            rows.setdefault(row[0], (w, row))
    for pos in sorted(rows):
        yield rows[pos]


def _checked_record(line: bytes, crc: int | None, log: str, offset: int) -> dict[str, Any]:
    """A committed log line, verified: one damaged since it was committed is never published
    (the worker checks every line when it starts, so a second run redoes it)."""
    try:
        if crc is not None and checksum(line) != crc:
            raise ValueError("checksum mismatch")
        return json.loads(line)
    except (ValueError, RecursionError) as exc:
        raise LogCorrupted(f"{log}: the record committed at byte {offset:,} is damaged ({exception_brief(exc)}); "
                           "run the same command again: damaged records are redone") from None


def _duplicate_line(uid: str, task: Task, pos: int, owner: str) -> str:
    """The engine's duplicate record (engine.Worker._commit), for one found only here."""
    return json.dumps({"id": uid, "source": unit_source(task, pos), "duplicate_of": owner}, ensure_ascii=False)


class _Parallel:
    """articles.parquet, pairs.tsv and pairs.tmx, written from each gathered record."""

    def __init__(self, out: Path, config: Config, wanted: set[str]):
        self.out, self.config, self.wanted = out, config, wanted
        self._stack: list[Any] = []
        self.parquet = self.tsv = self.tmx = None

    def __enter__(self) -> "_Parallel":
        import contextlib

        from ..io.tmx import TmxWriter
        from ..io.tsv import PairsTsvWriter

        self._exit = contextlib.ExitStack()
        stack = self._exit.__enter__()
        try:
            if "parquet" in self.wanted:
                from ..io.parquet import ArticleParquetWriter

                tmp = stack.enter_context(atomic_path(self.out / "articles.parquet"))
                self.parquet = ArticleParquetWriter(tmp, row_group_rows=self.config.batch.parquet_row_group_rows)
                stack.callback(self._close_parquet)
            if "tsv" in self.wanted:
                self.tsv = PairsTsvWriter(stack.enter_context(atomic_output(self.out / "pairs.tsv", "w")))
            if "tmx" in self.wanted:
                fh = stack.enter_context(atomic_output(self.out / "pairs.tmx", "w"))
                self.tmx = TmxWriter(fh, srclang=self.config.batch.tmx_srclang, adminlang=self.config.batch.tmx_adminlang)
        except BaseException:
            self._exit.__exit__(None, None, None)
            raise
        return self

    def _close_parquet(self) -> None:
        if self.parquet is not None:
            self.parquet.close()

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None and self.tmx is not None:
            self.tmx.close()
        return self._exit.__exit__(exc_type, exc, tb)

    def write(self, record: dict[str, Any], kinds: list[str]) -> None:
        if self.parquet is not None:
            self.parquet.write(record)
        if self.tsv is not None or self.tmx is not None:
            for pair in record_pairs(record, kinds):
                if self.tsv is not None:
                    self.tsv.write(pair)
                if self.tmx is not None:
                    self.tmx.write(pair)

    def counts(self) -> dict[str, int]:
        out = {}
        if self.parquet is not None:
            out["articles.parquet"] = self.parquet.count
        if self.tsv is not None:
            out["pairs.tsv"] = self.tsv.count
        if self.tmx is not None:
            out["pairs.tmx"] = self.tmx.count
        return out


def library_versions() -> dict[str, str]:
    return dict(_library_versions())


@lru_cache(maxsize=1)
def _library_versions() -> dict[str, str]:
    # Once per process: each look-up scans the installed distributions (milliseconds a
    # job), and the versions a process has imported do not change while it runs.
    versions = {"python": platform.python_version()}
    for name in LIBRARIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return versions


def _manifest(out: Path, config: Config, ledgers: list[Ledger], result: FinalResult, *, inputs: list[str],
              ignored: list[str], world_size: int, session: dict[str, Any] | None,
              executor: dict[str, Any] | None) -> dict[str, Any]:
    sessions = []
    for rank, ledger in enumerate(ledgers):
        for s in ledger.sessions():
            sessions.append({"worker": rank, **s})
    signature = {}
    for ledger in ledgers:
        signature = ledger.get("signature") or signature
    histories = sorted({h for ledger in ledgers for h in ledger.get("config_history", [])})
    started = min((s["started"] for s in sessions), default=now())
    return {
        "newsbridge": __version__,
        "status": "complete",
        "inputs": inputs,
        "out": str(out),
        # What ran it (name, workers, resources): the only field, with the timings, that
        # differs between executors and worker counts.
        "executor": executor or {"name": "local", "workers": world_size},
        "started": started,
        "finished": now(),
        "signature": {
            "newsbridge": __version__,
            "libraries": library_versions(),
            "models": signature.get("models", {}),
            "config_hash": config.config_hash(),
            "config": config.to_dict(),
            # More than one hash: the run was resumed with --force-config; each record's
            # own signature says which config made it.
            "config_hashes": histories,
        },
        "counts": {**result.totals, "input_files": len(result.inputs), "ignored_files": len(ignored),
                   "balanced": not result.unbalanced},
        "outputs": result.outputs,
        "per_input": [c.to_dict() for c in result.inputs],
        "ignored": ignored[:100],
        "finalize_seconds": result.seconds,
        "last_session": session or {},
        "sessions": sessions,
    }
