"""Detect: the language of every block and segment, and of the article.

A thin adapter over `pipeline.lang.identifier.LanguageIdentifier`: it runs per segment;
a block gets the language of most of its text, a short segment with no evidence of its
own takes its block's language, and spans in another script or quoted in another
language are recorded on the segment (`Segment.spans`) so translation can protect them.
"""

from __future__ import annotations

from collections import Counter

from ..data import UNDETERMINED, Article, Block, Segment
from ..lang.alphabets import script_of_lang
from ..lang.identifier import Detection, LanguageIdentifier
from ..text.scripts import script_counts, script_of
from .base import ArticleStage


class DetectStage(ArticleStage):
    name = "detect"
    requires = ("block.segments",)
    assigns = ("segment.lang", "block.lang", "section.lang", "source.lang")

    def __init__(self, context):
        super().__init__(context)
        cfg = self.config.langid
        self.languages = cfg.languages
        self.min_confidence = cfg.min_confidence
        self.identifier = LanguageIdentifier(cfg)
        self.detector = self.identifier.detector

    def detect(self, text: str) -> Detection:
        return self.identifier.detect(text)

    def process(self, article: Article) -> None:
        found = [(block, self.detect_block(block)) for block in article.text_blocks()]
        self._aggregate(article)
        if self._follow_article(article.source.lang, found):
            self._aggregate(article)

    def _follow_article(self, lang: str, found: list[tuple[Block, list[Detection]]]) -> bool:
        """In an article named a language outside the candidates (French), a short block
        that only its script decided ("économie", "cac 40" are Latin, and English is the
        one Latin candidate) is in the article's language, not English with confidence 1."""
        if lang == UNDETERMINED or lang in self.identifier.candidates:
            return False
        changed = False
        for block, detections in found:
            if not detections or any(d.evidence != "script" for d in detections):
                continue
            if block.lang == lang or script_of_lang(block.lang) != script_of_lang(lang):
                continue
            block.lang = lang
            for seg in block.segments:
                seg.lang = lang
                seg.spans = self.identifier.spans(seg.text, lang)
            self.counts["blocks_following_article"] += 1
            changed = True
        return changed

    def _aggregate(self, article: Article) -> None:
        body_chars: Counter[str] = Counter()
        for section in article.sections:
            section_chars: Counter[str] = Counter()
            for para in section.paragraphs:
                if para.lang != UNDETERMINED:
                    section_chars[para.lang] += len(para.text)
            if section_chars:
                section.lang = section_chars.most_common(1)[0][0]
            elif section.heading is not None:
                section.lang = section.heading.lang
            body_chars.update(section_chars)
        if body_chars:
            article.source.lang = body_chars.most_common(1)[0][0]
        elif article.title is not None:
            article.source.lang = article.title.lang

    def detect_block(self, block: Block) -> list[Detection]:
        """Language of each segment, the block's = that of most of its text; returns what
        the identifier said of each segment."""
        cfg = self.config.langid
        segments = block.segments or [Segment(text=block.text)]
        found = [self.detect(seg.text) for seg in segments]
        chars: Counter[str] = Counter()
        for seg, one in zip(segments, found):
            if one.lang != UNDETERMINED:
                chars[one.lang] += len(seg.text)
        if chars:
            lang = chars.most_common(1)[0][0]
            in_lang = [(len(s.text), f.confidence) for s, f in zip(segments, found) if f.lang == lang]
            determined = sum(chars.values())
            confidence = sum(n * c for n, c in in_lang) / determined
        else:
            lang, confidence = UNDETERMINED, 0.0
        block.lang, block.confidence = lang, round(confidence, 4)
        block.script = script_of(block.text)
        self.counts["blocks"] += 1
        if not block.segments:
            return found
        for seg, one in zip(block.segments, found):
            short = len(seg.text.split()) <= cfg.short_words
            weak = one.evidence in ("statistics", "open-set", "none") and one.confidence < cfg.short_min_confidence
            if one.lang == UNDETERMINED or (len(block.segments) > 1 and short and weak):
                # Too short to judge on its own: it is in its block's language.
                one = Detection(lang, confidence, one.script, "block")
            seg.lang, seg.confidence, seg.script = one.lang, round(one.confidence, 4), one.script
            seg.spans = self.identifier.spans(seg.text, seg.lang) if may_have_spans(seg.text, seg.lang) else []
            self.counts["segments"] += 1
            self.counts["spans"] += len(seg.spans)
        return found


def may_have_spans(text: str, lang: str) -> bool:
    """Whether `LanguageIdentifier.spans` can find anything in `text`. It looks for words
    in another script than the language's, and for quotations that letters or function
    words place in another language, evidence only Cyrillic text carries. A segment whose
    letters are all in its language's script, when that script is not Cyrillic, has
    neither: the per-word pass and the language id of each quotation are skipped (most
    English segments; tests/stages/test_langid.py checks that spans() agrees)."""
    if lang == UNDETERMINED:
        return False
    home = script_of_lang(lang)
    return home == "Cyrillic" or any(script != home for script in script_counts(text))
