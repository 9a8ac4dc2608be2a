"""Which writing system a text is in (Latin, Cyrillic, ...), from Unicode character names."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter

_NAMED = ("LATIN", "CYRILLIC", "GREEK", "ARABIC", "HEBREW", "ARMENIAN", "GEORGIAN", "DEVANAGARI", "HANGUL", "THAI")
# ASCII characters that are not letters, deleted by str.translate (in C) to count the
# letters of an ASCII text: most words and many sentences are ASCII.
_ASCII_NON_LETTERS = {i: None for i in range(128) if not chr(i).isalpha()}
# Character -> its script, "" for a non-letter; filled as characters are met. Bounded by
# the characters a process meets (a few thousand in practice); past the cap, computed.
_SCRIPT_OF_CHAR: dict[str, str] = {}
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
# A non-ASCII word character but a digit: every non-ASCII letter is one (Cyrillic text
# stops the search at its first letter).
_NON_ASCII_WORD = re.compile(r"[^\W\d_\x00-\x7f]")
_CHAR_CACHE_MAX = 65_536


def _char_script(char: str) -> str:
    try:
        name = unicodedata.name(char)
    except ValueError:
        return "Other"
    first = name.split(" ", 1)[0]
    if first in _NAMED:
        return first.capitalize()
    if first in ("CJK", "HIRAGANA", "KATAKANA"):
        return "Han" if first == "CJK" else "Kana"
    return "Other"


def _learn(char: str) -> str:
    script = _char_script(char) if char.isalpha() else ""
    if len(_SCRIPT_OF_CHAR) < _CHAR_CACHE_MAX:
        _SCRIPT_OF_CHAR[char] = script
    return script


def script_counts(text: str) -> Counter[str]:
    """Letters per script. Every block, segment and (for spans) word is asked this."""
    if text.isascii():
        n = len(text.translate(_ASCII_NON_LETTERS))
        return Counter({"Latin": n}) if n else Counter()
    if _NON_ASCII_WORD.search(text) is None:
        # Non-ASCII but no letter there (curly quotes, dashes, no-break spaces in English
        # text): the letters are the ASCII ones, counted in C as above (the deletion keeps
        # the non-ASCII characters, so those are taken off).
        n = len(text.translate(_ASCII_NON_LETTERS)) - len(_NON_ASCII.findall(text))
        return Counter({"Latin": n}) if n else Counter()
    counts: Counter[str] = Counter()
    known = _SCRIPT_OF_CHAR.get
    # Distinct characters first (counted in C), then one look-up each; scripts in the
    # order their first letters come (most_common breaks ties by it).
    for char, n in Counter(text).items():
        script = known(char)
        if script is None:
            script = _learn(char)
        if script:
            counts[script] += n
    return counts


def script_of(text: str, dominance: float = 0.8) -> str:
    """The script of most letters ('Latin', 'Cyrillic', ...), 'Mixed' when none dominates,
    'none' when there are no letters."""
    if text.isascii():
        return "Latin" if text.translate(_ASCII_NON_LETTERS) else "none"
    counts = script_counts(text)
    total = sum(counts.values())
    if not total:
        return "none"
    script, n = counts.most_common(1)[0]
    return script if n / total >= dominance else "Mixed"
