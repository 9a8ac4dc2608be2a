"""Request limits: the body size (checked while the body streams in, so a client cannot
make the server hold more than the limit) and a per-key rate of submissions."""

from __future__ import annotations

import json
import threading
import time
from typing import Any


class RateLimiter:
    """A token bucket per caller: `per_minute` submissions a minute, in bursts of up to as
    many. `take(who)` -> 0 when allowed, else the seconds until the next one is."""

    def __init__(self, per_minute: int):
        self.per_minute = per_minute
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def take(self, who: str) -> float:
        if self.per_minute <= 0:
            return 0.0
        rate = self.per_minute / 60.0
        now = time.monotonic()
        with self._lock:
            tokens, last = self._buckets.get(who, (float(self.per_minute), now))
            tokens = min(float(self.per_minute), tokens + (now - last) * rate)
            if tokens >= 1.0:
                self._buckets[who] = (tokens - 1.0, now)
                return 0.0
            self._buckets[who] = (tokens, now)
            if len(self._buckets) > 10_000:  # callers that went quiet leave a full bucket: forget them
                self._buckets = {k: v for k, v in self._buckets.items() if now - v[1] < 60 / rate}
            return (1.0 - tokens) / rate


class BodyLimit:
    """ASGI middleware: a request whose body is over `max_bytes` gets 413 and a JSON error,
    whether it says its length up front (Content-Length) or not (chunked)."""

    def __init__(self, app: Any, max_bytes: int):
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    return await _too_large(send, "Content-Length is not a number", 400)
                if declared > self.max_bytes:
                    return await _too_large(send, self._message(declared))
        seen = 0
        started = rejected = False

        async def counted_receive():
            nonlocal seen, rejected
            if rejected:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    # Answer now and tell the app the client is gone: it stops reading.
                    rejected = True
                    if not started:
                        await _too_large(send, self._message(seen))
                    return {"type": "http.disconnect"}
            return message

        async def tracked_send(message):
            nonlocal started
            if rejected:
                return  # the 413 has been sent; whatever the app says after is dropped
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted_receive, tracked_send)
        except Exception:
            if not rejected:
                raise

    def _message(self, size: int) -> str:
        return f"request body of {size:,}+ bytes is over the limit of {self.max_bytes:,} bytes (serve.max_body_bytes)"


async def _too_large(send, message: str, status: int = 413) -> None:
    body = json.dumps({"error": message}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()), (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})
