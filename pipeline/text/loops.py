"""Loops in generated text: a chunk of characters repeated in a row ("it it it it",
"охохохох", "in the city in the city in the city"). One detector for every model output:
translation guards and degenerate summaries use the same rule.

A run is a chunk of `min_chars`..`max_chars` characters holding a letter ("0000", "....",
"----" are numbers and rules, not loops), repeated in a row, case-insensitively, on the
text with its white space squashed (one space between words and one after the end, so
"it it it it" is "it " x 4). An output loops when a run repeats at least `min_repeats`
times and more often than anything in its source repeats (a chant in the source may stay
one). The shortest repeating chunk is not always the loop ("the the end. " x 4), so every
chunk length is looked at.

Speed: the guards run on every output of every model call, and most outputs have no run
at all. `_may_repeat` proves that cheaply (two short regex passes, see there); only the
outputs it cannot clear get the exact per-length passes, and only then is the source
measured.
"""

from __future__ import annotations

import re
from functools import lru_cache

Run = tuple[int, int, str, int]  # start, end, chunk, times (on the squashed text)


def squash(text: str) -> str:
    return " ".join(text.split()) + " "


@lru_cache(maxsize=256)
def _run_pattern(length: int, times: int) -> re.Pattern:
    # A chunk of exactly `length` characters followed by at least times-1 copies of itself.
    return re.compile(r"(.{%d})\1{%d,}" % (length, times - 1), re.S | re.I)


@lru_cache(maxsize=64)
def _word_piece_run(max_chars: int, times: int) -> re.Pattern:
    # A space-free chunk repeated inside one word ("охохохох"): lazy and stopped by spaces,
    # so each position tries only as many lengths as its word has letters left.
    return re.compile(r"(\S{1,%d}?)\1{%d}" % (max_chars, times - 1))


@lru_cache(maxsize=64)
def _word_gram_run(max_words: int, times: int) -> re.Pattern:
    return re.compile(r"(.{1,%d}?)\1{%d}" % (max_words, times - 1), re.S)


def _may_repeat(squashed: str, times: int, max_chars: int) -> bool:
    """False only when no chunk of 1..max_chars characters repeats `times` times in a row.

    A chunk without a space repeats inside one word: the first pattern. A chunk with a
    space, repeated `times` times, holds `times - 1` copies of its rotation that starts
    after its first space, and that rotation is whole words: so the words, each written as
    one character, repeat an n-gram `times - 1` times in a row: the second pattern, over a
    string a few dozen characters long."""
    if times < 3:
        return True  # a chunk repeated twice says nothing about its words: look closely
    low = squashed.lower()
    tokens = low.split()
    if not tokens:
        return False
    # No chunk longer than a `times`-th of the longest word (or of the word count, for the
    # second pattern) can repeat `times` times in it: bounding the lengths the regex tries
    # makes each pass several times cheaper, with the same answer.
    longest = max(map(len, tokens))
    if longest >= times and _word_piece_run(min(max_chars, longest // times), times).search(low):
        return True
    ids: dict[str, str] = {}
    words = "".join([ids.setdefault(w, chr(0x100 + len(ids))) for w in tokens])
    most = min(max(1, max_chars // 2), len(words) // (times - 1))
    return most >= 1 and _word_gram_run(most, times - 1).search(words) is not None


def _has_letter(chunk: str) -> bool:
    return any(c.isalpha() for c in chunk)


def repeat_runs(squashed: str, *, max_chars: int, min_times: int = 2, min_chars: int = 1) -> list[Run]:
    """Runs of a chunk holding a letter repeated at least `min_times` times in a row."""
    if min_times < 2:
        raise ValueError("a run repeats its chunk at least twice")
    if not _may_repeat(squashed, min_times, max_chars):
        return []  # the common case
    runs = []
    for length in range(min_chars, min(max_chars, len(squashed) // min_times) + 1):
        pattern = _run_pattern(length, min_times)
        pos = 0
        while (m := pattern.search(squashed, pos)) is not None:
            chunk = m.group(1)
            if _has_letter(chunk):
                runs.append((m.start(), m.end(), chunk, (m.end() - m.start()) // length))
            # Not from m.end(): a run of another chunk may start in the last copy ("a.a"
            # then "ab" x 7 in ".a.ababab..."); one starting earlier could not repeat.
            pos = m.end() - length + 1
    return runs


def max_repeats(text: str, max_chars: int = 40, min_chars: int = 1) -> int:
    """How many times the most repeated chunk (holding a letter) occurs in a row; 1 if none."""
    return max((r[3] for r in repeat_runs(squash(text), max_chars=max_chars, min_chars=min_chars)), default=1)


def _loops(output: str, source: str, min_repeats: int, max_chars: int, min_chars: int) -> tuple[str, list[Run]]:
    text = squash(output)
    if not _may_repeat(text, min_repeats, max_chars):
        return text, []  # nothing repeats even min_repeats times: no need to look at the source
    # A chant in the source may stay one: only repeating more than the source does is a loop.
    allowed = max(min_repeats - 1, max_repeats(source, max_chars, min_chars) + 1) if source else min_repeats - 1
    return text, repeat_runs(text, max_chars=max_chars, min_times=allowed + 1, min_chars=min_chars)


def find_loop(output: str, source: str = "", *, min_repeats: int, max_chars: int = 40, min_chars: int = 1) -> tuple[str, int] | None:
    """(chunk, times) of the worst run when the output repeats something at least
    `min_repeats` times in a row and more than the source repeats anything; else None."""
    _, runs = _loops(output, source, min_repeats, max_chars, min_chars)
    if not runs:
        return None
    worst = max(runs, key=lambda r: (r[3], -r[0]))
    return worst[2].strip(), worst[3]


def collapse_loops(output: str, source: str = "", *, min_repeats: int, max_chars: int = 40, min_chars: int = 1) -> str:
    """Cut every looping run of the output down to one occurrence of its chunk; an output
    without a loop comes back unchanged."""
    text, runs = _loops(output, source, min_repeats, max_chars, min_chars)
    if not runs:
        return output
    chosen: list[Run] = []
    for run in sorted(runs, key=lambda r: (-r[3], r[0])):
        if all(run[1] <= c[0] or run[0] >= c[1] for c in chosen):
            chosen.append(run)
    for start, end, chunk, _ in sorted(chosen, reverse=True):
        text = text[:start] + chunk + text[end:]
    return " ".join(text.split())
