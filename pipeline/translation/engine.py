"""The translation engine: routes (src, tgt) requests to models (routing.py), pivots,
caches, chunks, and checks every output (checked.py).

Stages hand it every text of a batch at once. It
- copies text already in the target language (and text with no language: numbers, symbols);
- routes each request: the direct model, or source -> pivot -> target, with a multilingual
  model ("mul-<lang>" in `translate.models`) for languages that have none of their own;
- runs each model once per wave over all the texts that need it (identical texts once;
  a bounded cache keyed by model, target and text carries repeats across batches);
- splits inputs longer than the model's limit at clause, word or token boundaries and
  rejoins the translated pieces, so nothing is truncated;
- checks outputs for loops, the length bound and a wrong output language, retries the
  failures once (batched) with safer settings, and warns about what persists; numbers,
  URLs and e-mail addresses of the source must survive into the final text.
Every request gets exactly one result.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..backends.base import DecodeOptions
from ..data import UNDETERMINED
from ..lru import LRUCache
from ..text.chunking import Piece, join_pieces, split_to_fit, token_bound
from .checked import CheckedTranslation, Done
from .guards import LanguageCheck, collapse_loops, find_loop, missing_numbers
from .routing import Hop, Router

if TYPE_CHECKING:
    from ..backends.base import Translator
    from ..context import Context

# Warning kinds; every warning text starts with "<kind>: ", and a segment gets at most one of each.
WARNING_KINDS = ("no_model", "loop", "length", "language", "numbers")
# The cache keeps checked outputs (checked.Done); the old private name stays for callers.
_Done = Done


@dataclass
class Request:
    text: str
    src: str
    tgt: str


@dataclass
class Result:
    text: str
    route: list[str] = field(default_factory=list)  # model refs used, in order
    warnings: list[str] = field(default_factory=list)
    # Whether a guard retried any part of it, and how many model inputs it was split into.
    retried: bool = False
    pieces: int = 1


@dataclass
class _Job:
    index: int
    hops: list[Hop]
    text: str
    step: int = 0
    warnings: list[str] = field(default_factory=list)
    retried: bool = False
    pieces: int = 1


def warning_kind(message: str) -> str:
    return message.partition(":")[0]


def add_warning(warnings: list[str], message: str) -> None:
    """Keep one warning per kind: the first (earliest hop) says where it went wrong."""
    kind = warning_kind(message)
    if all(warning_kind(w) != kind for w in warnings):
        warnings.append(message)


class TranslationEngine:
    def __init__(self, context: "Context"):
        self.context = context
        self.config = context.config.translate
        self.guards = self.config.guards
        self.options = DecodeOptions.from_config(self.config)
        # Bounded LRU: archives repeat boilerplate sentences, but memory must stay flat.
        # Registered with the context so that a batch job can clear it at each work unit.
        self.cache: LRUCache[tuple[str, str, str], _Done] = LRUCache(
            self.config.cache_size, max_bytes=int(self.config.cache_mb * 2**20)
        )
        context.caches["translate"] = self.cache
        self.language = LanguageCheck(self.guards, context.config.langid.backend)
        self.counts: Counter[str] = Counter()
        # Routing, and the checks with their retry policy, are their own small classes;
        # the engine keeps the waves, the cache and the chunking.
        self.router = Router(self.config)
        self.router.check_directions(context.catalog.specs)
        self.checked = CheckedTranslation(self.guards, self.options, self.language, self.counts)
        # Tokens every input costs whatever its text (language code, </s>), per model ref.
        self._fixed_tokens: dict[str, int] = {}

    # -- routing (routing.py) ----------------------------------------------------------

    def route(self, src: str, tgt: str) -> list[Hop] | None:
        return self.router.route(src, tgt)

    def required_models(self, sources: list[str], targets: list[str]) -> list[str]:
        return self.router.required_models(sources, targets)

    # -- translation ---------------------------------------------------------------------

    def translate(self, requests: list[Request]) -> list[Result]:
        results: list[Result | None] = [None] * len(requests)
        jobs: list[_Job] = []
        for i, req in enumerate(requests):
            self.counts["requests"] += 1
            if req.src == req.tgt or req.src == UNDETERMINED or not req.text.strip():
                # Same language, or nothing language-specific (numbers, symbols): copy.
                results[i] = Result(text=req.text)
                self.counts["copied"] += 1
                continue
            hops = self.route(req.src, req.tgt)
            if hops is None:
                results[i] = Result(
                    text=req.text,
                    warnings=[f"no_model: no translation model for {req.src}->{req.tgt} (translate.models); kept the source text"],
                )
                self.counts["copied"] += 1
                self.counts["warnings.no_model"] += 1
                continue
            jobs.append(_Job(i, hops, req.text))

        self._run_waves(jobs)

        g = self.guards
        for job in jobs:
            req = requests[job.index]
            if len(job.hops) > 1:
                # A pivoted text was checked against the intermediate one at each hop; the
                # final text must not repeat more than the original source does either.
                loop = find_loop(job.text, req.text, min_repeats=g.loop_min_repeats, max_chars=g.loop_max_chars)
                if loop and g.collapse_loops:
                    job.text = collapse_loops(job.text, req.text, min_repeats=g.loop_min_repeats, max_chars=g.loop_max_chars)
                if loop:
                    add_warning(job.warnings, f"loop: the {req.tgt} translation looped ('{loop[0][:40]}' repeated {loop[1]} times in a row)"
                                + ("; cut to one occurrence" if g.collapse_loops else ""))
            if self.guards.check_numbers:
                lost = missing_numbers(req.text, job.text, min_digits=self.guards.number_min_digits)
                if lost:
                    add_warning(job.warnings, f"numbers: {', '.join(lost)} from the source missing in the {req.tgt} translation")
            for w in job.warnings:
                self.counts[f"warnings.{warning_kind(w)}"] += 1
            results[job.index] = Result(
                text=job.text,
                route=[h.ref for h in job.hops],
                warnings=job.warnings,
                retried=job.retried,
                pieces=job.pieces,
            )
        return results  # type: ignore[return-value]

    def _run_waves(self, jobs: list[_Job]) -> None:
        """Advance every job hop by hop. Each wave runs a model once over all the texts
        waiting for it; a model that some job still needs later waits, so that the
        pivoted texts join the direct ones in one call (ru->en->uk with en->uk)."""
        while True:
            live = [j for j in jobs if j.step < len(j.hops)]
            if not live:
                return
            ready: dict[tuple[str, str], list[_Job]] = {}
            for job in live:
                hop = job.hops[job.step]
                ready.setdefault((hop.ref, hop.tgt), []).append(job)
            later = {(h.ref, h.tgt) for j in live for h in j.hops[j.step + 1 :]}
            chosen = [key for key in ready if key not in later] or list(ready)
            for key in chosen:
                group = ready[key]
                outs = self._translate_with(key[0], key[1], [j.text for j in group])
                for job, out in zip(group, outs):
                    job.text = out.text
                    for w in out.warnings:
                        add_warning(job.warnings, w)
                    job.retried |= out.retried
                    job.pieces = max(job.pieces, out.pieces)
                    job.step += 1

    def _translate_with(self, ref: str, tgt: str, texts: list[str]) -> list[_Done]:
        known: dict[str, _Done] = {}
        for t in dict.fromkeys(texts):
            hit = self.cache.get((ref, tgt, t))
            if hit is not None:
                known[t] = hit
        self.counts["cache_hits"] += sum(1 for t in texts if t in known)
        todo = [t for t in dict.fromkeys(texts) if t not in known]
        if todo:
            fresh = self._translate_fitting(self.context.translator(ref), tgt, todo, ref)
            known.update(fresh)
            for t, done in fresh.items():
                self.cache.put((ref, tgt, t), done)
        return [known[t] for t in texts]

    def _translate_fitting(self, backend: "Translator", tgt: str, texts: list[str], ref: str = "") -> dict[str, _Done]:
        """Translate distinct texts, splitting any over the model's limit and rejoining it."""
        limit = min(self.config.max_input_tokens, backend.max_input_tokens)
        pieces: list[Piece] = []
        owners: list[int] = []
        for i, (text, n) in enumerate(zip(texts, self._token_counts(backend, ref, texts, limit))):
            parts = [Piece(text)] if n <= limit else split_to_fit(text, backend.count_tokens, limit)
            if len(parts) > 1:
                self.counts["chunked"] += 1
            pieces.extend(parts)
            owners.extend([i] * len(parts))
        sources = [p.text for p in pieces]
        distinct = list(dict.fromkeys(sources))
        self.counts["model_inputs"] += len(distinct)
        checked = dict(zip(distinct, self.checked.translate(backend, tgt, distinct)))
        grouped: list[list[tuple[Piece, _Done]]] = [[] for _ in texts]
        for owner, piece in zip(owners, pieces):
            grouped[owner].append((piece, checked[piece.text]))
        out: dict[str, _Done] = {}
        for text, parts in zip(texts, grouped):
            if len(parts) == 1:
                done = parts[0][1]
                if done.pieces == 1 and len({warning_kind(w) for w in done.warnings}) == len(done.warnings):
                    # One piece (most texts): its checked output is already what the join
                    # below would build (the same text, one warning per kind, one piece).
                    out[text] = done
                    continue
            warnings: list[str] = []
            for _, done in parts:
                for w in done.warnings:
                    add_warning(warnings, w)
            out[text] = _Done(
                text=join_pieces([(done.text, piece.sep) for piece, done in parts]),
                warnings=tuple(warnings),
                retried=any(done.retried for _, done in parts),
                pieces=len(parts),
            )
        return out

    def _token_counts(self, backend: "Translator", ref: str, texts: list[str], limit: int) -> list[int]:
        """Each text's token count where it matters, else a bound within the limit: the
        backend tokenises every text again to translate it, and most texts are far under
        the limit (text.chunking.token_bound); only the others are tokenised here."""
        key = ref or str(id(backend))
        fixed = self._fixed_tokens.get(key)
        if fixed is None:
            fixed = self._fixed_tokens[key] = backend.count_tokens([""])[0]
        counts = [fixed + token_bound(t) for t in texts]
        unsure = [i for i, n in enumerate(counts) if n > limit]
        if unsure:
            for i, n in zip(unsure, backend.count_tokens([texts[i] for i in unsure])):
                counts[i] = n
        return counts
