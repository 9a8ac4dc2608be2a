"""The API's documentation pages (`/docs` Swagger UI, `/redoc` ReDoc) without a CDN.

FastAPI's own pages load Swagger UI and ReDoc from a CDN; a newsroom server may have no
internet. This is FastAPI's self-hosting recipe ("Custom Docs UI Static Assets") with the
files that the `fastapi-offline` package ships (declared in the `serve` extra), served
from a fixed table under /docs-assets/, so no part of a request path reaches the file
system.
"""

from __future__ import annotations

from importlib import resources
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import HTMLResponse, Response

ASSETS_PACKAGE = "fastapi_offline"
ASSETS_PREFIX = "/docs-assets/"
ASSETS = {
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "swagger-ui.css": "text/css; charset=utf-8",
    "redoc.standalone.js": "text/javascript; charset=utf-8",
    "favicon.png": "image/png",
}


def router(app: FastAPI) -> Any:
    routes = APIRouter(include_in_schema=False)
    favicon = ASSETS_PREFIX + "favicon.png"

    @routes.get("/docs")
    async def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url, title=f"{app.title} API",
            oauth2_redirect_url=app.swagger_ui_oauth2_redirect_url,
            swagger_js_url=ASSETS_PREFIX + "swagger-ui-bundle.js", swagger_css_url=ASSETS_PREFIX + "swagger-ui.css",
            swagger_favicon_url=favicon, swagger_ui_parameters=app.swagger_ui_parameters,
        )

    @routes.get(app.swagger_ui_oauth2_redirect_url)
    async def swagger_ui_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    @routes.get("/redoc")
    async def redoc() -> HTMLResponse:
        return get_redoc_html(openapi_url=app.openapi_url, title=f"{app.title} API",
                              redoc_js_url=ASSETS_PREFIX + "redoc.standalone.js", redoc_favicon_url=favicon,
                              with_google_fonts=False)

    @routes.get(ASSETS_PREFIX + "{name}")
    async def asset(name: str) -> Response:
        media = ASSETS.get(name)
        if media is None:
            return Response(status_code=404)
        data = resources.files(ASSETS_PACKAGE).joinpath("static", name).read_bytes()
        return Response(data, media_type=media, headers={"Cache-Control": "max-age=86400"})

    return routes
