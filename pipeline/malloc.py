"""glibc malloc: one arena for the whole process.

glibc gives threads that allocate at the same time arenas of their own (up to 8 per
core), and memory freed in an arena stays resident for that arena. A newsbridge run
has several such threads: CTranslate2's worker, the prefetch thread of the CPU stages,
a model's OpenMP threads. Their arenas hold on to their own peaks, so the process keeps
the sum of the peaks instead of the peak of the sum. One arena keeps one heap's worth.

Measured (README "Memory"): peak RSS of the CTranslate2 backends 70-80 MB lower with
one arena, CPU time of translation and summaries the same within noise; other glibc
settings that lowered RSS (a fixed mmap threshold, 128 KiB to 4 MiB) cost 30-70% more
CPU in translation, so they are not used.

The CLI sets it first thing in every command (threads.prepare_environment), before any
thread allocates; the benchmarks run the same setup. MALLOC_ARENA_MAX or GLIBC_TUNABLES
in the environment is the user's choice and is kept; NEWSBRIDGE_MALLOC=glibc keeps
glibc's own behaviour.
"""

from __future__ import annotations

import ctypes
import os
import platform

M_ARENA_MAX = -8  # mallopt parameter number (malloc.h)
ARENAS = 1
USER_SETTINGS = ("MALLOC_ARENA_MAX", "GLIBC_TUNABLES")


def limit_arenas() -> bool:
    """Cap glibc's arenas at ARENAS (see above); True when it was set here."""
    if os.environ.get("NEWSBRIDGE_MALLOC") == "glibc" or any(name in os.environ for name in USER_SETTINGS):
        return False
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return False  # musl, macOS, Windows: other allocators, other rules
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    return bool(mallopt(M_ARENA_MAX, ARENAS))


def describe() -> str:
    """How this process's malloc is set, for benchmark reports."""
    if os.environ.get("NEWSBRIDGE_MALLOC") == "glibc":
        return "glibc defaults (NEWSBRIDGE_MALLOC=glibc)"
    tuned = sorted(k for k in os.environ if k.startswith("MALLOC_") or k == "GLIBC_TUNABLES")
    if tuned:
        return f"the environment's {', '.join(tuned)}"
    return f"the CLI's: glibc, {ARENAS} arena (pipeline/malloc.py)"
