"""The JSON API (`/api/articles...`, `/healthz`) and the LibreTranslate API
(`/translate`, `/detect`, `/languages`)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from .access import ApiError, caller, owner_name, rate_limit
from .inputs import BadSubmission, Submission, pasted, uploaded
from .service import Service
from .store import Job, is_job_id

router = APIRouter()
lt_router = APIRouter(tags=["LibreTranslate"])

_ARTICLE_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": {
                "type": "object", "required": ["text"],
                "properties": {
                    "text": {"type": "string", "description": "The article (plain text, Markdown or HTML)."},
                    "title": {"type": "string"}, "lang": {"type": "string", "description": "ISO 639 code, a hint"},
                    "format": {"type": "string", "enum": ["txt", "md", "html"], "default": "txt"},
                }}},
            "multipart/form-data": {"schema": {
                "type": "object", "required": ["file"],
                "properties": {
                    "file": {"type": "string", "format": "binary", "description": ".txt, .md or .html"},
                    "title": {"type": "string"}, "lang": {"type": "string"},
                    "format": {"type": "string", "enum": ["txt", "md", "html"]},
                }}},
        },
    }
}


def _service(request: Request) -> Service:
    return request.app.state.service


# -- reading requests ---------------------------------------------------------------------


async def read_fields(request: Request) -> dict[str, Any]:
    """A JSON object, a urlencoded form or a multipart form -> {field: value}; an uploaded
    file becomes ("file", (filename, bytes))."""
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype in ("application/json", "") or ctype.endswith("+json"):
        raw = await request.body()
        if not raw.strip():
            raise ApiError(400, "the request body is empty (send JSON, a form, or a multipart upload)")
        try:
            data = json.loads(raw)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise ApiError(400, f"the request body is not valid JSON ({exc})") from None
        if not isinstance(data, dict):
            raise ApiError(400, f"the JSON body must be an object, got {type(data).__name__}")
        return data
    if ctype in ("multipart/form-data", "application/x-www-form-urlencoded"):
        limit = _service(request).config.serve.max_body_bytes
        try:
            form = await request.form(max_files=1, max_fields=50, max_part_size=limit)
        except Exception as exc:  # noqa: BLE001 - starlette's parser errors have no common base
            raise ApiError(400, f"the form cannot be read ({exc})") from None
        fields: dict[str, Any] = {}
        for name, value in form.multi_items():
            if hasattr(value, "read"):  # an UploadFile: bytes in memory, never a file under its name
                fields[name] = (value.filename, await value.read())
            else:
                fields[name] = value
        await form.close()
        return fields
    raise ApiError(415, f"unsupported Content-Type {ctype!r} (send application/json or multipart/form-data)")


def submission_from(fields: dict[str, Any], max_chars: int) -> Submission:
    common = {"title": fields.get("title"), "lang": fields.get("lang"), "fmt": fields.get("format"), "max_chars": max_chars}
    upload = fields.get("file")
    if isinstance(upload, tuple) and (upload[0] or upload[1]):
        return uploaded(upload[1], upload[0], **common)
    return pasted(fields.get("text"), **common)


def job_json(job: Job, service: Service, *, record: bool = True) -> dict[str, Any]:
    out: dict[str, Any] = {"id": job.id, "status": job.status}
    if job.stage:
        out["stage"] = job.stage
    if job.error:
        out["error"] = job.error
    if record and job.record is not None:
        out["record"] = job.record
    out["created"] = job.summary()["created"]
    out["titles"] = job.titles
    if job.input.get("filename"):
        out["filename"] = job.input["filename"]
    names = service.worker.stage_names
    out["progress"] = {"stages": names, "done": len(names) if job.status == "done" else job.stages_done}
    position = service.worker.position(job.id) if job.status == "queued" else None
    if position is not None:
        out["position"] = position
    return out


def visible(job: Job | None, who: str) -> bool:
    """With keys on, a key sees only its own jobs."""
    owner = owner_name(who)
    return job is not None and (owner is None or job.owner == owner)


# -- the article API ------------------------------------------------------------------------


@router.post("/api/articles", status_code=202, openapi_extra=_ARTICLE_BODY, tags=["articles"],
             summary="Submit an article (JSON text or a multipart file); 202 with its id")
async def submit_article(request: Request):
    service = _service(request)
    who = caller(request)
    fields = await read_fields(request)
    try:
        submission = submission_from(fields, service.config.serve.max_chars)
    except BadSubmission as exc:
        raise ApiError(exc.status, str(exc)) from None
    rate_limit(request, who)
    job_id = service.worker.submit(submission, owner_name(who))
    return JSONResponse({"id": job_id, "status": "queued"}, status_code=202, headers={"Location": f"/api/articles/{job_id}"})


@router.get("/api/articles/{job_id}", tags=["articles"],
            summary="Status, stage, error and (once done) the record; ?wait=S waits up to S seconds for it to finish")
async def get_article(request: Request, job_id: str, wait: float = Query(0, ge=0, description="seconds to wait for done/failed")):
    service = _service(request)
    who = caller(request)
    if not is_job_id(job_id):
        raise ApiError(404, "no such article")
    job = await service.wait_for(job_id, wait) if wait else service.store.get(job_id)
    if not visible(job, who):
        raise ApiError(404, "no such article")
    # JSONResponse: json.dumps only (FastAPI's encoder would walk the whole record first).
    return JSONResponse(job_json(job, service))


@router.get("/api/articles", tags=["articles"], summary="History, newest first; ?q= keeps titles (any language) holding every word")
async def list_articles(request: Request, q: str = Query("", max_length=500), limit: int = Query(0, ge=0)):
    service = _service(request)
    who = caller(request)
    cap = service.config.serve.history_limit
    jobs = service.store.history(q, min(limit or cap, cap), owner=owner_name(who))
    return {"articles": [job.summary() for job in jobs], "count": len(jobs), "q": q, "queue": service.worker.queue_length()}


@router.delete("/api/articles/{job_id}", tags=["articles"], summary="Remove an article and its result")
async def delete_article(request: Request, job_id: str):
    service = _service(request)
    who = caller(request)
    job = service.store.get(job_id)
    if not visible(job, who):
        raise ApiError(404, "no such article")
    service.worker.forget(job_id)
    service.store.delete(job_id)
    return {"id": job_id, "deleted": True}


@router.get("/healthz", tags=["service"], summary="Liveness, whether the models are loaded, the queue")
async def healthz(request: Request):
    service = _service(request)
    worker = service.worker
    body = {"status": "ok" if worker.ready.is_set() and not worker.load_error else ("loading" if not worker.ready.is_set() else "error"),
            "ready": worker.ready.is_set() and not worker.load_error, "queue": worker.queue_length(),
            "batches": worker.batches, "batched_articles": worker.batched_articles, "jobs": service.store.counts()}
    if worker.pipeline is not None:
        # Per stage: articles through it and seconds spent in it since the start (where a
        # request's time goes; scripts/bench_serve.py reads it).
        body["stages"] = {name: {"articles": s.articles, "seconds": round(s.seconds, 4), "failed": s.failed}
                          for name, s in worker.pipeline.stats.items()}
    if worker.load_error:
        body["error"] = worker.load_error
    return JSONResponse(body, status_code=200 if not worker.load_error else 503)


# -- LibreTranslate -------------------------------------------------------------------------


async def _lt_fields(request: Request) -> dict[str, Any]:
    if request.method == "GET" and not request.headers.get("content-type"):
        return dict(request.query_params)
    try:
        fields = await read_fields(request)
    except ApiError as exc:
        if request.method == "GET":
            return dict(request.query_params)
        raise exc
    return {**dict(request.query_params), **fields}


async def _on_worker(request: Request, fn) -> Any:
    return await asyncio.wrap_future(_service(request).worker.call(fn))


@lt_router.post("/translate", summary="LibreTranslate: translate q (a string or a list) from source (or auto) to target")
async def lt_translate(request: Request):
    from . import libretranslate as lt

    service = _service(request)
    fields = await _lt_fields(request)
    who = caller(request, fields.get("api_key"), libretranslate=True)
    try:
        texts, was_list, source, target, html = lt.check_request(
            service.config, fields.get("q"), fields.get("source"), fields.get("target"), fields.get("format"),
            service.config.serve.translate_max_chars)
    except lt.LTError as exc:
        raise ApiError(400, str(exc)) from None
    rate_limit(request, who)
    body = await _on_worker(request, lambda pipeline: lt.translate(pipeline, texts, source, target, html))
    return lt.respond(body, was_list)


@lt_router.post("/detect", summary="LibreTranslate: the language of q")
async def lt_detect(request: Request):
    from . import libretranslate as lt

    service = _service(request)
    fields = await _lt_fields(request)
    who = caller(request, fields.get("api_key"), libretranslate=True)
    q = fields.get("q")
    if not isinstance(q, str):
        raise ApiError(400, "Invalid request: missing q parameter")
    if len(q) > service.config.serve.translate_max_chars:
        raise ApiError(400, f"Invalid request: request ({len(q):,} characters) exceeds text limit ({service.config.serve.translate_max_chars:,})")
    rate_limit(request, who)
    return await _on_worker(request, lambda pipeline: lt.detect(pipeline, q))


@lt_router.get("/languages", summary="LibreTranslate: languages and the targets each reaches")
async def lt_languages(request: Request):
    from . import libretranslate as lt

    return lt.languages(_service(request).config)


@lt_router.get("/frontend/settings", include_in_schema=False)
async def lt_settings(request: Request):
    """What LibreTranslate front ends ask first."""
    service = _service(request)
    return {"apiKeys": service.auth, "keyRequired": service.auth, "charLimit": service.config.serve.translate_max_chars,
            "frontendTimeout": 500, "suggestions": False, "supportedFilesFormat": [],
            "language": {"source": {"code": "auto", "name": "Auto Detect"}, "target": {"code": "uk", "name": "Ukrainian"}}}
