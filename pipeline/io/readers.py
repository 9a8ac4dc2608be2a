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
from ..text.ids import article_id as content_id
from .decode import decode_bytes
from .files import read_bounded
from .html import decode_html, html_blocks
from .markdown import markdown_blocks
from .records import RECORD_SUFFIXES, check_article_length

TEXT_SUFFIXES = {".txt": "txt", ".text": "txt", ".md": "md", ".markdown": "md"}
HTML_SUFFIXES = {".html": "html", ".htm": "html", ".xhtml": "html"}
_ARCHIVE_NAMES = {"jsonl": "JSONL", "json": "JSON", "csv": "CSV", "parquet": "Parquet"}


def read_text_file(path: Path, config: ReadConfig) -> list[Article]:
    """A .txt, .md or .html file: one article."""
    path = Path(path)
    # Only a regular file, opened without blocking (a FIFO would hang), read up to the limit.
    data = read_bounded(path, config.max_bytes)
    suffix = path.suffix.lower()
    fmt = HTML_SUFFIXES.get(suffix) or TEXT_SUFFIXES.get(suffix, "txt")
    return [article_from_bytes(data, fmt=fmt, name=path, config=config)]


def article_from_bytes(data: bytes, *, fmt: str, name: str | Path, config: ReadConfig,
                       article_id: str | None = None, source_path: str | None = None) -> Article:
    """The bytes of one .txt/.md/.html article -> an Article. `name` is what messages call
    the input (a path, or an upload's label: nothing here touches the file system);
    `article_id` defaults to the content id, `source_path` (into the record) to `name`."""
    legacy = list(config.legacy_encodings)
    if fmt == "html":
        text, encoding = decode_html(data, name, legacy)
    else:
        text, encoding = decode_bytes(data, name, legacy)
    return article_from_text(text, fmt=fmt, name=name, config=config, article_id=article_id,
                             encoding=encoding, source_path=source_path)


def article_from_text(text: str, *, fmt: str, name: str | Path, config: ReadConfig, article_id: str | None = None,
                      encoding: str | None = None, source_path: str | None = None) -> Article:
    """Decoded text of one article in `fmt` (txt, md, html) -> an Article."""
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    article = Article(
        id=article_id or content_id(text),
        source=Source(path=str(name) if source_path is None else source_path, format=fmt, encoding=encoding),
        raw=text,
    )
    page_meta: dict = {}
    if fmt == "md":
        article.blocks, page_meta, warnings = markdown_blocks(text, name)
        for warning in warnings:
            article.warn(warning)
    elif fmt == "html":
        article.blocks, page_meta = html_blocks(text, name, config)
    if fmt in ("md", "html"):
        article.raw = None  # the blocks are the article; the markup is not text to split
    url = page_meta.pop("url", None)
    if url:
        article.source.url = url
    lang = page_meta.pop("lang", None)
    if lang:
        article.source.declared_lang = lang
    article.metadata.update(page_meta)
    check_article_length(article, str(name), config)
    return article


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
