"""Routing: which model(s) take a text from one language to another.

The direct model; else through the pivot language (ru -> en -> uk); else a multilingual
model ("mul-<tgt>" in `translate.models`), directly or as the first hop to the pivot.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from ..errors import ConfigError

if TYPE_CHECKING:
    from ..config import TranslateConfig


class Hop(NamedTuple):
    ref: str
    src: str
    tgt: str


class Router:
    def __init__(self, config: "TranslateConfig"):
        self.models = config.models
        self.pivot = config.pivot
        # Asked for every request; the answer depends on the config alone.
        self._routes: dict[tuple[str, str], list[Hop] | None] = {}

    def route(self, src: str, tgt: str) -> list[Hop] | None:
        """Hops from src to tgt: the direct model; else through the pivot language; else a
        multilingual model ("mul-<tgt>"), directly or as the first hop to the pivot. The
        list is shared between callers: read it, do not change it."""
        key = (src, tgt)
        if key not in self._routes:
            self._routes[key] = self._route(src, tgt)
        return self._routes[key]

    def _route(self, src: str, tgt: str) -> list[Hop] | None:
        models = self.models
        pivot = self.pivot
        direct = models.get(f"{src}-{tgt}")
        if direct:
            return [Hop(direct, src, tgt)]
        through = src != pivot and tgt != pivot
        second = models.get(f"{pivot}-{tgt}") if through else None
        if second and models.get(f"{src}-{pivot}"):
            return [Hop(models[f"{src}-{pivot}"], src, pivot), Hop(second, pivot, tgt)]
        if models.get(f"mul-{tgt}"):
            return [Hop(models[f"mul-{tgt}"], src, tgt)]
        if second and models.get(f"mul-{pivot}"):
            return [Hop(models[f"mul-{pivot}"], src, pivot), Hop(second, pivot, tgt)]
        return None

    def required_models(self, sources: list[str], targets: list[str]) -> list[str]:
        """Model refs the given source languages need to reach the targets."""
        refs = {hop.ref for s in sources for t in targets if s != t for hop in (self.route(s, t) or [])}
        return sorted(refs)

    def check_directions(self, specs: dict) -> None:
        """A manifest model under another direction (translate.models.en-uk: an uk->en
        model) runs without a complaint and writes the wrong language: refuse it."""
        for key, ref in self.models.items():
            spec = specs.get(ref)
            if spec is None or spec.role != "translate":
                continue  # a directory or hub id says nothing; the wrong role is the context's to refuse
            src, tgt = key.split("-")
            if (spec.tgt and spec.tgt != tgt) or (spec.src and spec.src not in (src, "mul")):
                raise ConfigError(f"translate.models.{key}: '{ref}' translates {spec.src or '?'} -> {spec.tgt or '?'}, not {src} -> {tgt}")
