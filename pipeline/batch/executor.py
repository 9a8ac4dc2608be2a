"""What every executor shares: run the workers somewhere, then merge, once, here.

An executor places the W workers of a job (`engine.run_worker(job, rank, W)`) and returns
their results; it never writes outputs itself. `run_job` is the one driver for all of
them: it runs the executor, and when every worker's ledger says complete, calls
`finalize.finalize` (the deterministic merge), so the outputs are the same bytes whatever
ran the workers, in what order, and how many times a worker was retried.

    local.LocalExecutor         the ranks in this process, one after another
    ray_executor.RayExecutor    the ranks as Ray tasks on a cluster (or one started for the job)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, ContextManager, Protocol

from .control import StopFlag
from .engine import BatchJob, WorkerResult
from .finalize import FinalResult, finalize, workers_complete
from .progress import Snapshot

OnProgress = Callable[[Snapshot], None]


class Executor(Protocol):
    name: str

    def describe(self, world_size: int) -> dict[str, Any]:
        """What ran the job, for manifest.json's `executor` field."""
        ...

    def locks(self, job: BatchJob, world_size: int, ranks: list[int]) -> ContextManager[None]:
        """The lock(s) that keep a second run off this output folder, held by run_job from
        before the first read until the outputs are in place."""
        ...

    def run_workers(self, job: BatchJob, world_size: int, ranks: list[int], *, stop: StopFlag,
                    on_progress: OnProgress | None = None) -> list[WorkerResult]:
        """Run these ranks to completion (or until `stop`); one result per rank, in rank order."""
        ...


@dataclass
class JobOutcome:
    status: str  # complete | interrupted | waiting (this executor's ranks are done, others are not)
    results: list[WorkerResult]
    combined: WorkerResult  # every rank of this run added up (the summary table)
    final: FinalResult | None = None

    @property
    def plan(self):
        return next((r.plan for r in reversed(self.results) if r.plan is not None), None)


def run_job(job: BatchJob, executor: Executor, *, world_size: int = 1, ranks: list[int] | None = None,
            stop: StopFlag | None = None, on_progress: OnProgress | None = None) -> JobOutcome:
    ranks = list(range(world_size)) if ranks is None else list(ranks)
    with executor.locks(job, world_size, ranks):
        return _run_locked(job, executor, world_size, ranks, stop, on_progress)


def _run_locked(job: BatchJob, executor: Executor, world_size: int, ranks: list[int], stop: StopFlag | None,
                on_progress: OnProgress | None) -> JobOutcome:
    results = executor.run_workers(job, world_size, ranks, stop=stop or StopFlag(), on_progress=on_progress)
    combined = combine_results(results, world_size)
    if combined.status != "complete":
        return JobOutcome("interrupted", results, combined)
    if not workers_complete(job.out, world_size):
        return JobOutcome("waiting", results, combined)
    outcome = JobOutcome("complete", results, combined)
    plan = outcome.plan
    outcome.final = finalize(
        job.out, job.config, world_size, inputs=[str(p) for p in job.inputs], ignored=plan.ignored if plan else [],
        session={"written": combined.written, "errors": combined.errors, "duplicates": combined.duplicates,
                 "stats": combined.stats, "timings": combined.timings},
        executor=executor.describe(world_size), plan=plan,
    )
    return outcome


def combine_results(results: list[WorkerResult], world_size: int) -> WorkerResult:
    """Several workers' results as one: counts, per-stage stats and timings added up
    (seconds are worker-seconds), interrupted if any worker was."""
    if len(results) == 1:
        return results[0]
    statuses = {r.status for r in results}
    status = "complete" if statuses <= {"complete"} else ("interrupted" if "interrupted" in statuses else "failed")
    out = WorkerResult(rank=-1, world_size=world_size, status=status)
    for r in results:
        out.processed += r.processed
        out.written += r.written
        out.errors += r.errors
        out.duplicates += r.duplicates
        out.batches += r.batches
        out.dropped_bytes += r.dropped_bytes
        out.redone += r.redone
        out.changed_inputs.extend(r.changed_inputs)
        out.signal = out.signal or r.signal
        out.error_samples.extend(r.error_samples[: max(0, 20 - len(out.error_samples))])
        out.signature = r.signature or out.signature
        out.plan = r.plan or out.plan
        for name, value in r.timings.items():
            out.timings[name] = round(out.timings.get(name, 0.0) + value, 4)
        for stage, stats in r.stats.items():
            mine = out.stats.setdefault(stage, {})
            for key, value in stats.items():
                if isinstance(value, (int, float)) and not isinstance(value, bool):
                    mine[key] = mine.get(key, 0) + value
                else:
                    mine.setdefault(key, value)
    for stats in out.stats.values():
        if isinstance(stats.get("seconds"), float):
            stats["seconds"] = round(stats["seconds"], 4)
    return out
