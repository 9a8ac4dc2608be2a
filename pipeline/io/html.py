"""HTML pages -> blocks with kind hints and page metadata, offline.

trafilatura finds the main text (keeping headings, lists, quotes, tables) and the page
metadata it offers (title, author, date, categories, tags, site, url). Two things it
drops are put back here: photo captions (`<figcaption>`), which become caption blocks,
and every other visible line it left out, which becomes a `dropped` block so the clean
stage can keep bylines/dates found there as metadata and list the rest in
`metadata.removed` (nothing vanishes unseen).
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path
from typing import Any

from ..config import ReadConfig
from ..data import Block
from ..errors import InputError
from ..text.cleanup import match_key, one_line
from .decode import decode_bytes

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)

# Elements whose text is never shown.
_INVISIBLE = {"script", "style", "noscript", "template", "head", "title", "meta", "link", "svg", "iframe"}
# Elements that start a new visible line: blocks, plus inline controls and links, which
# in menus, share bars and tag lists are separate items.
_LINE_BREAKERS = {
    "p", "div", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "header", "footer", "nav",
    "section", "article", "aside", "main", "form", "figure", "figcaption", "blockquote", "pre",
    "table", "tr", "td", "th", "dl", "dt", "dd", "button", "label", "option", "select", "summary",
    "details", "br", "hr", "address", "body", "html", "caption", "dialog", "menu",
}
# Line breakers only when they stand alone (menus, share bars), not inside a sentence.
_INLINE_ITEMS = {"a", "button", "label", "span", "time"}
# Shorter dropped lines must match a kept block exactly to count as kept ("News" in a menu
# is not kept just because the body says "news").
_MIN_SUBSTRING_MATCH = 40
# The article's tag list: a class/id token naming a list of tags (tags, tags-links,
# post-tags, tag-list, keywords...) or links with rel="tag". A singular "tag-..." token
# is not one: WordPress marks the whole <article> "tag-mali tag-africa". Tag clouds and
# widgets list the whole site's tags, so containers inside nav/aside or named
# cloud/widget/sidebar/menu are not the article's.
_TAG_LIST_PARTS = {"tags", "taglist", "taglinks", "keywords"}
_TAG_LIST_TOKENS = {"tag-list", "tag_list", "tag-links", "tag_links", "tag-box"}
_NOT_ARTICLE_TAG_PARTS = {"cloud", "tagcloud", "widget", "sidebar", "menu", "nav", "navbar", "navigation"}
_NOT_ARTICLE_TAGS_ELEMENTS = {"nav", "aside"}
# A short label ending in a colon ("Tags:", "Теги:"): with only links after it, label and
# links are one line ("Tags: Mali, Africa") that clean can read as a tag line.
_LABEL = re.compile(r"^\s*\S+(?:\s+\S+){0,2}\s*:\s*$")
_LIST_SEPARATORS = re.compile(r"^[\s,;|·•/]*$")


def decode_html(data: bytes, path: str | Path, legacy: list[str]) -> tuple[str, str]:
    """The page's declared charset when it decodes cleanly, else detection as for text."""
    match = _META_CHARSET.search(data[:4096])
    if match:
        try:
            name = codecs.lookup(match.group(1).decode("ascii")).name
            return data.decode(name), name
        except (LookupError, UnicodeDecodeError):
            pass  # a wrong declaration is common on old pages: detect instead
    return decode_bytes(data, path, legacy)


