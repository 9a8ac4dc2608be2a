"""The web page: paste or upload an article, watch it go stage by stage, read it in the
digest's article layout, find it again in the history, download it.

Server-rendered with the digest's templates, macros, CSS and JS (its `base.html` is
replaced by the service's, which adds the service bar and allows forms to post here);
Jinja2 escapes every value. Everything the page needs is served from here: no CDN.

Forms (paste/upload, delete, login) carry a CSRF token: the double-submit pattern, a
random token in an HttpOnly SameSite=Strict cookie and the same token in a hidden field,
compared on every POST. Another site can make a browser post here, but cannot read or set
this site's cookie, so it cannot send the matching field.
"""

from __future__ import annotations

import hmac
import io
import re
import secrets
from functools import lru_cache
from importlib import resources
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup

from ..data import Article
from ..digest.views import article_from_record, article_view, index_entry
from .api import read_fields, submission_from, visible
from .access import KEY_COOKIE, ApiError, caller, owner_name, rate_limit
from .inputs import BadSubmission
from .service import Service
from .store import DONE, FAILED, Job, is_job_id
from .worker import QueueFull, ShuttingDown

router = APIRouter(include_in_schema=False)

# Files under /assets/: a fixed table, so no part of a request path reaches the file system.
ASSETS = {
    "digest.css": ("pipeline.digest", "text/css"),
    "digest.js": ("pipeline.digest", "text/javascript"),
    "serve.css": ("pipeline.serve", "text/css"),
    "serve.js": ("pipeline.serve", "text/javascript"),
}
STAGE_LABELS = {
    "read": ("Reading", "Читання"),
    "clean": ("Cleaning", "Очищення"),
    "segment": ("Splitting into sentences", "Поділ на речення"),
    "detect": ("Detecting languages", "Визначення мов"),
    "translate": ("Translating", "Переклад"),
    "summarize": ("Summarising", "Підсумовування"),
}
STATUS_LABELS = {
    "queued": ("Waiting in the queue", "У черзі"),
    "running": ("Working", "Обробка"),
    "done": ("Done", "Готово"),
    "failed": ("Failed", "Не вдалося"),
}
DOWNLOADS = {"json": "application/json", "md": "text/markdown", "tmx": "application/x-tmx+xml"}
CSRF_COOKIE = "newsbridge_csrf"
CSRF_FIELD = "csrf"
_CSRF_SHAPE = re.compile(r"[A-Za-z0-9_-]{43}")  # secrets.token_urlsafe(32)
CSRF_MESSAGE = ("the form did not come from this page (its security token is missing or stale): reload the page and send it again"
                " · форма надійшла не з цієї сторінки: оновіть сторінку й надішліть ще раз")


@lru_cache(maxsize=1)
def environment():
    from jinja2 import ChoiceLoader, PackageLoader

    from ..digest.render import template_environment

    # The service's templates first: its base.html stands in for the digest's.
    return template_environment(ChoiceLoader([PackageLoader("pipeline.serve", "templates"),
                                              PackageLoader("pipeline.digest", "templates")]))


def render(request: Request, name: str, status: int = 200, **values: Any) -> HTMLResponse:
    values.setdefault("root", "/")
    values.setdefault("assets", "/assets/")
    values.setdefault("ui_lang", "uk")
    values.setdefault("stage_labels", STAGE_LABELS)
    values.setdefault("status_labels", STATUS_LABELS)
    token, new = _csrf_token(request)
    values["csrf"] = token
    html = environment().get_template(name).render(**values)
    response = HTMLResponse(html, status_code=status, headers={"Cache-Control": "no-store"})
    if new:
        response.set_cookie(CSRF_COOKIE, token, httponly=True, samesite="strict", path="/")
    return response


def _csrf_token(request: Request) -> tuple[str, bool]:
    """The browser's token (its cookie), or a new one to set; (token, new)."""
    token = request.cookies.get(CSRF_COOKIE, "")
    if _CSRF_SHAPE.fullmatch(token):
        return token, False
    return secrets.token_urlsafe(32), True


def _csrf_ok(request: Request, fields: dict[str, Any]) -> bool:
    cookie = request.cookies.get(CSRF_COOKIE, "")
    sent = fields.get(CSRF_FIELD)
    return bool(_CSRF_SHAPE.fullmatch(cookie)) and isinstance(sent, str) and hmac.compare_digest(cookie, sent)


