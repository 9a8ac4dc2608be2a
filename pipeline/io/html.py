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
        # Dates only from what the page states for the article (meta tags, <time>, URL):
        # the extensive search turns a footer "© 2024" into 2024-01-01. Dated lines in the
        # text are still found by the clean stage's date patterns.
        date_extraction_params={"extensive_search": False, "original_date": True},
        prune_xpath=list(config.html_prune_xpath) or None,
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

    links = {match_key(a.text_content()) for a in tree.iter("a") if _is_link(a) and not _in_running_text(a)} - {""}
    page_tags = article_tags(tree)
    tag_keys = {match_key(t) for t in page_tags}
    first_level: set[int] = set()
    blocks = _mark_teasers(_unglue(_main_blocks(doc.body, first_level), lines, links), _link_shares(tree))
    blocks = [b for b in blocks if b.kind == "chrome" or (not _only_links(match_key(b.text), links) and not _only_tags(b.text, tag_keys))]
    blocks = _choose_title(blocks, doc.title, first_level)
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


def _main_blocks(body, first_level: set[int]) -> list[Block]:
    """The extractor's main text as blocks: headings, paragraphs, list items, quotes and
    table rows, plus text it left loose between them (after a heading, directly in a
    container), which is a paragraph of its own rather than lost. The ids of <h1>
    headings are added to `first_level`."""
    blocks: list[Block] = []
    loose: list[str] = []

    def flush() -> None:
        text = one_line(" ".join(loose))
        loose.clear()
        if text:
            blocks.append(Block(kind="paragraph", text=text))

    def walk(el) -> None:
        tag = el.tag if isinstance(el.tag, str) else ""
        if tag == "head":
            flush()
            text = one_line("".join(el.itertext()))
            if text:
                blocks.append(Block(kind="heading", text=text))
                if el.get("rend") == "h1":
                    first_level.add(id(blocks[-1]))
        elif tag in ("p", "item", "quote", "row"):
            flush()
            sep = " | " if tag == "row" else " "
            parts = [one_line(t) for t in (el.itertext() if tag != "row" else (" ".join(c.itertext()) for c in el))]
            text = one_line(sep.join(p for p in parts if p))
            if text:
                blocks.append(Block(kind="paragraph", text=text))
        else:  # a container (body, div, list, table) or inline markup left loose in one
            if tag in ("lb", "list", "table", "div", "graphic"):
                flush()
            if el.text and tag:
                loose.append(el.text)
            for child in el:
                walk(child)
            if tag in ("list", "table", "div"):
                flush()
        if el.tail and el is not body:
            loose.append(el.tail)

    walk(body)
    flush()
    return blocks


def _choose_title(blocks: list[Block], page_title: str | None, first_level: set[int]) -> list[Block]:
    """The title is the page's own (its metadata: og:title, <title>) unless the body's
    first heading matches it better (the page title often carries the site name: "Headline
    | Site"); a first heading that does not match it stays a heading ("Read more" is not a
    title). Without a page title, a first-level first heading is the title."""
    first = next((i for i, b in enumerate(blocks) if b.kind == "heading"), None)
    # Only a heading before any paragraph can be the article's title.
    if first is not None and any(b.kind == "paragraph" for b in blocks[:first]):
        first = None
    if first is not None:
        heading = blocks[first]
        if (page_title and _title_match(heading.text, page_title)) or (not page_title and id(heading) in first_level):
            return [*blocks[:first], Block(kind="title", text=heading.text), *blocks[first + 1 :]]
    if page_title:
        return [Block(kind="title", text=one_line(page_title)), *blocks]
    return blocks


def _title_match(heading: str, title: str) -> bool:
    """The heading is the page title, or the page title is the heading plus a site name."""
    h, t = match_key(heading), match_key(title)
    if h == t:
        return True
    words_h, words_t = re.findall(r"\w+", h), re.findall(r"\w+", t)
    if not words_h:
        return False
    shared = sum(1 for w in words_h if w in words_t)
    return shared / len(words_h) >= 0.8 and shared / max(len(words_t), 1) >= 0.5


_TEASER_LABEL = re.compile(r"^\W*[\w'’-]+(?:[ \t]+[\w'’-]+){0,4}[ \t]*:\s*$")


