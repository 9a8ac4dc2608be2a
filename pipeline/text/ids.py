"""Ids and the readable slugs inside them, one rule for every reader."""

from __future__ import annotations

import re

_UNSAFE = re.compile(r"[^\w.-]+", re.UNICODE)


def slug(name: str, fallback: str) -> str:
    """`name` with every run of characters other than letters, digits, `_`, `.` and `-`
    as one `-`, trimmed; `fallback` when nothing is left."""
    return _UNSAFE.sub("-", name).strip("-") or fallback
