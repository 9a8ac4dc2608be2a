"""Records -> what the pages show: plain dataclasses the templates only have to lay out.

The record is read back through `Article.from_record` (the record shape lives in
data.py only). Every piece of text carries the language it is in, so the templates can
put a correct `lang` attribute on every block. An article page is laid out in columns:
the original first (each segment keeps its own detected language, quotes included),
then one column per digest language the article is not written in, aligned paragraph by
paragraph and, inside a paragraph, segment by segment.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from urllib.parse import urlsplit

from ..config import DigestConfig
from ..data import UNDETERMINED, Article, Block

LANG_NAMES = {"en": "English", "uk": "Українська", "ru": "Русский"}
_LANG_CODE = re.compile(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*")


def lang_attr(code: Any) -> str:
    """A value safe and meaningful in `lang="..."`: the BCP 47 code, or "und"."""
    if isinstance(code, str) and _LANG_CODE.fullmatch(code):
        return code
    return UNDETERMINED


def lang_name(code: str) -> str:
    return LANG_NAMES.get(code, code if code != UNDETERMINED else "?")


@dataclass(slots=True)
class Piece:
    """Text in one language; `text` None means it is missing (shown as such, never blank)."""

    lang: str
    text: str | None
    warnings: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Cell:
    """One column of one aligned row: the pieces are the block's segments in `lang`."""

    lang: str
    original: bool
    pieces: list[Piece]


@dataclass(slots=True)
class Column:
    lang: str
    original: bool

    @property
    def name(self) -> str:
        return lang_name(self.lang)


@dataclass(slots=True)
class SectionView:
    number: int
    heading: list[Cell] | None
    summary: list[Piece]
    summary_notes: list[tuple[str, str]]
    paragraphs: list[list[Cell]]


@dataclass(slots=True)
class TagView:
    text: str
    lang: str
    translations: list[Piece]


@dataclass(slots=True)
class DateView:
    text: str
    iso: str | None  # for <time datetime>, when the value parses


@dataclass(slots=True)
class MetaView:
    key: str
    lines: list[str]


@dataclass(slots=True)
class ArticleView:
    id: str
    page: str
    title_text: str
    title: list[Cell] | None
    source_lang: str
    columns: list[Column]
    date: DateView | None
    path: str | None
    url: str | None  # a link, only for http(s)
    url_text: str | None  # any other URL, shown as text
    summary: list[Piece]
    tags: list[TagView]
    meta: list[MetaView]
    removed: list[str]
    sections: list[SectionView]
    warnings: list[str]
    signature: dict[str, Any]


@dataclass(slots=True)
class IndexEntry:
    """What the index keeps per article: small, so an archive's index fits in memory."""

    id: str
    page: str
    title: list[Piece]
    source_lang: str
    date: DateView | None
    summary: list[Piece]
    tags: list[TagView]
    sections: int
    warnings: int


@dataclass(slots=True)
class FailedView:
    where: str
    id: str
    source: str
    stage: str
    message: str


class NotARecord(ValueError):
    """A JSON object that does not have the shape of a newsbridge record."""


def article_from_record(record: dict[str, Any]) -> Article:
    if not isinstance(record.get("id"), str) or not record["id"]:
        raise NotARecord("not a newsbridge record (no string 'id')")
    if not isinstance(record.get("sections", []), list):
        raise NotARecord("not a newsbridge record ('sections' is not a list)")
    try:
        return Article.from_record(record)
    except (KeyError, TypeError, ValueError, AttributeError, IndexError, StopIteration) as exc:
        raise NotARecord(f"not a newsbridge record ({type(exc).__name__}: {exc})") from None


def columns_for(source_lang: str, config: DigestConfig) -> list[Column]:
    return [Column(source_lang, True)] + [Column(lang, False) for lang in config.languages if lang != source_lang]


def article_view(article: Article, page: str, config: DigestConfig) -> ArticleView:
    src = lang_attr(article.source.lang)
    columns = columns_for(src, config)
    sections = [
        SectionView(
            number=n,
            heading=_row(section.heading, columns) if section.heading is not None else None,
            summary=_summary(section.summary, src, config),
            summary_notes=_notes(section.summary_info),
            paragraphs=[_row(para, columns) for para in section.paragraphs],
        )
        for n, section in enumerate(article.sections, 1)
    ]
    sig = article.signature
    return ArticleView(
        id=article.id,
        page=page,
        title_text=_plain_title(article),
        title=_row(article.title, columns) if article.title is not None else None,
        source_lang=src,
        columns=columns,
        date=_date(article.metadata, config),
        path=article.source.path,
        url=_safe_url(article.source.url),
        url_text=None if _safe_url(article.source.url) else article.source.url,
        summary=_summary(article.summary, src, config),
        tags=[_tag(tag, config) for tag in article.tags],
        meta=_meta(article.metadata),
        removed=[str(x) for x in article.metadata.get("removed") or []],
        sections=sections,
        warnings=[str(w) for w in article.warnings],
        signature={
            "newsbridge": sig.get("newsbridge"),
            "config_hash": sig.get("config_hash"),
            "models": sorted(sig.get("models") or {}),
        },
    )


