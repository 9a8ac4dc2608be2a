"""Build the stage list from config and run batches of articles through it.

Keeps per-stage counts and timings (datatrove-style stats) and stamps every article with
the run's signature: newsbridge version, models used, config hash.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Callable

from . import malloc, registry
from .config import Config
from .context import Context
from .data import Article
from .errors import ConfigError
from .stages.base import BatchStage, Stage


def check_stage_order(names: list[str]) -> None:
    """Refuse a stage list where a stage requires something (its `requires`) that no stage
    before it assigns: that stage would find nothing to do and the run would "succeed" with
    an empty record. Stages that declare nothing (plugins) are not checked."""
    assigned: set[str] = set()
    for name in names:
        stage = registry.stages.get(name)
        missing = [need for need in getattr(stage, "requires", ()) if need not in assigned]
        if missing:
            providers = [
                other for other in registry.stages.names()
                if other != name and set(missing) & set(getattr(registry.stages.get(other), "assigns", ()))
            ]
            before = ", ".join(repr(p) for p in providers) or "a stage that assigns them"
            raise ConfigError(
                f"pipeline.stages: '{name}' needs {before} before it (it reads {', '.join(missing)}; "
                "the flow is clean, segment, detect, translate, summarize)"
            )
        assigned.update(getattr(stage, "assigns", ()))


@dataclass
class StageStats:
    name: str
    seconds: float = 0.0
    articles: int = 0
    failed: int = 0
    counts: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"seconds": round(self.seconds, 4), "articles": self.articles, "failed": self.failed, **self.counts}


class Pipeline:
    def __init__(self, context: Context, stages: list[Stage]):
        self.context = context
        self.stages = stages
        self.stats = {stage.name: StageStats(stage.name) for stage in stages}

    @classmethod
    def from_config(cls, config: Config, context: Context | None = None) -> "Pipeline":
        check_stage_order(config.pipeline.stages)
        context = context or Context(config)
        stages = [registry.stages.get(name)(context) for name in config.pipeline.stages]
        return cls(context, stages)

    def run(self, articles: list[Article], on_stage: Callable[[str, int, int], None] | None = None) -> list[Article]:
        """Every stage over the batch; `on_stage(name, index, count)` is told as each starts."""
        self.prepare(articles, on_stage)
        return self.finish(articles, on_stage)

    @property
    def cpu_stages(self) -> list[Stage]:
        """The leading stages that work article by article without a model (clean, segment,
        detect): a batch job runs them for the next batch while the model stages run."""
        n = 0
        while n < len(self.stages) and not isinstance(self.stages[n], BatchStage):
            n += 1
        return self.stages[:n]

    def prepare(self, articles: list[Article], on_stage: Callable[[str, int, int], None] | None = None) -> list[Article]:
        """The CPU stages only (safe in another thread: they share nothing with the rest)."""
        return self._run_stages(articles, 0, len(self.cpu_stages), on_stage)

    def finish(self, articles: list[Article], on_stage: Callable[[str, int, int], None] | None = None) -> list[Article]:
        """The stages after `prepare`'s, then the run's signature on every article."""
        self._run_stages(articles, len(self.cpu_stages), len(self.stages), on_stage)
        signature = self.signature()
        for article in articles:
            article.signature = dict(signature)
        return articles

    def _run_stages(self, articles: list[Article], first: int, end: int,
                    on_stage: Callable[[str, int, int], None] | None = None) -> list[Article]:
        for index in range(first, end):
            stage = self.stages[index]
            if on_stage is not None:
                on_stage(stage.name, index, len(self.stages))
            stats = self.stats[stage.name]
            live = [a for a in articles if a.ok]
            start = time.perf_counter()
            stage(live)
            stats.seconds += time.perf_counter() - start
            stats.articles += len(live)
            stats.failed += sum(1 for a in live if not a.ok)
            stats.counts = dict(stage.counts)
            if isinstance(stage, BatchStage):
                # A model stage leaves its batch buffers on the heap: hand them back
                # before the next stage or the outputs allocate elsewhere (malloc.trim).
                malloc.trim()
        return articles

    def signature(self) -> dict[str, Any]:
        return self.context.signature()

    def stats_dict(self) -> dict[str, dict[str, Any]]:
        return {name: s.to_dict() for name, s in self.stats.items()}
