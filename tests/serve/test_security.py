"""No one in who doesn't belong, and nothing a client sends runs or lands on disk:
binding rules, API keys (hashed at rest), limits with clear errors, escaping."""

from __future__ import annotations

import html
import os
import re
import subprocess
import sys

import httpx
import pytest
from libretranslatepy import LibreTranslateAPI

from ..conftest import REPO, TINY_CONFIG
from .conftest import SHORT_EN
from .server import Server

pytestmark = pytest.mark.slow

HOSTILE_TITLE = '<script>window.__pwned=1</script>"><img src=x onerror=alert(1)>'
HOSTILE_TEXT = (
    "The rebels said <b>nothing</b> & left. <script>alert('x')</script>\n\n"
    "A second paragraph with <img src=x onerror=alert(2)> and {{ 7*7 }} and {% raw %}."
)
HOSTILE_NAME = '../../"><svg onload=alert(3)>.txt'


def _cli(*args, timeout=120):
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-c", "from pipeline.cli.app import main; main()", *args],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout)


def test_other_hosts_refuse_to_start_without_keys(tmp_path):
    result = _cli("serve", "--config", str(TINY_CONFIG), "--host", "0.0.0.0", "--port", "0", "--data", str(tmp_path / "d"))
    assert result.returncode == 2
    assert "--api-keys FILE" in result.stderr and "--no-auth" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "d").exists()
    both = _cli("serve", "--host", "0.0.0.0", "--api-keys", str(tmp_path / "k"), "--no-auth")
    assert both.returncode == 2 and "contradict" in both.stderr


def test_keys_file_holds_hashes_only(tmp_path):
    keys = tmp_path / "keys"
    made = _cli("serve", "add-key", str(keys), "desk")
    assert made.returncode == 0, made.stderr
    key = made.stdout.strip()
    assert key.startswith("nb_") and len(key) > 40
    text = keys.read_text()
    assert key not in text and text.startswith("desk sha256:")
    assert oct(keys.stat().st_mode & 0o777) == "0o600"
    again = _cli("serve", "add-key", str(keys), "desk")
    assert again.returncode == 2 and "already has a key named 'desk'" in again.stderr


@pytest.fixture(scope="module")
def keyed(tmp_path_factory, serve_overrides):
    base = tmp_path_factory.mktemp("keyed")
    keys = base / "keys"
    desk = _cli("serve", "add-key", str(keys), "desk").stdout.strip()
    cms = _cli("serve", "add-key", str(keys), "cms").stdout.strip()
    srv = Server(base / "data", serve_overrides, ["--api-keys", str(keys)]).start()
    yield srv, desk, cms
    srv.stop()
    srv.kill()


def test_api_keys_bearer_and_libretranslate_field(keyed):
    srv, desk, cms = keyed
    with srv.client() as c:
        anonymous = c.post("/api/articles", json={"text": SHORT_EN})
        assert anonymous.status_code == 401 and "API key" in anonymous.json()["error"]
        assert anonymous.headers["www-authenticate"] == "Bearer"
        wrong = c.post("/api/articles", json={"text": SHORT_EN}, headers={"Authorization": "Bearer nb_wrong"})
        assert wrong.status_code == 401 and wrong.json()["error"] == "invalid API key"
        ok = c.post("/api/articles", json={"text": SHORT_EN}, headers={"Authorization": f"Bearer {desk}"})
        assert ok.status_code == 202
        job_id = ok.json()["id"]
        # Another key's jobs are not there for this one.
        assert c.get(f"/api/articles/{job_id}", headers={"Authorization": f"Bearer {cms}"}).status_code == 404
        assert c.get("/api/articles", headers={"Authorization": f"Bearer {cms}"}).json()["articles"] == []
        assert c.get(f"/api/articles/{job_id}", headers={"Authorization": f"Bearer {desk}"}).status_code == 200
        # LibreTranslate: 403 without a key, the `api_key` field with one.
        assert c.post("/translate", data={"q": "Hello.", "source": "en", "target": "uk"}).status_code == 403
        assert c.get("/languages").status_code == 200
        # The web page asks for the key instead of showing anything.
        page = c.get("/")
        assert page.status_code == 401 and 'name="key"' in page.text
        assert 'id="history"' not in page.text and 'id="submit"' not in page.text
    lt = LibreTranslateAPI(srv.url, api_key=desk)
    assert isinstance(lt.translate("Hello there.", "en", "uk"), str)
    with pytest.raises(Exception) as denied:
        LibreTranslateAPI(srv.url, api_key="nb_wrong").translate("Hello there.", "en", "uk")
    assert "403" in str(denied.value)


def test_web_login_sets_a_cookie_that_works(keyed):
    srv, desk, _ = keyed
    with srv.client() as c:
        page = c.get("/login")
        token = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
        assert c.cookies["newsbridge_csrf"] == token
        with srv.client() as elsewhere:  # a page elsewhere posting the form: no token of ours
            forged = elsewhere.post("/login", data={"key": desk, "next": "/", "csrf": "x" * 43})
        assert forged.status_code == 403 and "newsbridge_key" not in forged.headers.get("set-cookie", "")
        bad = c.post("/login", data={"key": "nb_nope", "next": "/", "csrf": token})
        assert bad.status_code == 403
        good = c.post("/login", data={"key": desk, "next": "https://evil.example/", "csrf": token})
        assert good.status_code == 303 and good.headers["location"] == "/"  # never off-site
        cookie = good.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=strict" in cookie
        assert c.get("/").status_code == 200


