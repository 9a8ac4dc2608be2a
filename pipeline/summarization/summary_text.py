"""Text helpers for summaries (pure functions, no models): packing sentences into chunks
under a token limit, telling a degenerate (empty or looping) summary, lead sentences,
and dropping a sentence the length bound cut in half."""

from __future__ import annotations

import math
import re
from typing import Callable

from ..text.chunking import group_consecutive, split_to_fit
from ..text.loops import find_loop

CountTokens = Callable[[list[str]], list[int]]

_WORD = re.compile(r"\w+", re.UNICODE)
# Sentence end: terminal punctuation, then closing quotes/brackets.
_END = r"[.!?…][\"'»”’)\]]*"
_ENDS_SENTENCE = re.compile(_END + r"\s*$")
_LAST_SENTENCE_END = re.compile(r".*" + _END + r"(?=\s)", re.S)


def pack_chunks(units: list[str], count_tokens: CountTokens, limit: int) -> list[list[str]]:
    """Group consecutive units (sentences) into chunks whose joined text (" ") has at most
    `limit` tokens by `count_tokens`, of similar sizes. A unit over the limit on its own is
    split at sentence, clause, then word boundaries first. Nothing is dropped or reordered:
    the chunks joined give back the units joined."""
    units = [u for u in units if u.strip()]
    if not units:
        return []
    overhead = count_tokens([""])[0]  # special tokens and task prefix, counted once per input
    budget = max(limit - overhead, 1)
    if count_tokens([" ".join(units)])[0] <= limit:
        # The whole text fits: one chunk, no unit tokenised (the caller has usually
        # counted the joined text already: summarization.mapreduce keeps a memo).
        return [units]
    pieces: list[str] = []
    sizes: list[int] = []
    for unit, n in zip(units, count_tokens(units)):
        parts = [unit] if n <= limit else _fit(unit, count_tokens, limit)
        part_counts = [n] if len(parts) == 1 else count_tokens(parts)
        pieces.extend(parts)
        sizes.extend(max(c - overhead, 1) for c in part_counts)
    # Balanced: aim at total/n per chunk rather than filling each to the brim and leaving a
    # small remainder, so every chunk gets a comparable share of the summary.
    goal = sum(sizes) / max(1, math.ceil(sum(sizes) / budget))
    groups = group_consecutive(pieces, sizes, lambda size, n: size + n > budget or size + n / 2 > goal)
    # A joined text can tokenise a little differently from its parts: check and split again.
    out: list[list[str]] = []
    for group, n in zip(groups, count_tokens([" ".join(g) for g in groups])):
        if n <= limit:
            out.append(group)
        elif len(group) > 1:
            half = len(group) // 2
            out.extend(pack_chunks(group[:half], count_tokens, limit))
            out.extend(pack_chunks(group[half:], count_tokens, limit))
        else:
            out.extend([p] for p in _fit(group[0], count_tokens, limit))
    return out


def _fit(text: str, count_tokens: CountTokens, limit: int) -> list[str]:
    """`text` in pieces of at most `limit` tokens, cut on the one boundary ladder."""
    return [piece.text for piece in split_to_fit(text, count_tokens, limit)]


def is_degenerate(text: str, *, max_repeats: int = 3, min_distinct: float = 0.3, max_chars: int = 40) -> str | None:
    """Why `text` is not a usable summary ("empty" or "loops"), or None when it is fine.

    Loops: the shared loop detector (text/loops.py, as for translations) with a chunk of
    at least two characters repeated `max_repeats` times in a row ("the the the",
    "in the city in the city in the city", "стастаста"; "www" or "ааа" alone are not), or,
    over 12 words or more, fewer distinct words than `min_distinct` of all words."""
    words = [w.lower() for w in _WORD.findall(text)]
    if not words:
        return "empty"
    if find_loop(text, min_repeats=max_repeats, max_chars=max_chars, min_chars=2):
        return "loops"
    if len(words) >= 12 and len(set(words)) / len(words) < min_distinct:
        return "loops"
    return None


def drop_unfinished_sentence(text: str) -> tuple[str, bool]:
    """Cut a trailing sentence the length bound left unfinished, when at least one complete
    sentence comes before it. Returns (text, whether something was cut)."""
    text = text.strip()
    if not text or _ENDS_SENTENCE.search(text):
        return text, False
    match = _LAST_SENTENCE_END.match(text)
    if match is None:
        return text, False
    return match.group(0).strip(), True


def lead_count(token_counts: list[int], budget: int) -> int:
    """How many leading units fit in `budget` tokens (always at least one)."""
    total = 0
    for i, n in enumerate(token_counts):
        total += n
        if total > budget:
            return max(1, i)
    return len(token_counts)
