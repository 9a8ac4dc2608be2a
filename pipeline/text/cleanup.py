"""Unicode clean-up: control and non-text characters out, whitespace runs as one space."""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache

# Characters that are never text, the one set every reader and writer removes: C0 controls
# but tab/LF/CR, DEL, C1 controls, lone surrogates (UTF-8 cannot encode them), a byte-order
# mark inside the text (an encoding artefact) and the Unicode non-characters (U+FFFE/U+FFFF
# are illegal in XML 1.0). A terminal colour code (ESC [ ... m) goes whole, not just its ESC.
_NONCHARACTERS = "\ufdd0-\ufdef\ufffe\uffff" + "".join(
    f"{chr(plane * 0x10000 + 0xFFFE)}{chr(plane * 0x10000 + 0xFFFF)}" for plane in range(1, 17)
)
_CONTROL_RE = re.compile(
    "\x1b\\[[0-?]*[ -/]*[@-~]|[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufeff\ud800-\udfff" + _NONCHARACTERS + "]"
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


def has_control_chars(text: str) -> bool:
    """Whether `strip_control_chars` would remove anything (most text: no)."""
    # Every character removed is non-printable for Python (categories Cc, Cf, Cs, Cn:
    # tests/text/test_cleanup.py checks the whole range), and isprintable() is one C pass.
    return not text.isprintable() and _CONTROL_RE.search(text) is not None


def one_line(text: str) -> str:
    """All whitespace runs (line breaks and no-break spaces too) as one space, trimmed."""
    # Printable text holds no white space but " " (the others are non-printable: checked
    # like the controls above): with no double and no edge space it is already one line.
    if text.isprintable() and "  " not in text and text[:1] != " " and text[-1:] != " ":
        return text
    return _one_line(text)


@lru_cache(maxsize=4096)
def _one_line(text: str) -> str:
    return _WHITESPACE.sub(" ", text.replace("\u00a0", " ")).strip()


def match_key(text: str) -> str:
    """`one_line`, case-folded: for telling whether two page texts are the same line."""
    return one_line(text).casefold()
