"""One job's progress, added up over every worker, wherever the workers run.

Each worker reports to the engine's `Progress` protocol (start, advance, finish). A
`JobTally` keeps one line per rank; `RankProgress` is the engine-side sink for one rank.
The local executor feeds a tally in this process; the Ray executor puts the same class in
a Ray actor and the driver polls its `snapshot()` (no polling of SQLite over a network
filesystem, where WAL readers are not safe).

A retried worker (Ray restarting it after its process died) calls `start` again with the
count its ledger holds: its line is reset to that, so work lost with the dead process is
not counted twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable


@dataclass
class Snapshot:
    total: int | None  # units of the whole job; None until every worker has estimated its share
    done: int  # units committed, this run and earlier ones
    processed: int  # units committed by this run (the rate's numerator)
    errors: int
    duplicates: int
    workers_started: int
    workers: int
    attempts: int  # worker starts, retries included

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


class JobTally:
    def __init__(self, world_size: int, ranks: list[int] | None = None):
        self.world_size = world_size
        self.ranks = list(range(world_size)) if ranks is None else list(ranks)
        self._lines: dict[int, dict[str, Any]] = {}
        self._attempts = 0

    def start(self, rank: int, total: int | None, done: int) -> None:
        self._attempts += 1
        self._lines[rank] = {"total": total, "before": done, "processed": 0, "errors": 0, "duplicates": 0}

    def advance(self, rank: int, units: int, written: int, errors: int, duplicates: int) -> None:
        line = self._lines.setdefault(rank, {"total": None, "before": 0, "processed": 0, "errors": 0, "duplicates": 0})
        line["processed"] += units
        line["errors"] += errors
        line["duplicates"] += duplicates

    def snapshot(self) -> Snapshot:
        lines = [self._lines[r] for r in self.ranks if r in self._lines]
        known = len(lines) == len(self.ranks) and all(x["total"] is not None for x in lines)
        return Snapshot(
            total=sum(x["total"] for x in lines) if known else None,
            done=sum(x["before"] + x["processed"] for x in lines),
            processed=sum(x["processed"] for x in lines),
            errors=sum(x["errors"] for x in lines),
            duplicates=sum(x["duplicates"] for x in lines),
            workers_started=len(lines),
            workers=len(self.ranks),
            attempts=self._attempts,
        )


class RankProgress:
    """The engine's Progress for one rank: reports into a tally (or anything with the same
    methods, e.g. a Ray actor handle through `call`) and then calls `changed`."""

    def __init__(self, rank: int, report: Callable[..., Any], changed: Callable[[], None] | None = None):
        self.rank = rank
        self.report = report  # report(method_name, *args)
        self.changed = changed

    def start(self, total: int | None, done: int) -> None:
        self.report("start", self.rank, total, done)
        if self.changed:
            self.changed()

    def advance(self, units: int, written: int, errors: int, duplicates: int) -> None:
        self.report("advance", self.rank, units, written, errors, duplicates)
        if self.changed:
            self.changed()

    def finish(self) -> None:
        if self.changed:
            self.changed()
