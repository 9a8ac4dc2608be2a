"""Split a text at the strongest boundary available (sentence, clause, word) so that
every piece fits a character or token budget; nothing is dropped or reordered."""

from __future__ import annotations

import re


_BOUNDARIES = (r"(?<=[.!?…])\s+", r"(?<=[;:])\s+", r"(?<=,)\s+", r"\s+(?=[—–-]\s)", r"\s+")


def split_at_boundary(text: str, max_chars: int) -> list[str]:
    """Split `text` into pieces of at most `max_chars`, preferring sentence, then clause,
    then word boundaries; never drops or reorders text (pieces joined by spaces)."""
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
