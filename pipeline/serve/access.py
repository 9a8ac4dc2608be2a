"""Who is asking and whether they may: API keys (Bearer header, LibreTranslate's
`api_key` field, the web page's cookie), the per-caller rate limit, and the error every
route raises to answer with JSON `{"error": ...}`."""

from __future__ import annotations

from fastapi import Request

from .service import Service

KEY_COOKIE = "newsbridge_key"


class ApiError(Exception):
    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


def caller(request: Request, key: str | None = None, *, libretranslate: bool = False) -> str:
    """Who is asking: `key:<name>` when keys are on (401/403 without a valid one), else
    `addr:<client address>`. The key comes from `Authorization: Bearer`, LibreTranslate's
    `api_key` field, or the web page's cookie."""
    service: Service = request.app.state.service
    if not service.auth:
        return f"addr:{request.client.host if request.client else '?'}"
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    given = token.strip() if scheme.lower() == "bearer" else None
    given = given or key or request.cookies.get(KEY_COOKIE)
    owner = service.keys.owner(given) if service.keys else None
    if owner is None:
        if libretranslate:
            raise ApiError(403, "Invalid API key" if given else "Please contact the server operator to get an API key")
        message = "invalid API key" if given else "this server needs an API key: send 'Authorization: Bearer <key>'"
        raise ApiError(401, message, {"WWW-Authenticate": "Bearer"})
    return f"key:{owner}"


def owner_name(who: str) -> str | None:
    return who.removeprefix("key:") if who.startswith("key:") else None


def rate_limit(request: Request, who: str) -> None:
    service: Service = request.app.state.service
    wait = service.limiter.take(who)
    if wait > 0:
        seconds = max(1, int(wait + 0.999))
        per = service.config.serve.rate_per_minute
        raise ApiError(429, f"too many requests: {per} per minute per {'key' if who.startswith('key:') else 'client'} (serve.rate_per_minute); try again in {seconds} s",
                       {"Retry-After": str(seconds)})
