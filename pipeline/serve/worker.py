"""The one batching queue: a worker thread owns the models and runs the model stages; a
second thread runs the CPU stages of queued jobs meanwhile.

A job goes: submitted -> `_waiting` -> (prepare thread: read, then the CPU stages --
clean, segment, detect -- of every job waiting at that moment as one pass, one checkpoint
commit for them all, while the models work on the running batch) -> `_ready` -> (worker:
the model stages, translate and summarize, over every job taken together). Each time the
worker is free it takes every prepared job (up to `serve.batch_size`), so twenty people
pasting at once share the translation and summary batches instead of queueing behind
each other's full runs. Before it starts, it gathers while the queue says more are on
their way: jobs submitted and still being prepared; submissions still arriving, each
within `serve.batch_wait_s` of the last (people pasting at the same moment form one batch,
not a batch of one and a batch of the rest a whole batch later); or the clients of the
batch that just finished sending their next articles (fewer submissions since it ended
than it held, whatever the gaps between them). New arrivals are awaited ten times
`serve.batch_wait_s` at most, and a lone request waits at most `serve.batch_wait_s` after
its own submission (mostly spent in its own CPU stages anyway). Short requests
(LibreTranslate `/translate`, `/detect`) wait in their own queue and are served between
stages, so they never sit behind a whole batch.

Every status change is written to the job store first and announced after (`on_change`),
so what a client is told is always what a restart would find. After every completed
stage the job's Article is checkpointed (one transaction for the whole batch), so a
killed server goes on from the last completed stage. On stop, the running batch goes on
until `serve.shutdown_grace_s` has passed, then what is unfinished goes back to the
queue in the store, with its checkpoint; waiting jobs simply stay queued there.
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
from .checkpoint import CheckpointError, article_from_state, article_state
from .inputs import Submission, to_article
from .store import JobStore

log = logging.getLogger(__name__)

READ_STAGE = "read"
WARMUP_TEXT = "Newsbridge warms up.\n\nThe models load once, before the first article."
# Through the CPU stages only: a sentence in a language outside the candidates makes the
# language identifier load its all-languages model now (about half a second on first use,
# else paid by the first batch that meets a sentence it cannot place plainly).
WARMUP_CPU_TEXT = ("Newsbridge warms up.\n\n"
                   "Die Regierung hat am Dienstag ein neues Gesetz beschlossen, sagte der Sprecher in Berlin.")


class QueueFull(NewsbridgeError):
    kind = "queue_full"


class ShuttingDown(NewsbridgeError):
    kind = "shutting_down"


@dataclass
class _Quick:
    fn: Callable[[Any], Any]
    future: Future


@dataclass
class _Job:
    """A job in memory between its CPU stages and its end: its Article and how many of
    `Worker.stage_names` it has completed (read counts as the first)."""

    id: str
    article: Article
    done: int
    filename: str | None


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
        self._waiting: deque[str] = deque()  # not yet prepared
        self._preparing: list[str] = []  # being prepared now
        self._ready: deque[_Job] = deque()  # prepared, waiting for the model stages
        self._running: list[str] = []
        self._quick: deque[_Quick] = deque()
        self._stopping = False
        self._deadline = float("inf")
        # The CPU stages' objects are shared by the prepare thread and the short requests
        # (LibreTranslate /detect uses the segment and detect stages).
        self._cpu_lock = threading.Lock()
        # What the batching window reads: submissions so far, and at the end of the last
        # batch how many it held and how many submissions there had been.
        self._arrivals = 0
        self._last_arrival = float("-inf")  # time.monotonic() of the last submission
        self._arrivals_at_finish = 0
        self._last_batch = 0
        self._thread = threading.Thread(target=self._main, name="newsbridge-worker", daemon=True)
        self._prep_thread = threading.Thread(target=self._prepare_loop, name="newsbridge-prepare", daemon=True)
        self.batches = 0
        self.batched_articles = 0  # articles taken into batches (mean batch = this / batches)

    # -- the request side -------------------------------------------------------------------

    def start(self, recovered: list[str]) -> None:
        with self._cond:
            self._waiting.extend(recovered)
        self._thread.start()
        self._prep_thread.start()

    def _queued(self) -> int:
        return len(self._waiting) + len(self._preparing) + len(self._ready) + len(self._running)

    def submit(self, submission: Submission, owner: str | None) -> str:
        """Store the job and queue it; QueueFull when `serve.max_queue` jobs are already in."""
        with self._cond:
            if self._stopping:
                raise ShuttingDown("the server is stopping")
            if self._queued() >= self.serve.max_queue:
                raise QueueFull(f"{self.serve.max_queue} articles are already waiting or running (serve.max_queue)")
            job_id = self.store.add(submission.input, submission.data, owner, submission.titles())
            self._waiting.append(job_id)
            self._arrivals += 1
            self._last_arrival = time.monotonic()
            self._cond.notify_all()
        return job_id

    def forget(self, job_id: str) -> None:
        """A deleted job leaves the queue (a running one finishes into nothing)."""
        with self._cond:
            try:
                self._waiting.remove(job_id)
            except ValueError:
                pass
            for job in list(self._ready):
                if job.id == job_id:
                    self._ready.remove(job)

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
            return self._queued()

    def position(self, job_id: str) -> int | None:
        """1 = next to be taken; None when not waiting."""
        with self._cond:
            order = [job.id for job in self._ready]
            order.extend(self._preparing)
            order.extend(self._waiting)
            try:
                return order.index(job_id) + 1
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
        """`request_stop`, then wait for the threads (at most the grace + 30 s: a stage that
        never returns is left to the next start's recovery, which re-queues its jobs)."""
        self.request_stop(grace_s)
        with self._cond:
            left = max(0.0, self._deadline - time.monotonic())
        for thread in (self._thread, self._prep_thread):
            if thread.is_alive():
                thread.join(left + 30)
        with self._cond:
            leftover = list(self._quick)
            self._quick.clear()
        for task in leftover:
            task.future.set_exception(ShuttingDown("the server is stopping"))

    # -- the prepare thread: read + CPU stages of queued jobs ---------------------------------

    def _prepare_loop(self) -> None:
        self.ready.wait()
        while True:
            with self._cond:
                while not (self._waiting or self._stopping):
                    self._cond.wait()
                if self._stopping:
                    return
                # Every job waiting now (up to a batch): their CPU stages run as one pass and
                # their checkpoints are one transaction, not one commit per job.
                group = [self._waiting.popleft() for _ in range(min(len(self._waiting), self.serve.batch_size))]
                self._preparing = list(group)
            jobs: list[_Job] = []
            try:
                jobs = self._prepare_group(group)
            except Exception as exc:  # noqa: BLE001 - a fault of the service, not of one article
                log.exception("preparing %d articles failed", len(group))
                for job_id in group:
                    self._fail(job_id, {"stage": "serve", "kind": "internal", "message": f"{type(exc).__name__}: {exc}"})
            finally:
                with self._cond:
                    self._preparing = []
                    self._ready.extend(jobs)
                    self._cond.notify_all()

    def _prepare_group(self, ids: list[str]) -> list[_Job]:
        """The CPU stages of several jobs together; should an unexpected error stop the
        pass, each job is prepared again on its own, so that only the one at fault fails."""
        if len(ids) > 1:
            try:
                return self._prepare(ids)
            except Exception:  # noqa: BLE001 - narrowed down job by job below
                log.warning("preparing %d articles together failed; preparing them one by one", len(ids), exc_info=True)
        jobs = []
        for job_id in ids:
            try:
                jobs += self._prepare([job_id])
            except Exception as exc:  # noqa: BLE001 - a fault of the service, not of one article
                log.exception("preparing %s failed", job_id)
                self._fail(job_id, {"stage": "serve", "kind": "internal", "message": f"{type(exc).__name__}: {exc}"})
        return jobs

    def _prepare(self, ids: list[str]) -> list[_Job]:
        """The jobs' Articles with every CPU stage done (each from its checkpoint when it
        has one), checkpointed in one transaction; without the jobs that failed or are gone."""
        if self.load_error:
            for job_id in ids:
                self._fail(job_id, {"stage": "load", "kind": "model", "message": self.load_error})
            return []
        jobs: list[_Job] = []
        saved_done: dict[str, int] = {}
        for job_id in ids:
            stored = self.store.get(job_id)
            if stored is None:  # deleted while it waited
                continue
            article, done = None, 0
            saved = self.store.checkpoint_of(job_id)
            if saved is not None:
                try:
                    done, article = saved[0], article_from_state(saved[1])
                    saved_done[job_id] = done
                except CheckpointError as exc:
                    log.warning("job %s: %s; starting it again from its input", job_id, exc)
                    article, done = None, 0
            if article is None:
                try:
                    article = to_article(job_id, stored.input, stored.input_bytes, self.config.read, self.serve.max_chars)
                except NewsbridgeError as exc:
                    self._fail(job_id, {"stage": READ_STAGE, "kind": exc.kind, "message": str(exc)})
                    continue
                done = 1
            jobs.append(_Job(job_id, article, done, stored.input.get("filename")))
        pipeline = self.pipeline
        cpu_end = len(pipeline.cpu_stages) + 1  # in stage_names, read included
        with self._cpu_lock:
            for index in range(cpu_end - 1):
                # Pipeline stage `index` is stage_names[index + 1] (read comes first).
                live = [job for job in jobs if job.article.ok and job.done < index + 2]
                if live:
                    self._run_stage(pipeline, index, [job.article for job in live])
                    for job in live:
                        job.done = index + 2
        prepared = []
        for job in jobs:
            if not job.article.ok:
                self._fail(job.id, job.article.error.to_dict())
            else:
                prepared.append(job)
        changed = [job for job in prepared if job.done != saved_done.get(job.id, -1)]
        self.store.checkpoint([(job.id, self._next_stage(job.done), job.done, article_state(job.article)) for job in changed])
        self._announce([job.id for job in changed])
        return prepared

    def _next_stage(self, done: int) -> str | None:
        return self.stage_names[done] if done < len(self.stage_names) else None

    @staticmethod
    def _run_stage(pipeline: Any, index: int, articles: list[Article]) -> None:
        stage = pipeline.stages[index]
        stats = pipeline.stats[stage.name]
        start = time.perf_counter()
        stage(articles)
        stats.seconds += time.perf_counter() - start
        stats.articles += len(articles)
        stats.failed += sum(1 for a in articles if not a.ok)

    # -- the worker thread: the model stages --------------------------------------------------

    def _main(self) -> None:
        try:
            self._load()
        except Exception as exc:  # noqa: BLE001 - reported by /healthz and to each job
            self.load_error = f"{type(exc).__name__}: {exc}" if not isinstance(exc, NewsbridgeError) else str(exc)
            log.error("models failed to load: %s", self.load_error)
        self.ready.set()
        while True:
            with self._cond:
                while not (self._ready or self._quick or self._stopping):
                    self._cond.wait()
                if self._stopping:
                    return
                self._gather()
                batch = [self._ready.popleft() for _ in range(min(len(self._ready), self.serve.batch_size))]
                self._running = [job.id for job in batch]
            self._run_quick()
            if batch:
                try:
                    self._run_batch(batch)
                except Exception as exc:  # noqa: BLE001 - a fault of the service, not of one article
                    log.exception("batch of %d failed", len(batch))
                    for job in batch:
                        self._fail(job.id, {"stage": "serve", "kind": "internal", "message": f"{type(exc).__name__}: {exc}"})
                finally:
                    with self._cond:
                        self._running = []
                        self._last_batch = len(batch)
                        self._arrivals_at_finish = self._arrivals

    def _gather(self) -> None:
        """(Holding the lock.) Wait for more prepared jobs while the queue says they are on
        their way: jobs already submitted and still in the CPU stages; submissions that keep
        arriving, each within `serve.batch_wait_s` of the one before (people pasting at the
        same moment: the first of them does not leave alone with the rest a whole batch
        behind); after a batch, while fewer submissions came since it ended than it held,
        its clients sending their next articles (whatever the gaps between them). New
        arrivals are awaited ten times `serve.batch_wait_s` at most; a lone request waits
        at most `serve.batch_wait_s` after its own submission; a short request waiting, or
        a full batch, goes at once."""
        quiet = self.serve.batch_wait_s
        if quiet <= 0:
            return
        start = time.monotonic()
        cap = start + 10 * quiet
        # Submitted before the gathering began: worth waiting for whatever the cap.
        submitted = set(self._waiting) | set(self._preparing)
        while len(self._ready) < self.serve.batch_size and not self._quick and not self._stopping:
            now = time.monotonic()
            if submitted.intersection(self._waiting) or submitted.intersection(self._preparing):
                self._cond.wait(quiet)
                continue
            if now >= cap:
                return
            if self._arrivals - self._arrivals_at_finish < self._last_batch:
                # The last batch's clients are expected back: they answer as their results
                # reach them, at the pace the server sends those out, so gaps between them
                # say little; the cap bounds the wait.
                self._cond.wait(cap - now)
                continue
            if now - self._last_arrival >= quiet:
                return
            self._cond.wait(min(cap - now, quiet - (now - self._last_arrival)))

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
        other = to_article("warmup-cpu", pasted(WARMUP_CPU_TEXT, max_chars=1000).input, None, self.config.read, 1000)
        for stage in self.pipeline.cpu_stages:
            stage([other])

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
                with self._cpu_lock:
                    result = task.fn(self.pipeline)
                task.future.set_result(result)
            except BaseException as exc:  # noqa: BLE001 - handed to the waiting request
                task.future.set_exception(exc)

    def _past_deadline(self) -> bool:
        with self._cond:
            return self._stopping and time.monotonic() >= self._deadline

    def _run_batch(self, batch: list[_Job]) -> None:
        self.batches += 1
        self.batched_articles += len(batch)
        self.store.start([job.id for job in batch])
        self._announce([job.id for job in batch])
        pipeline = self.pipeline
        for index in range(len(pipeline.cpu_stages), len(pipeline.stages)):
            # Pipeline stage `index` is stage_names[index + 1] (read comes first).
            live = [job for job in batch if job.article.ok and job.done < index + 2]
            if not live:
                continue
            if self._past_deadline():
                ids = [job.id for job in batch if job.article.ok]
                self.store.requeue(ids)
                self._announce(ids)
                log.warning("stopping: %d unfinished articles put back in the queue (from their last completed stage)", len(ids))
                return
            self._run_stage(pipeline, index, [job.article for job in live])
            for job in live:
                if job.article.ok:
                    job.done = index + 2
                else:
                    self._fail(job.id, job.article.error.to_dict())
            if index + 1 < len(pipeline.stages):
                ok = [job for job in live if job.article.ok]
                self.store.checkpoint([(job.id, self._next_stage(job.done), job.done, article_state(job.article)) for job in ok])
                self._announce([job.id for job in ok])
            self._run_quick()  # short requests do not wait for the whole batch

        signature = pipeline.signature()
        finished = []
        for job in batch:
            if not job.article.ok:
                continue
            job.article.signature = dict(signature)
            finished.append((job.id, job.article.to_record(), article_titles(job.article, self.config), job.filename))
        self.store.finish_many(finished)
        self._announce([job_id for job_id, *_ in finished])

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
