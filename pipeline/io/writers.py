"""Writers for one article: the JSON record and a side-by-side bilingual Markdown view.

Files are written atomically (temp file + rename): a reader never sees half a file.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

from ..data import Article, Section
from ..errors import OutputDirError
from .atomic import atomic_output

LANG_NAMES = {"en": "English", "uk": "Українська", "ru": "Русский"}


def write_atomic(path: Path, text: str) -> None:
    with atomic_output(path, "w") as fh:
        fh.write(text)


def check_out_dir_usable(out: Path, option: str = "--out") -> None:
    """Refuse an output directory that cannot become one we write in, before any work is
    done: a file in its place or on its way there, a dangling link, no write permission.
    `option` is how the user named it (--out; empty for a positional DIR)."""
    out = Path(out)
    named = f"{option} {out}" if option else str(out)
    if out.exists() and not out.is_dir():
        raise OutputDirError(f"{named} is a file, not a directory")
    # The nearest part of the path that is there decides whether the rest can be made.
    there = out
    while not there.exists():
        if os.path.lexists(there):
            raise OutputDirError(f"{named}: {there} is a broken symbolic link")
        if there.parent == there:
            break
        there = there.parent
    if not there.is_dir():
        raise OutputDirError(f"{named}: {there} is a file, so no directory can be made there")
    if not os.access(there, os.W_OK | os.X_OK):
        raise OutputDirError(f"{named}: {there} is not writable")


def make_out_dir(out: Path, option: str = "--out") -> None:
    """`check_out_dir_usable`, then create it: what the checks cannot foresee (a read-only
    file system, a virtual one like /proc) is found here, still before any work."""
    check_out_dir_usable(out, option)
    try:
        Path(out).mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        named = f"{option} {out}" if option else str(out)
        raise OutputDirError(f"{named}: cannot create it ({exc.strerror or exc})") from None


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
    lines = _md_head(article, left, right)
    for n, section in enumerate(article.sections, 1):
        lines += _md_section(section, n, left, right)
    lines += _md_tail(article, left, right)
    return "\n".join(lines).rstrip() + "\n"


def _md_head(article: Article, left: str, right: str) -> list[str]:
    """Title in both languages, the source, and the article summary."""
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
    return lines


def _md_section(section: Section, n: int, left: str, right: str) -> list[str]:
    """Heading, summary as a quote, then the aligned segment pairs as a table."""
    lines: list[str] = []
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
    return lines


def _md_tail(article: Article, left: str, right: str) -> list[str]:
    """Tags, caption/credit/byline, and the warnings folded away."""
    lines: list[str] = []
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
    return lines


def write_article(article: Article, out_dir: Path, stem: str, formats: list[str], *, config: dict[str, Any] | None = None) -> list[Path]:
    """Write `<stem>.json` and/or `<stem>.md` into out_dir; returns the paths written."""
    written = []
    if "json" in formats:
        record = article.to_record()
        if config is not None:
            record["signature"] = {**record["signature"], "config": config}
        path = out_dir / f"{stem}.json"
        _write(path, record_json(record) + "\n")
        written.append(path)
    if "md" in formats:
        path = out_dir / f"{stem}.md"
        _write(path, article_markdown(article))
        written.append(path)
    return written


def _write(path: Path, text: str) -> None:
    try:
        write_atomic(path, text)
    except OSError as exc:  # checked up front; this is what changed since, or a full disk
        raise OutputDirError(f"cannot write {path}: {exc.strerror or exc}") from None
