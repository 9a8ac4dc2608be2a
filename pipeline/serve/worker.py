"""The one batching queue: a single worker thread owns the models and runs everything that
needs them.

Article jobs wait in a FIFO. Each time the worker is free it takes every job waiting (up
to `serve.batch_size`) and runs them through the stages together, so twenty people
pasting at once share the translation and summary batches instead of queueing behind each
other's full runs. Short requests (LibreTranslate `/translate`, `/detect`) wait in their
own queue and are served between stages, so they never sit behind a whole batch.

Every status change is written to the job store first and announced after (`on_change`),
so what a client is told is always what a restart would find. On stop, the running batch
goes on until `serve.shutdown_grace_s` has passed, then what is unfinished goes back to
the queue in the store; waiting jobs simply stay queued there.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any, Callable

from ..config import Config
from ..data import Article
from ..errors import NewsbridgeError
from .inputs import Submission, to_article
from .store import JobStore

log = logging.getLogger(__name__)

READ_STAGE = "read"
WARMUP_TEXT = "Newsbridge warms up.\n\nThe models load once, before the first article."


class QueueFull(NewsbridgeError):
    kind = "queue_full"


class ShuttingDown(NewsbridgeError):
    kind = "shutting_down"


@dataclass
class _Quick:
    fn: Callable[[Any], Any]
    future: Future


class Worker:
    def __init__(self, config: Config, store: JobStore, *, on_change: Callable[[str], None] | None = None):
        self.config = config
        self.serve = config.serve
        self.store = store
        self.on_change = on_change or (lambda job_id: None)
        self.pipeline: Any = None  # built on the worker thread (models load there, once)
        self.stage_names = [READ_STAGE, *config.pipeline.stages]
        self.ready = threading.Event()
        self.load_error: str | None = None
        self._cond = threading.Condition()
        self._waiting: deque[str] = deque()
        self._running: list[str] = []
        self._quick: deque[_Quick] = deque()
        self._stopping = False
        self._deadline = float("inf")
        self._thread = threading.Thread(target=self._main, name="newsbridge-worker", daemon=True)
        self.batches = 0
        self.batched_articles = 0  # articles taken into batches (mean batch = this / batches)

    # -- the request side -------------------------------------------------------------------

    def start(self, recovered: list[str]) -> None:
        with self._cond:
            self._waiting.extend(recovered)
        self._thread.start()

    def submit(self, submission: Submission, owner: str | None) -> str:
        """Store the job and queue it; QueueFull when `serve.max_queue` jobs are already in."""
        with self._cond:
            if self._stopping:
                raise ShuttingDown("the server is stopping")
            if len(self._waiting) + len(self._running) >= self.serve.max_queue:
                raise QueueFull(f"{self.serve.max_queue} articles are already waiting or running (serve.max_queue)")
            job_id = self.store.add(submission.input, submission.data, owner, submission.titles())
            self._waiting.append(job_id)
            self._cond.notify_all()
        return job_id

    def forget(self, job_id: str) -> None:
        """A deleted job leaves the queue (a running one finishes into nothing)."""
        with self._cond:
            try:
                self._waiting.remove(job_id)
            except ValueError:
                pass

    def call(self, fn: Callable[[Any], Any]) -> Future:
        """Run `fn(pipeline)` on the worker thread (it owns the models); a Future of its result."""
        future: Future = Future()
        with self._cond:
            if self._stopping:
                raise ShuttingDown("the server is stopping")
            if len(self._quick) >= self.serve.max_queue:
                raise QueueFull(f"{self.serve.max_queue} short requests are already waiting (serve.max_queue)")
            self._quick.append(_Quick(fn, future))
            self._cond.notify_all()
        return future

    def queue_length(self) -> int:
        with self._cond:
            return len(self._waiting) + len(self._running)

    def position(self, job_id: str) -> int | None:
        """1 = next to be taken; None when not waiting."""
        with self._cond:
            try:
                return self._waiting.index(job_id) + 1
            except ValueError:
                return None

    def request_stop(self, grace_s: float | None = None) -> None:
        """Begin stopping (new work is refused from now on): the running batch may go on
        for `grace_s` (serve.shutdown_grace_s), then what is unfinished is re-queued."""
        grace = self.serve.shutdown_grace_s if grace_s is None else grace_s
        with self._cond:
            if not self._stopping:
                self._stopping = True
                self._deadline = time.monotonic() + grace
                if self._running:
                    log.warning("stopping: the running batch (%d articles) has %.0f s to finish (serve.shutdown_grace_s)",
                                len(self._running), grace)
            self._cond.notify_all()

    def stop(self, grace_s: float | None = None) -> None:
        """`request_stop`, then wait for the thread (at most the grace + 30 s: a stage that
        never returns is left to the next start's recovery, which re-queues its jobs)."""
        self.request_stop(grace_s)
        with self._cond:
            left = max(0.0, self._deadline - time.monotonic())
        if self._thread.is_alive():
            self._thread.join(left + 30)
        with self._cond:
            leftover = list(self._quick)
            self._quick.clear()
        for task in leftover:
            task.future.set_exception(ShuttingDown("the server is stopping"))

    # -- the worker thread ------------------------------------------------------------------

    def _main(self) -> None:
        try:
            self._load()
        except Exception as exc:  # noqa: BLE001 - reported by /healthz and to each job
            self.load_error = f"{type(exc).__name__}: {exc}" if not isinstance(exc, NewsbridgeError) else str(exc)
            log.error("models failed to load: %s", self.load_error)
        self.ready.set()
        while True:
            with self._cond:
                while not (self._waiting or self._quick or self._stopping):
                    self._cond.wait()
                if self._stopping:
                    return
                self._gather()
                batch = [self._waiting.popleft() for _ in range(min(len(self._waiting), self.serve.batch_size))]
                self._running = batch
            self._run_quick()
            if batch:
                try:
                    self._run_batch(batch)
                except Exception as exc:  # noqa: BLE001 - a fault of the service, not of one article
                    log.exception("batch of %d failed", len(batch))
                    for job_id in batch:
                        self._fail(job_id, {"stage": "serve", "kind": "internal", "message": f"{type(exc).__name__}: {exc}"})
                finally:
                    with self._cond:
                        self._running = []

    def _gather(self) -> None:
        """(Holding the lock.) Wait while articles keep arriving, so that requests sent
        together share a batch; short requests waiting end the wait at once."""
        quiet = self.serve.batch_wait_s
        if quiet <= 0 or not self._waiting:
            return
        cap = time.monotonic() + 10 * quiet
        seen = len(self._waiting)
        while seen < self.serve.batch_size and not self._quick and not self._stopping:
            left = min(quiet, cap - time.monotonic())
            if left <= 0:
                return
            self._cond.wait(left)
            if len(self._waiting) == seen:
                return  # nothing new for `quiet` seconds (or only a short request came)
            seen = len(self._waiting)

    def _load(self) -> None:
        from ..runner import Pipeline

        self.pipeline = Pipeline.from_config(self.config)
        # One short article through every stage: the models a usual English article needs
        # are loaded now, not during the first person's request.
        from .inputs import pasted

        article = to_article("warmup", pasted(WARMUP_TEXT, max_chars=1000).input, None, self.config.read, 1000)
        for stage in self.pipeline.stages:
            stage([article])
        if article.error is not None:
            raise NewsbridgeError(f"warm-up article failed at {article.error.stage}: {article.error.message}")

    def _run_quick(self) -> None:
        while True:
            with self._cond:
                if not self._quick:
                    return
                task = self._quick.popleft()
            if not task.future.set_running_or_notify_cancel():
                continue
            try:
                if self.load_error:
                    raise NewsbridgeError(f"models failed to load: {self.load_error}")
                task.future.set_result(task.fn(self.pipeline))
            except BaseException as exc:  # noqa: BLE001 - handed to the waiting request
                task.future.set_exception(exc)

    def _past_deadline(self) -> bool:
        with self._cond:
            return self._stopping and time.monotonic() >= self._deadline

    def _run_batch(self, batch: list[str]) -> None:
        self.batches += 1
        self.batched_articles += len(batch)
        self.store.start(batch)
        self.store.set_stage(batch, READ_STAGE, 0)
        self._announce(batch)
        articles: list[tuple[str, Article, str | None]] = []
        for job_id in batch:
            job = self.store.get(job_id)
            if job is None:  # deleted while it waited
                continue
            if self.load_error:
                self._fail(job_id, {"stage": "load", "kind": "model", "message": self.load_error})
                continue
            try:
                article = to_article(job_id, job.input, job.input_bytes, self.config.read, self.serve.max_chars)
            except NewsbridgeError as exc:
                self._fail(job_id, {"stage": READ_STAGE, "kind": exc.kind, "message": str(exc)})
                continue
            articles.append((job_id, article, job.input.get("filename")))

        pipeline = self.pipeline
        for n, stage in enumerate(pipeline.stages, 1):
            live = [(job_id, a) for job_id, a, _ in articles if a.ok]
            if not live:
                break
            if self._past_deadline():
                ids = [job_id for job_id, _ in live]
                self.store.requeue(ids)
                self._announce(ids)
                log.warning("stopping: %d unfinished articles put back in the queue", len(ids))
                return
            ids = [job_id for job_id, _ in live]
            self.store.set_stage(ids, stage.name, n)
            self._announce(ids)
            stats = pipeline.stats[stage.name]
            start = time.perf_counter()
            stage([a for _, a in live])
            stats.seconds += time.perf_counter() - start
            stats.articles += len(live)
            stats.failed += sum(1 for _, a in live if not a.ok)
            for job_id, article in live:
                if not article.ok:
                    self._fail(job_id, article.error.to_dict())
            self._run_quick()  # short requests do not wait for the whole batch

        signature = pipeline.signature()
        for job_id, article, filename in articles:
            if not article.ok:
                continue
            article.signature = dict(signature)
            record = article.to_record()
            self.store.finish(job_id, record, article_titles(article, self.config), filename)
            self.on_change(job_id)

    def _fail(self, job_id: str, error: dict[str, Any]) -> None:
        self.store.fail(job_id, error)
        self.on_change(job_id)

    def _announce(self, ids: list[str]) -> None:
        for job_id in ids:
            self.on_change(job_id)


def article_titles(article: Article, config: Config) -> dict[str, str]:
    """{lang: title} of a finished article as the digest lists it (an untitled article by
    its first sentence), for the history list and its search."""
    from ..digest.views import index_entry

    pieces = index_entry(article, "", config.digest).title
    return {p.lang: p.text for p in pieces if p.text}