def index_entry(article: Article, page: str, config: DigestConfig) -> IndexEntry:
    src = lang_attr(article.source.lang)
    return IndexEntry(
        id=article.id,
        page=page,
        title=_title_pieces(article, config),
        source_lang=src,
        date=_date(article.metadata, config),
        summary=[Piece(lang, article.summary.get(lang)) for lang in config.languages],
        tags=[_tag(tag, config) for tag in article.tags],
        sections=len(article.sections),
        warnings=len(article.warnings),
    )


def failed_view(where: str, record: dict[str, Any]) -> FailedView:
    """An errors.jsonl line or a record carrying `error`: id, source, stage and message."""
    err = record.get("error")
    err = err if isinstance(err, dict) else ({"message": err} if err else {})
    source = record.get("source")
    if isinstance(source, dict):
        source = source.get("path") or source.get("url")
    source = source or record.get("path")

    def text(*values: Any) -> str:
        for value in values:
            if value not in (None, ""):
                return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        return ""

    return FailedView(
        where=where,
        id=text(record.get("id")),
        source=text(source),
        stage=text(record.get("stage"), err.get("stage")),
        message=text(record.get("message"), err.get("message"), err.get("kind"), record.get("kind")) or "(no message)",
    )


# -- helpers ---------------------------------------------------------------------------------


def _row(block: Block, columns: list[Column]) -> list[Cell]:
    """The block in every column: its own segments on the left, their translations after."""
    segments = block.segments
    cells = []
    for col in columns:
        if col.original:
            if segments:
                pieces = [Piece(lang_attr(s.lang), s.text) for s in segments]
            else:
                pieces = [Piece(lang_attr(block.lang), block.text)]
            cells.append(Cell(lang_attr(block.lang), True, pieces))
        else:
            if segments:
                pieces = [Piece(col.lang, s.in_lang(col.lang), list(s.warnings)) for s in segments]
            else:
                pieces = [Piece(col.lang, block.in_lang(col.lang))]
            cells.append(Cell(col.lang, False, pieces))
    return cells


def _summary(summary: dict[str, str], src: str, config: DigestConfig) -> list[Piece]:
    """Summaries in column order (the article's language first when it has one)."""
    order = [src] if src in config.languages else []
    order += [lang for lang in config.languages if lang not in order]
    order += sorted(lang for lang in summary if lang not in order)
    return [Piece(lang_attr(lang), summary.get(lang)) for lang in order if lang in config.languages or summary.get(lang)]


def _title_pieces(article: Article, config: DigestConfig) -> list[Piece]:
    """The title as written first, then in every digest language it was not written in."""
    title = article.title
    if title is None:
        # An untitled article is listed by its first sentence, which is what a reader
        # would see first on the page.
        first = next((seg for block in article.body_blocks() for seg in block.segments), None)
        if first is None:
            return [Piece(UNDETERMINED, article.id)]
        own = lang_attr(first.lang)
        return [Piece(own, first.text)] + [Piece(lang, first.in_lang(lang)) for lang in config.languages if lang != own]
    own = lang_attr(title.lang)
    pieces = [Piece(own, title.text)]
    pieces += [Piece(lang, title.in_lang(lang)) for lang in config.languages if lang != own]
    return pieces


def _plain_title(article: Article) -> str:
    if article.title is not None and article.title.text.strip():
        return " ".join(article.title.text.split())
    return article.id


def _tag(tag: Block, config: DigestConfig) -> TagView:
    translations = {}
    for seg in tag.segments:
        translations.update(seg.translations)
    own = lang_attr(tag.lang)
    return TagView(
        text=tag.text,
        lang=own,
        translations=[Piece(lang, translations[lang]) for lang in config.languages if lang != own and translations.get(lang)],
    )


def _date(metadata: dict[str, Any], config: DigestConfig) -> DateView | None:
    for key in config.date_fields:
        value = metadata.get(key)
        if value in (None, ""):
            continue
        text = str(value).strip()
        try:
            day = date.fromisoformat(text)
            return DateView(text=day.isoformat(), iso=day.isoformat())
        except ValueError:
            pass
        try:
            when = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            return DateView(text=text, iso=None)  # shown as the record has it
        return DateView(text=when.strftime("%Y-%m-%d %H:%M"), iso=when.isoformat())
    return None


def _meta(metadata: dict[str, Any]) -> list[MetaView]:
    out = []
    for key in ("caption", "credit", "byline"):
        value = metadata.get(key)
        if value:
            lines = [line for line in str(value).split("\n") if line.strip()]
            out.append(MetaView(key, lines))
    return out


def _notes(info: dict[str, Any]) -> list[tuple[str, str]]:
    """How a summary was made, shown only when there is more to say than the strategy
    (fallbacks, chunking, retries)."""
    if not info or set(info) <= {"strategy"}:
        return []
    return [(str(k), v if isinstance(v, str) else json.dumps(v, ensure_ascii=False)) for k, v in info.items()]


def _safe_url(url: str | None) -> str | None:
    """Only http(s) links are made clickable: a `javascript:` URL in a record stays text."""
    if not url or not isinstance(url, str):
        return None
    try:
        scheme = urlsplit(url.strip()).scheme.lower()
    except ValueError:
        return None
    return url.strip() if scheme in ("http", "https") else None
