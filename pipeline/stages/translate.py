"""Translate: every segment (title, headings, body, tags) into every target language.

prepare collects (segment, target) pairs across the whole batch, predict hands them to
the translation engine in one call, apply writes translations back onto the segments.
"""

from __future__ import annotations

from ..data import Article, Segment
from ..translation import Request
from .base import BatchStage


class TranslateStage(BatchStage):
    name = "translate"

    def __init__(self, context):
        super().__init__(context)
        self.targets = self.config.translate.targets
        self.engine = context.translation_engine()
        # Load every configured model now: a missing one fails before any article runs.
        for ref in sorted(set(self.config.translate.models.values())):
            context.translator(ref)

    def prepare(self, batch: list[Article]) -> list[tuple[Article, Segment, str]]:
        work = []
        for article in batch:
            for seg in article.segments():
                for tgt in self.targets:
                    if tgt != seg.lang and tgt not in seg.translations:
                        work.append((article, seg, tgt))
        return work

    def predict(self, work):
        return self.engine.translate([Request(seg.text, seg.lang, tgt) for _, seg, tgt in work])

    def apply(self, batch, work, predictions) -> None:
        for (article, seg, tgt), result in zip(work, predictions):
            seg.translations[tgt] = result.text
            for warning in result.warnings:
                if warning not in seg.warnings:
                    seg.warnings.append(warning)
                article.warn(warning)
        self.counts["translations"] += len(work)
