"""The JSON API against a real server: submit (JSON and multipart), poll, list and search,
delete, downloads; the record has the `run` schema; errors are clear JSON."""

from __future__ import annotations

import json
import re
import time
import xml.etree.ElementTree as ET

import pytest

from ..conftest import SAMPLE_ARTICLE
from .conftest import SHORT_EN, SHORT_UK

pytestmark = pytest.mark.slow


def _submit(client, **body):
    response = client.post("/api/articles", json=body)
    assert response.status_code == 202, response.text
    out = response.json()
    assert out["status"] == "queued" and set(out) == {"id", "status"}
    assert response.headers["location"] == f"/api/articles/{out['id']}"
    return out["id"]


def test_pasted_article_becomes_a_record_with_both_summaries(server, client):
    job_id = _submit(client, text=SHORT_EN, title="Mali rebels and Kyiv")
    body = server.wait_done(client, job_id)
    assert body["status"] == "done", body
    record = body["record"]
    assert record["id"] == job_id
    assert record["source"]["lang"] == "en"
    assert record["title"]["en"] == "Mali rebels and Kyiv" and record["title"]["uk"]
    assert record["summary"]["en"].strip() and record["summary"]["uk"].strip()
    assert record["sections"] and all(seg["en"] and seg["uk"] for s in record["sections"] for seg in s["segments"])
    assert record["signature"]["config_hash"]
    # Every stage was passed through.
    assert body["progress"]["done"] == len(body["progress"]["stages"]) and body["progress"]["stages"][0] == "read"


def test_ukrainian_text_and_a_multipart_html_upload(server, client):
    html = SAMPLE_ARTICLE.with_suffix(".html").read_bytes()
    response = client.post("/api/articles", files={"file": ("mali.html", html, "text/html")})
    assert response.status_code == 202, response.text
    upload_id = response.json()["id"]
    uk_id = _submit(client, text=SHORT_UK, lang="uk")
    uploaded = server.wait_done(client, upload_id)
    ukrainian = server.wait_done(client, uk_id)
    assert uploaded["status"] == "done", uploaded
    assert uploaded["record"]["source"]["format"] == "html" and uploaded["record"]["source"]["path"] == "mali.html"
    assert uploaded["record"]["title"]["en"] and uploaded["record"]["title"]["uk"]
    assert len(uploaded["record"]["sections"]) > 1  # the page's headings made sections
    assert ukrainian["status"] == "done"
    assert ukrainian["record"]["source"]["lang"] == "uk"
    assert ukrainian["record"]["summary"]["uk"] and ukrainian["record"]["summary"]["en"]


def test_history_is_newest_first_and_searchable_by_either_title(server, client):
    first = _submit(client, text=SHORT_EN, title="Zebra crossing report")
    second = _submit(client, text=SHORT_UK, title="Звіт про ожеледицю")
    server.wait_done(client, first)
    done = server.wait_done(client, second)
    listing = client.get("/api/articles").json()["articles"]
    ids = [a["id"] for a in listing]
    assert ids.index(second) < ids.index(first)  # newest first
    assert client.get("/api/articles", params={"q": "zebra"}).json()["articles"][0]["id"] == first
    assert [a["id"] for a in client.get("/api/articles", params={"q": "ОЖЕЛЕДИЦЮ"}).json()["articles"]] == [second]
    # The machine translation of the Ukrainian title finds it too.
    english_title = done["record"]["title"]["en"]
    word = max(english_title.split(), key=len)
    found = [a["id"] for a in client.get("/api/articles", params={"q": word}).json()["articles"]]
    assert second in found
    assert client.get("/api/articles", params={"q": "no-such-title-anywhere"}).json()["articles"] == []


def test_delete_removes_the_job(server, client):
    job_id = _submit(client, text=SHORT_EN)
    server.wait_done(client, job_id)
    assert client.delete(f"/api/articles/{job_id}").status_code == 200
    assert client.get(f"/api/articles/{job_id}").status_code == 404
    assert job_id not in [a["id"] for a in client.get("/api/articles").json()["articles"]]
    assert client.delete(f"/api/articles/{job_id}").status_code == 404


def test_downloads_json_markdown_tmx(server, client):
    job_id = _submit(client, text=SHORT_EN, title="Download me")
    record = server.wait_done(client, job_id)["record"]
    as_json = client.get(f"/articles/{job_id}/download/json")
    assert as_json.status_code == 200 and json.loads(as_json.text) == record
    assert as_json.headers["content-disposition"] == f'attachment; filename="newsbridge-{job_id}.json"'
    md = client.get(f"/articles/{job_id}/download/md").text
    assert md.startswith("# Download me") and "## Summary / Підсумок" in md
    tmx = ET.fromstring(client.get(f"/articles/{job_id}/download/tmx").content)
    units = tmx.findall("./body/tu")
    segments = sum(len(s["segments"]) for s in record["sections"])
    assert len(units) >= segments
    assert {tuv.get("{http://www.w3.org/XML/1998/namespace}lang") for tuv in units[0].findall("tuv")} == {"en", "uk"}
    assert client.get(f"/articles/{job_id}/download/exe").status_code == 404