def html_blocks(text: str, path: str | Path, config: ReadConfig) -> tuple[list[Block], dict[str, Any]]:
    """Page text -> (blocks with kind hints, page metadata)."""
    import trafilatura
    from lxml import html as lxml_html

    text = _XML_DECL.sub("", text, count=1)
    try:
        tree = lxml_html.fromstring(text)
    except Exception as exc:  # lxml raises several types for broken markup
        raise InputError(path, f"cannot be parsed as HTML ({type(exc).__name__}: {exc})", kind="html") from None
    doc = trafilatura.bare_extraction(
        text,
        include_comments=False,
        include_tables=config.html_include_tables,
        include_images=False,
        include_formatting=False,
        include_links=False,
        with_metadata=True,
        favor_precision=config.html_focus == "precision",
        favor_recall=config.html_focus == "recall",
        deduplicate=False,
    )
    lines = visible_lines(tree)
    if doc is None or doc.body is None or not len(doc.body):
        _no_main_text(path, lines)
    meta: dict[str, Any] = {}
    for key in ("author", "date", "sitename", "url", "description"):
        value = getattr(doc, key, None)
        if value:
            meta[key] = value
    if doc.categories:
        meta["categories"] = list(doc.categories)

    links = {match_key(a.text_content()) for a in tree.iter("a") if not _in_running_text(a)} - {""}
    page_tags = article_tags(tree)
    tag_keys = {match_key(t) for t in page_tags}
    blocks = [
        b for b in _unglue(_main_blocks(doc.body, doc.title), lines, links)
        if not _only_links(match_key(b.text), links) and not _only_tags(b.text, tag_keys)
    ]
    if doc.title and not any(b.kind == "title" for b in blocks):
        blocks.insert(0, Block(kind="title", text=doc.title))
    captions = [one_line(el.text_content()) for el in tree.iter("figcaption")]
    blocks.extend(Block(kind="caption", text=c) for c in captions if c)
    if not any(b.kind in ("paragraph", "heading") for b in blocks):
        _no_main_text(path, lines)
    for tag in _split_tags([*page_tags, *(doc.tags or [])]):
        blocks.append(Block(kind="tag", text=tag, is_tag=True))

    # Everything the page showed that is now in no block: listed, never silently lost.
    kept = {match_key(b.text) for b in blocks}
    kept_text = match_key(" ".join(b.text for b in blocks))
    for line in lines:
        k = match_key(line)
        if _only_tags(line, tag_keys):
            continue  # the tag list itself: its tags are tag blocks
        if k and k not in kept and not (len(k) >= _MIN_SUBSTRING_MATCH and k in kept_text):
            blocks.append(Block(kind="dropped", text=line))
            kept.add(k)
    return blocks, meta


def article_tags(tree) -> list[str]:
    """The page's own tag list, one entry per tag: link texts in a tag container (see
    _TAG_LIST_PARTS) or of rel="tag" links, outside tag clouds, menus and sidebars."""
    tags: list[str] = []
    for el in tree.iter():
        if not isinstance(el.tag, str) or _not_article_tags(el):
            continue
        names = f"{el.get('class') or ''} {el.get('id') or ''}"
        if el.tag == "a" and "tag" in (el.get("rel") or "").lower().split():
            found = [one_line(el.text_content())]
        elif _names_tag_list(names) and not _names_site_wide(names):
            found = [one_line(a.text_content()) for a in el.iter("a")]
        else:
            continue
        tags.extend(t for t in found if t and t not in tags)
    return tags


def _names_tag_list(names: str) -> bool:
    for token in names.lower().split():
        if token in _TAG_LIST_TOKENS or _TAG_LIST_PARTS & set(re.split(r"[-_]", token)):
            return True
    return False


def _names_site_wide(names: str) -> bool:
    """A class/id naming a cloud, widget, sidebar or menu. State flags on the page
    ("has-sidebar", "menu-open" on <body>) are not: they sit above the article too."""
    for token in names.lower().split():
        if token.startswith(("has-", "no-", "with-")) or token.endswith(("-open", "-closed")):
            continue
        if _NOT_ARTICLE_TAG_PARTS & set(re.split(r"[-_]", token)):
            return True
    return False


def _not_article_tags(el) -> bool:
    node = el
    while node is not None and node.tag not in ("body", "html"):
        if isinstance(node.tag, str):
            if node.tag in _NOT_ARTICLE_TAGS_ELEMENTS or _names_site_wide(f"{node.get('class') or ''} {node.get('id') or ''}"):
                return True
        node = node.getparent()
    return False


def _only_tags(text: str, tag_keys: set[str]) -> bool:
    """A block that is the tag list itself ("Mali, Africa", "Tags: Mali | Africa")."""
    if not tag_keys:
        return False
    rest = re.sub(r"^[^:]{1,30}:\s*", "", text)
    parts = [match_key(p) for p in re.split(r"\s*[,;|·•]\s*", rest) if p.strip()]
    return bool(parts) and all(p in tag_keys for p in parts)


def _labelled_links(el) -> str | None:
    """'Tags: Mali, Africa' for an element holding only a short label ending in ':' and
    links with separators between them, else None. Checks the label first, which is cheap:
    this runs for every element of the page."""
    children = [c for c in el if isinstance(c.tag, str)]
    label = el.text or ""
    # The label is the element's own leading text, or that and a first childless element
    # (<strong>Tags:</strong>, <span>Теги:</span>).
    if not label.strip() and children and children[0].tag != "a" and len(children[0]) == 0:
        label = children[0].text or ""
    label = one_line(label)
    if not _LABEL.match(label):
        return None
    items = [t for t in (one_line(a.text_content()) for a in el.iter("a")) if t]
    full = one_line(el.text_content())
    if not items or not full.startswith(label):
        return None
    rest = full[len(label) :]
    for item in items:
        at = rest.find(item)
        if at < 0 or not _LIST_SEPARATORS.match(rest[:at]):
            return None
        rest = rest[at + len(item) :]
    if not _LIST_SEPARATORS.match(rest):
        return None
    return f"{label.rstrip(': ')}: " + ", ".join(items)