def _service(request: Request) -> Service:
    return request.app.state.service


def _who(request: Request) -> str | None:
    """The caller, or None when keys are on and the browser has no valid one."""
    try:
        return caller(request)
    except ApiError:
        return None


def _login(request: Request, message: str | None = None, status: int = 401) -> HTMLResponse:
    return render(request, "login.html", status, error=message, next=request.url.path if request.url.path.startswith("/") else "/")


# -- pages --------------------------------------------------------------------------------------


@router.get("/")
async def home(request: Request, q: str = ""):
    who = _who(request)
    if who is None:
        return _login(request)
    return _home(request, who, q=q[:500])


def _home(request: Request, who: str, *, q: str = "", error: str | None = None, form: dict | None = None, status: int = 200) -> HTMLResponse:
    service = _service(request)
    jobs = service.store.history(q, service.config.serve.history_limit, owner=owner_name(who))
    entries = [_history_item(service, job) for job in jobs]
    return render(request, "home.html", status, history=entries, q=q, error=error,
                  form=form or {"title": "", "text": "", "format": "txt"}, queue=service.worker.queue_length(),
                  auth=service.auth)


def _history_item(service: Service, job: Job) -> dict[str, Any]:
    item: dict[str, Any] = {"id": job.id, "status": job.status, "created": job.summary()["created"],
                            "title": next(iter(job.titles.values()), None), "filename": job.input.get("filename"),
                            "error": job.error, "entry": None}
    if job.status == DONE:
        key = (job.id, job.updated)
        item["entry"] = service.entries.get(key)
        if item["entry"] is None:
            full = service.store.get(job.id)
            if full is not None and full.record is not None:
                article = article_from_record(full.record)
                entry = index_entry(article, job.id, service.config.digest)
                # Already-escaped output of the autoescaping digest template.
                item["entry"] = Markup(environment().get_template("entry.html").render(e=entry, pages="/articles/"))
                service.entries.put(key, item["entry"])
    return item


@router.get("/index.html")
async def index_alias():
    # The digest's article layout links back to "<root>index.html".
    return RedirectResponse("/", status_code=308)


@router.post("/articles")
async def submit_page(request: Request):
    service = _service(request)
    who = _who(request)
    if who is None:
        return _login(request)
    try:
        fields = await read_fields(request)
    except ApiError as exc:
        return _home(request, who, error=exc.message, status=exc.status)
    form = {"title": str(fields.get("title") or ""), "text": str(fields.get("text") or ""), "format": str(fields.get("format") or "txt")}
    if not _csrf_ok(request, fields):
        return _home(request, who, error=CSRF_MESSAGE, form=form, status=403)
    if isinstance(fields.get("file"), tuple) and not fields["file"][1] and not fields["file"][0]:
        fields.pop("file")  # the form's empty file input
    if isinstance(fields.get("file"), tuple) and fields["file"][1] and form["format"] == "txt" and not form["text"].strip():
        fields.pop("format", None)  # an upload's type comes from its name unless said otherwise
    try:
        submission = submission_from(fields, service.config.serve.max_chars)
        rate_limit(request, who)
        job_id = service.worker.submit(submission, owner_name(who))
    except BadSubmission as exc:
        return _home(request, who, error=str(exc), form=form, status=exc.status)
    except ApiError as exc:
        return _home(request, who, error=exc.message, form=form, status=exc.status)
    except (QueueFull, ShuttingDown) as exc:
        response = _home(request, who, error=f"{exc}", form=form, status=503)
        response.headers["Retry-After"] = str(service.config.serve.retry_after_s)
        return response
    return RedirectResponse(f"/articles/{job_id}", status_code=303)