def test_failed_input_is_a_failed_job_with_the_reason(server, client):
    # Accepted (it is text), but the reader finds no article in it: a failed job, not a 500.
    response = client.post("/api/articles", files={"file": ("empty.html", b"<html><body><nav>Menu</nav></body></html>", "text/html")})
    assert response.status_code == 202
    body = server.wait_done(client, response.json()["id"])
    assert body["status"] == "failed"
    assert body["error"]["stage"] in ("read", "clean") and "upload 'empty.html'" in body["error"]["message"]


@pytest.mark.parametrize(
    ("kwargs", "status", "words"),
    [
        ({"json": {}}, 422, "'text' is missing"),
        ({"json": {"text": "   "}}, 422, "'text' is empty"),
        ({"json": {"text": "Hi there.", "format": "docx"}}, 422, "'format' must be one of"),
        ({"json": {"text": "Hi there.", "lang": "English"}}, 422, "'lang' must be an ISO 639 code"),
        ({"json": ["text"]}, 400, "must be an object"),
        ({"content": b"{not json", "headers": {"content-type": "application/json"}}, 400, "not valid JSON"),
        ({"files": {"file": ("notes.docx", b"PK\x03\x04", "application/octet-stream")}}, 415, "unsupported type '.docx'"),
        ({"content": b"text", "headers": {"content-type": "text/plain"}}, 415, "unsupported Content-Type"),
    ],
)
def test_bad_requests_are_clear_json_errors(client, kwargs, status, words):
    response = client.post("/api/articles", **kwargs)
    assert response.status_code == status, response.text
    assert words in response.json()["error"]


def test_unknown_ids_and_paths_are_404(client):
    assert client.get("/api/articles/0123456789abcdef").status_code == 404
    assert client.get("/api/articles/../../etc/passwd").status_code == 404
    assert client.get("/articles/%2e%2e%2f%2e%2e%2fetc%2fpasswd").status_code == 404
    assert client.get("/assets/..%2f..%2fconfig.py").status_code == 404
    assert client.get("/assets/digest.css").status_code == 200


def test_healthz_and_openapi(client):
    health = client.get("/healthz").json()
    assert health["ready"] is True and health["status"] == "ok"
    paths = client.get("/openapi.json").json()["paths"]
    for path in ("/api/articles", "/api/articles/{job_id}", "/translate", "/detect", "/languages", "/healthz"):
        assert path in paths


def test_articles_sent_together_form_one_batch_and_a_bad_one_fails_alone(tmp_path, serve_overrides):
    from concurrent.futures import ThreadPoolExecutor

    from .server import Server

    empty_html = ("empty.html", b"<html><body><nav>Menu</nav></body></html>", "text/html")

    def send(i: int) -> str:
        if i == 2:  # accepted, but the reader finds no article in it
            response = c.post("/api/articles", files={"file": empty_html})
            assert response.status_code == 202, response.text
            return response.json()["id"]
        return _submit(c, text=SHORT_EN if i % 2 else SHORT_UK, title=f"Article {i}")

    # A generous gathering window: the submissions surely arrive within it of each other
    # (the batch then starts as soon as the four good ones are prepared).
    srv = Server(tmp_path / "data", [*serve_overrides, "serve.batch_wait_s=5", "serve.batch_size=4"]).start()
    try:
        with srv.client() as c:
            before = c.get("/healthz").json()
            # The first one is prepared (its CPU stages done, next: translate) before the
            # others are sent: it still waits for them instead of leaving alone.
            first = send(0)
            while (job := c.get(f"/api/articles/{first}").json())["status"] == "queued" and job.get("stage") != "translate":
                time.sleep(0.02)
            with ThreadPoolExecutor(4) as pool:
                ids = [first, *pool.map(send, range(1, 5))]
            bodies = [srv.wait_done(c, i) for i in ids]
            after = c.get("/healthz").json()
        assert [b["status"] for b in bodies] == ["done", "done", "failed", "done", "done"], bodies
        assert bodies[2]["error"]["stage"] in ("read", "clean")
        # Each record is its own job's article (prepared together, never mixed up).
        assert all(f"Article {k}" in b["record"]["title"].values() for k, b in enumerate(bodies) if k != 2)
        # The first of them does not leave alone: the four good articles share one batch.
        assert after["batches"] - before["batches"] == 1
        assert after["batched_articles"] - before["batched_articles"] == 4
    finally:
        srv.stop()
        srv.kill()


def test_home_page_history_shows_finished_entries_on_every_visit_and_forgets_deleted(server, client):
    job_id = _submit(client, text=SHORT_EN, title="Entry cache check")
    assert server.wait_done(client, job_id)["status"] == "done"
    # The first visit renders the entry, the second reuses it: the same entry both times.
    pages = [client.get("/") for _ in range(2)]
    assert all(p.status_code == 200 for p in pages)
    entries = [re.search(rf'<a [^>]*href="/articles/{job_id}"[^>]*>.*?</a>', p.text, re.S) for p in pages]
    assert entries[0] and entries[1] and entries[0].group(0) == entries[1].group(0)
    assert "Entry cache check" in pages[1].text
    assert client.delete(f"/api/articles/{job_id}").status_code in (200, 204)
    page = client.get("/")
    assert f"/articles/{job_id}" not in page.text and "Entry cache check" not in page.text
