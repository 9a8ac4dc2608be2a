"""File names for article pages, derived from article ids that nobody sanitised.

An id may be anything a record says ("../../etc/passwd", "a/b", 5,000 characters, Cyrillic).
The name keeps a short readable ASCII stem for people and adds a hash of the whole id so
that ids which clean up to the same stem still get different files; the stem can hold only
[A-Za-z0-9_-], so no name can climb out of its directory or hide as a dot-file.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from pathlib import Path

# Readable part of the name; the hash carries the uniqueness, so it can stay short and the
# whole name is far below file-system limits (255 bytes).
STEM_CHARS = 60
HASH_CHARS = 12
_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")


def page_name(article_id: str) -> str:
    """`<ascii-stem>-<sha256 prefix>.html`, safe as one path component on any file system."""
    folded = unicodedata.normalize("NFKD", article_id).encode("ascii", "ignore").decode("ascii")
    stem = _UNSAFE.sub("-", folded).strip("-_")[:STEM_CHARS].rstrip("-_") or "article"
    digest = hashlib.sha256(article_id.encode("utf-8", "surrogatepass")).hexdigest()[:HASH_CHARS]
    return f"{stem}-{digest}.html"


def page_path(pages_dir: Path, name: str) -> Path:
    """`pages_dir / name`, refusing any name that would land outside `pages_dir`."""
    path = pages_dir / name
    if path.parent != pages_dir or path.name != name or name in ("", ".", ".."):
        raise ValueError(f"unsafe page name {name!r}")
    return path


class PageNames:
    """Hands out one distinct page name per article, also when ids repeat."""

    def __init__(self) -> None:
        self._used: set[str] = set()

    def claim(self, article_id: str) -> tuple[str, bool]:
        """(name, repeated): repeated is True when this id already had a page."""
        name = page_name(article_id)
        if name not in self._used:
            self._used.add(name)
            return name, False
        stem = name[: -len(".html")]
        n = 2
        while f"{stem}-{n}.html" in self._used:
            n += 1
        name = f"{stem}-{n}.html"
        self._used.add(name)
        return name, True

    def __contains__(self, name: str) -> bool:
        return name in self._used
