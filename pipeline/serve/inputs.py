"""What a client sends -> a checked job input, and a job input -> an Article.

Two ways in: pasted text (`{"text", "title"?, "lang"?, "format"?}`) and an uploaded
file (.txt, .md, .html). Both are checked when they arrive (so a bad request is a 4xx
at once, not a failed job later), stored in the job database as they came, and read into
an Article by the worker with the same readers `newsbridge run` uses. An upload's name is
only ever shown and used for its suffix: nothing is written to disk under it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ..config import ReadConfig
from ..data import Article, Block
from ..errors import InputError
from ..io.readers import HTML_SUFFIXES, TEXT_SUFFIXES, article_from_bytes, article_from_text

FORMATS = ("txt", "md", "html")
UPLOAD_SUFFIXES = {**TEXT_SUFFIXES, **HTML_SUFFIXES}
_LANG = re.compile(r"[a-z]{2,3}")
FILENAME_CHARS = 200  # of an upload's name kept for display


class BadSubmission(ValueError):
    """A request that cannot become a job; the message names the field and the problem."""

    def __init__(self, message: str, status: int = 422):
        super().__init__(message)
        self.status = status


@dataclass
class Submission:
    input: dict[str, Any]  # format, title, lang, filename, text (pasted only)
    data: bytes | None  # an upload's bytes, as they came

    def titles(self) -> dict[str, str]:
        """The title known before processing (the client's), for the history list."""
        title = self.input.get("title")
        return {"given": title} if title else {}


def pasted(text: Any, *, title: Any = None, lang: Any = None, fmt: Any = None, max_chars: int) -> Submission:
    if not isinstance(text, str):
        raise BadSubmission("'text' must be a string" if text is not None else "'text' is missing (or send a multipart 'file')")
    if not text.strip():
        raise BadSubmission("'text' is empty")
    if len(text) > max_chars:
        raise BadSubmission(f"'text' has {len(text):,} characters, over the limit of {max_chars:,} (serve.max_chars)", 413)
    fmt = _format(fmt)
    return Submission({"format": fmt, "title": _title(title), "lang": _lang(lang), "text": text}, None)


def uploaded(data: bytes, filename: Any, *, title: Any = None, lang: Any = None, fmt: Any = None, max_chars: int) -> Submission:
    name = _display_name(filename)
    if fmt in (None, ""):
        suffix = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
        if suffix not in UPLOAD_SUFFIXES:
            allowed = ", ".join(sorted(UPLOAD_SUFFIXES))
            raise BadSubmission(f"file {name!r}: unsupported type {suffix or '(no suffix)'!r} (upload one of {allowed}, or give 'format')", 415)
        fmt = UPLOAD_SUFFIXES[suffix]
    fmt = _format(fmt)
    if not data:
        raise BadSubmission(f"file {name!r} is empty")
    # Bytes bound characters from above (UTF-8 >= 1 byte a character; UTF-16 is 2+).
    if len(data) > 4 * max_chars:
        raise BadSubmission(f"file {name!r} has {len(data):,} bytes, over the limit for {max_chars:,} characters (serve.max_chars)", 413)
    return Submission({"format": fmt, "title": _title(title), "lang": _lang(lang), "filename": name}, data)


def to_article(job_id: str, job_input: dict[str, Any], data: bytes | None, read: ReadConfig, max_chars: int) -> Article:
    """Read a stored job input the way `newsbridge run` reads a file. Raises InputError."""
    fmt = job_input.get("format", "txt")
    filename = job_input.get("filename")
    label = f"upload {filename!r}" if filename else "pasted text"
    if data is not None:
        article = article_from_bytes(data, fmt=fmt, name=label, article_id=job_id, config=read, source_path=filename)
        chars = sum(len(b.text) for b in article.blocks) if article.raw is None else len(article.raw)
        if chars > max_chars:
            raise InputError(label, f"holds {chars:,} characters, over the limit of {max_chars:,} (serve.max_chars)", kind="too_large")
    else:
        article = article_from_text(job_input["text"], fmt=fmt, name=label, article_id=job_id, config=read)
        article.source.path = None  # pasted: there is no file to name
    title = job_input.get("title")
    if title:
        _set_title(article, title)
    if job_input.get("lang"):
        article.source.declared_lang = job_input["lang"]
    return article


def _set_title(article: Article, title: str) -> None:
    """The client's title wins over one found in the text."""
    if article.raw is not None and not article.blocks:
        # Plain text: clean would take the first line as the title; give it the blocks
        # instead, as `batch` does for a record with a title field.
        from ..text.blocks import split_blocks

        article.blocks = [Block(kind="paragraph", text=t) for t in split_blocks(article.raw)]
    article.blocks = [Block(kind="title", text=title)] + [b for b in article.blocks if b.kind != "title"]


def _format(fmt: Any) -> str:
    if fmt in (None, ""):
        return "txt"
    if fmt not in FORMATS:
        raise BadSubmission(f"'format' must be one of {', '.join(FORMATS)}, got {str(fmt)[:40]!r}")
    return fmt


def _title(title: Any) -> str | None:
    if title in (None, ""):
        return None
    if not isinstance(title, str):
        raise BadSubmission("'title' must be a string")
    title = " ".join(title.split())
    if len(title) > 1000:
        raise BadSubmission(f"'title' has {len(title):,} characters, over 1,000")
    return title or None


def _lang(lang: Any) -> str | None:
    if lang in (None, "", "auto"):
        return None
    if not isinstance(lang, str) or not _LANG.fullmatch(lang.strip().lower()):
        raise BadSubmission(f"'lang' must be an ISO 639 code such as uk, en, ru, got {str(lang)[:40]!r}")
    return lang.strip().lower()


def _display_name(filename: Any) -> str:
    """The last path component of what the client called the file, for display only."""
    name = str(filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if c.isprintable()).strip()
    return name[:FILENAME_CHARS] or "upload"
