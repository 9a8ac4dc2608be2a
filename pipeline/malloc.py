"""glibc malloc: hand large freed blocks back to the system.

glibc serves blocks over its mmap threshold (128 KiB) with mmap and unmaps them on
free, but each time such a block is freed it raises the threshold to that block's size
(the "dynamic threshold", up to 32 MiB). After the first batch, the per-batch buffers of
a model (CTranslate2's decoder caches and logits, lingua's tables while they load) then
come from the heap, and freed heap memory mostly stays resident: the process keeps the
peak of every batch it ever ran. Fixing the threshold at glibc's default stops that.

Measured with scripts/bench_pipeline.py (README "Performance of the whole pipeline"):
peak RSS of the CTranslate2 pipeline about 90 MB lower, same throughput within noise.

The CLI sets it first thing in every command (threads.prepare_environment), so the
benchmarks, which run the CLI, measure what users get. A MALLOC_* tuning variable or
GLIBC_TUNABLES in the environment is the user's choice and is kept;
NEWSBRIDGE_MALLOC=glibc keeps glibc's own behaviour.
"""

from __future__ import annotations

import ctypes
import os
import platform

# mallopt parameter numbers (malloc.h).
M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 128 * 1024
USER_SETTINGS = ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "MALLOC_TOP_PAD_", "MALLOC_MMAP_MAX_", "GLIBC_TUNABLES")


def release_freed_memory() -> bool:
    """Fix glibc's mmap threshold (see above); True when it was set here."""
    if os.environ.get("NEWSBRIDGE_MALLOC") == "glibc" or any(name in os.environ for name in USER_SETTINGS):
        return False
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return False  # musl, macOS, Windows: other allocators, other rules
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    return bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD))
