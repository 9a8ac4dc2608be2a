"""The FastAPI application: `build_service` opens the store and makes the worker,
`create_app` wires the routes (JSON API, LibreTranslate API, web pages), the limits and
the error shapes. Every error a client gets is JSON `{"error": "..."}` (LibreTranslate's
shape too) with a status that says what kind, except on the HTML pages, which show it.
"""

from __future__ import annotations

import asyncio
import logging
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, Callable

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..config import Config
from ..errors import NewsbridgeError
from .access import ApiError
from .keys import ApiKeys
from .limits import BodyLimit, RateLimiter
from .service import Service, Waiters
from .store import JobStore
from .worker import QueueFull, ShuttingDown, Worker

log = logging.getLogger(__name__)


def build_service(config: Config, data_dir: str | Path, keys: ApiKeys | None,
                  stopping: Callable[[], bool] | None = None) -> Service:
    store = JobStore(data_dir)
    waiters = Waiters()
    worker = Worker(config, store, on_change=waiters.notify)
    return Service(config=config, data_dir=Path(data_dir), store=store, worker=worker, waiters=waiters,
                   keys=keys, limiter=RateLimiter(config.serve.rate_per_minute),
                   stopping=stopping or (lambda: False))


def create_app(service: Service, allowed_hosts: list[str] | None = None) -> Any:
    """The ASGI app. `allowed_hosts`: Host header names accepted (a local-only server
    lists its loopback names, so a web page that rebinds its own DNS name to 127.0.0.1
    cannot talk to it); None accepts any."""
    @asynccontextmanager
    async def lifespan(app: FastAPI):
        service.waiters.loop = asyncio.get_running_loop()
        recovered = service.store.recover()
        if recovered:
            log.warning("resuming %d queued or interrupted articles", len(recovered))
        service.worker.start(recovered)
        try:
            yield
        finally:
            service.waiters.notify_all()
            await asyncio.to_thread(service.worker.stop)
            service.store.close()

    app = FastAPI(
        title="newsbridge",
        summary="Ukrainian/English summaries and aligned translations of news articles; LibreTranslate-compatible translation.",
        version=_version(),
        lifespan=lifespan,
        # The docs pages are served below with their assets from here (offline).
        docs_url=None,
        redoc_url=None,
        # No badge from Swagger's online validator: the page fetches nothing elsewhere.
        swagger_ui_parameters={"validatorUrl": None},
    )
    app.state.service = service

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError):
        return JSONResponse({"error": exc.message}, status_code=exc.status, headers=exc.headers)

    @app.exception_handler(QueueFull)
    async def _queue_full(request: Request, exc: QueueFull):
        retry = str(service.config.serve.retry_after_s)
        return JSONResponse({"error": f"busy: {exc}; try again in {retry} s"}, status_code=503, headers={"Retry-After": retry})

    @app.exception_handler(ShuttingDown)
    async def _shutting_down(request: Request, exc: ShuttingDown):
        retry = str(service.config.serve.retry_after_s)
        return JSONResponse({"error": str(exc)}, status_code=503, headers={"Retry-After": retry})

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError):
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'] if p != 'body')}: {e['msg']}" for e in exc.errors())
        return JSONResponse({"error": f"invalid request: {problems}"}, status_code=422)

    @app.exception_handler(NewsbridgeError)
    async def _newsbridge_error(request: Request, exc: NewsbridgeError):
        return JSONResponse({"error": str(exc)}, status_code=500)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException):
        return JSONResponse({"error": str(exc.detail)}, status_code=exc.status_code, headers=getattr(exc, "headers", None))

    @app.middleware("http")
    async def _no_cross_site_writes(request: Request, call_next):
        # The web forms carry a CSRF token (web.py); the JSON API is for programs, which
        # send no Origin/Sec-Fetch-Site. A browser sending them from another site (a
        # hidden form posting multipart to /api/articles) is refused: keys or not.
        if request.method in ("POST", "PUT", "PATCH", "DELETE") and request.url.path.startswith("/api/") \
                and _cross_site(request):
            return JSONResponse({"error": "cross-site request refused: use the web page's form, or call the API from a program"},
                                status_code=403)
        return await call_next(request)

    @app.middleware("http")
    async def _headers(request: Request, call_next):
        response = await call_next(request)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        response.headers.setdefault("X-Frame-Options", "DENY")
        return response

    from . import api, docs, web

    app.include_router(docs.router(app))
    app.include_router(api.router)
    app.include_router(api.lt_router)
    app.include_router(web.router)
    if allowed_hosts:
        from starlette.middleware.trustedhost import TrustedHostMiddleware

        app.add_middleware(TrustedHostMiddleware, allowed_hosts=allowed_hosts)
    return BodyLimit(app, service.config.serve.max_body_bytes)


def _cross_site(request: Request) -> bool:
    """A browser request made by a page of another site (Fetch Metadata, else Origin)."""
    site = request.headers.get("sec-fetch-site")
    if site is not None:
        return site not in ("same-origin", "none")
    origin = request.headers.get("origin")
    if origin is None:
        return False
    return origin.split("://", 1)[-1].rstrip("/").lower() != request.headers.get("host", "").lower()


def _version() -> str:
    from .. import __version__

    return __version__
