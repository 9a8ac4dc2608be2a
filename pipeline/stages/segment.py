"""Segment: split paragraphs into sentences; titles, headings and tags stay one segment.

The splitter is a registry entry (`segment.backend`), chosen by scripts/bench_segment.py
(README has the table). Around it: text goes in in bounded chunks (a 5 MB line costs
linear time), splits after abbreviations that never end a sentence ("Dr.", "м.", "вул.")
are undone, and sentences longer than `segment.max_chars` are split further at clause
boundaries (then spaces), so no later model ever has to truncate.
"""

from __future__ import annotations

import re

from .. import registry
from ..config import SegmentConfig
from ..data import Article, Block, Segment
from ..lang.alphabets import UK_LETTERS
from ..text.scripts import script_of
from ..text.split import split_at_boundary
from .base import ArticleStage

def guess_lang_for_rules(text: str) -> str:
    """Which language's sentence rules to use, before language detection has run."""
    script = script_of(text)
    if script == "Cyrillic":
        return "uk" if any(c in UK_LETTERS for c in text) else "ru"
    return "en"


class SentencexSegmenter:
    """sentencex (Wikimedia; rule-based, abbreviation lists for many languages incl. uk/ru)."""

    def split(self, text: str, lang: str) -> list[str]:
        import sentencex

        return [s.strip() for s in sentencex.segment(lang, text) if s.strip()]


class PysbdSegmenter:
    """pysbd (Golden Rules); no Ukrainian rules, so Ukrainian uses the Russian ones."""

    def __init__(self) -> None:
        self._by_lang: dict[str, object] = {}

    def split(self, text: str, lang: str) -> list[str]:
        import pysbd

        lang = {"uk": "ru"}.get(lang, lang)
        if lang not in self._by_lang:
            try:
                self._by_lang[lang] = pysbd.Segmenter(language=lang, clean=False)
            except ValueError:
                self._by_lang[lang] = pysbd.Segmenter(language="en", clean=False)
        return [s.strip() for s in self._by_lang[lang].segment(text) if s.strip()]


class RazdelSegmenter:
    """razdel (Natasha project; rules for Russian, which carry over to Ukrainian)."""

    def split(self, text: str, lang: str) -> list[str]:
        from razdel import sentenize

        return [s.text.strip() for s in sentenize(text) if s.text.strip()]


class BlingfireSegmenter:
    """blingfire (Microsoft; finite-state, language-independent model)."""

    def split(self, text: str, lang: str) -> list[str]:
        import blingfire

        return [s.strip() for s in blingfire.text_to_sentences(text).split("\n") if s.strip()]


class RegexSegmenter:
    """Baseline: split after . ! ? … (and closing quotes) before a capital letter or digit."""

    _SPLIT = re.compile(r"(?<=[.!?…])([\"»”’)]*)\s+(?=[\"«“„(]*[A-ZА-ЯЁІЇЄҐ0-9])")

    def split(self, text: str, lang: str) -> list[str]:
        out, last = [], 0
        for match in self._SPLIT.finditer(text):
            out.append(text[last : match.start(1) + len(match.group(1))].strip())
            last = match.end()
        out.append(text[last:].strip())
        return [s for s in out if s]


class SentenceSplitter:
    """The configured splitter plus the guards around it (chunking, abbreviations, length)."""

    def __init__(self, config: SegmentConfig, segmenter=None):
        self.config = config
        self.segmenter = segmenter or registry.segmenters.get(config.backend)()
        self.never_final = {a.lower() for a in config.no_break_after}
        self.final_before_capital = {a.lower() for a in config.break_if_capital_after}

    def split(self, text: str, lang: str) -> list[str]:
        sentences: list[str] = []
        for chunk in split_at_boundary(text, self.config.chunk_chars):
            sentences.extend(self.segmenter.split(chunk, lang) or [chunk])
        sentences = self._rejoin_abbreviations(sentences)
        out: list[str] = []
        for sentence in sentences:
            out.extend(split_at_boundary(sentence, self.config.max_chars))
        return out

    def _rejoin_abbreviations(self, sentences: list[str]) -> list[str]:
        out: list[str] = []
        for sentence in sentences:
            if out and self._continues(out[-1], sentence):
                out[-1] = f"{out[-1]} {sentence}"
            else:
                out.append(sentence)
        return out

    def _continues(self, previous: str, nxt: str) -> bool:
        token = previous.rsplit(None, 1)[-1].lstrip("(«\"“„")
        last = token.lower()
        if last in self.never_final:
            return True
        if self.config.join_after_initials and len(token) == 2 and token[0].isupper() and token[1] == "." and nxt[:1].isupper():
            return True
        first = nxt.lstrip("(«\"“„")[:1]
        return last in self.final_before_capital and bool(first) and (first.islower() or first.isdigit())


class SegmentStage(ArticleStage):
    name = "segment"
    requires = ("article.sections",)
    assigns = ("block.segments",)

    def __init__(self, context):
        super().__init__(context)
        self.splitter = SentenceSplitter(self.config.segment)
        self.max_chars = self.config.segment.max_chars

    def process(self, article: Article) -> None:
        for block in article.text_blocks():
            block.segments = self.segments_of(block)
            self.counts["segments"] += len(block.segments)

    def segments_of(self, block: Block) -> list[Segment]:
        if block.kind != "paragraph":
            return [Segment(text=piece) for piece in split_at_boundary(block.text, self.max_chars)]
        lang = block.lang if block.lang not in ("und", "") else guess_lang_for_rules(block.text[:2000])
        return [Segment(text=s) for s in self.splitter.split(block.text, lang)]
