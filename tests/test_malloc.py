"""The CLI's malloc setting (pipeline/malloc.py): one glibc arena for every thread, and
the user's own malloc settings win."""

from __future__ import annotations

import os
import platform
import subprocess
import sys

import pytest

from pipeline import malloc, threads

from .conftest import REPO

# The CLI's process setup, then four threads that allocate at once; glibc's malloc_stats()
# prints one "Arena N:" block per arena to stderr.
PROBE = """
import ctypes, threading
from pipeline.threads import prepare_environment
prepare_environment()
libc = ctypes.CDLL(None)
libc.malloc.restype = ctypes.c_void_p
libc.free.argtypes = [ctypes.c_void_p]
start = threading.Barrier(4)
def work():
    start.wait()
    blocks = [libc.malloc(4096) for _ in range(2000)]
    for b in blocks:
        libc.free(b)
workers = [threading.Thread(target=work) for _ in range(4)]
for t in workers: t.start()
for t in workers: t.join()
libc.malloc_stats()
"""


def _arenas(env: dict[str, str]) -> int:
    proc = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, cwd=REPO, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return sum(1 for line in proc.stderr.splitlines() if line.startswith("Arena "))


@pytest.mark.skipif(platform.system() != "Linux" or platform.libc_ver()[0] != "glibc", reason="glibc's malloc only")
def test_threads_share_one_arena_unless_glibc_defaults_are_asked_for():
    base = {k: v for k, v in os.environ.items() if k not in (*malloc.USER_SETTINGS, "NEWSBRIDGE_MALLOC")}
    base["PYTHONPATH"] = str(REPO)
    assert _arenas(base) == 1
    assert _arenas({**base, "NEWSBRIDGE_MALLOC": "glibc"}) > 1


def test_the_users_malloc_settings_are_kept(monkeypatch):
    calls = []
    fake_libc = type("libc", (), {"mallopt": staticmethod(lambda *a: calls.append(a) or 1)})()
    monkeypatch.setattr(malloc.ctypes, "CDLL", lambda _: fake_libc)
    for name in ("NEWSBRIDGE_MALLOC", *malloc.USER_SETTINGS):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MALLOC_ARENA_MAX", "4")
    assert malloc.limit_arenas() is False
    monkeypatch.delenv("MALLOC_ARENA_MAX")
    monkeypatch.setenv("NEWSBRIDGE_MALLOC", "glibc")
    threads.prepare_environment()
    assert calls == []
    monkeypatch.delenv("NEWSBRIDGE_MALLOC")
    if platform.system() == "Linux" and platform.libc_ver()[0] == "glibc":
        assert malloc.limit_arenas() is True and calls == [(malloc.M_ARENA_MAX, malloc.ARENAS)]
