"""Readers: a path -> Articles with raw text (and structure hints where the format has them).

Decoding is strict: BOMs are honoured, UTF-8 is tried first, legacy Cyrillic code pages
are detected among a closed list, and bytes that fit none of them are an `InputError`,
never mojibake passed on.
"""

from __future__ import annotations

import shlex
from pathlib import Path

from ..config import ReadConfig
from ..data import Article, Source
from ..errors import InputError
from ..text.ids import article_id
from .decode import decode_bytes
from .html import decode_html, html_blocks
from .markdown import markdown_blocks
from .records import RECORD_SUFFIXES

TEXT_SUFFIXES = {".txt": "txt", ".text": "txt", ".md": "md", ".markdown": "md"}
HTML_SUFFIXES = {".html": "html", ".htm": "html", ".xhtml": "html"}
_ARCHIVE_NAMES = {"jsonl": "JSONL", "json": "JSON", "csv": "CSV", "parquet": "Parquet"}


def read_text_file(path: Path, config: ReadConfig) -> list[Article]:
    """A .txt, .md or .html file: one article."""
    path = Path(path)
    if not path.exists():
        raise InputError(path, "no such file", kind="missing")
    if path.is_dir():
        raise InputError(path, "is a directory, not a file", kind="missing")
    try:
        size = path.stat().st_size
        if size > config.max_bytes:
            raise InputError(path, f"is {size:,} bytes, over read.max_bytes={config.max_bytes:,}", kind="too_large")
        # Bounded even where the size says nothing: /dev/stdin is fine, /dev/zero never ends.
        with path.open("rb") as fh:
            data = fh.read(config.max_bytes + 1)
        if len(data) > config.max_bytes:
            raise InputError(path, f"holds over read.max_bytes={config.max_bytes:,} bytes", kind="too_large")
    except OSError as exc:  # no read permission, an I/O error, a file gone since
        raise InputError(path, f"cannot be read ({exc.strerror or exc})", kind="unreadable") from None
    suffix = path.suffix.lower()
    fmt = HTML_SUFFIXES.get(suffix) or TEXT_SUFFIXES.get(suffix, "txt")
    legacy = list(config.legacy_encodings)
    if fmt == "html":
        text, encoding = decode_html(data, path, legacy)
    else:
        text, encoding = decode_bytes(data, path, legacy)
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    article = Article(
        id=article_id(text),
        source=Source(path=str(path), format=fmt, encoding=encoding),
        raw=text,
    )
    page_meta: dict = {}
    if fmt == "md":
        article.blocks, page_meta, warnings = markdown_blocks(text, path)
        for warning in warnings:
            article.warn(warning)
    elif fmt == "html":
        article.blocks, page_meta = html_blocks(text, path, config)
    if fmt in ("md", "html"):
        article.raw = None  # the blocks are the article; the markup is not text to split
    url = page_meta.pop("url", None)
    if url:
        article.source.url = url
    lang = page_meta.pop("lang", None)
    if lang:
        article.source.declared_lang = lang
    article.metadata.update(page_meta)
    return [article]


def read_path(path: str | Path, config: ReadConfig) -> list[Article]:
    """One article file -> [Article], dispatched on the suffix. Archives (record files,
    directories) are `newsbridge batch`'s: refused here with that command."""
    path = Path(path)
    suffix = path.suffix.lower()
    if path.is_dir() or (suffix in RECORD_SUFFIXES and path.exists()):
        what = "a directory" if path.is_dir() else f"a {_ARCHIVE_NAMES[RECORD_SUFFIXES[suffix]]} archive of records"
        raise InputError(
            path,
            f"is {what}, not one article file ({', '.join(sorted({**TEXT_SUFFIXES, **HTML_SUFFIXES}))}); "
            f"for many articles use `newsbridge batch {shlex.quote(str(path))} --out DIR`",
            kind="archive",
        )
    if suffix in TEXT_SUFFIXES or suffix in HTML_SUFFIXES or suffix == "":
        return read_text_file(path, config)
    if not path.exists():
        raise InputError(path, "no such file", kind="missing")
    raise InputError(path, f"unsupported file type '{suffix}' (supported: {', '.join(sorted({**TEXT_SUFFIXES, **HTML_SUFFIXES}))})", kind="unsupported")
