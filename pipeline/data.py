"""The one `Article` type that flows through every stage, and its parts.

Shape: an Article has an optional title Block, Sections (an optional heading Block and
paragraph Blocks), tags (Blocks with ``is_tag``) and metadata. Every translatable Block
holds Segments (sentences); a Segment keeps its source text, detected language and a
translation per target language, so aligned pairs fall out of the structure.

`to_record()` / `Article.from_record()` map to the record schema in DESIGN.md; extra
fields are allowed there, the named ones keep their names and shapes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterator

UNDETERMINED = "und"
# The languages every segment, title and summary is made available in. A constant on
# purpose: the record's {"en", "uk"} pairs, pairs.tsv/tmx, the Parquet columns and the
# digest are all built for exactly these two (README, Translation).
TARGET_LANGS = ("en", "uk")

# Keys of a segment record that are not language codes.
_SEGMENT_EXTRA_KEYS = {"src", "para", "confidence", "script", "warnings", "spans"}


@dataclass
class Span:
    """A stretch of a segment in another language than the segment's (a quoted English
    phrase in Ukrainian text, a Latin-script name): `text[start:end]`, kept as is or
    translated on its own, never mistranslated as part of the sentence."""

    start: int
    end: int
    lang: str
    script: str = "unknown"

    def to_dict(self, text: str) -> dict[str, Any]:
        return {"start": self.start, "end": self.end, "lang": self.lang, "script": self.script, "text": text[self.start : self.end]}


@dataclass
class Segment:
    """A sentence (or a whole title/heading/tag): source text plus its translations."""

    text: str
    lang: str = UNDETERMINED
    confidence: float = 0.0
    script: str = "unknown"
    translations: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    # Parts in another language (filled by detect); offsets into `text`.
    spans: list[Span] = field(default_factory=list)

    def in_lang(self, lang: str) -> str | None:
        """The text in `lang`: the source when it is already in `lang`, else the translation."""
        if lang == self.lang:
            return self.text
        return self.translations.get(lang)


@dataclass
class Block:
    """A unit of the page: title, heading, paragraph, tag, caption, credit, byline, date."""

    kind: str
    text: str
    lang: str = UNDETERMINED
    confidence: float = 0.0
    script: str = "unknown"
    is_tag: bool = False
    segments: list[Segment] = field(default_factory=list)

    def in_lang(self, lang: str) -> str | None:
        """The block in `lang`, from its segments; None while any segment lacks it."""
        if not self.segments:
            return self.text if lang == self.lang else None
        parts = [s.in_lang(lang) for s in self.segments]
        if any(p is None for p in parts):
            return None
        return " ".join(p for p in parts if p)


@dataclass
class Section:
    """A heading (None for the lead) and the paragraphs under it."""

    heading: Block | None = None
    paragraphs: list[Block] = field(default_factory=list)
    lang: str = UNDETERMINED
    summary: dict[str, str] = field(default_factory=dict)
    # How the summary was made (strategy, chunks, fallback...): written as extra fields.
    summary_info: dict[str, Any] = field(default_factory=dict)

    def segments(self) -> Iterator[Segment]:
        for para in self.paragraphs:
            yield from para.segments

    def text_in(self, lang: str) -> str | None:
        """Paragraphs in `lang` joined by blank lines; None while any is untranslated."""
        parts = [p.in_lang(lang) for p in self.paragraphs]
        if any(p is None for p in parts):
            return None
        return "\n\n".join(parts)  # type: ignore[arg-type]

    def source_text(self) -> str:
        return "\n\n".join(p.text for p in self.paragraphs)


@dataclass
class Source:
    """Where an article came from and what is known of it before processing."""

    path: str | None = None
    format: str = "txt"
    lang: str = UNDETERMINED  # detected article language (majority of body text)
    declared_lang: str | None = None  # from the input record, when it had one
    url: str | None = None
    encoding: str | None = None
    row: int | None = None  # index of the record inside an archive file


@dataclass
class ArticleError:
    """Why an article could not be processed; later stages skip it."""

    stage: str
    kind: str
    message: str

    def to_dict(self) -> dict[str, str]:
        return {"stage": self.stage, "kind": self.kind, "message": self.message}


@dataclass
class Article:
    id: str
    source: Source = field(default_factory=Source)
    # Text as read, before cleaning; readers that know structure (Markdown, HTML) also fill
    # `blocks` with kind hints. Clean consumes both and fills title/sections/tags.
    raw: str | None = None
    blocks: list[Block] = field(default_factory=list)
    title: Block | None = None
    sections: list[Section] = field(default_factory=list)
    tags: list[Block] = field(default_factory=list)
    metadata: dict[str, Any] = field(default_factory=dict)
    summary: dict[str, str] = field(default_factory=dict)
    summary_info: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    error: ArticleError | None = None
    signature: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.error is None

    def fail(self, stage: str, kind: str, message: str) -> None:
        """Mark the article as failed; the first error wins (it is the cause)."""
        if self.error is None:
            self.error = ArticleError(stage=stage, kind=kind, message=message)

    def warn(self, message: str) -> None:
        if message not in self.warnings:
            self.warnings.append(message)

    def body_blocks(self) -> Iterator[Block]:
        """Body text only: paragraphs of every section (no title, headings, tags, metadata)."""
        for section in self.sections:
            yield from section.paragraphs

    def text_blocks(self) -> Iterator[Block]:
        """Every block that gets translated: title, headings, paragraphs, tags."""
        if self.title is not None:
            yield self.title
        for section in self.sections:
            if section.heading is not None:
                yield section.heading
            yield from section.paragraphs
        yield from self.tags

    def segments(self) -> Iterator[Segment]:
        for block in self.text_blocks():
            yield from block.segments

    # -- record (DESIGN.md schema) -------------------------------------------------------

    def to_record(self) -> dict[str, Any]:
        record: dict[str, Any] = {
            "id": self.id,
            "source": _source_record(self.source),
            "title": _block_langs(self.title),
            "sections": [_section_record(s) for s in self.sections],
            "summary": dict(self.summary),
            "tags": [_tag_record(t, self.source.lang) for t in self.tags],
            "metadata": dict(self.metadata),
            "warnings": list(self.warnings),
            "signature": dict(self.signature),
        }
        if self.title is not None:
            record["title_src"] = self.title.lang
        if self.summary_info:
            record["summary_info"] = dict(self.summary_info)
        if self.error is not None:
            record["error"] = self.error.to_dict()
        return record

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> "Article":
        src = record.get("source") or {}
        source = Source(
            path=src.get("path"),
            format=src.get("format", "txt"),
            lang=src.get("lang", UNDETERMINED),
            declared_lang=src.get("declared_lang"),
            url=src.get("url"),
            encoding=src.get("encoding"),
            row=src.get("row"),
        )
        title = None
        if record.get("title"):
            title = _block_from_langs("title", record["title"], record.get("title_src"))
        err = record.get("error")
        return cls(
            id=record["id"],
            source=source,
            title=title,
            sections=[_section_from_record(s) for s in record.get("sections", [])],
            tags=[_tag_from_record(t) for t in record.get("tags", [])],
            metadata=dict(record.get("metadata", {})),
            summary=dict(record.get("summary", {})),
            summary_info=dict(record.get("summary_info", {})),
            warnings=list(record.get("warnings", [])),
            error=ArticleError(**err) if err else None,
            signature=dict(record.get("signature", {})),
        )


# -- record helpers (private: the record shape lives here and nowhere else) ---------------


def _source_record(source: Source) -> dict[str, Any]:
    out: dict[str, Any] = {"path": source.path, "lang": source.lang, "format": source.format}
    for key in ("declared_lang", "url", "encoding", "row"):
        value = getattr(source, key)
        if value is not None:
            out[key] = value
    return out


def _block_langs(block: Block | None) -> dict[str, str] | None:
    """{lang: text} for the source language and every complete translation."""
    if block is None:
        return None
    langs = {block.lang, *TARGET_LANGS}
    for seg in block.segments:
        langs.update(seg.translations)
    out = {}
    for lang in sorted(langs):
        text = block.in_lang(lang)
        if text is not None:
            out[lang] = text
    if block.lang not in out:
        out[block.lang] = block.text
    return out


def _block_from_langs(kind: str, langs: dict[str, str], src: str | None) -> Block:
    src = src if src in langs else next(iter(langs))
    seg = Segment(text=langs[src], lang=src, translations={k: v for k, v in langs.items() if k != src})
    return Block(kind=kind, text=langs[src], lang=src, segments=[seg])


def _segment_record(seg: Segment, para: int) -> dict[str, Any]:
    rec: dict[str, Any] = {seg.lang: seg.text}
    for lang, text in seg.translations.items():
        rec.setdefault(lang, text)
    rec["src"] = seg.lang
    rec["para"] = para
    rec["confidence"] = round(seg.confidence, 4)
    rec["script"] = seg.script
    if seg.warnings:
        rec["warnings"] = list(seg.warnings)
    if seg.spans:
        rec["spans"] = [span.to_dict(seg.text) for span in seg.spans]
    return rec


def _segment_from_record(rec: dict[str, Any]) -> Segment:
    src = rec["src"]
    langs = {k: v for k, v in rec.items() if k not in _SEGMENT_EXTRA_KEYS}
    return Segment(
        text=langs[src],
        lang=src,
        confidence=rec.get("confidence", 0.0),
        script=rec.get("script", "unknown"),
        translations={k: v for k, v in langs.items() if k != src},
        warnings=list(rec.get("warnings", [])),
        spans=[Span(s["start"], s["end"], s["lang"], s.get("script", "unknown")) for s in rec.get("spans", [])],
    )


def _section_record(section: Section) -> dict[str, Any]:
    text: dict[str, str] = {}
    langs = {section.lang, *TARGET_LANGS}
    for seg in section.segments():
        langs.add(seg.lang)
        langs.update(seg.translations)
    for lang in sorted(langs):
        value = section.text_in(lang)
        if value is not None and section.paragraphs:
            text[lang] = value
    rec: dict[str, Any] = {
        "heading": _block_langs(section.heading),
        "lang": section.lang,
        "text": text,
        "summary": dict(section.summary),
        "segments": [
            _segment_record(seg, i) for i, para in enumerate(section.paragraphs) for seg in para.segments
        ],
    }
    if section.heading is not None:
        rec["heading_src"] = section.heading.lang
    if section.summary_info:
        rec["summary_info"] = dict(section.summary_info)
    return rec


def _section_from_record(rec: dict[str, Any]) -> Section:
    heading = None
    if rec.get("heading"):
        heading = _block_from_langs("heading", rec["heading"], rec.get("heading_src"))
    paragraphs: list[Block] = []
    by_para: dict[int, list[Segment]] = {}
    for seg_rec in rec.get("segments", []):
        by_para.setdefault(seg_rec.get("para", 0), []).append(_segment_from_record(seg_rec))
    for i in sorted(by_para):
        segs = by_para[i]
        lang = segs[0].lang
        paragraphs.append(
            Block(kind="paragraph", text=" ".join(s.text for s in segs), lang=lang, segments=segs)
        )
    return Section(
        heading=heading,
        paragraphs=paragraphs,
        lang=rec.get("lang", UNDETERMINED),
        summary=dict(rec.get("summary", {})),
        summary_info=dict(rec.get("summary_info", {})),
    )


def _tag_record(tag: Block, article_lang: str) -> dict[str, Any]:
    translations = {}
    for seg in tag.segments:
        translations.update(seg.translations)
    # "translation" is the tag in the page's language, or in the other target language
    # when the tag is already in the page's language.
    other = article_lang if article_lang in TARGET_LANGS and article_lang != tag.lang else None
    if other is None:
        other = "en" if tag.lang != "en" else "uk"
    rec: dict[str, Any] = {
        "text": tag.text,
        "lang": tag.lang,
        "translation": translations.get(other),
        "translations": translations,
        "confidence": round(tag.confidence, 4),
    }
    return rec


def _tag_from_record(rec: dict[str, Any]) -> Block:
    translations = dict(rec.get("translations") or {})
    seg = Segment(text=rec["text"], lang=rec["lang"], confidence=rec.get("confidence", 0.0), translations=translations)
    return Block(
        kind="tag",
        text=rec["text"],
        lang=rec["lang"],
        confidence=rec.get("confidence", 0.0),
        is_tag=True,
        segments=[seg],
    )
