"""Aligned en/uk pairs from a record (DESIGN.md schema): what pairs.tsv and pairs.tmx hold.

Every segment of every section gives one pair, and so do the title, section headings and
tags (kinds "title", "heading", "body", "tag"). A pair needs both an `en` and a `uk` side;
the source text is kept too when it is in a third language (ru). Text is made safe for
line- and XML-based tools: control characters removed, whitespace runs (tabs, newlines)
collapsed, since tiny or misbehaving models can emit odd bytes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterator

from ..data import TARGET_LANGS
from ..text.cleanup import has_control_chars, one_line, strip_control_chars

PAIR_LANGS = TARGET_LANGS


def clean_text(text: str | None) -> str:
    """Text fit for one TSV cell / one TMX <seg>: none of the characters XML 1.0 forbids
    or tools choke on (text.cleanup's one set), single spaces."""
    if not text:
        return ""
    if has_control_chars(text):
        text = strip_control_chars(text)[0]
    return one_line(text)


@dataclass
class Pair:
    id: str
    kind: str  # title | heading | body | tag
    section: int | None  # index into record["sections"]; None for title and tags
    index: int  # position among the article's pairs of this kind/section
    src: str  # language the text was written in
    texts: dict[str, str] = field(default_factory=dict)  # lang -> cleaned text (en, uk, maybe src)


def record_pairs(record: dict[str, Any], kinds: list[str] | tuple[str, ...] = ("title", "heading", "body", "tag")) -> Iterator[Pair]:
    rid = str(record.get("id", ""))
    if "title" in kinds and record.get("title"):
        pair = _pair(rid, "title", None, 0, record.get("title_src"), record["title"])
        if pair:
            yield pair
    for s, section in enumerate(record.get("sections") or []):
        if "heading" in kinds and section.get("heading"):
            pair = _pair(rid, "heading", s, 0, section.get("heading_src"), section["heading"])
            if pair:
                yield pair
        if "body" in kinds:
            for n, seg in enumerate(section.get("segments") or []):
                texts = {k: v for k, v in seg.items() if isinstance(v, str) and k != "src" and k not in ("script",)}
                pair = _pair(rid, "body", s, n, seg.get("src"), texts)
                if pair:
                    yield pair
    if "tag" in kinds:
        for n, tag in enumerate(record.get("tags") or []):
            texts = dict(tag.get("translations") or {})
            if tag.get("lang") and tag.get("text"):
                texts[tag["lang"]] = tag["text"]
            pair = _pair(rid, "tag", None, n, tag.get("lang"), texts)
            if pair:
                yield pair


def _pair(rid: str, kind: str, section: int | None, index: int, src: str | None, langs: dict[str, Any]) -> Pair | None:
    texts = {lang: clean_text(langs.get(lang)) for lang in PAIR_LANGS}
    if not all(texts.values()):
        return None
    if src and src not in PAIR_LANGS and isinstance(langs.get(src), str) and clean_text(langs[src]):
        texts[src] = clean_text(langs[src])
    return Pair(id=rid, kind=kind, section=section, index=index, src=src or "und", texts=texts)
