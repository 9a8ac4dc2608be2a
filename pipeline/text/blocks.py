"""Plain text into block texts (paragraphs, list items), undoing hard wrapping."""

from __future__ import annotations

import re


def split_blocks(raw: str) -> list[str]:
    """Plain text -> block texts: blank lines separate blocks; inside a chunk, lines are
    joined when they look hard-wrapped and kept apart when they look like separate items."""
    blocks: list[str] = []
    for chunk in re.split(r"\n\s*\n", raw):
        lines = [ln.strip() for ln in chunk.split("\n") if ln.strip()]
        if not lines:
            continue
        if len(lines) > 1 and _hard_wrapped(lines):
            blocks.append(" ".join(lines))
        else:
            blocks.extend(lines)
    return blocks


def _hard_wrapped(lines: list[str]) -> bool:
    # Wrapped prose: every line but the last is long and does not end a sentence... or
    # at least most lines do not end with sentence punctuation.
    body = lines[:-1]
    long_lines = sum(1 for ln in body if len(ln) >= 40)
    open_ends = sum(1 for ln in body if not re.search(r"[.!?:»”\"]$", ln))
    return long_lines == len(body) and open_ends >= len(body) / 2
