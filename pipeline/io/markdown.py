"""Markdown (.md) -> blocks with kind hints and page metadata.

Parsed as CommonMark by markdown-it-py (plus GFM tables and strikethrough), never by line
rules: ATX and setext headings are headings (the first H1 the title), emphasis and link
markup go (link text stays), images give caption blocks from their alt text and title,
list items, block quotes, table rows and code blocks are paragraphs, raw HTML tags never
reach the text (the visible text of an HTML block is kept, script/style contents are not).

YAML front matter (a `---` ... `---` block at the start of the file; TOML between `+++`
lines, as Hugo writes it) gives the title and the
metadata the HTML reader gives too: date, author, categories, description, url and tags,
plus the declared language; other keys are kept in `front_matter`, so nothing vanishes.

A short line of items separated by " | " or " · " ("*By Jane Doe* | [Share](...)") is a
bar of separate items, as links in a share bar are in HTML: each item becomes its own
block, so clean can keep the byline and drop the share link.
"""

from __future__ import annotations

import datetime as _dt
import re
from pathlib import Path
from typing import Any

from ..data import Block
from ..text.cleanup import match_key, one_line

_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)^(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.DOTALL | re.MULTILINE)
# Hugo's TOML front matter.
_TOML_FRONT_MATTER = re.compile(r"\A\+\+\+[ \t]*\n(.*?)^\+\+\+[ \t]*(?:\n|\Z)", re.DOTALL | re.MULTILINE)
# A line of short items joined by a bar: each item is a separate block. Longer items are
# prose that happens to contain a bar.
_BAR = re.compile(r"\s+[|·•]\s+")
_BAR_ITEM_MAX_CHARS = 80
# Inline HTML whose text is never shown.
_INVISIBLE_INLINE = {"script", "style", "noscript", "template", "iframe", "svg"}
_INLINE_TAG = re.compile(r"<\s*(/?)\s*([A-Za-z][A-Za-z0-9-]*)[^>]*?(/?)\s*>")

# Front-matter keys (lower case) -> what they are.
_FM_TITLE = ("title",)
_FM_DATE = ("date", "published", "pubdate", "date_published", "publishdate")
_FM_AUTHOR = ("author", "authors", "byline")
_FM_TAGS = ("tags", "keywords")
_FM_CATEGORIES = ("categories", "category")
_FM_URL = ("url", "canonical_url", "canonical", "link", "permalink")
_FM_LANG = ("lang", "language", "locale")
_FM_DESCRIPTION = ("description", "summary", "subtitle", "excerpt")


def split_front_matter(text: str) -> tuple[dict[str, Any] | None, str, str | None]:
    """(front matter, the Markdown after it, why a front-matter block was not read).

    `+++` TOML front matter is Hugo's only use of that line, so it is always read as such.

    A leading `---` block counts only when its YAML is a mapping: a document that starts
    with a thematic break and a paragraph is Markdown, not front matter."""
    import yaml

    toml = _TOML_FRONT_MATTER.match(text)
    if toml:
        try:
            import tomllib
        except ImportError:  # Python 3.10
            return None, text[toml.end() :], "TOML front matter needs Python 3.11 or later (tomllib); ignored"
        try:
            return tomllib.loads(toml.group(1)), text[toml.end() :], None
        except tomllib.TOMLDecodeError as exc:
            return None, text[toml.end() :], f"front matter is not valid TOML ({exc}); ignored"
    match = _FRONT_MATTER.match(text)
    if not match:
        return None, text, None
    try:
        data = yaml.safe_load(match.group(1))
    except yaml.YAMLError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return None, text[match.end() :], f"front matter is not valid YAML ({first}); ignored"
    if not isinstance(data, dict):
        return None, text, None
    return data, text[match.end() :], None


