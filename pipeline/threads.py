"""How many threads newsbridge computes with, and how idle ones wait.

Why this module: torch sizes its pool from the machine's cores, not from the CPUs this
process may use (a taskset/affinity mask, a container's cgroup CPU quota), and its OpenMP
threads (libgomp) spin for a while at every barrier before sleeping. On a shared machine
both hurt: more threads than CPUs means each parallel region waits for a descheduled
straggler, and spinning threads burn the CPU the other processes (and our own straggler)
need. So threads follow `available_cpus()`, and the OpenMP spin is short (see
`prepare_environment`, measured by scripts/bench_contention.py, README "Under contention").
"""

from __future__ import annotations

import math
import os
from pathlib import Path

# libgomp spins this many iterations before sleeping at a barrier (its default with
# OMP_WAIT_POLICY unset is 300,000, ~0.1-1 ms of a busy core per wait). A short spin keeps
# the quick hand-offs of a quiet run, and stops burning CPU when the machine is busy.
# Measured choice: see README "Under contention".
GOMP_SPINCOUNT = "10000"


def available_cpus() -> int:
    """CPUs this process may use: the affinity mask, capped by a cgroup CPU quota."""
    try:
        n = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        n = os.cpu_count() or 1
    quota = cgroup_cpu_quota()
    if quota is not None:
        n = min(n, max(1, math.ceil(quota)))
    return max(1, n)


def cgroup_cpu_quota(root: Path = Path("/sys/fs/cgroup"), proc_cgroup: Path = Path("/proc/self/cgroup")) -> float | None:
    """The tightest CPU quota (in CPUs) on this process's cgroup path, v2 or v1; None if unlimited."""
    try:
        entries = proc_cgroup.read_text().splitlines()
    except OSError:
        return None
    limits: list[float] = []
    for entry in entries:
        parts = entry.split(":", 2)
        if len(parts) != 3:
            continue
        _, controllers, rel = parts
        if controllers == "":  # v2 unified
            base, files = root, ("cpu.max",)
        elif "cpu" in controllers.split(","):
            base = next((root / name for name in ("cpu", "cpu,cpuacct", "cpuacct,cpu") if (root / name).is_dir()), None)
            if base is None:
                continue
            files = ("cpu.cfs_quota_us",)
        else:
            continue
        folder = base / rel.lstrip("/")
        # A parent's quota limits its children too: walk up to the mount point.
        while True:
            limit = _read_quota(folder, files[0])
            if limit is not None:
                limits.append(limit)
            if folder == base or base not in folder.parents:
                break
            folder = folder.parent
    return min(limits) if limits else None


def _read_quota(folder: Path, name: str) -> float | None:
    try:
        if name == "cpu.max":
            quota, _, period = (folder / name).read_text().strip().partition(" ")
            if quota == "max":
                return None
            return int(quota) / int(period or 100000)
        quota_us = int((folder / "cpu.cfs_quota_us").read_text().strip())
        if quota_us <= 0:
            return None
        return quota_us / int((folder / "cpu.cfs_period_us").read_text().strip())
    except (OSError, ValueError, ZeroDivisionError):
        return None


def resolve_threads(configured: int) -> int:
    """runtime.threads, where 0 means the CPUs this process may use."""
    return configured if configured > 0 else available_cpus()


def prepare_environment(threads: int = 0) -> None:
    """Thread settings that native libraries read once, when they load: call before torch,
    CTranslate2 or tokenizers are imported and before any thread starts (the CLI does,
    first thing; glibc's arenas are set once the config is known: malloc.configure). A
    value already in the environment is the user's choice and is kept."""
    n = str(resolve_threads(threads))
    for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ.setdefault(name, n)
    if "OMP_WAIT_POLICY" not in os.environ:
        os.environ.setdefault("GOMP_SPINCOUNT", GOMP_SPINCOUNT)
    # Rust tokenizers start a pool of their own per process; our batches are tokenised in
    # one call per stage, and the pool's threads would compete with torch's.
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def configure_torch_threads(threads: int) -> int:
    """torch intra-op (and, when still possible, inter-op) threads; returns intra-op."""
    import torch

    n = resolve_threads(threads)
    if torch.get_num_threads() != n:
        torch.set_num_threads(n)
    try:
        # Inter-op parallelism is unused by generate(); one thread, not one per core.
        torch.set_num_interop_threads(1)
    except RuntimeError:
        pass  # already started (set once per process)
    return n