def _no_main_text(path, lines: list[str]) -> None:
    shown = "; ".join(lines[:5])
    raise InputError(
        path,
        "has no main text that could be extracted from the HTML" + (f" (page text starts: {shown})" if shown else ""),
        kind="boilerplate",
    )


def _main_blocks(body, title: str | None) -> list[Block]:
    blocks: list[Block] = []
    seen_title = False
    for el in body.iter():
        tag = el.tag if isinstance(el.tag, str) else ""
        if tag == "head":
            text = one_line(el.text_content() if hasattr(el, "text_content") else "".join(el.itertext()))
            if not text:
                continue
            is_title = not seen_title and (el.get("rend") == "h1" or (title and match_key(text) == match_key(title)))
            seen_title = seen_title or is_title
            blocks.append(Block(kind="title" if is_title else "heading", text=text))
        elif tag in ("p", "item", "quote", "row"):
            if tag == "p" and _inside(el, ("item", "quote", "cell")):
                continue
            sep = " | " if tag == "row" else " "
            parts = [one_line(t) for t in (el.itertext() if tag != "row" else (" ".join(c.itertext()) for c in el))]
            text = one_line(sep.join(p for p in parts if p))
            if text:
                blocks.append(Block(kind="paragraph", text=text))
    return blocks


def _unglue(blocks: list[Block], lines: list[str], links: set[str]) -> list[Block]:
    """Split a main-text paragraph that the extractor glued together from separate page
    lines, menu links among them ("Home News We use cookies. Accept" on a page with no
    article): back into those lines, so menu links and notices are seen for what they are.
    Only when the paragraph is exactly consecutive visible lines and one is a standalone
    link; prose with a <br> in it is left whole."""
    starts: dict[str, list[int]] = {}
    for i, line in enumerate(lines):
        starts.setdefault(line.split(" ", 1)[0], []).append(i)
    out: list[Block] = []
    for block in blocks:
        pieces = _as_lines(one_line(block.text), lines, starts) if block.kind == "paragraph" else None
        if pieces and any(match_key(p) in links for p in pieces):
            out.extend(Block(kind="paragraph", text=p) for p in pieces)
        else:
            out.append(block)
    return out


def _as_lines(text: str, lines: list[str], starts: dict[str, list[int]]) -> list[str] | None:
    for i in starts.get(text.split(" ", 1)[0], []):
        rest, j = text, i
        while j < len(lines) and rest.startswith(lines[j]):
            rest = rest[len(lines[j]) :].lstrip()
            j += 1
            if not rest:
                return lines[i:j] if j - i >= 2 else None
    return None


def _inside(el, tags: tuple[str, ...]) -> bool:
    parent = el.getparent()
    while parent is not None:
        if parent.tag in tags:
            return True
        parent = parent.getparent()
    return False


def visible_lines(tree) -> list[str]:
    """The page's visible text, one entry per block/link/control, in document order."""
    lines: list[str] = []
    current: list[str] = []

    def flush() -> None:
        text = one_line(" ".join(current))
        current.clear()
        if text:
            lines.append(text)

    def walk(el) -> None:
        tag = el.tag.lower() if isinstance(el.tag, str) else ""
        if not tag or tag in _INVISIBLE:
            if el.tail:
                current.append(el.tail)
            return
        if tag in _INLINE_ITEMS:
            breaks = not _in_running_text(el)
        else:
            breaks = tag in _LINE_BREAKERS
        if breaks:
            flush()
            joined = _labelled_links(el)
            if joined is not None:
                lines.append(joined)
                if el.tail:
                    current.append(el.tail)
                return
        if el.text:
            current.append(el.text)
        for child in el:
            walk(child)
        if breaks:
            flush()
        if el.tail:
            current.append(el.tail)

    walk(tree)
    flush()
    return lines


def _in_running_text(el) -> bool:
    """A link inside a sentence ("said <a>the ministry</a> on Monday") is part of that line."""
    parent = el.getparent()
    if parent is None:
        return False
    if (parent.text or "").strip():
        return True
    return any((child.tail or "").strip() for child in parent)


def _only_links(text: str, links: set[str]) -> bool:
    """A block that is nothing but menu links one after another ("Home Search")."""
    if not text or not links:
        return False
    rest = text
    ordered = sorted(links, key=len, reverse=True)
    while rest:
        for link in ordered:
            if rest.startswith(link):
                rest = rest[len(link) :].lstrip()
                break
        else:
            return False
    return True


def _split_tags(tags: list[str]) -> list[str]:
    out: list[str] = []
    for tag in tags:
        for part in re.split(r"\s*[,;]\s*", tag):
            part = one_line(part)
            if part and part not in out:
                out.append(part)
    return out