def markdown_blocks(text: str, path: str | Path | None = None) -> tuple[list[Block], dict[str, Any], list[str]]:
    """Markdown text -> (blocks with kind hints, metadata, warnings).

    Metadata keys as the HTML reader's (`author`, `date`, `categories`, `description`,
    `url`), plus `lang` (the declared language) and `front_matter` (the other keys)."""
    front, body, problem = split_front_matter(text)
    warnings = [f"{path}: {problem}" if path else problem] if problem else []
    meta, fm_title, fm_tags = _front_matter_meta(front or {})
    blocks = _MarkdownWalker().blocks(body)
    if fm_title:
        titles = [i for i, b in enumerate(blocks) if b.kind == "title"]
        if titles:
            # The front matter names the title; an H1 repeating it is not a second one.
            i = titles[0]
            if match_key(blocks[i].text) == match_key(fm_title):
                del blocks[i]
            else:
                blocks[i] = Block(kind="heading", text=blocks[i].text)
        blocks.insert(0, Block(kind="title", text=fm_title))
    blocks.extend(Block(kind="tag", text=tag, is_tag=True) for tag in fm_tags)
    return blocks, meta, warnings


class _MarkdownWalker:
    """markdown-it tokens -> blocks. One walker per document (it keeps the title state)."""

    def __init__(self) -> None:
        from markdown_it import MarkdownIt

        self.md = MarkdownIt("commonmark").enable(["table", "strikethrough"])
        self.out: list[Block] = []
        self.seen_title = False

    def blocks(self, text: str) -> list[Block]:
        tokens = self.md.parse(text)
        i = 0
        row: list[str] | None = None
        while i < len(tokens):
            tok = tokens[i]
            if tok.type == "heading_open":
                lines, captions = _inline_text(tokens[i + 1])
                self._captions(captions)
                title = " ".join(lines).strip()
                if title:
                    kind = "title" if tok.tag == "h1" and not self.seen_title else "heading"
                    self.seen_title = self.seen_title or kind == "title"
                    self.out.append(Block(kind=kind, text=title))
                i += 3
                continue
            if tok.type == "tr_open":
                row = []
            elif tok.type == "tr_close" and row is not None:
                # A table row reads as one line, cells joined by a bar (as the HTML reader does).
                text = " | ".join(c for c in row if c)
                if text:
                    self.out.append(Block(kind="paragraph", text=text))
                row = None
            elif tok.type == "inline":
                lines, captions = _inline_text(tok)
                self._captions(captions)
                if row is not None:
                    row.append(" ".join(lines).strip())
                else:
                    for line in lines:
                        self._paragraph(line)
            elif tok.type in ("fence", "code_block"):
                code = tok.content.strip("\n")
                if code.strip():
                    self.out.append(Block(kind="paragraph", text=code))
            elif tok.type == "html_block":
                self._html_block(tok.content)
            i += 1
        return self.out

    def _paragraph(self, line: str) -> None:
        line = line.strip()
        if not line:
            return
        parts = _BAR.split(line)
        if len(parts) > 1 and all(len(p) <= _BAR_ITEM_MAX_CHARS for p in parts):
            self.out.extend(Block(kind="paragraph", text=p) for p in parts if p.strip())
        else:
            self.out.append(Block(kind="paragraph", text=line))

    def _captions(self, captions: list[str]) -> None:
        self.out.extend(Block(kind="caption", text=c) for c in captions)

    def _html_block(self, html: str) -> None:
        """Raw HTML: its visible text (one block per line, as an HTML page's), never its
        tags; image alt text and <figcaption> are captions."""
        from lxml import etree
        from lxml import html as lxml_html

        from .html import visible_lines

        try:
            root = lxml_html.fragment_fromstring(html, create_parent="div")
        except (etree.ParserError, ValueError):
            return  # a comment or a lone closing tag: nothing visible
        for img in root.iter("img"):
            alt = one_line(img.get("alt") or "")
            if alt:
                self.out.append(Block(kind="caption", text=alt))
        for cap in list(root.iter("figcaption")):
            text = one_line(cap.text_content())
            if text:
                self.out.append(Block(kind="caption", text=text))
            cap.drop_tree()
        for line in visible_lines(root):
            self._paragraph(line)


