"""Checks on a translation against its source: loops, wrong language, lost numbers.

Pure functions plus a small language checker; the engine decides what to retry and what
to warn about. Tiny random models fail every check, so the checks must be cheap.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import TYPE_CHECKING

from ..lang.alphabets import script_of_lang
from ..lang.evidence import lexical_counts, orthographic_lang
from ..text.scripts import script_counts
from ..text.loops import collapse_loops, find_loop, max_repeats

if TYPE_CHECKING:
    from ..config import TranslateGuardsConfig


# Loops: the shared detector (text/loops.py), the same one summaries are checked with.
__all__ = ["LanguageCheck", "collapse_loops", "find_loop", "max_repeats", "missing_numbers"]


# -- numbers, URLs, e-mail addresses ------------------------------------------------------

_URL = re.compile(r"(?:https?://|www\.)[^\s<>\"'«»“”]+", re.I)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Digits with decimal/thousands separators ("1,000.5", "3,5", "1 000", "24.11.2026").
_NUMBER = re.compile(r"\d+(?:(?:[.,'’]|[ \u00a0\u202f](?=\d{3}(?!\d)))\d+)*")
# No digit, no "@", no URL start: then nothing below could be found in the source.
_DIGIT_OR_AT = re.compile(r"[\d@]")
_NON_DIGIT = re.compile(r"\D")
_DIGITS = re.compile(r"\d+")
_TRAILING = ".,;:!?)]}»”’\"'"
# Day.month.year: translations write the month as a word, so day and year must survive.
_DATE = re.compile(r"(\d{1,2})[./](\d{1,2})[./](\d{2,4})")


def _addresses(text: str) -> tuple[list[str], str]:
    """URLs and e-mail addresses (trailing punctuation trimmed), and the text without them."""
    found: list[str] = []
    for pattern in (_URL, _EMAIL):
        if pattern is _EMAIL and "@" not in text:
            continue
        matches = [m.group(0).rstrip(_TRAILING) for m in pattern.finditer(text)]
        if matches:
            found += matches
            text = pattern.sub(" ", text)
    return found, text


def _something_to_keep(text: str) -> bool:
    """Whether the text may hold a number, URL or e-mail address (a digit, "@", "://" or
    "www."): a few C scans, where one case-insensitive regex of alternatives took 4 us."""
    return _DIGIT_OR_AT.search(text) is not None or "://" in text or "www." in text.lower()


def missing_numbers(source: str, output: str, *, min_digits: int = 2) -> list[str]:
    """Numbers (written as in the source), URLs and e-mail addresses of the source that the
    output lacks. A number counts as present when its digits appear as one number in the
    output, or all its digit groups do ("1,000" = "1 000" = "1000"); a date "24.11.2026"
    needs its day and year (the month may become a word)."""
    if not _something_to_keep(source):
        return []  # most sentences: no digit, no address (the guard runs on every output)
    src_addr, src_rest = _addresses(source)
    out_addr, out_rest = _addresses(output)
    missing = [a for a in dict.fromkeys(src_addr) if a not in output]
    out_forms: set[str] = set()
    out_groups: Counter[str] = Counter()
    for m in _NUMBER.finditer(out_rest):
        out_forms.add(_NON_DIGIT.sub("", m.group(0)))
        out_groups.update(g.lstrip("0") or "0" for g in _DIGITS.findall(m.group(0)))
    for m in _NUMBER.finditer(src_rest):
        written = m.group(0)
        digits = _NON_DIGIT.sub("", written)
        if len(digits) < min_digits or digits in out_forms:
            continue
        date = _DATE.fullmatch(written)
        parts = [date.group(1), date.group(3)] if date else _DIGITS.findall(written)
        groups = Counter(g.lstrip("0") or "0" for g in parts)
        if all(out_groups[g] >= n for g, n in groups.items()):
            continue
        if written not in missing:
            missing.append(written)
    return missing


# Languages lang.evidence.lexical_counts knows function words and endings of.
LEXICAL_LANGS = frozenset({"uk", "ru"})


# -- output language -----------------------------------------------------------------------


class LanguageCheck:
    """Is an output in a language its target must not come back in (uk -> ru)?

    Orthography decides when the letters do (ы э ъ ё only in Russian; і ї є ґ only in
    Ukrainian); otherwise a detector restricted to the target and its confusable
    languages judges outputs long enough to judge."""

    def __init__(self, guards: "TranslateGuardsConfig", detector_backend: str):
        self.guards = guards
        self.backend = detector_backend
        self._detectors: dict[str, object] = {}

    def wrong_language(self, text: str, target: str) -> str | None:
        wrong = self.guards.wrong_languages.get(target)
        if not wrong or not text:
            return None
        ortho = orthographic_lang(text)
        if ortho == target:
            return None
        if ortho in wrong:
            return ortho
        scripts = script_counts(text)
        if not any(script_of_lang(w) in scripts for w in wrong):
            # Not one letter of a wrong language's script ("ru": Cyrillic): the text is not
            # in it (lingua gives such text no confidence either, at ~0.1 ms a call).
            return None
        if sum(scripts.values()) < self.guards.language_min_letters:  # its letters, every one counted once
            return None
        if target in LEXICAL_LANGS and set(wrong) <= LEXICAL_LANGS:
            # Function words and endings only the target has, none of a wrong language's:
            # the same evidence language id trusts for short text, and far cheaper.
            lexical = lexical_counts(text)
            if lexical[target] and not any(lexical[w] for w in wrong):
                return None
        lang, confidence = self._detector(target, wrong).detect(text)
        if lang in wrong and confidence >= self.guards.language_min_confidence:
            return lang
        return None

    def _detector(self, target: str, wrong: list[str]):
        if target not in self._detectors:
            from .. import registry

            self._detectors[target] = registry.detectors.get(self.backend)([target, *wrong])
        return self._detectors[target]
