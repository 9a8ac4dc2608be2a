"""glibc malloc: one arena for the whole process, when no torch model runs.

glibc gives threads that allocate at the same time arenas of their own (up to 8 per
core), and memory freed in an arena stays resident for that arena. A newsbridge run
has several such threads: CTranslate2's workers, the prefetch thread of the CPU stages.
Their arenas hold on to their own peaks, so the process keeps the sum of the peaks
instead of the peak of the sum. One arena keeps one heap's worth.

Measured (README "Memory"): peak RSS of the CTranslate2 backends 70-80 MB lower with
one arena, CPU time of translation and summaries the same within noise. torch is the
exception: its OpenMP threads allocate at every operation, and one arena shared between
them cost 20-35% of the torch backends' translation speed (scripts/bench_translate.py,
README "Memory"), so a run with a torch model keeps glibc's arenas. Other glibc
settings that lowered RSS (a fixed mmap threshold, 128 KiB to 4 MiB) cost 30-70% more
CPU in translation, so they are not used.

The CLI decides once its config is loaded (`configure`, from cli/common.py), before any
model loads or thread starts; the benchmarks do the same. MALLOC_ARENA_MAX or
GLIBC_TUNABLES in the environment is the user's choice and is kept;
NEWSBRIDGE_MALLOC=glibc keeps glibc's own behaviour.
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


def runs_torch(config) -> bool:
    """Whether a run with `config` loads a torch model: the translate backend (summaries
    are translated too) when translate or summarize is a stage, the summarize backend when
    summarize is."""
    from . import registry

    stages = set(config.pipeline.stages)
    backends = []
    if stages & {"translate", "summarize"}:
        backends.append(registry.translators.get(config.translate.backend))
    if "summarize" in stages:
        backends.append(registry.summarizers.get(config.summarize.backend))
    return any(getattr(cls, "uses_torch", False) for cls in backends)


def configure(config) -> bool:
    """The process's malloc for a run with `config` (see above): one arena unless a torch
    model runs; True when the arenas were capped here. Call before models load."""
    if runs_torch(config):
        return False
    return limit_arenas()


_trim = None  # glibc's malloc_trim once looked up; False where there is none


def trim() -> bool:
    """Give the heap's free pages back to the OS (glibc malloc_trim(0)); True when it did.

    A model call's batch buffers are freed into the one arena and stay resident; what the
    run allocates next through another allocator (pyarrow's pool when the outputs are
    written) cannot reuse them, so the process would hold both. Called between model
    stages: one pass over the heap, milliseconds. A no-op off glibc.
    """
    global _trim
    if _trim is None:
        _trim = False
        if platform.system() == "Linux" and platform.libc_ver()[0] == "glibc":
            try:
                _trim = ctypes.CDLL(None).malloc_trim
                _trim.argtypes = [ctypes.c_size_t]
                _trim.restype = ctypes.c_int
            except (OSError, AttributeError):
                _trim = False
    if not _trim:
        return False
    return bool(_trim(0))


def describe() -> str:
    """How this process's malloc is set, for benchmark reports."""
    if os.environ.get("NEWSBRIDGE_MALLOC") == "glibc":
        return "glibc defaults (NEWSBRIDGE_MALLOC=glibc)"
    tuned = sorted(k for k in os.environ if k.startswith("MALLOC_") or k == "GLIBC_TUNABLES")
    if tuned:
        return f"the environment's {', '.join(tuned)}"
    return f"the CLI's: glibc, {ARENAS} arena without torch models, glibc's arenas with them (pipeline/malloc.py)"