def _link_shares(tree) -> dict[str, tuple[float, str]]:
    """For each short block element of the page: (share of its text that is link text,
    its text before the first link when the rest is only links), keyed by its line key."""
    out: dict[str, tuple[float, str]] = {}
    for el in tree.iter("p", "li", "div", "dd", "td", "h2", "h3", "h4", "h5", "h6", "strong", "b", "span"):
        text = one_line(el.text_content())
        if not text or len(text) > 300:
            continue
        link_texts = [one_line(a.text_content()) for a in el.iter("a") if _is_link(a)]
        link_chars = sum(len(t) for t in link_texts)
        if not link_chars:
            continue
        lead = one_line(" ".join(_text_before_link(el)))
        # Only a label, links and separators: "Lea también: <a>…</a>", not "Tip: <a>…</a>!".
        rest = text[len(lead) :] if text.startswith(lead) else text
        for t in link_texts:
            rest = rest.replace(t, " ", 1)
        if not _LIST_SEPARATORS.match(rest):
            lead = ""
        out.setdefault(match_key(text), (min(1.0, link_chars / len(text)), lead))
    return out


def _text_before_link(el) -> list[str]:
    """The texts of `el` in document order up to its first link."""
    parts = [el.text or ""]
    for child in el:
        if _is_link(child) or any(_is_link(a) for a in child.iter("a")):
            if not _is_link(child):
                parts.extend(_text_before_link(child))
            return parts
        parts.append(child.text_content() if isinstance(child.tag, str) else "")
        parts.append(child.tail or "")
    return parts


def _mark_teasers(blocks: list[Block], shares: dict[str, tuple[float, str]]) -> list[Block]:
    """Teasers for other articles, in any language, by shape rather than wording: a short
    label ending in ':' with a link after it ("Lea también: <a>...</a>", "Czytaj też:" on
    its own line and the link on the next). Both become chrome blocks."""
    out = list(blocks)
    for i, block in enumerate(out):
        if block.kind not in ("paragraph", "heading"):
            continue
        share, lead = shares.get(match_key(block.text), (0.0, ""))
        if share >= 0.5 and _TEASER_LABEL.match(lead or ""):
            out[i] = Block(kind="chrome", text=block.text)
            continue
        nxt = out[i + 1] if i + 1 < len(out) else None
        if _TEASER_LABEL.match(block.text) and nxt is not None and nxt.kind == "paragraph":
            if shares.get(match_key(nxt.text), (0.0, ""))[0] >= 0.9 and len(nxt.text) <= 200:
                out[i] = Block(kind="chrome", text=block.text)
                out[i + 1] = Block(kind="chrome", text=nxt.text)
    return out


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


def _is_link(el) -> bool:
    """A link a reader can follow; a named anchor (<a name="x">) is just its text."""
    return el.tag == "a" and el.get("href") is not None


def _in_running_text(el) -> bool:
    """A link or inline item inside a sentence ("said <a>the ministry</a> on Monday",
    "high for <span><a>Joe Biden</a></span>.") is part of that line. For a link, the
    whole line it sits in counts (the text of its nearest block element outside other
    links), however deeply inline elements wrap it; other items look at their siblings."""
    if el.tag == "a":
        block = el.getparent()
        while block is not None and isinstance(block.tag, str) and block.tag.lower() not in _LINE_BREAKERS:
            block = block.getparent()
        if block is None:
            return False
        return bool(re.search(r"[^\W_]", _text_outside_links(block)))
    return _beside_text(el)


def _beside_text(el) -> bool:
    parent = el.getparent()
    if parent is None:
        return False
    if (parent.text or "").strip():
        return True
    return any((child.tail or "").strip() for child in parent)


def _text_outside_links(block) -> str:
    """The block's own inline text: without links, nested blocks, invisible parts and
    items standing alone (a "Share" label beside share links is no sentence)."""
    parts: list[str] = [block.text or ""]

    def walk(el) -> None:
        tag = el.tag.lower() if isinstance(el.tag, str) else ""
        skip = not tag or tag in _INVISIBLE or tag in _LINE_BREAKERS or _is_link(el) or (tag in _INLINE_ITEMS and not _beside_text(el))
        if not skip:
            parts.append(el.text or "")
            for child in el:
                walk(child)
        parts.append(el.tail or "")

    for child in block:
        walk(child)
    return " ".join(parts)


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
