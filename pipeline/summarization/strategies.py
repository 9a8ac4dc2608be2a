"""How the summaries of sections and articles are made: one small class per strategy.

`summarize.strategy`, for a summariser that writes new text (the seq2seq backend):
  en_then_translate      summarise the English text of each section (the source, or its
                         translation) with `model`; translate the summary to Ukrainian.
  source_then_translate  summarise the source-language text with `multilingual_model`
                         (languages in `multilingual_langs`; others from English);
                         translate the summary into the other languages.
  per_language           summarise each language's text with `language_models[lang]`.
A summariser that picks whole sentences (a `SentenceExtractor`, e.g. the extractive
backend) gets `ExtractThenAlign` whatever the strategy: it picks source-language
sentences and takes the same sentences' translations (aligned, no extra translation).

Long texts are summarised by map-reduce (mapreduce.py), never truncated; a summary that
comes back empty or looping is replaced by the lead sentences, with a warning.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable

from .. import registry
from ..backends.base import SentenceExtractor
from ..data import TARGET_LANGS, UNDETERMINED, Article, Section, Segment
from ..translation.engine import Request
from .mapreduce import SummaryCache, SummaryJob, run_jobs
from .summary_text import lead_count

if TYPE_CHECKING:
    from ..config import SummarizeConfig
    from ..context import Context

# A unit of text in one language: (id of its Segment, language) -> text.
Units = dict[tuple[int, str], str]


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

    @property
    def source_lang(self) -> str:
        target = self.target
        lang = target.lang if isinstance(target, Section) else target.source.lang
        return lang if lang and lang != UNDETERMINED else "en"

    def live_segments(self) -> list[Segment]:
        return [seg for seg in self.segments if seg.text.strip()]


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


def length_target(cfg: "SummarizeConfig", kind: str, basis: int | None = None) -> Callable[[int], int]:
    """Summary length (max new tokens) as a function of the input's tokens; `basis` fixes
    the length the ratio applies to (the article's text, not its summaries)."""

    def target(n_tokens: int) -> int:
        if cfg.length == "tokens":
            return cfg.max_new_tokens if kind == "section" else cfg.article_max_new_tokens
        n = basis if basis is not None else n_tokens
        bucket = cfg.length_bucket
        wanted = math.ceil(cfg.ratio * n / bucket) * bucket
        return max(cfg.ratio_min_new_tokens, min(cfg.ratio_max_new_tokens, wanted))

    return target


class Strategy:
    """Fills `Holder.made` for sections and for articles of several sections."""

    name = "strategy"

    def __init__(self, context: "Context", cache: SummaryCache, counts: Counter[str]):
        self.context = context
        self.cfg = context.config.summarize
        self.cache = cache
        self.counts = counts

    def units(self, holders: list[Holder]) -> Units:
        """Each body sentence in every language the strategy reads it in."""
        return {}

    def summarise_sections(self, holders: list[Holder], units: Units) -> None:
        raise NotImplementedError

    def summarise_articles(self, holders: list[tuple[Holder, list[Holder]]], units: Units) -> None:
        """Articles with two or more summarised sections (`parts`)."""
        raise NotImplementedError


class ExtractThenAlign(Strategy):
    """Source-language sentences chosen by a `SentenceExtractor`, with their aligned
    translations: the most faithful bilingual extract (one choice, both languages)."""

    name = "extract_then_align"

    def __init__(self, context: "Context", cache: SummaryCache, counts: Counter[str]):
        super().__init__(context, cache, counts)
        self.extractor: SentenceExtractor = context.summarizer(self.cfg.backend)  # type: ignore[assignment]

    def summarise_sections(self, holders: list[Holder], units: Units) -> None:
        for holder in holders:
            holder.made = [self.extract(holder, "section")]

    def summarise_articles(self, holders: list[tuple[Holder, list[Holder]]], units: Units) -> None:
        for holder, _ in holders:
            holder.made = [self.extract(holder, "article")]

    def extract(self, holder: Holder, kind: str) -> Made:
        lang = holder.source_lang
        segments = holder.live_segments()
        sentences = [seg.in_lang(lang) or seg.text for seg in segments]
        langs = [lang if seg.in_lang(lang) is not None else seg.lang for seg in segments]
        n_tokens = sum(self.extractor.count_tokens(sentences))
        budget = length_target(self.cfg, kind)(n_tokens)
        holder.input_tokens[lang] = n_tokens
        info = {"selector": self.cfg.extractive.method, "input_tokens": n_tokens, "target_tokens": budget}
        if n_tokens <= budget:
            self.counts["passthrough"] += 1
            return Made(lang, " ".join(sentences), "passthrough", info, aligned(segments, lang))
        chosen = self.extractor.select(sentences, langs, budget, _heading_of(holder, lang))
        info.update(sentences=chosen, of=len(sentences))
        picked = [segments[i] for i in chosen]
        return Made(lang, " ".join(sentences[i] for i in chosen), "extractive", info, aligned(picked, lang))


def _heading_of(holder: Holder, lang: str) -> tuple[str, str] | None:
    """The section heading (the title, for the article) in `lang` if known, as a hint."""
    target = holder.target
    block = target.heading if isinstance(target, Section) else target.title
    if block is None:
        return None
    text = block.in_lang(lang)
    return (text, lang) if text is not None else (block.text, block.lang)


class Abstractive(Strategy):
    """A summariser that writes new text, run as map-reduce jobs batched per model."""

    def __init__(self, context: "Context", cache: SummaryCache, counts: Counter[str]):
        super().__init__(context, cache, counts)
        # Load every model the strategy uses now: a missing one fails before any article.
        for ref in self.model_refs():
            context.summarizer(ref)
        self.engine = context.translation_engine()

    def model_refs(self) -> list[str]:
        return self.refs(self.cfg)

    @staticmethod
    def refs(cfg: "SummarizeConfig") -> list[str]:
        """The summariser models the strategy uses under `cfg` (`models convert` asks too)."""
        raise NotImplementedError

    def plan(self, source_lang: str) -> list[tuple[str, str]]:
        """(language to summarise, model) pairs for a text whose source is `source_lang`."""
        raise NotImplementedError

    def units(self, holders: list[Holder]) -> Units:
        """Each body sentence in every language the plan summarises it in: the source, an
        existing translation, or (when the translate stage did not run) one made now."""
        out: Units = {}
        missing: list[tuple[Segment, str]] = []
        for holder in holders:
            for lang, _ in self.plan(holder.source_lang):
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

    def summarise_sections(self, holders: list[Holder], units: Units) -> None:
        jobs: list[tuple[Holder, str, SummaryJob]] = []
        for holder in holders:
            for lang, model in self.plan(holder.source_lang):
                sentences = [units[(id(seg), lang)] for seg in holder.live_segments()]
                jobs.append((holder, lang, SummaryJob(sentences, model, length_target(self.cfg, "section"))))
        for holder, lang, job in self._run(jobs):
            holder.input_tokens[lang] = job.input_tokens
            holder.made.append(self._from_job(holder, lang, job, units))

    def summarise_articles(self, holders: list[tuple[Holder, list[Holder]]], units: Units) -> None:
        jobs: list[tuple[Holder, str, SummaryJob]] = []
        parts_of: dict[int, list[Holder]] = {}
        for holder, parts in holders:
            parts_of[id(holder)] = parts
            for lang, model in self.plan(holder.source_lang):
                summaries = [s.texts.get(lang) for s in parts]
                if any(text is None for text in summaries):
                    # A section summarised in another language (mixed article): go by English.
                    lang, summaries = "en", [s.texts.get("en", "") for s in parts]
                basis = sum(s.input_tokens.get(lang, 0) for s in parts)
                job = SummaryJob([t for t in summaries if t], model, length_target(self.cfg, "article", basis))
                jobs.append((holder, lang, job))
        for holder, lang, job in self._run(jobs):
            made = self._from_job(holder, lang, job, units)
            if made.method == "passthrough":
                # The joined section summaries: their other languages are known too.
                parts = parts_of[id(holder)]
                made.aligned = {
                    other: " ".join(s.texts[other] for s in parts if s.texts.get(other))
                    for other in TARGET_LANGS
                    if other != lang and all(other in s.texts for s in parts)
                }
            holder.made.append(made)

    def _run(self, jobs: list[tuple[Holder, str, SummaryJob]]) -> list[tuple[Holder, str, SummaryJob]]:
        """Run the jobs, one batched map-reduce per model; back in model-grouped order."""
        by_model: dict[str, list[tuple[Holder, str, SummaryJob]]] = {}
        for item in jobs:
            by_model.setdefault(item[2].model, []).append(item)
        done = []
        for model, items in by_model.items():
            run_jobs([job for _, _, job in items], self.context.summarizer(model), self.cfg, self.cache, self.counts)
            done.extend(items)
        return done

    def _from_job(self, holder: Holder, lang: str, job: SummaryJob, units: Units) -> Made:
        info = {**job.info()}
        for warning in job.warnings:
            holder.warn(warning)
        if job.passthrough:
            return Made(lang, job.summary, "passthrough", info, aligned(holder.segments, lang))
        if job.degenerate:
            self.counts["fallbacks"] += 1
            holder.warn(f"the model's {lang} summary was {job.degenerate}; used the lead sentences instead")
            return self._lead(holder, lang, job.target, units, {**info, "model_output": job.summary})
        return Made(lang, job.summary, "model", info)

    def _lead(self, holder: Holder, lang: str, budget: int, units: Units, info: dict) -> Made:
        segments = holder.live_segments()
        sentences = [units.get((id(seg), lang)) or seg.in_lang(lang) or seg.text for seg in segments]
        k = lead_count(self.context.summarizer(info["model"]).count_tokens(sentences), budget)
        return Made(lang, " ".join(sentences[:k]), "lead_fallback", {**info, "sentences": k}, aligned(segments[:k], lang))


class EnThenTranslate(Abstractive):
    name = "en_then_translate"

    @staticmethod
    def refs(cfg: "SummarizeConfig") -> list[str]:
        return [cfg.model]

    def plan(self, source_lang: str) -> list[tuple[str, str]]:
        return [("en", self.cfg.model)]


class SourceThenTranslate(Abstractive):
    name = "source_then_translate"

    @staticmethod
    def refs(cfg: "SummarizeConfig") -> list[str]:
        return [cfg.multilingual_model]

    def plan(self, source_lang: str) -> list[tuple[str, str]]:
        lang = source_lang if source_lang in self.cfg.multilingual_langs else "en"
        return [(lang, self.cfg.multilingual_model)]


class PerLanguage(Abstractive):
    name = "per_language"

    @staticmethod
    def refs(cfg: "SummarizeConfig") -> list[str]:
        return [cfg.language_models[lang] for lang in TARGET_LANGS]

    def plan(self, source_lang: str) -> list[tuple[str, str]]:
        return [(lang, self.cfg.language_models[lang]) for lang in TARGET_LANGS]


ABSTRACTIVE = {cls.name: cls for cls in (EnThenTranslate, SourceThenTranslate, PerLanguage)}


def summarizer_models(cfg: "SummarizeConfig") -> list[str]:
    """The abstractive summariser models `cfg` names for its strategy."""
    return ABSTRACTIVE[cfg.strategy].refs(cfg)


def make_strategy(context: "Context", cache: SummaryCache, counts: Counter[str]) -> Strategy:
    """The strategy for the configured backend: sentence extractors extract and align,
    other summarisers follow `summarize.strategy`."""
    cfg = context.config.summarize
    if issubclass(registry.summarizers.get(cfg.backend), SentenceExtractor):
        return ExtractThenAlign(context, cache, counts)
    return ABSTRACTIVE[cfg.strategy](context, cache, counts)
