"""Summarize: every section, and the whole article, in English and Ukrainian.

A thin adapter over pipeline/summarization/: the strategy (strategies.py, chosen from
`summarize.strategy` and the backend) makes each section's summary and, for articles of
several sections, the article's from the section summaries. This stage collects the
sections of the batch, handles empty sections and single-section articles, fills every
target language (made directly, from aligned sentences, or translated in one call) and
writes the summaries and how they were made. Only section paragraphs are summarised:
titles, headings, tags, captions and credits never enter a summary.
"""

from __future__ import annotations

from typing import Any

from ..data import TARGET_LANGS, Article
from ..lru import LRUCache
from ..summarization.mapreduce import SummaryCache
from ..summarization.strategies import Holder, Made, make_strategy
from ..translation.engine import Request
from .base import BatchStage


class SummarizeStage(BatchStage):
    name = "summarize"
    requires = ("segment.lang",)
    assigns = ("section.summary", "article.summary")

    def __init__(self, context):
        super().__init__(context)
        self.cfg = self.config.summarize
        self.cache: SummaryCache = LRUCache(self.cfg.cache_size, max_bytes=int(self.cfg.cache_mb * 2**20))
        context.caches["summarize"] = self.cache
        # Loads every model the strategy uses now: a missing one fails before any article.
        self.strategy = make_strategy(context, self.cache, self.counts)
        self.engine = context.translation_engine()

    def run_batch(self, batch: list[Article]) -> None:
        sections = [
            Holder(article, section, f"section {i + 1}", list(section.segments()))
            for article in batch
            for i, section in enumerate(article.sections)
        ]
        units = self.strategy.units(sections)
        live = []
        for holder in sections:
            if holder.live_segments():
                live.append(holder)
            else:
                holder.made = [Made(lang, "", "empty") for lang in TARGET_LANGS]
        self.strategy.summarise_sections(live, units)
        self.translate_summaries(sections)

        articles = [
            Holder(article, article, "article", [seg for section in article.sections for seg in section.segments()])
            for article in batch
        ]
        several = []
        for holder in articles:
            parts = [s for s in sections if s.article is holder.article and any(s.texts.values())]
            if not parts:
                holder.made = [Made(lang, "", "empty") for lang in TARGET_LANGS]
            elif len(parts) == 1:
                # One section: its summary is the article's.
                holder.texts = dict(parts[0].texts)
                holder.made = [Made(m.lang, m.text, "single_section", {"from": parts[0].label}) for m in parts[0].made]
                self.counts["model_inputs_saved"] += 1
            else:
                several.append((holder, parts))
        self.strategy.summarise_articles(several, units)
        self.translate_summaries(articles)
        for holder in sections + articles:
            self.write(holder)
        self.counts["sections"] += len(sections)
        self.counts["articles"] += len(articles)

    def translate_summaries(self, holders: list[Holder]) -> None:
        """Fill every target language: made directly, aligned, or translated (one call)."""
        requests: list[tuple[Holder, str, Made]] = []
        for holder in holders:
            for made in holder.made:
                holder.texts.setdefault(made.lang, made.text)
            if not holder.made:
                continue
            primary = holder.made[0]
            for lang in TARGET_LANGS:
                if lang in holder.texts:
                    continue
                if lang in primary.aligned:
                    holder.texts[lang] = primary.aligned[lang]
                    holder.translated[lang] = {"from": primary.lang, "via": "aligned sentences"}
                elif not primary.text:
                    holder.texts[lang] = ""
                else:
                    requests.append((holder, lang, primary))
        if not requests:
            return
        results = self.engine.translate([Request(made.text, made.lang, lang) for _, lang, made in requests])
        self.counts["summary_translations"] += len(requests)
        for (holder, lang, made), result in zip(requests, results):
            holder.texts[lang] = result.text
            holder.translated[lang] = {"from": made.lang, "via": result.route or ["copied"]}
            for warning in result.warnings:
                holder.warn(warning)

    def write(self, holder: Holder) -> None:
        holder.target.summary = {lang: holder.texts.get(lang, "") for lang in TARGET_LANGS}
        summarised = {}
        for made in holder.made:
            entry: dict[str, Any] = {"method": made.method, **made.info}
            if made.lang not in TARGET_LANGS:
                entry["text"] = made.text  # e.g. the Russian summary the others come from
            summarised[made.lang] = entry
        info: dict[str, Any] = {"strategy": self.strategy.name, "backend": self.cfg.backend, "summarised": summarised}
        if holder.translated:
            info["translated"] = holder.translated
        if holder.warnings:
            info["warnings"] = list(holder.warnings)
        holder.target.summary_info = info
