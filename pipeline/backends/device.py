"""runtime.device: is the asked-for device there? Checked once, when a run's context is
made, so that `device=cuda` on a machine without a card is one clear error before any
model loads (not a library traceback half-way through a job)."""

from __future__ import annotations

from ..errors import ConfigError


def cuda_devices() -> int:
    """CUDA cards visible to this process: CTranslate2 asks the driver without importing
    torch; torch is asked only when CTranslate2 is not installed."""
    try:
        import ctranslate2

        return int(ctranslate2.get_cuda_device_count())
    except ImportError:
        pass
    try:
        import torch

        return torch.cuda.device_count() if torch.cuda.is_available() else 0
    except ImportError:
        return 0


def check_device(device: str) -> None:
    if device == "cuda" and cuda_devices() == 0:
        raise ConfigError("runtime.device=cuda, but no CUDA device is visible to this process; "
                          "use runtime.device=auto (CUDA when present, else CPU) or runtime.device=cpu")
