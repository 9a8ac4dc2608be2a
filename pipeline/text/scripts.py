"""Which writing system a text is in (Latin, Cyrillic, ...), from Unicode character names."""

from __future__ import annotations

import unicodedata
from collections import Counter
from functools import lru_cache


@lru_cache(maxsize=8192)
def _char_script(char: str) -> str:
    try:
        name = unicodedata.name(char)
    except ValueError:
        return "Other"
    first = name.split(" ", 1)[0]
    if first in ("LATIN", "CYRILLIC", "GREEK", "ARABIC", "HEBREW", "ARMENIAN", "GEORGIAN", "DEVANAGARI", "HANGUL", "THAI"):
        return first.capitalize()
    if first in ("CJK", "HIRAGANA", "KATAKANA"):
        return "Han" if first == "CJK" else "Kana"
    return "Other"


def script_counts(text: str) -> Counter[str]:
    # Distinct characters first (counted in C): every block and segment is asked this.
    counts: Counter[str] = Counter()
    for char, n in Counter(text).items():
        if char.isalpha():
            counts[_char_script(char)] += n
    return counts


def script_of(text: str, dominance: float = 0.8) -> str:
    """The script of most letters ('Latin', 'Cyrillic', ...), 'Mixed' when none dominates,
    'none' when there are no letters."""
    counts = script_counts(text)
    total = sum(counts.values())
    if not total:
        return "none"
    script, n = counts.most_common(1)[0]
    return script if n / total >= dominance else "Mixed"