@router.get("/articles/{job_id}")
async def article_page(request: Request, job_id: str):
    service = _service(request)
    who = _who(request)
    if who is None:
        return _login(request)
    job = service.store.get(job_id) if is_job_id(job_id) else None
    if not visible(job, who):
        return render(request, "missing.html", 404)
    delete_url = f"/articles/{job.id}/delete"
    if job.status == DONE and job.record is not None:
        article = article_from_record(job.record)
        view = article_view(article, job.id, service.config.digest)
        downloads = [(fmt, f"/articles/{job.id}/download/{fmt}") for fmt in DOWNLOADS]
        return render(request, "article.html", a=view, downloads=downloads, delete_url=delete_url)
    names = service.worker.stage_names
    done = job.stages_done
    stages = [{"name": name, "state": "done" if i < done else ("current" if i == done and job.status == "running" else "pending"),
               "labels": STAGE_LABELS.get(name, (name, name))} for i, name in enumerate(names)]
    if job.status == FAILED and job.error:
        failed_at = job.error.get("stage")
        for s in stages:
            if s["name"] == failed_at:
                s["state"] = "failed"
    return render(request, "job.html", job=job, stages=stages, position=service.worker.position(job.id),
                  title=next(iter(job.titles.values()), None) or job.input.get("filename"), delete_url=delete_url)


@router.post("/articles/{job_id}/delete")
async def delete_page(request: Request, job_id: str):
    """The page's delete button: the article and its result go (as DELETE /api/articles/{id})."""
    service = _service(request)
    who = _who(request)
    if who is None:
        return _login(request)
    try:
        fields = await read_fields(request)
    except ApiError:
        fields = {}  # no body at all: no token either
    job = service.store.get(job_id) if is_job_id(job_id) else None
    if not visible(job, who):
        return render(request, "missing.html", 404)
    if not _csrf_ok(request, fields):
        return _home(request, who, error=CSRF_MESSAGE, status=403)
    service.worker.forget(job.id)
    service.store.delete(job.id)
    return RedirectResponse("/", status_code=303)


@router.get("/articles/{job_id}/download/{fmt}")
async def download(request: Request, job_id: str, fmt: str):
    service = _service(request)
    who = caller(request)
    if fmt not in DOWNLOADS:
        raise ApiError(404, f"no download format {fmt[:20]!r} (json, md, tmx)")
    job = service.store.get(job_id) if is_job_id(job_id) else None
    if not visible(job, who):
        raise ApiError(404, "no such article")
    if job.status != DONE or job.record is None:
        raise ApiError(409, f"the article is {job.status}, not done: nothing to download yet")
    body = _download_body(job.record, fmt)
    # The file is named after the job id, never after anything the client sent.
    return Response(body, media_type=DOWNLOADS[fmt] + "; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="newsbridge-{job.id}.{fmt}"'})


def _download_body(record: dict[str, Any], fmt: str) -> str:
    from ..io.writers import article_markdown, record_json

    if fmt == "json":
        return record_json(record) + "\n"
    if fmt == "md":
        return article_markdown(Article.from_record(record))
    from ..io.pairs import record_pairs
    from ..io.tmx import TmxWriter

    out = io.StringIO()
    src = record.get("source", {}).get("lang")
    writer = TmxWriter(out, srclang=src if src in ("en", "uk") else "en")
    for pair in record_pairs(record):
        writer.write(pair)
    writer.close()
    return out.getvalue()


@router.get("/assets/{name}")
async def asset(name: str):
    entry = ASSETS.get(name)
    if entry is None:
        raise ApiError(404, "no such asset")
    package, media = entry
    text = resources.files(package).joinpath("static", name).read_text(encoding="utf-8")
    return Response(text, media_type=media + "; charset=utf-8", headers={"Cache-Control": "max-age=300"})


@router.get("/login")
async def login_page(request: Request):
    return _login(request, status=200)


@router.post("/login")
async def login(request: Request):
    service = _service(request)
    fields = await read_fields(request)
    key = str(fields.get("key") or "").strip()
    if not service.auth:
        return RedirectResponse("/", status_code=303)
    if not _csrf_ok(request, fields):
        # Else another site could log this browser in with the other site's own key.
        return _login(request, CSRF_MESSAGE, 403)
    if service.keys.owner(key) is None:
        return _login(request, "invalid API key · недійсний ключ API", 403)
    target = str(fields.get("next") or "/")
    if not target.startswith("/") or target.startswith("//"):
        target = "/"  # only a path on this server, never another site
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(KEY_COOKIE, key, httponly=True, samesite="strict", max_age=30 * 24 * 3600)
    return response


@router.get("/favicon.ico")
async def favicon():
    return Response(status_code=204)  # no icon; an answer keeps browsers from logging a 404
