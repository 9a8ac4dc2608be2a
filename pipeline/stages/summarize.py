"""Summarize: every section, and the whole article, in English and Ukrainian.

Default strategy (en_then_translate): summarise the English text of each section (the
source or its translation), then translate the summary. Inputs longer than the model's
limit are summarised chunk by chunk and the joined chunk summaries summarised again
(map-reduce, depth bounded), never truncated. The article summary is made from the
section summaries. Tags, captions and credits are not section text, so never enter.
"""

from __future__ import annotations

from ..data import Article
from ..textutil import fit_to_limit
from ..translation import Request
from .base import BatchStage

MAX_DEPTH = 3


class SummarizeStage(BatchStage):
    name = "summarize"

    def __init__(self, context):
        super().__init__(context)
        self.cfg = self.config.summarize
        self.summarizer = context.summarizer(self.cfg.model)
        self.engine = context.translation_engine()

    def prepare(self, batch: list[Article]):
        sections = []
        for article in batch:
            for section in article.sections:
                text = section.text_in("en")
                if text:
                    sections.append((article, section, text))
        return sections

    def predict(self, work):
        section_summaries = self.summarize_texts([text for _, _, text in work])
        return section_summaries

    def apply(self, batch, work, predictions) -> None:
        for (article, section, _), summary in zip(work, predictions):
            section.summary = {"en": summary}
            section.summary_info = {"strategy": self.cfg.strategy}
        # The article summary condenses the section summaries.
        articles = [a for a in batch if any(s.summary for s in a.sections)]
        joined = [" ".join(s.summary["en"] for s in a.sections if s.summary) for a in articles]
        for article, summary in zip(articles, self.summarize_texts(joined)):
            article.summary = {"en": summary}
            article.summary_info = {"strategy": self.cfg.strategy}
        # One translation call for every English summary of the batch.
        holders = [s for a in batch for s in a.sections if s.summary] + articles
        translations = self.engine.translate([Request(h.summary["en"], "en", "uk") for h in holders])
        for holder, result in zip(holders, translations):
            holder.summary["uk"] = result.text
        self.counts["sections"] += len(work)

    def summarize_texts(self, texts: list[str], depth: int = 0) -> list[str]:
        """Summaries of `texts`; over-long texts go through bounded map-reduce."""
        if not texts:
            return []
        limit = self.summarizer.max_input_tokens
        pieces, owners = [], []
        for i, (text, n) in enumerate(zip(texts, self.summarizer.count_tokens(texts))):
            parts = [text] if n <= limit else fit_to_limit(text, self.summarizer.count_tokens, limit)
            pieces.extend(parts)
            owners.extend([i] * len(parts))
        self.counts["model_inputs"] += len(pieces)
        outputs = self.summarizer.summarize(pieces)
        grouped: list[list[str]] = [[] for _ in texts]
        for owner, out in zip(owners, outputs):
            grouped[owner].append(out)
        results = []
        reduce_idx, reduce_texts = [], []
        for i, parts in enumerate(grouped):
            if len(parts) == 1:
                results.append(parts[0])
            else:
                results.append(" ".join(parts))
                reduce_idx.append(i)
                reduce_texts.append(" ".join(parts))
        if reduce_texts and depth < MAX_DEPTH:
            for i, summary in zip(reduce_idx, self.summarize_texts(reduce_texts, depth + 1)):
                results[i] = summary
        return results
