"""Small text helpers shared by stages (pure functions, no models)."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from functools import lru_cache

# Characters that are never text: C0 controls but tab/LF/CR, DEL, C1 controls, lone
# surrogates (UTF-8 cannot encode them) and the Unicode non-characters (U+FFFE/U+FFFF are
# illegal in XML 1.0). A terminal colour code (ESC [ ... m) goes whole, not just its ESC.
_NONCHARACTERS = "\ufdd0-\ufdef\ufffe\uffff" + "".join(
    f"{chr(plane * 0x10000 + 0xFFFE)}{chr(plane * 0x10000 + 0xFFFF)}" for plane in range(1, 17)
)
_CONTROL_RE = re.compile(
    "\x1b\\[[0-?]*[ -/]*[@-~]|[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff" + _NONCHARACTERS + "]"
)
_WHITESPACE = re.compile(r"\s+")
# Vertical tab and form feed separate lines or pages: a space keeps the words apart.
_SPACE_CONTROLS = {"\x0b", "\x0c"}


def strip_control_chars(text: str) -> tuple[str, Counter[str]]:
    """`text` without control and non-text characters, and how many of each went
    ({"U+0000": 2, ...}; an ESC sequence counts as one U+001B)."""
    removed: Counter[str] = Counter()

    def drop(match: re.Match[str]) -> str:
        char = match.group()[0]
        removed[f"U+{ord(char):04X}"] += 1
        return " " if char in _SPACE_CONTROLS else ""

    if not _CONTROL_RE.search(text):
        return text, removed
    return _CONTROL_RE.sub(drop, text), removed


@lru_cache(maxsize=4096)
def one_line(text: str) -> str:
    """All whitespace runs (line breaks and no-break spaces too) as one space, trimmed."""
    return _WHITESPACE.sub(" ", text.replace("\u00a0", " ")).strip()


def match_key(text: str) -> str:
    """`one_line`, case-folded: for telling whether two page texts are the same line."""
    return one_line(text).casefold()


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
    return Counter(_char_script(c) for c in text if c.isalpha())


def script_of(text: str, dominance: float = 0.8) -> str:
    """The script of most letters ('Latin', 'Cyrillic', ...), 'Mixed' when none dominates,
    'none' when there are no letters."""
    counts = script_counts(text)
    total = sum(counts.values())
    if not total:
        return "none"
    script, n = counts.most_common(1)[0]
    return script if n / total >= dominance else "Mixed"


_BOUNDARIES = (r"(?<=[.!?…])\s+", r"(?<=[;:])\s+", r"(?<=,)\s+", r"\s+(?=[—–-]\s)", r"\s+")


def split_at_boundary(text: str, max_chars: int) -> list[str]:
    """Split `text` into pieces of at most `max_chars`, preferring sentence, then clause,
    then word boundaries; never drops or reorders text (pieces joined by spaces)."""
    import re

    text = text.strip()
    if len(text) <= max_chars:
        return [text] if text else []
    for pattern in _BOUNDARIES:
        parts = [p for p in re.split(pattern, text) if p]
        if len(parts) > 1:
            break
    else:
        # One giant token (a URL, a hash): cut by characters.
        return [text[i : i + max_chars] for i in range(0, len(text), max_chars)]
    out: list[str] = []
    current = ""
    for part in parts:
        candidate = f"{current} {part}" if current else part
        if len(candidate) <= max_chars:
            current = candidate
            continue
        if current:
            out.append(current)
        if len(part) > max_chars:
            out.extend(split_at_boundary(part, max_chars))
            current = ""
        else:
            current = part
    if current:
        out.append(current)
    return out


def fit_to_limit(text: str, count_tokens, limit: int) -> list[str]:
    """Split `text` until every piece has at most `limit` tokens by `count_tokens`.
    Halves the character budget each round; one piece per input when it already fits."""
    pieces = [text]
    max_chars = max(len(text), 1)
    for _ in range(32):
        counts = count_tokens(pieces)
        if all(n <= limit for n in counts):
            return pieces
        max_chars = max(1, max_chars // 2)
        new: list[str] = []
        for piece, n in zip(pieces, counts):
            new.extend([piece] if n <= limit else split_at_boundary(piece, max_chars))
        pieces = new
    raise ValueError(f"could not split a text of {len(text)} characters under {limit} tokens")
