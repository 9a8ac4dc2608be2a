"""Split a text at the strongest boundary available so that every piece fits a budget;
nothing is dropped or reordered.

One boundary ladder for every splitter: sentence ends (closing quotes and brackets stay
with their sentence), then ; and :, then commas, then dashes, then any space.
`split_at_boundary` cuts to a character budget (long sentences, huge lines);
text/chunking.py's `split_to_fit` cuts to a model's token budget with the same ladder.
"""

from __future__ import annotations

import re

BOUNDARY_LEVELS = (
    re.compile(r"(?<=[.!?…])[\"'»”’)\]]*\s+"),
    re.compile(r"(?<=[;:])\s+"),
    re.compile(r"(?<=,)\s+"),
    re.compile(r"\s+(?=[—–-]\s)"),
    re.compile(r"\s+"),
)
_TRAILING_SPACE = re.compile(r"\s+$")


def split_keep(text: str, pattern: re.Pattern) -> list[str]:
    """Split at the whitespace that ends each match of `pattern` (what precedes the
    whitespace, e.g. a closing quote, stays with the part before); empty parts dropped."""
    parts, last = [], 0
    for m in pattern.finditer(text):
        ws = _TRAILING_SPACE.search(m.group(0))
        cut = m.start() + (ws.start() if ws else len(m.group(0)))
        parts.append(text[last:cut])
        last = m.end()
    parts.append(text[last:])
    return [p for p in parts if p]


def split_sentences(text: str) -> list[str]:
    """`text` cut at sentence ends only (the ladder's first level): a rough splitter for
    text that no segmenter has seen."""
    return split_keep(text.strip(), BOUNDARY_LEVELS[0])


def split_at_boundary(text: str, max_chars: int) -> list[str]:
    """Split `text` into pieces of at most `max_chars`, preferring sentence, then clause,
    then word boundaries; never drops or reorders text (pieces joined by spaces)."""
    text = text.strip()
    if len(text) <= max_chars:
        return [text] if text else []
    for pattern in BOUNDARY_LEVELS:
        parts = split_keep(text, pattern)
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
