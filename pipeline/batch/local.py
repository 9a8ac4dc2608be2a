"""The local executor: run workers in this process, then finalise.

`run_local(job)` is what `newsbridge batch` does with the default world size of 1; with
`world_size=W` it runs the W workers one after another (tests, and a check that the merge
does not depend on how the work was split). Other executors (processes, Slurm array
tasks, Ray) run `engine.run_worker` for each rank wherever they like and call
`finalize.finalize` once `finalize.workers_complete` says every worker is done.
"""

from __future__ import annotations

import contextlib

from .control import StopFlag
from .engine import BatchJob, Progress, WorkerResult, hold_worker_lock, run_worker
from .finalize import FinalResult, finalize, workers_complete


def run_local(job: BatchJob, *, world_size: int = 1, stop: StopFlag | None = None,
              progress: Progress | None = None) -> tuple[list[WorkerResult], FinalResult | None]:
    results = []
    with contextlib.ExitStack() as locks:  # every lock held until the outputs are in place
        for rank in range(world_size):
            locks.enter_context(hold_worker_lock(job.out, rank, world_size))
            result = run_worker(job, rank, world_size, stop=stop, progress=progress, locked=True)
            results.append(result)
            if result.status != "complete":
                return results, None
        if not workers_complete(job.out, world_size):
            return results, None
        plan = results[-1].plan
        final = finalize(job.out, job.config, world_size, inputs=[str(p) for p in job.inputs],
                         ignored=plan.ignored if plan else [])
    return results, final
