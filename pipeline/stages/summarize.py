"""Summarize: every section, and the whole article, in English and Ukrainian.

Strategies (summarize.strategy), for the abstractive backend:
  en_then_translate      summarise the English text of each section (the source, or its
                         translation) with `model`; translate the summary to Ukrainian.
  source_then_translate  summarise the source-language text with `multilingual_model`
                         (languages in `multilingual_langs`; others from English); translate
                         the summary into the other languages.
  per_language           summarise each language's text with `language_models[lang]`.
The extractive backend picks source-language sentences and takes the same sentences'
translations for the other language (aligned, no extra translation).

A section no longer than its summary length is passed through (its text, and the aligned
translation), not sent to a model. Long sections are summarised by map-reduce
(pipeline.summarization.mapreduce), never truncated. A summary that comes back empty or looping is
replaced by the section's lead sentences, with a warning in the record. The article
summary is made from the section summaries the same way. Only section paragraphs are
summarised: titles, headings, tags, captions and credits never enter a summary.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from .. import registry
from ..data import TARGET_LANGS, UNDETERMINED, Article, Section, Segment
from ..lru import LRUCache
from ..summarization.mapreduce import SummaryCache, SummaryJob, run_jobs
from ..summarization.summary_text import lead_count
from ..translation.engine import Request
from .base import BatchStage


@dataclass
class Made:
    """One summary in one language, and how it was made."""

    lang: str
    text: str
    method: str  # model | passthrough | lead_fallback | extractive | single_section | empty
    info: dict[str, Any] = field(default_factory=dict)
    # The same summary in other languages from aligned sentences (no translation needed).
    aligned: dict[str, str] = field(default_factory=dict)


@dataclass
class Holder:
    """A section or an article being summarised."""

    article: Article
    target: Section | Article
    label: str  # for warnings: "section 2", "article"
    segments: list[Segment]  # the body sentences it covers, in order
    made: list[Made] = field(default_factory=list)
    texts: dict[str, str] = field(default_factory=dict)  # summary by language (may add the source's)
    translated: dict[str, dict[str, Any]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    input_tokens: dict[str, int] = field(default_factory=dict)  # text length by language

    def warn(self, message: str) -> None:
        self.warnings.append(message)
        self.article.warn(f"summary of {self.label}: {message}")


class SummarizeStage(BatchStage):
    name = "summarize"

    def __init__(self, context):
        super().__init__(context)
        self.cfg = self.config.summarize
        backend_cls = registry.summarizers.get(self.cfg.backend)
        self.extractive = getattr(backend_cls, "kind", "abstractive") == "extractive"
        # Load every model the configuration uses now: a missing one fails before any article.
        if self.extractive:
            self.extractor = context.summarizer(self.cfg.backend)
        else:
            for ref in self.model_refs():
                context.summarizer(ref)
        self.engine = context.translation_engine()
        self.cache: SummaryCache = LRUCache(self.cfg.cache_size, max_bytes=int(self.cfg.cache_mb * 2**20))
        context.caches["summarize"] = self.cache

    # -- what to summarise, in which language, with which model ---------------------------

    def model_refs(self) -> list[str]:
        cfg = self.cfg
        if cfg.strategy == "en_then_translate":
            return [cfg.model]
        if cfg.strategy == "source_then_translate":
            return [cfg.multilingual_model]
        return [cfg.language_models[lang] for lang in TARGET_LANGS]

    def plan(self, source_lang: str) -> list[tuple[str, str]]:
        """(language to summarise, model) pairs for a text whose source is `source_lang`."""
        cfg = self.cfg
        if cfg.strategy == "en_then_translate":
            return [("en", cfg.model)]
        if cfg.strategy == "source_then_translate":
            lang = source_lang if source_lang in cfg.multilingual_langs else "en"
            return [(lang, cfg.multilingual_model)]
        return [(lang, cfg.language_models[lang]) for lang in TARGET_LANGS]

    def target_for(self, kind: str, basis: int | None = None):
        """Summary length (max new tokens) as a function of the input's tokens; `basis`
        fixes the length the ratio applies to (the article's text, not its summaries)."""
        cfg = self.cfg

        def target(n_tokens: int) -> int:
            if cfg.length == "tokens":
                return cfg.max_new_tokens if kind == "section" else cfg.article_max_new_tokens
            n = basis if basis is not None else n_tokens
            bucket = cfg.length_bucket
            wanted = math.ceil(cfg.ratio * n / bucket) * bucket
            return max(cfg.ratio_min_new_tokens, min(cfg.ratio_max_new_tokens, wanted))

        return target

    # -- the stage --------------------------------------------------------------------------

    def run_batch(self, batch: list[Article]) -> None:
        sections = [
            Holder(article, section, f"section {i + 1}", list(section.segments()))
            for article in batch
            for i, section in enumerate(article.sections)
        ]
        units = self.units_by_lang(sections)
        self.summarise_sections(sections, units)
        self.translate_summaries(sections)
        articles = [
            Holder(article, article, "article", [seg for section in article.sections for seg in section.segments()])
            for article in batch
        ]
        by_article = {id(h.article): [s for s in sections if s.article is h.article] for h in articles}
        self.summarise_articles(articles, by_article, units)
        self.translate_summaries(articles)
        for holder in sections + articles:
            self.write(holder)
        self.counts["sections"] += len(sections)
        self.counts["articles"] += len(articles)

    def units_by_lang(self, holders: list[Holder]) -> dict[tuple[int, str], str]:
        """Each body sentence in every language the plan summarises it in: the source, an
        existing translation, or (when the translate stage did not run) one made now."""
        out: dict[tuple[int, str], str] = {}
        if self.extractive:
            return out  # it reads each sentence in its source language
        missing: list[tuple[Segment, str]] = []
        for holder in holders:
            for lang, _ in self.plan(self.source_lang(holder)):
                for seg in holder.segments:
                    text = seg.in_lang(lang)
                    if text is not None:
                        out[(id(seg), lang)] = text
                    elif lang in TARGET_LANGS:
                        missing.append((seg, lang))
                    else:
                        # A multilingual model reads a stray sentence in another language as is.
                        out[(id(seg), lang)] = seg.text
        if missing:
            results = self.engine.translate([Request(seg.text, seg.lang, lang) for seg, lang in missing])
            for (seg, lang), result in zip(missing, results):
                out[(id(seg), lang)] = result.text
            self.counts["sentences_translated_for_summary"] += len(missing)
        return out

    @staticmethod
    def source_lang(holder: Holder) -> str:
        target = holder.target
        lang = target.lang if isinstance(target, Section) else target.source.lang
        return lang if lang and lang != UNDETERMINED else "en"

    # -- sections ---------------------------------------------------------------------------

    def summarise_sections(self, holders: list[Holder], units: dict[tuple[int, str], str]) -> None:
        live = []
        for holder in holders:
            if not any(seg.text.strip() for seg in holder.segments):
                holder.made = [Made(lang, "", "empty") for lang in TARGET_LANGS]
            else:
                live.append(holder)
        if self.extractive:
            for holder in live:
                holder.made = [self.extract(holder, "section")]
            return
        jobs: dict[str, list[tuple[Holder, str, SummaryJob]]] = {}
        for holder in live:
            for lang, model in self.plan(self.source_lang(holder)):
                sentences = [units[(id(seg), lang)] for seg in holder.segments if seg.text.strip()]
                job = SummaryJob(sentences, model, self.target_for("section"))
                jobs.setdefault(model, []).append((holder, lang, job))
        for model, items in jobs.items():
            run_jobs([job for _, _, job in items], self.context.summarizer(model), self.cfg, self.cache, self.counts)
            for holder, lang, job in items:
                holder.input_tokens[lang] = job.input_tokens
                holder.made.append(self.from_job(holder, lang, job, units))

    def from_job(self, holder: Holder, lang: str, job: SummaryJob, units: dict[tuple[int, str], str]) -> Made:
        info = {**job.info()}
        for warning in job.warnings:
            holder.warn(warning)
        if job.passthrough:
            return Made(lang, job.summary, "passthrough", info, self.aligned(holder.segments, lang))
        if job.degenerate:
            self.counts["fallbacks"] += 1
            holder.warn(f"the model's {lang} summary was {job.degenerate}; used the lead sentences instead")
            return self.lead(holder, lang, job.target, units, {**info, "model_output": job.summary})
        return Made(lang, job.summary, "model", info)

    def lead(self, holder: Holder, lang: str, budget: int, units: dict[tuple[int, str], str], info: dict) -> Made:
        segments = [seg for seg in holder.segments if seg.text.strip()]
        sentences = [units.get((id(seg), lang)) or seg.in_lang(lang) or seg.text for seg in segments]
        counter = self.extractor if self.extractive else self.context.summarizer(info["model"])
        k = lead_count(counter.count_tokens(sentences), budget)
        return Made(lang, " ".join(sentences[:k]), "lead_fallback", {**info, "sentences": k}, self.aligned(segments[:k], lang))

    def extract(self, holder: Holder, kind: str) -> Made:
        """Source-language sentences chosen by the extractive backend, with their aligned
        translations: the most faithful bilingual extract (one choice, both languages)."""
        lang = self.source_lang(holder)
        segments = [seg for seg in holder.segments if seg.text.strip()]
        sentences = [seg.in_lang(lang) or seg.text for seg in segments]
        langs = [lang if seg.in_lang(lang) is not None else seg.lang for seg in segments]
        n_tokens = sum(self.extractor.count_tokens(sentences))
        budget = self.target_for(kind)(n_tokens)
        holder.input_tokens[lang] = n_tokens
        info = {"selector": self.cfg.extractive.method, "input_tokens": n_tokens, "target_tokens": budget}
        if n_tokens <= budget:
            self.counts["passthrough"] += 1
            return Made(lang, " ".join(sentences), "passthrough", info, self.aligned(segments, lang))
        chosen = self.extractor.select(sentences, langs, budget, self.heading_of(holder, lang))
        info.update(sentences=chosen, of=len(sentences))
        picked = [segments[i] for i in chosen]
        return Made(lang, " ".join(sentences[i] for i in chosen), "extractive", info, self.aligned(picked, lang))

    @staticmethod
    def heading_of(holder: Holder, lang: str) -> tuple[str, str] | None:
        """The section heading (the title, for the article) in `lang` if known, as a hint."""
        target = holder.target
        block = target.heading if isinstance(target, Section) else target.title
        if block is None:
            return None
        text = block.in_lang(lang)
        return (text, lang) if text is not None else (block.text, block.lang)

    @staticmethod
    def aligned(segments: list[Segment], lang: str) -> dict[str, str]:
        """The given sentences in every other target language they all have."""
        out = {}
        for other in TARGET_LANGS:
            if other == lang:
                continue
            parts = [seg.in_lang(other) for seg in segments]
            if all(p is not None for p in parts):
                out[other] = " ".join(p for p in parts if p)
        return out

    # -- articles ---------------------------------------------------------------------------

    def summarise_articles(
        self, holders: list[Holder], sections: dict[int, list[Holder]], units: dict[tuple[int, str], str]
    ) -> None:
        jobs: dict[str, list[tuple[Holder, str, SummaryJob]]] = {}
        for holder in holders:
            parts = [s for s in sections[id(holder.article)] if any(s.texts.values())]
            if not parts:
                holder.made = [Made(lang, "", "empty") for lang in TARGET_LANGS]
                continue
            if len(parts) == 1:
                # One section: its summary is the article's.
                only = parts[0]
                holder.texts = dict(only.texts)
                holder.made = [Made(m.lang, m.text, "single_section", {"from": only.label}) for m in only.made]
                self.counts["model_inputs_saved"] += 1
                continue
            if self.extractive:
                holder.made = [self.extract(holder, "article")]
                continue
            for lang, model in self.plan(self.source_lang(holder)):
                summaries = [s.texts.get(lang) for s in parts]
                if any(text is None for text in summaries):
                    # A section summarised in another language (mixed article): go by English.
                    lang, summaries = "en", [s.texts.get("en", "") for s in parts]
                basis = sum(s.input_tokens.get(lang, 0) for s in parts)
                job = SummaryJob([t for t in summaries if t], model, self.target_for("article", basis))
                jobs.setdefault(model, []).append((holder, lang, job))
        for model, items in jobs.items():
            run_jobs([job for _, _, job in items], self.context.summarizer(model), self.cfg, self.cache, self.counts)
            for holder, lang, job in items:
                made = self.from_job(holder, lang, job, units)
                if made.method == "passthrough":
                    # The joined section summaries: their other languages are known too.
                    parts = [s for s in sections[id(holder.article)] if any(s.texts.values())]
                    made.aligned = {
                        other: " ".join(s.texts[other] for s in parts if s.texts.get(other))
                        for other in TARGET_LANGS
                        if other != lang and all(other in s.texts for s in parts)
                    }
                holder.made.append(made)

    # -- translation and writing --------------------------------------------------------------

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
        info: dict[str, Any] = {
            "strategy": "extract_then_align" if self.extractive else self.cfg.strategy,
            "backend": self.cfg.backend,
            "summarised": summarised,
        }
        if holder.translated:
            info["translated"] = holder.translated
        if holder.warnings:
            info["warnings"] = list(holder.warnings)
        holder.target.summary_info = info
