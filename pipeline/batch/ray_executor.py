"""The Ray executor: the job's W workers as Ray tasks, on a cluster or on one started here.

Each rank is one Ray task running `engine.run_worker(job, rank, W)` with the resources the
user asked for (`--worker-cpus`, `--worker-gpus`). Ray places the tasks, and when a
worker's process or node dies it runs the task again (up to `--max-retries`): the new
attempt opens the same ledger, cuts the log back to the last commit and carries on with
the work unit it was killed in, done again whole, so nothing is written twice, nothing is
lost and every batch is the one any other run makes (see ledger.py, engine.py). The driver only watches:
progress comes from a small Ray actor every worker reports to, and the merge
(`finalize`) runs on the driver once every ledger says complete, as with any executor.

Why tasks and not an actor pool: a worker is one long call that owns its files; a task is
what Ray retries on its own after a crash, and one process per worker keeps the models
of a dead worker from lingering. datatrove runs its ranks the same way.

Requirements: `pip install 'newsbridge[ray]'` on the driver and every node, and the
inputs and --out on a filesystem every node mounts at the same path (checked by each
worker before it starts: sharedfs.py).
"""

from __future__ import annotations

import logging
import math
import os
import signal
import sys
import time
from pathlib import Path
from typing import Any

from ..errors import ConfigError, NewsbridgeError
from .control import FileStopFlag, StopFlag
from .engine import BatchJob, WorkerResult, check_out_dir, run_worker, worker_dir
from .executor import OnProgress
from .progress import JobTally, RankProgress
from .sharedfs import check_worker_view, write_job_token

EXTRA_HINT = "pip install 'newsbridge[ray]'"
# The driver's settings a worker must share, wherever it runs (a cluster's worker processes
# do not inherit the driver's environment): offline mode, quiet libraries, malloc tuning.
FORWARDED_ENV = ("HF_", "TRANSFORMERS_", "TOKENIZERS_", "MALLOC_", "NEWSBRIDGE_")
STOP_FILE = "stop-requested"


class RayUnavailable(NewsbridgeError):
    """No Ray cluster to run on: none at the address given, or none that fits a worker."""

    kind = "ray"
    exit_code = 2


class WorkerFailed(NewsbridgeError):
    """A worker died more often than --max-retries allows (what it committed is kept)."""

    kind = "worker"
    exit_code = 1


def import_ray(local: bool = False):
    if local and "ray" not in sys.modules:
        # A cluster of this machine alone: Ray's switch for laptops makes every server of it
        # listen on 127.0.0.1, not on the machine's network address (read when ray is imported).
        os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")
        os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")  # a job's own cluster does not report usage
        # Ray starts its workers at nice 15 (below its own daemons); on a shared machine that
        # makes a job's workers yield to every other process, while `--executor local` runs
        # at the user's priority. A job's own cluster is the job: same priority as local.
        os.environ.setdefault("RAY_worker_niceness", "0")
    try:
        import ray
    except ImportError as exc:
        raise ConfigError(f"--executor ray needs Ray, which is not installed ({exc}); install the extra: {EXTRA_HINT}") from None
    return ray


