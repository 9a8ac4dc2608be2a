"""Translate: every segment (title, headings, body, tags) into every target language.

prepare collects (segment, target) pairs across the whole batch, predict hands them to
the translation engine in one call (it batches, caches, splits and checks), apply writes
translations and warnings back onto the segments. Body segments keep their warnings in
the record (`sections[].segments[].warnings`) and the article gets one line per kind;
title, heading and tag segments have no segment record, so their warnings go to the
article in full.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from ..data import TARGET_LANGS, Article, Segment
from ..translation.engine import Request, warning_kind
from .base import BatchStage


@dataclass
class _Work:
    article: Article
    segment: Segment
    target: str
    where: str | None  # "title", "heading", "tag '...'"; None for body text


class TranslateStage(BatchStage):
    name = "translate"
    requires = ("segment.lang",)
    assigns = ("segment.translations",)

    def __init__(self, context):
        super().__init__(context)
        self.targets = TARGET_LANGS
        self.engine = context.translation_engine()
        # Load every model the detectable languages need now: a missing one fails before
        # any article runs. Models only other languages need load on first use.
        for ref in self.engine.required_models(self.config.langid.languages, self.targets):
            context.translator(ref)

    def prepare(self, batch: list[Article]) -> list[_Work]:
        work = []
        for article in batch:
            for where, seg in _segments_with_place(article):
                for tgt in self.targets:
                    if tgt != seg.lang and tgt not in seg.translations:
                        work.append(_Work(article, seg, tgt, where))
        return work

    def predict(self, work: list[_Work]):
        return self.engine.translate([Request(w.segment.text, w.segment.lang, w.target) for w in work])

    def apply(self, batch, work: list[_Work], predictions) -> None:
        body_kinds: dict[str, Counter[str]] = {}
        for w, result in zip(work, predictions):
            w.segment.translations[w.target] = result.text
            for warning in result.warnings:
                if warning not in w.segment.warnings:
                    w.segment.warnings.append(warning)
                if w.where is None:
                    body_kinds.setdefault(w.article.id, Counter())[warning_kind(warning)] += 1
                else:
                    w.article.warn(f"{w.where}: {warning}")
                self.counts[f"warnings.{warning_kind(warning)}"] += 1
            self.counts["retried"] += int(result.retried)
            self.counts["split"] += int(result.pieces > 1)
        for article in batch:
            for kind, n in sorted(body_kinds.get(article.id, Counter()).items()):
                article.warn(f"translate: {n} body segment translation(s) with '{kind}' warnings (see sections[].segments[].warnings)")
        self.counts["translations"] += len(work)
        for key in ("copied", "cache_hits", "model_inputs", "chunked"):
            self.counts[key] = self.engine.counts[key]


def _segments_with_place(article: Article):
    if article.title is not None:
        for seg in article.title.segments:
            yield "title", seg
    for i, section in enumerate(article.sections):
        if section.heading is not None:
            for seg in section.heading.segments:
                yield f"heading {i}", seg
        for para in section.paragraphs:
            for seg in para.segments:
                yield None, seg
    for tag in article.tags:
        for seg in tag.segments:
            yield f"tag '{tag.text}'", seg
