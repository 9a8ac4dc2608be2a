"""Stopping cleanly: SIGINT/SIGTERM ask the engine to stop after the current batch.

The first signal sets a flag that the engine reads between batches (the batch in flight is
finished, written and committed); a second Ctrl-C stops at once, which is also safe, since
nothing uncommitted is ever taken for done (see ledger.py).
"""

from __future__ import annotations

import signal
import threading
from typing import Any, Callable


class StopFlag:
    def __init__(self) -> None:
        self.signum: int | None = None
        self._previous: dict[int, Any] = {}

    @property
    def requested(self) -> bool:
        return self.signum is not None

    def request(self, signum: int = signal.SIGINT) -> None:
        self.signum = signum

    def __enter__(self) -> "StopFlag":
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGINT, signal.SIGTERM):
                self._previous[sig] = signal.signal(sig, self._handle)
        return self

    def __exit__(self, *exc: Any) -> None:
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)
        self._previous.clear()

    def _handle(self, signum: int, frame: Any) -> None:
        if self.signum is not None and signum == signal.SIGINT:
            raise KeyboardInterrupt  # second Ctrl-C: stop now (safe, see module doc)
        self.signum = signum
        if self.on_request:
            self.on_request(signum)

    on_request: Callable[[int], None] | None = None


class FileStopFlag(StopFlag):
    """A stop request that crosses machines: the driver writes a file on the shared
    filesystem (the signal's number in it), and each worker checks for it between batches."""

    def __init__(self, path) -> None:
        super().__init__()
        from pathlib import Path

        self.path = Path(path)

    @property
    def requested(self) -> bool:  # a stat() per batch
        if self.signum is None and self.path.exists():
            try:
                self.signum = int(self.path.read_text().strip() or signal.SIGTERM)
            except (OSError, ValueError):
                self.signum = int(signal.SIGTERM)
        return self.signum is not None
