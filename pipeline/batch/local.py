"""The local executor: the ranks in this process, one after another.

`newsbridge batch` with the default `--executor local` runs its one rank here (or, with
`--rank R --world-size W`, rank R of a job whose other ranks run elsewhere: separate
processes, Slurm array tasks). `--workers N` without `--rank` runs all N ranks here in
turn: the same outputs as one worker, which is how tests check that the merge does not
depend on how the work was split; for N workers at once use `--executor ray`.
"""

from __future__ import annotations

import contextlib
from typing import Any

from .control import StopFlag
from .engine import BatchJob, Progress, WorkerResult, hold_job_lock, hold_worker_lock, run_worker
from .executor import OnProgress, run_job
from .finalize import FinalResult
from .progress import JobTally, RankProgress


class LocalExecutor:
    name = "local"

    def __init__(self, progress: Progress | None = None):
        self.progress = progress  # an engine-level sink for every rank (tests); else on_progress

    def describe(self, world_size: int) -> dict[str, Any]:
        return {"name": self.name, "workers": world_size}

    @contextlib.contextmanager
    def locks(self, job: BatchJob, world_size: int, ranks: list[int]):
        """Each rank's worker lock, held by run_job from the first read until the outputs are
        in place: a second run must not start (and clear temp files) while this one finalises."""
        with contextlib.ExitStack() as held:
            if len(ranks) == world_size:  # the whole job runs here (not one --rank of several)
                held.enter_context(hold_job_lock(job.out, world_size))
            for rank in ranks:
                held.enter_context(hold_worker_lock(job.out, rank, world_size))
            yield

    def run_workers(self, job: BatchJob, world_size: int, ranks: list[int], *, stop: StopFlag,
                    on_progress: OnProgress | None = None) -> list[WorkerResult]:
        tally = JobTally(world_size, ranks)
        results = []
        for rank in ranks:
            sink = self.progress
            if sink is None and on_progress is not None:
                sink = RankProgress(rank, lambda method, *args: getattr(tally, method)(*args),
                                    lambda: on_progress(tally.snapshot()))
            result = run_worker(job, rank, world_size, stop=stop, progress=sink, locked=True)
            results.append(result)
            if result.status != "complete":
                break
        return results


def run_local(job: BatchJob, *, world_size: int = 1, stop: StopFlag | None = None,
              progress: Progress | None = None) -> tuple[list[WorkerResult], FinalResult | None]:
    """Every rank here, then the merge (tests and scripts; the CLI calls run_job)."""
    outcome = run_job(job, LocalExecutor(progress), world_size=world_size, stop=stop)
    return outcome.results, outcome.final
