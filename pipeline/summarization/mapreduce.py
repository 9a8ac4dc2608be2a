"""Summaries of texts of any length with an abstractive backend, never truncated.

A `SummaryJob` is one text (as sentences) to summarise to at most `target` tokens. A text
no longer than its target is passed through. A text over the model's input limit is
split into chunks (whole sentences, balanced sizes), each chunk is summarised, and the
joined chunk summaries are summarised again (map-reduce), at most `max_depth` levels of
chunk summaries deep. Each level is one backend call for every job of every article at
that level, so sections and articles share batches. Repeated (model, text, length)
inputs are summarised once and cached.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable

from ..lru import LRUCache
from .summary_text import drop_unfinished_sentence, is_degenerate, lead_count, pack_chunks

if TYPE_CHECKING:
    from ..backends.base import Summarizer
    from ..config import SummarizeConfig


@dataclass
class SummaryJob:
    units: list[str]  # the text, as sentences (or chunk summaries)
    model: str  # summariser reference (manifest name, path, hub id)
    # Max new tokens of the summary, from the input's length in tokens.
    target_for: Callable[[int], int]
    # Filled by run_jobs:
    target: int = 0
    summary: str = ""
    input_tokens: int = 0
    chunks: int = 1  # first-level chunks (1 = the text fit the model)
    levels: int = 0  # model passes; 0 = passed through
    passthrough: bool = False
    degenerate: str | None = None  # "empty" | "loops" when the final summary is unusable
    warnings: list[str] = field(default_factory=list)

    def info(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "model": self.model,
            "input_tokens": self.input_tokens,
            "target_tokens": self.target,
            "chunks": self.chunks,
            "levels": self.levels,
        }
        return out


# (model name, text, target length) -> summary; an LRUCache so a batch job can save it.
SummaryCache = LRUCache[tuple[str, str, int], str]


def run_jobs(
    jobs: list[SummaryJob],
    backend: "Summarizer",
    cfg: "SummarizeConfig",
    cache: SummaryCache,
    counts: MutableMapping[str, int],
) -> None:
    """Fill every job's summary (all jobs use `backend`): one backend call per level for
    every job still active at that level."""
    if not jobs:
        return
    model = backend
    # Every text is counted once: the joined text measured here is asked again when it
    # is packed into chunks, and "" (the fixed tokens) by every job.
    backend = _MemoCounts(backend)  # type: ignore[assignment]
    active = [job for job in measure_jobs(jobs, backend) if not job.passthrough]
    for job in jobs:
        if job.passthrough:
            counts["passthrough"] += 1
            counts["model_inputs_saved"] += 1
    level = 0
    while active:
        level += 1
        plans = _plan_level(active, level, backend, cfg, counts)
        inputs = [" ".join(chunk) for _, chunks in plans for chunk in chunks]
        targets = [job.target for job, chunks in plans for _ in chunks]
        outputs = _summarize_cached(model, inputs, targets, cache, counts)
        active = _apply_level(plans, outputs, level, backend, cfg, counts)


class _MemoCounts:
    """The backend, its count_tokens answered from a memo (one run_jobs call long)."""

    def __init__(self, backend: "Summarizer"):
        self._backend = backend
        self._counts: dict[str, int] = {}

    def __getattr__(self, name: str) -> Any:
        return getattr(self._backend, name)

    def count_tokens(self, texts: list[str]) -> list[int]:
        todo = [t for t in dict.fromkeys(texts) if t not in self._counts]
        if todo:
            self._counts.update(zip(todo, self._backend.count_tokens(todo)))
        return [self._counts[t] for t in texts]


def _plan_level(
    active: list[SummaryJob], level: int, backend: "Summarizer", cfg: "SummarizeConfig", counts: MutableMapping[str, int]
) -> list[tuple[SummaryJob, list[list[str]]]]:
    """Each active job's text in chunks that fit the model; a job past the depth bound
    keeps its joined chunk summaries (long, but nothing lost) and leaves."""
    limit = backend.max_input_tokens
    plans: list[tuple[SummaryJob, list[list[str]]]] = []
    for job in active:
        chunks = pack_chunks(job.units, backend.count_tokens, limit)
        if level == 1:
            job.chunks = len(chunks)
            if len(chunks) > 1:
                counts["chunked"] += 1
                counts["chunks"] += len(chunks)
        if len(chunks) > 1 and level > cfg.max_reduce_depth:
            job.summary = " ".join(job.units)
            left = backend.count_tokens([job.summary])[0] - backend.count_tokens([""])[0]
            job.warnings.append(
                f"still {left} tokens (over the model's {limit}) after {cfg.max_reduce_depth} levels of chunk "
                "summaries (summarize.max_reduce_depth); kept the joined chunk summaries"
            )
            continue
        plans.append((job, chunks))
    return plans


def _apply_level(
    plans: list[tuple[SummaryJob, list[list[str]]]],
    outputs: list[str],
    level: int,
    backend: "Summarizer",
    cfg: "SummarizeConfig",
    counts: MutableMapping[str, int],
) -> list[SummaryJob]:
    """Write one level's outputs back: a job of one chunk is done; a job of several has
    its chunk summaries as its new text (the jobs returned go on to a reduce level)."""
    overhead = backend.count_tokens([""])[0]
    next_active: list[SummaryJob] = []
    pos = 0
    for job, chunks in plans:
        job.levels = level
        outs = outputs[pos : pos + len(chunks)]
        pos += len(chunks)
        if len(chunks) == 1:
            job.summary = _finish(job, outs[0], cfg, counts)
            continue
        # A map level: each chunk summary replaces its chunk; a degenerate one is
        # replaced by the chunk's lead sentences so the next level still sees content.
        units = []
        for chunk, out in zip(chunks, outs):
            out, _ = _trim(out, cfg)
            if is_degenerate(out, max_repeats=cfg.loop_max_repeats, min_distinct=cfg.loop_min_distinct):
                counts["chunk_fallbacks"] += 1
                out = " ".join(chunk[: lead_count(backend.count_tokens(chunk), job.target)])
            units.append(out)
        job.units = units
        joined = backend.count_tokens([" ".join(units)])[0] - overhead
        if joined <= job.target:
            # The joined chunk summaries are already short enough: no reduce call.
            job.summary = " ".join(units)
            counts["model_inputs_saved"] += 1
            continue
        next_active.append(job)
    return next_active


def measure_jobs(jobs: list[SummaryJob], backend: "Summarizer") -> list[SummaryJob]:
    """Count each job's input tokens, set its target, and pass through every text that is
    no longer than its summary would be (no model call)."""
    overhead = backend.count_tokens([""])[0]  # special tokens and task prefix
    for job, n in zip(jobs, backend.count_tokens([" ".join(j.units) for j in jobs])):
        job.input_tokens = max(n - overhead, 0)
        job.target = job.target_for(job.input_tokens)
        if job.input_tokens <= job.target:
            job.summary = " ".join(job.units)
            job.passthrough = True
    return jobs


def _trim(text: str, cfg: "SummarizeConfig") -> tuple[str, bool]:
    return drop_unfinished_sentence(text) if cfg.drop_unfinished_sentence else (text.strip(), False)


def _finish(job: SummaryJob, text: str, cfg: "SummarizeConfig", counts: MutableMapping[str, int]) -> str:
    text, cut = _trim(text, cfg)
    if cut:
        counts["unfinished_dropped"] += 1
    job.degenerate = is_degenerate(text, max_repeats=cfg.loop_max_repeats, min_distinct=cfg.loop_min_distinct)
    return text


def _summarize_cached(
    backend: "Summarizer",
    texts: list[str],
    targets: list[int],
    cache: SummaryCache,
    counts: MutableMapping[str, int],
) -> list[str]:
    """One backend call for every distinct (text, target) not in the cache."""
    name = getattr(backend, "name", type(backend).__name__)
    results: list[str | None] = []
    todo: dict[tuple[str, int], list[int]] = {}
    for i, (text, target) in enumerate(zip(texts, targets)):
        hit = cache.get((name, text, target))
        if hit is not None:
            counts["cache_hits"] += 1
        else:
            todo.setdefault((text, target), []).append(i)
        results.append(hit)
    if todo:
        keys = list(todo)
        counts["model_inputs"] += len(keys)
        outs = backend.summarize([k[0] for k in keys], [k[1] for k in keys])
        for (text, target), out in zip(keys, outs):
            cache.put((name, text, target), out)
            for i in todo[(text, target)]:
                results[i] = out
    return [r or "" for r in results]
