"""The CLI's malloc setting (pipeline/malloc.py): one glibc arena for every thread when
no torch model runs, glibc's arenas when one does, and the user's own settings win."""

from __future__ import annotations

import os
import platform
import subprocess
import sys

import pytest

from pipeline import malloc, threads
from pipeline.config import load_config

from .conftest import REPO

# The CLI's process setup, then four threads that allocate at once; glibc's malloc_stats()
# prints one "Arena N:" block per arena to stderr.
PROBE = """
import ctypes, sys, threading
from pipeline.cli.common import load_cli_config
from pipeline.threads import prepare_environment
prepare_environment()
load_cli_config(None, sys.argv[1:])  # the CLI's setup for this config: malloc.configure
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


CT2_ONLY = ["translate.backend=ctranslate2", "summarize.backend=ctranslate2"]


def _arenas(env: dict[str, str], overrides: list[str] = CT2_ONLY) -> int:
    proc = subprocess.run([sys.executable, "-c", PROBE, *overrides], capture_output=True, text=True, cwd=REPO, env=env,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    return sum(1 for line in proc.stderr.splitlines() if line.startswith("Arena "))


@pytest.mark.skipif(platform.system() != "Linux" or platform.libc_ver()[0] != "glibc", reason="glibc's malloc only")
def test_threads_share_one_arena_unless_glibc_defaults_are_asked_for():
    base = {k: v for k, v in os.environ.items() if k not in (*malloc.USER_SETTINGS, "NEWSBRIDGE_MALLOC")}
    base["PYTHONPATH"] = str(REPO)
    assert _arenas(base) == 1
    assert _arenas({**base, "NEWSBRIDGE_MALLOC": "glibc"}) > 1


@pytest.mark.skipif(platform.system() != "Linux" or platform.libc_ver()[0] != "glibc", reason="glibc's malloc only")
def test_a_run_with_a_torch_model_keeps_glibcs_arenas():
    base = {k: v for k, v in os.environ.items() if k not in (*malloc.USER_SETTINGS, "NEWSBRIDGE_MALLOC")}
    base["PYTHONPATH"] = str(REPO)
    # The default config translates and summarises with torch models.
    assert _arenas(base, []) > 1
    assert _arenas(base, ["translate.backend=ctranslate2"]) > 1  # the summariser is torch
    # Without the summarize stage only the translator counts; extractive summaries load no model.
    assert _arenas(base, ["translate.backend=ctranslate2", "pipeline.stages=[clean,segment,detect,translate]"]) == 1
    assert _arenas(base, ["translate.backend=ctranslate2", "summarize.backend=extractive"]) == 1


def test_which_runs_load_torch():
    from pipeline.config import load_config

    assert malloc.runs_torch(load_config(None, []))
    assert not malloc.runs_torch(load_config(None, CT2_ONLY))
    assert malloc.runs_torch(load_config(None, ["summarize.backend=ctranslate2"]))
    assert not malloc.runs_torch(load_config(None, ["pipeline.stages=[clean,segment,detect]"]))


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
    assert malloc.configure(load_config(None, CT2_ONLY)) is False
    assert calls == []
    monkeypatch.delenv("NEWSBRIDGE_MALLOC")
    if platform.system() == "Linux" and platform.libc_ver()[0] == "glibc":
        assert malloc.limit_arenas() is True and calls == [(malloc.M_ARENA_MAX, malloc.ARENAS)]


# 200 MB in 64 KiB blocks (under glibc's mmap threshold: they live on the heap), all freed
# but one allocated last, which pins the heap's top so glibc cannot shrink it by itself.
TRIM_PROBE = """
import ctypes, os, sys
from pipeline import malloc
from pipeline.threads import prepare_environment
prepare_environment()
libc = ctypes.CDLL(None)
libc.malloc.restype = ctypes.c_void_p
libc.malloc.argtypes = [ctypes.c_size_t]
libc.free.argtypes = [ctypes.c_void_p]
def rss_mb():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
blocks = [libc.malloc(64 * 1024) for _ in range(3200)]
for b in blocks:
    ctypes.memset(b, 1, 64 * 1024)
pin = libc.malloc(64 * 1024)
for b in blocks:
    libc.free(b)
before = rss_mb()
trimmed = malloc.trim()
print(before, rss_mb(), trimmed)
"""


@pytest.mark.skipif(platform.system() != "Linux" or platform.libc_ver()[0] != "glibc", reason="glibc's malloc only")
def test_trim_gives_freed_heap_back_to_the_os():
    env = {k: v for k, v in os.environ.items() if k not in (*malloc.USER_SETTINGS, "NEWSBRIDGE_MALLOC")}
    env["PYTHONPATH"] = str(REPO)
    proc = subprocess.run([sys.executable, "-c", TRIM_PROBE], capture_output=True, text=True, cwd=REPO, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    before, after, trimmed = proc.stdout.split()
    assert trimmed == "True"
    assert float(before) - float(after) > 150, proc.stdout


def test_trim_is_a_no_op_without_glibc(monkeypatch):
    monkeypatch.setattr(malloc, "_trim", None)
    monkeypatch.setattr(malloc.platform, "libc_ver", lambda: ("", ""))
    assert malloc.trim() is False
    assert malloc._trim is False  # looked up once, not on every call
