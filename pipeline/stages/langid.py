"""Detect: the language of every block and segment, and of the article.

lingua, restricted to the configured candidate languages, does the statistics;
orthography that no statistical model should overrule decides Ukrainian vs Russian when
the letters say so (і ї є ґ only in Ukrainian; ы э ъ ё only in Russian).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from .. import registry
from ..data import UNDETERMINED, Article, Block
from ..errors import ConfigError
from ..textutil import script_of
from .base import ArticleStage

UK_LETTERS = set("іїєґІЇЄҐ")
RU_LETTERS = set("ыэъёЫЭЪЁ")


@dataclass(frozen=True)
class Detection:
    lang: str
    confidence: float
    script: str


def orthographic_lang(text: str) -> str | None:
    """'uk' or 'ru' when letters unique to one of them appear and the other's do not."""
    has_uk = any(c in UK_LETTERS for c in text)
    has_ru = any(c in RU_LETTERS for c in text)
    if has_uk and not has_ru:
        return "uk"
    if has_ru and not has_uk:
        return "ru"
    return None


class LinguaDetector:
    """lingua restricted to `languages` (ISO 639-1 codes)."""

    def __init__(self, languages: list[str]):
        from lingua import IsoCode639_1, LanguageDetectorBuilder

        codes = []
        for code in languages:
            try:
                codes.append(getattr(IsoCode639_1, code.upper()))
            except AttributeError:
                raise ConfigError(f"langid.languages: '{code}' is not an ISO 639-1 code lingua knows") from None
        if len(codes) == 1:
            self._only = languages[0]
            self._detector = None
        else:
            self._only = None
            self._detector = LanguageDetectorBuilder.from_iso_codes_639_1(*codes).build()
        self.languages = list(languages)

    def detect(self, text: str) -> tuple[str, float]:
        if self._only:
            return self._only, 1.0
        values = self._detector.compute_language_confidence_values(text)
        if not values:
            return UNDETERMINED, 0.0
        top = values[0]
        return top.language.iso_code_639_1.name.lower(), float(top.value)


class DetectStage(ArticleStage):
    name = "detect"

    def __init__(self, context):
        super().__init__(context)
        cfg = self.config.langid
        self.languages = cfg.languages
        self.min_confidence = cfg.min_confidence
        self.detector = registry.detectors.get(cfg.backend)(cfg.languages)

    def detect(self, text: str) -> Detection:
        script = script_of(text)
        if script == "none":
            return Detection(UNDETERMINED, 0.0, script)
        ortho = orthographic_lang(text) if script in ("Cyrillic", "Mixed") else None
        if ortho in self.languages:
            return Detection(ortho, 1.0, script)
        lang, confidence = self.detector.detect(text)
        if confidence < self.min_confidence:
            lang = UNDETERMINED
        return Detection(lang, confidence, script)

    def process(self, article: Article) -> None:
        for block in article.text_blocks():
            self._detect_block(block)
        body_chars: Counter[str] = Counter()
        for section in article.sections:
            section_chars: Counter[str] = Counter()
            for para in section.paragraphs:
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

    def _detect_block(self, block: Block) -> None:
        found = self.detect(block.text)
        block.lang, block.confidence, block.script = found.lang, found.confidence, found.script
        self.counts["blocks"] += 1
        for seg in block.segments:
            if len(block.segments) == 1:
                seg.lang, seg.confidence, seg.script = found.lang, found.confidence, found.script
                continue
            one = self.detect(seg.text)
            # A sentence too short to judge keeps its block's language.
            if one.lang == UNDETERMINED or (one.confidence < 0.5 and len(seg.text.split()) < 4):
                one = Detection(found.lang, found.confidence, one.script)
            seg.lang, seg.confidence, seg.script = one.lang, one.confidence, one.script
            self.counts["segments"] += 1
