"""CSRF: the web forms (paste/upload, delete, login) need the page's token (double-submit
cookie); a post forged by another site is refused and changes nothing; the real forms
work; the JSON API for programs is unaffected, and refuses cross-site browser posts."""

from __future__ import annotations

import re

import pytest

from .conftest import SHORT_EN

pytestmark = pytest.mark.slow
COOKIE = "newsbridge_csrf"


def _token(page: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', page).group(1)


def _count(client) -> int:
    return client.get("/api/articles").json()["count"]


def test_a_forged_paste_is_refused_and_the_real_form_is_accepted(server):
    with server.client() as browser, server.client() as elsewhere:
        home = browser.get("/")
        token = _token(home.text)
        cookie = home.headers["set-cookie"].lower()
        assert browser.cookies[COOKIE] == token and "httponly" in cookie and "samesite=strict" in cookie
        before = _count(browser)
        # Another site's page posting the form: no cookie of ours, whatever token it makes up.
        for fields in ({"text": SHORT_EN}, {"text": SHORT_EN, "csrf": token}, {"text": SHORT_EN, "csrf": "A" * 43}):
            forged = elsewhere.post("/articles", data=fields)
            assert forged.status_code == 403 and "security token" in forged.text, forged.status_code
        # The browser's own cookie with a wrong or missing field.
        assert browser.post("/articles", data={"text": SHORT_EN}).status_code == 403
        assert browser.post("/articles", data={"text": SHORT_EN, "csrf": "B" * 43}).status_code == 403
        assert browser.post("/articles", files={"file": ("a.txt", SHORT_EN.encode())}).status_code == 403
        assert _count(browser) == before  # nothing was submitted
        # The refused form keeps what was typed and a token that works.
        refused = browser.post("/articles", data={"text": SHORT_EN, "title": "Kept"})
        assert 'value="Kept"' in refused.text and _token(refused.text) == token
        real = browser.post("/articles", data={"text": SHORT_EN, "title": "Real", "csrf": token})
        assert real.status_code == 303 and real.headers["location"].startswith("/articles/")
        upload = browser.post("/articles", data={"csrf": token}, files={"file": ("b.txt", SHORT_EN.encode(), "text/plain")})
        assert upload.status_code == 303
        assert _count(browser) == before + 2


def test_delete_needs_the_token(server, client):
    job_id = client.post("/api/articles", json={"text": SHORT_EN, "title": "To delete"}).json()["id"]
    with server.client() as browser, server.client() as elsewhere:
        page = browser.get(f"/articles/{job_id}")
        assert f'action="/articles/{job_id}/delete"' in page.text
        token = _token(page.text)
        assert elsewhere.post(f"/articles/{job_id}/delete").status_code == 403
        assert elsewhere.post(f"/articles/{job_id}/delete", data={"csrf": token}).status_code == 403
        assert browser.post(f"/articles/{job_id}/delete", data={"csrf": "C" * 43}).status_code == 403
        assert client.get(f"/api/articles/{job_id}").status_code == 200  # still there
        gone = browser.post(f"/articles/{job_id}/delete", data={"csrf": token})
        assert gone.status_code == 303 and gone.headers["location"] == "/"
        assert client.get(f"/api/articles/{job_id}").status_code == 404


def test_the_json_api_is_unaffected_but_refuses_cross_site_browser_posts(server, client):
    # Programs (no cookie, no token, no Origin): as before.
    assert client.post("/api/articles", json={"text": SHORT_EN}).status_code == 202
    assert client.post("/api/articles", files={"file": ("c.txt", SHORT_EN.encode(), "text/plain")}).status_code == 202
    assert client.post("/translate", json={"q": "Hello.", "source": "en", "target": "uk"}).status_code == 200
    before = _count(client)
    # A page elsewhere posting a hidden multipart form to the API.
    for headers in ({"Sec-Fetch-Site": "cross-site"}, {"Origin": "https://evil.example"}, {"Origin": "null"}):
        refused = client.post("/api/articles", files={"file": ("d.txt", SHORT_EN.encode(), "text/plain")}, headers=headers)
        assert refused.status_code == 403 and "cross-site" in refused.json()["error"]
    assert _count(client) == before
    # The server's own page (same origin) may.
    host = client.base_url.netloc.decode()
    same = client.post("/api/articles", json={"text": SHORT_EN}, headers={"Origin": f"http://{host}", "Sec-Fetch-Site": "same-origin"})
    assert same.status_code == 202
