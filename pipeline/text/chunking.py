"""Split a text that is too long for a model into pieces that fit, and join them back.

Boundaries are tried from the strongest down, on text/split.py's one ladder (sentence
ends, then ; and :, then commas, then dashes, then spaces); only a single run without
spaces longer than the limit (a URL, a hash, text in a script without spaces) is cut
inside, at the longest prefix that fits. Nothing is dropped or reordered: joining the pieces with their separators gives
the text back (whitespace runs at the cuts become one space).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Callable

from .split import BOUNDARY_LEVELS as _LEVELS
from .split import split_keep as _split_keep

CountTokens = Callable[[list[str]], list[int]]


@dataclass(frozen=True)
class Piece:
    text: str
    # What goes between this piece and the previous one when joining: " " after a
    # boundary, "" inside a run without spaces.
    sep: str = " "


def token_bound(text: str) -> int:
    """At most how many tokens a subword tokenizer (SentencePiece, BPE, byte-level BPE,
    WordPiece) makes of `text`, beyond the fixed tokens it adds to every input (language
    code, </s>, a task prefix). Every token covers at least one character of the
    normalised text, or one byte of it (byte fallback, byte-level BPE), and a word-start
    marker or prefix space may add one. Tokenising is the costly part of asking "does it
    fit?": under this bound the answer needs no tokenizer (tests check it on the real ones)."""
    if text.isascii():
        return len(text) + 1
    return max(len(text.encode("utf-8")), len(unicodedata.normalize("NFKC", text).encode("utf-8"))) + 1


def join_pieces(pieces: list[Piece] | list[tuple[str, str]]) -> str:
    out = ""
    for i, p in enumerate(pieces):
        text, sep = (p.text, p.sep) if isinstance(p, Piece) else p
        out += (sep if i and out and text else "") + text
    return out


def split_to_fit(text: str, count_tokens: CountTokens, limit: int) -> list[Piece]:
    """Pieces of `text`, each at most `limit` tokens by `count_tokens` (which is expected to
    count the model's fixed tokens, e.g. </s>, for every piece)."""
    text = text.strip()
    if not text:
        return [Piece(text)]
    overhead = count_tokens([""])[0]
    if limit <= overhead:
        raise ValueError(f"a limit of {limit} tokens leaves no room for text")
    return _split(text, count_tokens, limit, overhead, 0)


def _split(text: str, count: CountTokens, limit: int, overhead: int, level: int) -> list[Piece]:
    if count([text])[0] <= limit:
        return [Piece(text)]
    for lvl in range(level, len(_LEVELS)):
        parts = _split_keep(text, _LEVELS[lvl])
        if len(parts) > 1:
            return _pack(parts, count, limit, overhead, lvl)
    return _cut_run(text, count, limit)


def group_consecutive(items: list[str], sizes: list[int], starts_new: Callable[[int, int], bool]) -> list[list[str]]:
    """Consecutive items in groups, in order: a new group starts when
    `starts_new(size of the group so far, size of the next item)` says so."""
    groups: list[list[str]] = []
    group: list[str] = []
    size = 0
    for item, n in zip(items, sizes):
        if group and starts_new(size, n):
            groups.append(group)
            group, size = [], 0
        group.append(item)
        size += n
    if group:
        groups.append(group)
    return groups


def _pack(parts: list[str], count: CountTokens, limit: int, overhead: int, level: int) -> list[Piece]:
    """Greedily group consecutive parts into pieces under the limit (sizes estimated by
    adding the parts' counts), then make sure every group really fits."""
    sizes = [n - overhead for n in count(parts)]
    groups = group_consecutive(parts, sizes, lambda size, n: size + n + overhead > limit)
    out: list[Piece] = []
    for g in groups:
        out.extend(_fit_group(g, count, limit, overhead, level))
    return out


def _fit_group(group: list[str], count: CountTokens, limit: int, overhead: int, level: int) -> list[Piece]:
    joined = " ".join(group)
    if count([joined])[0] <= limit:
        return [Piece(joined)]
    if len(group) == 1:
        # One part too long on its own: next boundary level down.
        return _split(joined, count, limit, overhead, level + 1)
    # Token counts are not exactly additive (a word can tokenise differently at a piece
    # start): halve the group until each half fits.
    mid = len(group) // 2
    return _fit_group(group[:mid], count, limit, overhead, level) + _fit_group(group[mid:], count, limit, overhead, level)


def _cut_run(text: str, count: CountTokens, limit: int) -> list[Piece]:
    """A run without boundaries: cut at the longest prefix that fits (binary search)."""
    out: list[Piece] = []
    rest = text
    while rest:
        if count([rest])[0] <= limit:
            out.append(Piece(rest, "" if out else " "))
            break
        lo, hi = 1, len(rest)
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if count([rest[:mid]])[0] <= limit:
                lo = mid
            else:
                hi = mid - 1
        out.append(Piece(rest[:lo], "" if out else " "))
        rest = rest[lo:]
    return out
