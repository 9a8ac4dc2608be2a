"""Article ids and the readable slugs inside them, one rule for every reader.

An article that does not bring an id of its own (a record's `id` field) is named by its
content: `<first words>-<12 hex digits of the SHA-1 of its text>`, the text taken as read
(decoded, line ends as \\n, NFC, outer whitespace trimmed), a record's title joined to its
text by a blank line. So the same article read as a .txt file (title line, blank line,
body) and as a JSONL/CSV/Parquet record ({"title", "text"}) gets the same id, wherever
the file lives and whatever it is called, and a batch sees the second one as a
duplicate. An edited article gets a new id. HTML and Markdown files are hashed as read,
markup included: their ids match only files with the same markup.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

_UNSAFE = re.compile(r"[^\w.-]+", re.UNICODE)
_SLUG_WORDS = 6
_SLUG_CHARS = 48
HASH_CHARS = 12


def slug(name: str, fallback: str) -> str:
    """`name` with every run of characters other than letters, digits, `_`, `.` and `-`
    as one `-`, trimmed; `fallback` when nothing is left."""
    return _UNSAFE.sub("-", name).strip("-") or fallback


def article_text(text: str, title: str | None = None) -> str:
    """What an article's id is computed from (see the module doc)."""
    joined = f"{title}\n\n{text}" if title else text
    return unicodedata.normalize("NFC", joined.replace("\r\n", "\n").replace("\r", "\n")).strip()


def article_id(text: str, title: str | None = None) -> str:
    """The content id of an article: same text, same id, whichever file or format held it."""
    content = article_text(text, title)
    digest = hashlib.sha1(content.encode("utf-8", "surrogatepass")).hexdigest()[:HASH_CHARS]
    first_line = next((line for line in content.split("\n") if line.strip()), "")
    words = " ".join(first_line.split()[:_SLUG_WORDS]).casefold()
    readable = slug(words, "article")[:_SLUG_CHARS].rstrip("-.")
    return f"{readable or 'article'}-{digest}"
