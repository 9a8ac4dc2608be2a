"""What every route shares: the config, the job store, the worker, the keys and limits,
and the waiters that let a request sleep until its job changes."""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from ..config import Config
from ..lru import LRUCache
from .keys import ApiKeys
from .limits import RateLimiter
from .store import DONE, FAILED, Job, JobStore
from .worker import Worker

TERMINAL = (DONE, FAILED)


class Waiters:
    """Requests sleeping until a job changes; woken from the worker thread."""

    def __init__(self) -> None:
        self.loop: asyncio.AbstractEventLoop | None = None
        self._events: dict[str, set[asyncio.Event]] = {}
        self._lock = threading.Lock()

    def notify(self, job_id: str) -> None:
        loop = self.loop
        if loop is not None and not loop.is_closed():
            try:
                loop.call_soon_threadsafe(self._wake, job_id)
            except RuntimeError:  # the loop closed between the check and the call
                pass

    def notify_all(self) -> None:
        with self._lock:
            ids = list(self._events)
        for job_id in ids:
            self.notify(job_id)

    def _wake(self, job_id: str) -> None:
        with self._lock:
            events = list(self._events.get(job_id, ()))
        for event in events:
            event.set()

    def register(self, job_id: str) -> asyncio.Event:
        event = asyncio.Event()
        with self._lock:
            self._events.setdefault(job_id, set()).add(event)
        return event

    def unregister(self, job_id: str, event: asyncio.Event) -> None:
        with self._lock:
            events = self._events.get(job_id)
            if events is not None:
                events.discard(event)
                if not events:
                    del self._events[job_id]


@dataclass
class Service:
    config: Config
    data_dir: Path
    store: JobStore
    worker: Worker
    waiters: Waiters
    keys: ApiKeys | None
    limiter: RateLimiter
    # True once the server has been told to stop (long polls return at once then).
    stopping: Callable[[], bool] = field(default=lambda: False)
    # The history list's rendered entry of each finished job, by (id, last update): a
    # finished record never changes, so the home page does not parse and render every
    # record again on every visit (it runs on the event loop every request shares).
    entries: LRUCache[tuple[str, float], Any] = field(init=False)

    def __post_init__(self) -> None:
        self.entries = LRUCache(2 * self.config.serve.history_limit)

    @property
    def auth(self) -> bool:
        return self.keys is not None

    async def wait_for(self, job_id: str, seconds: float) -> Job | None:
        """The job once it is done or failed, or as it is after `seconds`."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + max(0.0, min(seconds, self.config.serve.wait_max_s))
        while True:
            event = self.waiters.register(job_id)
            try:
                job = self.store.get(job_id)
                left = deadline - loop.time()
                if job is None or job.status in TERMINAL or left <= 0 or self.stopping():
                    return job
                try:
                    # Wake at least each second to notice a stopping server.
                    await asyncio.wait_for(event.wait(), min(left, 1.0))
                except asyncio.TimeoutError:
                    pass
            finally:
                self.waiters.unregister(job_id, event)
