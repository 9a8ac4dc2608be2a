"""Segment: split paragraphs into sentences; titles, headings and tags stay one segment.

Sentences longer than `segment.max_chars` are split further at clause boundaries (then
spaces), so no later model ever has to truncate.
"""

from __future__ import annotations

from .. import registry
from ..data import Article, Block, Segment
from ..textutil import script_of, split_at_boundary
from .base import ArticleStage

_UK_ONLY = set("іїєґІЇЄҐ")


def guess_lang_for_rules(text: str) -> str:
    """Which language's sentence rules to use, before language detection has run."""
    script = script_of(text)
    if script == "Cyrillic":
        return "uk" if any(c in _UK_ONLY for c in text) else "ru"
    return "en"


class SentencexSegmenter:
    """Sentence splitting with sentencex (rule-based, knows uk/ru/en abbreviations)."""

    def split(self, text: str, lang: str) -> list[str]:
        import sentencex

        return [s.strip() for s in sentencex.segment(lang, text) if s.strip()]


class SegmentStage(ArticleStage):
    name = "segment"

    def __init__(self, context):
        super().__init__(context)
        self.segmenter = registry.segmenters.get(self.config.segment.backend)()
        self.max_chars = self.config.segment.max_chars

    def process(self, article: Article) -> None:
        for block in article.text_blocks():
            block.segments = self.segments_of(block)
            self.counts["segments"] += len(block.segments)

    def segments_of(self, block: Block) -> list[Segment]:
        if block.kind != "paragraph":
            return [Segment(text=block.text)]
        lang = block.lang if block.lang not in ("und", "") else guess_lang_for_rules(block.text)
        sentences = self.segmenter.split(block.text, lang) or [block.text]
        out = []
        for sentence in sentences:
            out.extend(Segment(text=piece) for piece in split_at_boundary(sentence, self.max_chars))
        return out
