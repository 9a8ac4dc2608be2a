"""Readers: a path -> Articles with raw text (and structure hints where the format has them).

Decoding is strict: BOMs are honoured, UTF-8 is tried first, legacy Cyrillic code pages
are detected among a closed list, and bytes that fit none of them are an `InputError`,
never mojibake passed on.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from ..config import ReadConfig
from ..data import Article, Block, Source
from ..errors import InputError

TEXT_SUFFIXES = {".txt": "txt", ".text": "txt", ".md": "md", ".markdown": "md"}
# Code pages news archives in Ukrainian and Russian really have.
LEGACY_ENCODINGS = ["cp1251", "koi8_u", "koi8_r"]
_BOMS = [
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
]


def article_id(path: Path, content: bytes) -> str:
    """Stable id: file stem + content hash (same file, same id; edited file, new id)."""
    digest = hashlib.sha1(content).hexdigest()[:10]
    stem = re.sub(r"[^\w.-]+", "-", path.stem, flags=re.UNICODE).strip("-") or "article"
    return f"{stem}-{digest}"


def decode_bytes(data: bytes, path: Path) -> tuple[str, str]:
    """Bytes -> (text, encoding), or InputError naming the file and the problem."""
    if not data.strip():
        raise InputError(path, "file is empty", kind="empty")
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding), encoding
            except UnicodeDecodeError as exc:
                raise InputError(path, f"starts with a {encoding} byte-order mark but is not valid {encoding} ({exc.reason} at byte {exc.start})", kind="encoding") from None
    if _looks_binary(data):
        raise InputError(path, "looks like a binary file, not text (NUL or control bytes)", kind="binary")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data, cp_isolation=LEGACY_ENCODINGS).best()
    if best is None:
        raise InputError(
            path,
            "is not valid UTF-8 and does not decode as " + ", ".join(LEGACY_ENCODINGS),
            kind="encoding",
        )
    return str(best), best.encoding


def _looks_binary(data: bytes) -> bool:
    sample = data[:8192]
    if b"\x00" in sample:
        return True
    control = sum(1 for b in sample if b < 32 and b not in (9, 10, 12, 13, 27))
    return control > len(sample) * 0.05


def read_text_file(path: Path, config: ReadConfig) -> list[Article]:
    """A .txt or .md file: one article."""
    path = Path(path)
    if not path.exists():
        raise InputError(path, "no such file", kind="missing")
    if path.is_dir():
        raise InputError(path, "is a directory, not a file", kind="missing")
    size = path.stat().st_size
    if size > config.max_bytes:
        raise InputError(path, f"is {size:,} bytes, over read.max_bytes={config.max_bytes:,}", kind="too_large")
    data = path.read_bytes()
    text, encoding = decode_bytes(data, path)
    fmt = TEXT_SUFFIXES.get(path.suffix.lower(), "txt")
    article = Article(
        id=article_id(path, data),
        source=Source(path=str(path), format=fmt, encoding=encoding),
        raw=text.replace("\r\n", "\n").replace("\r", "\n"),
    )
    if fmt == "md":
        article.blocks = markdown_blocks(article.raw or "")
    return [article]


_MD_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")


def markdown_blocks(text: str) -> list[Block]:
    """Markdown -> blocks with kind hints: '#' lines are headings (the first '# ' the title)."""
    blocks: list[Block] = []
    para: list[str] = []
    seen_title = False

    def flush() -> None:
        if para:
            blocks.append(Block(kind="paragraph", text=" ".join(s.strip() for s in para)))
            para.clear()

    for line in text.split("\n"):
        match = _MD_HEADING.match(line)
        if match:
            flush()
            level, title = len(match.group(1)), match.group(2)
            kind = "title" if level == 1 and not seen_title else "heading"
            seen_title = seen_title or kind == "title"
            blocks.append(Block(kind=kind, text=_strip_inline_md(title)))
        elif not line.strip():
            flush()
        else:
            para.append(_strip_inline_md(line))
    flush()
    return blocks


def _strip_inline_md(text: str) -> str:
    text = re.sub(r"!\[([^\]]*)\]\([^)]*\)", r"\1", text)  # images -> alt text
    text = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", text)  # links -> link text
    text = re.sub(r"(\*\*|__|\*|_|`)(.+?)\1", r"\2", text)
    return text.strip()


def read_path(path: str | Path, config: ReadConfig) -> list[Article]:
    """Dispatch on the file suffix."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in TEXT_SUFFIXES or suffix == "":
        return read_text_file(path, config)
    if not path.exists():
        raise InputError(path, "no such file", kind="missing")
    raise InputError(path, f"unsupported file type '{suffix}' (supported: {', '.join(sorted(TEXT_SUFFIXES))})", kind="unsupported")
