"""The CLI's malloc setting (pipeline/malloc.py): freed large blocks leave the process,
and the user's own malloc settings win."""

from __future__ import annotations

import platform
import subprocess
import sys

import pytest

from pipeline import malloc, threads

from .conftest import REPO

# Frees one 16 MiB block (glibc would raise its mmap threshold to 16 MiB), then fills and
# frees 40 blocks of 4 MiB with a 1 MiB block after them, and prints the resident MB.
PROBE = """
import ctypes, sys
from pipeline.threads import prepare_environment
prepare_environment()
libc = ctypes.CDLL(None)
libc.malloc.restype = ctypes.c_void_p
libc.free.argtypes = [ctypes.c_void_p]
libc.free(libc.malloc(16 << 20))
blocks = [libc.malloc(4 << 20) for _ in range(40)]
for b in blocks:
    ctypes.memset(b, 1, 4 << 20)
guard = libc.malloc(1 << 20)  # from the top of the heap, after the blocks
ctypes.memset(guard, 1, 1 << 20)
for b in blocks:
    libc.free(b)
pages = int(open('/proc/self/statm').read().split()[1])
print(pages * 4096 // 2**20)
"""


def _resident_after_free(env: dict[str, str]) -> int:
    proc = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, cwd=REPO, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return int(proc.stdout.strip())


@pytest.mark.skipif(platform.system() != "Linux" or platform.libc_ver()[0] != "glibc", reason="glibc's malloc only")
def test_freed_blocks_leave_the_process_unless_glibc_defaults_are_asked_for():
    import os

    base = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_") and k not in ("GLIBC_TUNABLES", "NEWSBRIDGE_MALLOC")}
    base["PYTHONPATH"] = str(REPO)
    ours = _resident_after_free(base)
    glibc = _resident_after_free({**base, "NEWSBRIDGE_MALLOC": "glibc"})
    # 160 MB were freed: glibc's dynamic threshold keeps them resident, ours returns them.
    assert glibc - ours > 100, (ours, glibc)


def test_the_users_malloc_settings_are_kept(monkeypatch):
    calls = []
    monkeypatch.setattr(malloc.ctypes, "CDLL", lambda _: type("libc", (), {"mallopt": staticmethod(lambda *a: calls.append(a) or 1)})())
    for name in ("NEWSBRIDGE_MALLOC", *malloc.USER_SETTINGS):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MALLOC_TRIM_THRESHOLD_", "0")
    assert malloc.release_freed_memory() is False
    monkeypatch.delenv("MALLOC_TRIM_THRESHOLD_")
    monkeypatch.setenv("NEWSBRIDGE_MALLOC", "glibc")
    threads.prepare_environment()
    assert calls == []