def _inline_text(token) -> tuple[list[str], list[str]]:
    """An inline token -> (its text split at hard line breaks, image captions)."""
    lines: list[str] = [""]
    captions: list[str] = []
    hidden = 0  # depth inside inline <script>/<style>
    for child in token.children or []:
        kind = child.type
        if kind == "html_inline":
            match = _INLINE_TAG.match(child.content)
            if match:
                closing, name, self_closing = match.group(1), match.group(2).lower(), match.group(3)
                if name in _INVISIBLE_INLINE and not self_closing:
                    hidden = max(0, hidden - 1) if closing else hidden + 1
                elif name == "br" and not hidden:
                    lines.append("")
            continue
        if hidden:
            continue
        if kind in ("text", "code_inline"):
            lines[-1] += child.content
        elif kind == "softbreak":
            lines[-1] += " "
        elif kind == "hardbreak":
            lines.append("")
        elif kind == "image":
            alt = one_line("".join(c.content for c in child.children or [] if c.type in ("text", "code_inline")))
            title = one_line(child.attrGet("title") or "")
            for text in (alt, title):
                if text and text not in captions:
                    captions.append(text)
        # em/strong/s/link open and close: markup only, their text comes as text tokens.
    return [one_line(line) for line in lines if one_line(line)], captions


def _front_matter_meta(front: dict[str, Any]) -> tuple[dict[str, Any], str | None, list[str]]:
    """Front matter -> (metadata, title, tags)."""
    meta: dict[str, Any] = {}
    title: str | None = None
    tags: list[str] = []
    rest: dict[str, Any] = {}
    for raw_key, value in front.items():
        key = str(raw_key).strip().lower()
        if value is None or value == "" or value == []:
            continue
        if key in _FM_TITLE and title is None:
            title = one_line(_scalar(value))
        elif key in _FM_DATE and "date" not in meta:
            meta["date"] = _scalar(value)
        elif key in _FM_AUTHOR and "author" not in meta:
            meta["author"] = "; ".join(_items(value))
        elif key in _FM_TAGS:
            tags.extend(t for t in _items(value) if t not in tags)
        elif key in _FM_CATEGORIES and "categories" not in meta:
            meta["categories"] = _items(value)
        elif key in _FM_URL and "url" not in meta:
            meta["url"] = _scalar(value)
        elif key in _FM_LANG and "lang" not in meta:
            lang = _lang_code(_scalar(value))
            if lang:
                meta["lang"] = lang
            else:
                rest[str(raw_key)] = _plain(value)
        elif key in _FM_DESCRIPTION and "description" not in meta:
            meta["description"] = _scalar(value)
        else:
            rest[str(raw_key)] = _plain(value)
    if rest:
        meta["front_matter"] = rest
    return meta, title or None, tags


def _scalar(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return ", ".join(_scalar(v) for v in value)
    if isinstance(value, (_dt.date, _dt.datetime)):
        return value.isoformat()
    return one_line(str(value))


def _items(value: Any) -> list[str]:
    """A YAML list, or a comma/semicolon-separated string, as a list of strings."""
    values = value if isinstance(value, (list, tuple)) else re.split(r"\s*[,;]\s*", str(value))
    out: list[str] = []
    for v in values:
        v = _scalar(v) if not isinstance(v, dict) else _scalar(v.get("name", ""))
        if v and v not in out:
            out.append(v)
    return out


def _plain(value: Any) -> Any:
    """YAML values as JSON-safe data (dates as ISO strings)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (_dt.date, _dt.datetime)):
        return value.isoformat()
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def _lang_code(value: str) -> str | None:
    """'uk', 'uk-UA', 'uk_UA', 'EN' -> an ISO 639 code; anything else -> None."""
    match = re.fullmatch(r"([A-Za-z]{2,3})(?:[-_][A-Za-z0-9]+)*", value.strip())
    return match.group(1).lower() if match else None
