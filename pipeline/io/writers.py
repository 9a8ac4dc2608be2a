"""Writers for one article: the JSON record and a side-by-side bilingual Markdown view.

Files are written atomically (temp file + rename): a reader never sees half a file.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path
from typing import Any

from ..data import Article

LANG_NAMES = {"en": "English", "uk": "Українська", "ru": "Русский"}


def write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def record_json(record: dict[str, Any], *, indent: int | None = 2) -> str:
    return json.dumps(record, ensure_ascii=False, indent=indent)


# An "&" that a Markdown renderer would read as an entity ("&lt;", "&#60;", "&amp;").
_ENTITY_LIKE = re.compile(r"&(?=#[0-9]{1,7};|#[xX][0-9a-fA-F]{1,6};|[A-Za-z][A-Za-z0-9]{0,31};)")


def _text(text: str | None) -> str:
    """Article text made to show as itself in Markdown: raw HTML (<script>, <img onerror>)
    and entities are escaped, a backslash stays a backslash, and it stays on one line (a
    model's stray newline cannot start a heading or end a list item)."""
    if not text:
        return ""
    text = text.replace("\\", "\\\\")
    text = _ENTITY_LIKE.sub("&amp;", text).replace("<", "&lt;")
    return " ".join(text.split())


def _cell(text: str | None) -> str:
    """Text safe inside a Markdown table cell: escaped as _text, and "|" cannot end the cell."""
    return _text(text).replace("|", "\\|")


def _code(text: str) -> str:
    """A code span holding `text` literally, whatever backticks it contains."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def article_markdown(article: Article, left: str = "en", right: str = "uk") -> str:
    """Side-by-side view: summaries first, then each section's aligned segment pairs."""
    if article.source.lang == right:
        left, right = right, left  # the original language on the left
    lines: list[str] = []
    title = article.title
    if title is not None:
        lines.append(f"# {_text(title.in_lang(left) or title.text)}")
        other = title.in_lang(right)
        if other:
            lines.append(f"*{_text(other)}*")
        lines.append("")
    lines.append(f"Source: {_code(article.source.path or article.id)} · language: {_text(article.source.lang)}")
    lines.append("")
    if article.summary:
        lines.append("## Summary / Підсумок")
        lines.append("")
        for lang in (left, right):
            if article.summary.get(lang):
                lines.append(f"**{LANG_NAMES.get(lang, lang)}:** {_text(article.summary[lang])}")
                lines.append("")
    for n, section in enumerate(article.sections, 1):
        if section.heading is not None:
            a, b = section.heading.in_lang(left), section.heading.in_lang(right)
            lines.append(f"## {_text(a or section.heading.text)}" + (f" / {_text(b)}" if b else ""))
        else:
            lines.append(f"## ({n}) Lead" if n == 1 else f"## ({n})")
        lines.append("")
        for lang in (left, right):
            if section.summary.get(lang):
                lines.append(f"> **{LANG_NAMES.get(lang, lang)}:** {_text(section.summary[lang])}")
                lines.append(">")
        if section.summary:
            lines.pop()
            lines.append("")
        lines.append(f"| {LANG_NAMES.get(left, left)} | {LANG_NAMES.get(right, right)} |")
        lines.append("| --- | --- |")
        for seg in section.segments():
            lines.append(f"| {_cell(seg.in_lang(left))} | {_cell(seg.in_lang(right))} |")
        lines.append("")
    if article.tags:
        tags = ", ".join(
            f"{_text(t.text)} ({_text(t.lang)})" + (f" → {_text(t.segments[0].translations.get(left) or t.segments[0].translations.get(right))}" if t.segments and t.segments[0].translations else "")
            for t in article.tags
        )
        lines.append(f"**Tags:** {tags}")
        lines.append("")
    meta = article.metadata
    for key, label in (("caption", "Caption"), ("credit", "Credit"), ("byline", "Byline")):
        if meta.get(key):
            lines.append(f"**{label}:** " + " · ".join(_text(v) for v in str(meta[key]).split("\n")))
            lines.append("")
    if article.warnings:
        lines.append("<details><summary>Warnings</summary>")
        lines.append("")
        lines.extend(f"- {_text(w)}" for w in article.warnings)
        lines.append("")
        lines.append("</details>")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def write_article(article: Article, out_dir: Path, stem: str, formats: list[str], *, config: dict[str, Any] | None = None) -> list[Path]:
    """Write `<stem>.json` and/or `<stem>.md` into out_dir; returns the paths written."""
    written = []
    if "json" in formats:
        record = article.to_record()
        if config is not None:
            record["signature"] = {**record["signature"], "config": config}
        path = out_dir / f"{stem}.json"
        write_atomic(path, record_json(record) + "\n")
        written.append(path)
    if "md" in formats:
        path = out_dir / f"{stem}.md"
        write_atomic(path, article_markdown(article))
        written.append(path)
    return written
