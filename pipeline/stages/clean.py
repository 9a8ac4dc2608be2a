"""Clean: drop site chrome, keep metadata aside, find the title, headings and sections.

Rules come from `config.clean`; everything removed is listed in `metadata.removed` so
nothing vanishes unseen. Captions, credits and bylines go to metadata, short all-caps
lines to tags: none of them is body text.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from typing import Any

from ..config import CleanConfig
from ..data import Article, Block, Section
from ..errors import InputError
from ..text.blocks import split_blocks
from ..text.cleanup import has_control_chars, strip_control_chars
from .base import ArticleStage

_FINAL_STOP = re.compile(r"[.;,:…]$")


class CleanRules:
    """Compiled `clean` config: classifies one line/block of a page."""

    def __init__(self, config: CleanConfig):
        self.config = config
        self.chrome = [re.compile(rf"^(?:{p})$", re.IGNORECASE) for p in config.chrome_patterns]
        self.caption = [re.compile(rf"^(?:{p})", re.IGNORECASE) for p in config.caption_patterns]
        self.credit = [re.compile(rf"^(?:{p})", re.IGNORECASE) for p in config.credit_patterns]
        self.byline = [re.compile(rf"^(?:{p})", re.IGNORECASE) for p in config.byline_patterns]
        self.date = [re.compile(rf"^(?:{p})$", re.IGNORECASE) for p in config.date_patterns]
        self.tag_line = [re.compile(rf"^(?:{p})", re.IGNORECASE) for p in config.tag_line_patterns]

    def kind_of(self, text: str) -> str | None:
        """'chrome' | 'caption' | 'credit' | 'byline' | 'date' | 'tags' | 'tag', or None
        for content. Metadata kinds apply only to lines short enough to be metadata."""
        if any(p.match(text) for p in self.chrome):
            return "chrome"
        if len(text) <= self.config.meta_max_chars:
            for kind, patterns in (
                ("caption", self.caption),
                ("credit", self.credit),
                ("date", self.date),
                ("byline", self.byline),
                ("tags", self.tag_line),
            ):
                if any(p.match(text) for p in patterns):
                    return kind
        if self.is_tag(text):
            return "tag"
        return None

    def tags_in_line(self, text: str) -> list[str]:
        """'Tags: war, Mali' -> ['war', 'Mali']."""
        for pattern in self.tag_line:
            match = pattern.match(text)
            if match:
                rest = text[match.end() :]
                return [t.strip(" .#") for t in re.split(r"\s*[,;|·•]\s*", rest) if t.strip(" .#")]
        return []

    def is_tag(self, text: str) -> bool:
        """A short line written in capitals only: a rubric/category tag ("НОВИНИ", "WORLD")."""
        words = text.split()
        if not words or len(words) > self.config.tag_max_words or len(text) > self.config.tag_max_chars:
            return False
        letters = [c for c in text if c.isalpha()]
        return len(letters) >= 2 and all(c.isupper() for c in letters)

    def is_heading_like(self, text: str) -> bool:
        if len(text) > self.config.heading_max_chars or len(text.split()) > self.config.heading_max_words:
            return False
        if _FINAL_STOP.search(text):
            return False
        first = text[0]
        return first.isupper() or first.isdigit() or first in "«\"“'"


def normalize_text(text: str) -> str:
    text = unicodedata.normalize("NFC", text)
    text = text.replace("\u00a0", " ").replace("\u200b", "")
    return re.sub(r"[ \t]+", " ", text).strip()


_META_KINDS = ("caption", "credit", "byline", "date")


def _strip_value(value: Any, strip) -> Any:
    """Metadata the reader found (strings, lists of them): stripped like the text."""
    if isinstance(value, str):
        return strip(value)
    if isinstance(value, list):
        return [_strip_value(v, strip) for v in value]
    return value


class CleanStage(ArticleStage):
    name = "clean"
    assigns = ("article.title", "article.sections", "article.tags", "article.metadata")

    def __init__(self, context):
        super().__init__(context)
        self.rules = CleanRules(self.config.clean)

    def process(self, article: Article) -> None:
        where = article.source.path or article.id
        # Control and non-text characters go first, counted, so nothing vanishes unseen
        # and no output (TMX is XML 1.0, JSONL is UTF-8) gets a character it cannot hold.
        bad_chars: Counter[str] = Counter()

        def strip(text: str) -> str:
            if not has_control_chars(text):
                return text  # most text: nothing to count
            text, counts = strip_control_chars(text)
            bad_chars.update(counts)
            return text

        if article.blocks:
            candidates = [Block(kind=b.kind, text=normalize_text(strip(b.text))) for b in article.blocks]
        else:
            candidates = [Block(kind="paragraph", text=normalize_text(t)) for t in split_blocks(strip(article.raw or ""))]
        candidates = [b for b in candidates if b.text]
        for key, value in list(article.metadata.items()):
            article.metadata[key] = _strip_value(value, strip)
        # Markdown that marks its sections says where they are: a short paragraph there
        # ("*By Jane Doe* | Share", a list item) is not a heading. Without any heading
        # mark, sections are found as in plain text.
        infer_headings = not (article.source.format == "md" and any(b.kind == "heading" for b in article.blocks))

        removed: list[str] = list(article.metadata.get("removed", []))
        meta: dict[str, list[str]] = {kind: [] for kind in _META_KINDS}
        tags: list[str] = []
        content: list[Block] = []
        for block in candidates:
            kind = block.kind if block.kind in (*_META_KINDS, "tag", "chrome") else None
            if block.kind == "title":
                # A chrome title ("Read more") is never the title; nothing else moves it.
                kind = "chrome" if self.rules.kind_of(block.text) == "chrome" else None
            elif block.kind in ("paragraph", "heading", "dropped"):
                kind = self.rules.kind_of(block.text)
                # Lines the HTML extractor left out: metadata is kept, the rest listed as
                # removed; an all-caps menu item there is not an article tag.
                if block.kind == "dropped" and kind in (None, "tag"):
                    kind = "chrome"
            if kind == "chrome":
                removed.append(block.text)
            elif kind in meta:
                meta[kind].append(block.text)
            elif kind == "tag":
                tags.append(block.text)
            elif kind == "tags":
                tags.extend(self.rules.tags_in_line(block.text))
            else:
                content.append(block)

        if not content:
            raise InputError(
                where,
                "has no article text after removing site chrome"
                + (f" (removed: {', '.join(removed[:5])})" if removed else ""),
                kind="boilerplate",
            )
        for block in content:
            if len(block.text) > self.config.clean.warn_block_chars:
                article.warn(
                    f"{where}: a {block.kind} of {len(block.text):,} characters with no line breaks; "
                    "kept whole and split into sentence-sized pieces"
                )

        if not any(c.isalpha() for block in content for c in block.text):
            raise InputError(where, "has no words to translate (only digits, punctuation or symbols)", kind="empty")
        article.title, body = self._title(content)
        article.sections = self._sections(body, infer_headings=infer_headings)
        if not any(section.paragraphs for section in article.sections):
            # A page (or front matter) that gives a title or headings and nothing under them.
            shown = "; ".join(b.text for b in content[:3])
            raise InputError(
                where,
                f"has no article text, only a title or headings ({shown})"
                + (f" (removed: {', '.join(removed[:5])})" if removed else ""),
                kind="boilerplate",
            )
        seen_tags: set[str] = set()
        article.tags = []
        for tag in tags:
            if tag.casefold() not in seen_tags:
                seen_tags.add(tag.casefold())
                article.tags.append(Block(kind="tag", text=tag, is_tag=True))
        for key, values in meta.items():
            values = list(dict.fromkeys(values))
            if not values:
                continue
            # A value the reader already found (HTML <meta>) stays; lines add to the list.
            if key not in article.metadata:
                article.metadata[key] = "\n".join(values)
            if len(values) > 1 or article.metadata[key] != values[0]:
                article.metadata[f"{key}s"] = values
        article.metadata["removed"] = removed
        if bad_chars:
            article.metadata["removed_chars"] = dict(sorted(bad_chars.items(), key=lambda kv: int(kv[0][2:], 16)))
            listed = ", ".join(f"{code} ×{n}" for code, n in article.metadata["removed_chars"].items())
            article.warn(f"{where}: removed {sum(bad_chars.values())} control or non-text characters ({listed})")
            self.counts["removed_chars"] += sum(bad_chars.values())
        article.raw = None  # consumed; keeps batches small
        article.blocks = []
        self.counts["removed"] += len(removed)
        self.counts["tags"] += len(article.tags)

    def _title(self, blocks: list[Block]) -> tuple[Block | None, list[Block]]:
        first = blocks[0]
        if first.kind == "title":
            return Block(kind="title", text=first.text), blocks[1:]
        hinted = [i for i, b in enumerate(blocks) if b.kind == "title"]
        if hinted:
            i = hinted[0]
            return Block(kind="title", text=blocks[i].text), blocks[:i] + blocks[i + 1 :]
        if len(blocks) > 1 and len(first.text) <= self.config.clean.title_max_chars and not _FINAL_STOP.search(first.text):
            return Block(kind="title", text=first.text), blocks[1:]
        return None, blocks

    def _sections(self, blocks: list[Block], *, infer_headings: bool = True) -> list[Section]:
        sections: list[Section] = [Section(heading=None)]
        for i, block in enumerate(blocks):
            nxt = blocks[i + 1] if i + 1 < len(blocks) else None
            is_heading = block.kind in ("heading", "title") or (
                infer_headings
                and block.kind == "paragraph"
                and self.rules.is_heading_like(block.text)
                and nxt is not None
                and nxt.kind == "paragraph"
                and not self.rules.is_heading_like(nxt.text)
            )
            if is_heading:
                sections.append(Section(heading=Block(kind="heading", text=block.text)))
            else:
                sections[-1].paragraphs.append(Block(kind="paragraph", text=block.text))
        # The lead section exists only if there is text before the first heading.
        return [s for s in sections if s.paragraphs or s.heading is not None]