class RayExecutor:
    name = "ray"

    def __init__(self, address: str | None = None, *, worker_cpus: float = 1.0, worker_gpus: float = 0.0,
                 max_retries: int = 3, poll_seconds: float = 0.5):
        self.address = address
        self.worker_cpus = worker_cpus
        self.worker_gpus = worker_gpus
        self.max_retries = max_retries
        self.poll_seconds = poll_seconds
        self.ray = import_ray(local=not address)  # fail before any work when the extra is missing

    def describe(self, world_size: int) -> dict[str, Any]:
        return {"name": self.name, "workers": world_size, "address": self.address or "local",
                "worker_cpus": self.worker_cpus, "worker_gpus": self.worker_gpus, "max_retries": self.max_retries}

    def locks(self, job: BatchJob, world_size: int, ranks: list[int]):
        # The workers lock their own folders in their own processes; the driver holds the job.
        from .engine import hold_job_lock

        return hold_job_lock(job.out, world_size)

    # -- the cluster ---------------------------------------------------------------------

    def _connect(self, world_size: int) -> bool:
        """Connect, or start a local cluster for this job; True when this call did (so the
        job disconnects, or stops its local cluster, when it ends)."""
        ray = self.ray
        if ray.is_initialized():  # a notebook or a script that called ray.init itself
            return False
        quiet = {"logging_level": logging.ERROR, "log_to_driver": False}
        try:
            if self.address:
                ray.init(address=self.address, **quiet)
            else:
                # "local": never join a cluster someone else started on this machine.
                ray.init(address="local", num_cpus=max(1, math.ceil(world_size * self.worker_cpus)),
                         # no GPU asked: none offered; asked: the ones there (none there: _check_fits says so)
                         num_gpus=0 if not self.worker_gpus else None, include_dashboard=False,
                         _node_ip_address="127.0.0.1", object_store_memory=128 * 1024**2, **quiet)
        except (ConnectionError, ValueError, RuntimeError) as exc:
            where = f"at {self.address}" if self.address else "on this machine"
            raise RayUnavailable(f"cannot start or reach a Ray cluster {where}: {exc}") from None
        return True

    def _check_fits(self) -> None:
        """A task no node can hold would wait forever: say so instead."""
        nodes = [n for n in self.ray.nodes() if n.get("Alive")]
        fits = [n for n in nodes if n["Resources"].get("CPU", 0) >= self.worker_cpus
                and n["Resources"].get("GPU", 0) >= self.worker_gpus]
        if not fits:
            offered = ", ".join(f"{n.get('NodeManagerHostname', '?')}: {n['Resources'].get('CPU', 0):g} CPU "
                                f"{n['Resources'].get('GPU', 0):g} GPU" for n in nodes) or "no live nodes"
            raise RayUnavailable(f"no node of the Ray cluster can hold a worker of --worker-cpus {self.worker_cpus:g} "
                                 f"--worker-gpus {self.worker_gpus:g} ({offered})")

    # -- the job -------------------------------------------------------------------------

    def run_workers(self, job: BatchJob, world_size: int, ranks: list[int], *, stop: StopFlag,
                    on_progress: OnProgress | None = None) -> list[WorkerResult]:
        ray = self.ray
        check_out_dir(job.out, world_size)  # refuse a foreign --out before starting anything
        token = write_job_token(job.out)
        stop_path = Path(job.out) / "work" / STOP_FILE
        stop_path.unlink(missing_ok=True)  # a request from an earlier, finished session
        started_here = self._connect(world_size)
        refs: dict[int, Any] = {}
        try:
            self._check_fits()
            tally = ray.remote(num_cpus=0)(JobTally).remote(world_size, ranks)
            task = ray.remote(_run_rank)
            spec = {"job": job, "cwd": os.getcwd(), "token": token, "stop": str(stop_path), "cpus": self.worker_cpus,
                    "env": {k: v for k, v in os.environ.items() if k.startswith(FORWARDED_ENV)}}
            for rank in ranks:
                refs[rank] = task.options(
                    name=f"newsbridge-worker-{rank}-of-{world_size}", num_cpus=self.worker_cpus, num_gpus=self.worker_gpus,
                    max_retries=self.max_retries, retry_exceptions=False,
                ).remote(spec, rank, world_size, tally)
            outcome = self._watch(refs, tally, stop, stop_path, on_progress)
        except BaseException:
            for ref in refs.values():
                try:
                    ray.cancel(ref, force=True)
                except Exception:  # already finished or gone with the cluster
                    pass
            raise
        finally:
            if started_here:
                ray.shutdown()
        return outcome

    def _watch(self, refs: dict[int, Any], tally: Any, stop: StopFlag, stop_path: Path,
               on_progress: OnProgress | None) -> list[WorkerResult]:
        ray = self.ray
        by_ref = {ref: rank for rank, ref in refs.items()}
        results: dict[int, WorkerResult] = {}
        failures: dict[int, BaseException] = {}
        pending = list(refs.values())
        asked = False
        while pending:
            if (stop.requested or failures) and not asked:
                # Every worker finishes its batch in flight, commits, and returns "interrupted"
                # (after a worker's failure too: the job will not be merged, so stop soon).
                stop_path.write_text(str(stop.signum or signal.SIGTERM))
                asked = True
            ready, pending = ray.wait(pending, num_returns=len(pending), timeout=self.poll_seconds)
            for ref in ready:
                rank = by_ref[ref]
                try:
                    results[rank] = ray.get(ref)
                except ray.exceptions.RayTaskError as exc:
                    failures[rank] = exc.cause if isinstance(exc.cause, BaseException) else exc
                except ray.exceptions.RayError as exc:  # the process or node died, retries spent
                    failures[rank] = WorkerFailed(
                        f"worker {rank} of {len(refs)} stopped {self.max_retries + 1} times ({type(exc).__name__}: "
                        f"{str(exc).splitlines()[0] if str(exc) else 'no detail'}); what it committed is kept: "
                        "run the same command again to resume")
            if on_progress is not None:
                on_progress(ray.get(tally.snapshot.remote()))
        if failures:
            first = failures[min(failures)]
            if isinstance(first, NewsbridgeError):
                raise first
            raise WorkerFailed(f"worker {min(failures)} failed: {type(first).__name__}: {first}") from first
        return [results[rank] for rank in sorted(results)]


def _run_rank(spec: dict[str, Any], rank: int, world_size: int, tally: Any) -> WorkerResult:
    """One worker, inside a Ray task (a fresh or reused Ray worker process, any node)."""
    job: BatchJob = spec["job"]
    os.environ.update(spec["env"])
    check_worker_view([str(p) for p in job.inputs], str(job.out), spec["token"], spec["cwd"], rank=rank)
    before = os.getcwd()
    os.chdir(spec["cwd"])  # relative inputs name the same files, and records the same paths
    try:
        if job.config.runtime.threads == 0:
            _size_threads(spec["cpus"])
        _wait_for_previous_attempt(worker_dir(job.out, rank, world_size) / "lock")
        progress = RankProgress(rank, lambda method, *args: getattr(tally, method).remote(*args))
        return run_worker(job, rank, world_size, stop=FileStopFlag(spec["stop"]), progress=progress)
    finally:
        os.chdir(before)


def _size_threads(cpus: float) -> None:
    """As many torch threads as CPUs reserved (runtime.threads, when set, wins in the
    pipeline): more would fight the other workers on the node, fewer would idle."""
    n = max(1, math.floor(cpus))
    if "torch" in sys.modules:  # a reused Ray worker process: torch already read the environment
        sys.modules["torch"].set_num_threads(n)
    else:
        os.environ["OMP_NUM_THREADS"] = str(n)


def _wait_for_previous_attempt(lock: Path, patience: float = 30.0) -> None:
    """A killed driver's workers are reaped by Ray a moment after it dies; let them go
    rather than fail at once on their lock (after `patience` the engine's own message,
    naming the holder, is the answer)."""
    import fcntl

    if not lock.exists():
        return
    deadline = time.monotonic() + patience
    with open(lock, "a+") as fh:
        while True:
            try:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
                return
            except BlockingIOError:
                if time.monotonic() > deadline:
                    return
                time.sleep(0.2)
