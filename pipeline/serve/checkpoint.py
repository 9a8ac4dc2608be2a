"""An Article as a stage left it, to JSON and back, losslessly: the service stores it
after every completed stage, so a killed server goes on from the last one, not from the
start. (The record, `to_record`, is the finished article's public shape and drops what
later stages still need: spans, block kinds, raw text, errors.)
"""

from __future__ import annotations

import dataclasses
from typing import Any

from ..data import Article, ArticleError, Block, Section, Segment, Source, Span

# Fields holding other dataclasses (or lists of them); everything else is plain JSON.
_NESTED: dict[type, dict[str, tuple[type, bool]]] = {
    Segment: {"spans": (Span, True)},
    Block: {"segments": (Segment, True)},
    Section: {"heading": (Block, False), "paragraphs": (Block, True)},
    Article: {"source": (Source, False), "blocks": (Block, True), "title": (Block, False),
              "sections": (Section, True), "tags": (Block, True), "error": (ArticleError, False)},
}


class CheckpointError(ValueError):
    """A stored state that does not fit the Article type (written by another version)."""


def article_state(article: Article) -> dict[str, Any]:
    return dataclasses.asdict(article)


def article_from_state(state: dict[str, Any]) -> Article:
    try:
        return _build(Article, state)
    except (TypeError, KeyError, AttributeError) as exc:
        raise CheckpointError(f"checkpoint does not fit the Article type ({exc})") from None


def _build(cls: type, data: dict[str, Any]) -> Any:
    nested = _NESTED.get(cls, {})
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = set(data) - names
    if unknown:
        raise TypeError(f"{cls.__name__} has no field(s) {', '.join(sorted(unknown))}")
    values = {}
    for name, value in data.items():
        if name in nested and value is not None:
            inner, many = nested[name]
            value = [_build(inner, v) for v in value] if many else _build(inner, value)
        values[name] = value
    return cls(**values)
