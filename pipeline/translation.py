"""The translation engine: routes (src, tgt) requests to models, pivots, caches, chunks.

Stages hand it every text of a batch at once; it groups by direction, translates each
distinct text once per model (cache keyed by model + text), splits inputs that exceed a
model's limit and rejoins them, and copies text already in the target language. Every
request gets exactly one result.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .data import UNDETERMINED
from .textutil import fit_to_limit

if TYPE_CHECKING:
    from .backends.base import Translator
    from .context import Context


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


class TranslationEngine:
    def __init__(self, context: "Context"):
        self.context = context
        self.config = context.config.translate
        # Bounded LRU: archives repeat boilerplate sentences, but memory must stay flat.
        self._cache: OrderedDict[tuple[str, str], str] = OrderedDict()
        self._cache_size = self.config.cache_size
        self.counts = {"requests": 0, "model_inputs": 0, "cache_hits": 0, "copied": 0, "chunked": 0}

    def route(self, src: str, tgt: str) -> list[str] | None:
        """Model refs to go from src to tgt: direct, or through the pivot language."""
        models = self.config.models
        direct = models.get(f"{src}-{tgt}")
        if direct:
            return [direct]
        pivot = self.config.pivot
        first, second = models.get(f"{src}-{pivot}"), models.get(f"{pivot}-{tgt}")
        if src != pivot and tgt != pivot and first and second:
            return [first, second]
        return None

    def translate(self, requests: list[Request]) -> list[Result]:
        results: list[Result | None] = [None] * len(requests)
        # Group by route so each model sees one big batch.
        pending: dict[tuple[str, ...], list[int]] = {}
        for i, req in enumerate(requests):
            self.counts["requests"] += 1
            if req.src == req.tgt or req.src == UNDETERMINED or not req.text.strip():
                # Same language, or nothing language-specific (numbers, symbols): copy.
                results[i] = Result(text=req.text)
                self.counts["copied"] += 1
                continue
            route = self.route(req.src, req.tgt)
            if route is None:
                results[i] = Result(
                    text=req.text,
                    warnings=[f"no translation model for {req.src}->{req.tgt} (translate.models); kept the source text"],
                )
                self.counts["copied"] += 1
                continue
            pending.setdefault(tuple(route), []).append(i)

        for route, indexes in pending.items():
            texts = [requests[i].text for i in indexes]
            for ref in route:
                texts = self._translate_with(ref, texts)
            for i, text in zip(indexes, texts):
                results[i] = Result(text=text, route=list(route))
        return results  # type: ignore[return-value]

    def _translate_with(self, ref: str, texts: list[str]) -> list[str]:
        backend = self.context.translator(ref)
        known = {t: self._cache[(ref, t)] for t in set(texts) if (ref, t) in self._cache}
        todo = sorted(set(texts) - set(known))
        self.counts["cache_hits"] += sum(1 for t in texts if t in known)
        if todo:
            known.update(zip(todo, self._translate_fitting(backend, todo)))
        for text, out in known.items():
            self._cache[(ref, text)] = out
            self._cache.move_to_end((ref, text))
        while len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        return [known[t] for t in texts]

    def _translate_fitting(self, backend: "Translator", texts: list[str]) -> list[str]:
        """Translate, splitting any text over the model's limit and rejoining its pieces."""
        limit = backend.max_input_tokens
        pieces: list[str] = []
        owners: list[int] = []
        for i, (text, n) in enumerate(zip(texts, backend.count_tokens(texts))):
            parts = [text] if n <= limit else fit_to_limit(text, backend.count_tokens, limit)
            if len(parts) > 1:
                self.counts["chunked"] += 1
            pieces.extend(parts)
            owners.extend([i] * len(parts))
        self.counts["model_inputs"] += len(pieces)
        outputs = backend.translate(pieces)
        joined: list[list[str]] = [[] for _ in texts]
        for owner, out in zip(owners, outputs):
            joined[owner].append(out)
        return [" ".join(parts) for parts in joined]
