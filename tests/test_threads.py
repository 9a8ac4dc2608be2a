"""Threads follow the CPUs the process may use: affinity, then a cgroup quota (v1 or v2)."""

from __future__ import annotations

import os
from pathlib import Path

from pipeline import threads


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_cgroup_v2_quota_tightest_on_the_path(tmp_path):
    root = tmp_path / "cg"
    _write(root / "cpu.max", "max 100000\n")
    _write(root / "job" / "cpu.max", "300000 100000\n")
    _write(root / "job" / "step" / "cpu.max", "150000 100000\n")
    proc = tmp_path / "cgroup"
    _write(proc, "0::/job/step\n")
    assert threads.cgroup_cpu_quota(root, proc) == 1.5
    _write(root / "job" / "step" / "cpu.max", "max 100000\n")
    assert threads.cgroup_cpu_quota(root, proc) == 3.0


def test_cgroup_v1_quota_and_unlimited(tmp_path):
    root = tmp_path / "cg"
    _write(root / "cpu" / "docker" / "cpu.cfs_quota_us", "50000\n")
    _write(root / "cpu" / "docker" / "cpu.cfs_period_us", "100000\n")
    _write(root / "cpu" / "cpu.cfs_quota_us", "-1\n")
    _write(root / "cpu" / "cpu.cfs_period_us", "100000\n")
    proc = tmp_path / "cgroup"
    _write(proc, "4:memory:/docker\n3:cpu,cpuacct:/docker\n")
    assert threads.cgroup_cpu_quota(root, proc) == 0.5
    _write(proc, "3:cpu,cpuacct:/\n")
    assert threads.cgroup_cpu_quota(root, proc) is None


def test_available_cpus_is_capped_by_affinity_and_quota(monkeypatch):
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1, 2, 3})
    monkeypatch.setattr(threads, "cgroup_cpu_quota", lambda *a, **k: None)
    assert threads.available_cpus() == 4
    monkeypatch.setattr(threads, "cgroup_cpu_quota", lambda *a, **k: 2.5)
    assert threads.available_cpus() == 3
    monkeypatch.setattr(threads, "cgroup_cpu_quota", lambda *a, **k: 0.2)
    assert threads.available_cpus() == 1
    assert threads.resolve_threads(0) == 1 and threads.resolve_threads(6) == 6


def test_environment_keeps_the_users_choice(monkeypatch):
    monkeypatch.setattr(threads, "available_cpus", lambda: 3)
    for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "GOMP_SPINCOUNT", "OMP_WAIT_POLICY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MKL_NUM_THREADS", "7")
    threads.prepare_environment()
    assert os.environ["OMP_NUM_THREADS"] == "3" and os.environ["MKL_NUM_THREADS"] == "7"
    assert os.environ["GOMP_SPINCOUNT"] == threads.GOMP_SPINCOUNT
    monkeypatch.delenv("GOMP_SPINCOUNT")
    monkeypatch.setenv("OMP_WAIT_POLICY", "ACTIVE")
    threads.prepare_environment()
    assert "GOMP_SPINCOUNT" not in os.environ  # the user chose a wait policy: theirs alone