@pytest.fixture(scope="module")
def limited(tmp_path_factory, serve_overrides):
    srv = Server(tmp_path_factory.mktemp("limited") / "data", [
        *serve_overrides, "serve.max_body_bytes=4096", "serve.max_chars=1500", "serve.max_queue=1",
        "serve.rate_per_minute=4", "serve.translate_max_chars=100", "serve.retry_after_s=7",
    ]).start()
    yield srv
    srv.stop()
    srv.kill()


def test_limits_body_chars_queue_rate(limited):
    with limited.client() as c:
        big = c.post("/api/articles", json={"text": "word " * 2000})
        assert big.status_code == 413 and "serve.max_body_bytes" in big.json()["error"]
        big_upload = c.post("/api/articles", files={"file": ("a.txt", b"x" * 5000, "text/plain")})
        assert big_upload.status_code == 413
        long_text = c.post("/api/articles", json={"text": "Long sentence here. " * 100})
        assert long_text.status_code == 413 and "serve.max_chars" in long_text.json()["error"]
        long_q = c.post("/translate", json={"q": "a" * 101, "source": "en", "target": "uk"})
        assert long_q.status_code == 400 and "exceeds text limit" in long_q.json()["error"]
        # max_queue=1: while one article waits or runs, the next is refused with Retry-After.
        first = c.post("/api/articles", json={"text": SHORT_EN * 3})
        assert first.status_code == 202
        second = c.post("/api/articles", json={"text": SHORT_EN})
        assert second.status_code == 503 and second.headers["retry-after"] == "7"
        assert "serve.max_queue" in second.json()["error"]
        limited.wait_done(c, first.json()["id"])
        # rate_per_minute=4: first and second used two (a refusal for a full queue is
        # counted: the caller did ask), so two more pass and the fifth is refused.
        codes = [c.post("/detect", data={"q": "Hello there."}).status_code for _ in range(3)]
        assert codes[:2] == [200, 200] and codes[2] == 429
        refused = c.post("/detect", data={"q": "Hello there."})
        assert refused.status_code == 429 and int(refused.headers["retry-after"]) >= 1
        assert "serve.rate_per_minute" in refused.json()["error"]


def test_hostile_title_text_and_filename_stay_text(server, client):
    job = client.post("/api/articles", json={"text": HOSTILE_TEXT, "title": HOSTILE_TITLE}).json()["id"]
    upload = client.post("/api/articles", files={"file": (HOSTILE_NAME, SHORT_EN.encode(), "text/plain")})
    assert upload.status_code == 202
    upload_id = upload.json()["id"]
    # While queued, the job page and the history show the given title: escaped.
    for path in (f"/articles/{job}", "/"):
        page = client.get(path).text
        assert "<script>window.__pwned" not in page and "<img src=x" not in page and "<svg onload" not in page
    assert server.wait_done(client, job)["status"] == "done"
    assert server.wait_done(client, upload_id)["status"] == "done"
    for path in (f"/articles/{job}", f"/articles/{upload_id}", "/", "/?q=" + HOSTILE_TITLE[:20]):
        page = client.get(path).text
        assert "<script>window.__pwned" not in page and "<script>alert" not in page
        assert "<img src=x" not in page and "<svg onload" not in page and "<b>nothing" not in page
    article = client.get(f"/articles/{job}").text
    assert html.escape(HOSTILE_TITLE, quote=False) in article.replace("&#34;", '"').replace("&#39;", "'")
    listing = client.get("/").text
    assert "../../&#34;&gt;&lt;svg onload=alert(3)&gt;.txt" not in listing  # path part dropped
    record = client.get(f"/api/articles/{upload_id}").json()["record"]
    # The name's last part only (httpx sends the quote as %22), kept as data.
    assert record["source"]["path"].endswith("><svg onload=alert(3)>.txt") and "/" not in record["source"]["path"]
    # Nothing was written under the client's name: the data directory holds the database only.
    names = {p.name for p in server.data.rglob("*")}
    assert names <= {"jobs.sqlite", "jobs.sqlite-wal", "jobs.sqlite-shm"}, names
    headers = client.get("/").headers
    assert headers["x-content-type-options"] == "nosniff" and headers["x-frame-options"] == "DENY"


def test_default_bind_is_localhost_and_answers_only_to_local_names(server, client):
    assert httpx.URL(server.url).host == "127.0.0.1"
    # A page that rebinds its own DNS name to 127.0.0.1 still sends its own Host.
    assert client.get("/api/articles", headers={"Host": "evil.example"}).status_code == 400
    port = httpx.URL(server.url).port
    assert client.get("/healthz", headers={"Host": f"localhost:{port}"}).status_code == 200
