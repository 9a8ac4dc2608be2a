"""The API's documentation pages work offline: /docs (Swagger UI) and /redoc reference
nothing outside the server, and every asset they reference loads from it."""

from __future__ import annotations

import re

import pytest
from lxml import html as lxml_html

pytestmark = pytest.mark.slow

EXTERNAL = re.compile(r"""(?:https?:)?//[^\s"'<>]+""", re.I)


def _references(page: str) -> list[str]:
    tree = lxml_html.fromstring(page)
    return [value for el in tree.iter() for attr in ("src", "href") if (value := el.get(attr))]


@pytest.mark.parametrize(("path", "scripts"), [("/docs", {"swagger-ui-bundle.js"}), ("/redoc", {"redoc.standalone.js"})])
def test_docs_pages_reference_only_local_assets_that_load(client, path, scripts):
    response = client.get(path)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    page = response.text
    # No URL to another host anywhere in the page (attributes, inline script, CSS).
    assert not EXTERNAL.findall(page), EXTERNAL.findall(page)
    refs = _references(page)
    assert refs and all(ref.startswith("/") and not ref.startswith("//") for ref in refs), refs
    assert {ref.rsplit("/", 1)[-1] for ref in refs if ref.endswith(".js")} == scripts
    for ref in refs:
        asset = client.get(ref)
        assert asset.status_code == 200, (ref, asset.status_code)
        kind = {"js": "javascript", "css": "text/css", "png": "image/png"}[ref.rsplit(".", 1)[-1]]
        assert kind in asset.headers["content-type"], (ref, asset.headers["content-type"])
        assert len(asset.content) > 1000, ref
    # The page's own spec is served here too.
    assert "/openapi.json" in page
    assert client.get("/openapi.json").json()["paths"]["/api/articles"]


def test_swagger_ui_bundle_is_the_real_library(client):
    js = client.get("/docs-assets/swagger-ui-bundle.js").text
    assert "SwaggerUIBundle" in js
    assert client.get("/docs-assets/../app.py").status_code == 404
    assert client.get("/docs-assets/nothing.js").status_code == 404
