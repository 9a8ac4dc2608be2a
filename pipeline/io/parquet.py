"""articles.parquet: one flattened row per article, loadable with
`datasets.load_dataset("parquet", data_files=...)` or any Parquet reader.

Flat columns hold what tools filter and read most (ids, source, title/summary/body text
in the original language, en and uk); `sections`, `segments` and `tags` are lists of
structs for the detail. The schema is fixed (not inferred), so every row group and every
run has the same columns. Rows are written in row groups as they come: memory stays flat.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

_TEXT = ("en", "uk")


def article_schema():
    import pyarrow as pa

    s = pa.string()
    section = pa.struct([
        ("index", pa.int32()), ("lang", s), ("heading", s), ("heading_en", s), ("heading_uk", s),
        ("text", s), ("text_en", s), ("text_uk", s), ("summary_en", s), ("summary_uk", s),
    ])
    segment = pa.struct([("section", pa.int32()), ("para", pa.int32()), ("src", s), ("text", s), ("en", s), ("uk", s)])
    tag = pa.struct([("text", s), ("lang", s), ("en", s), ("uk", s)])
    return pa.schema([
        ("id", s), ("source_path", s), ("source_format", s), ("source_lang", s), ("source_url", s), ("source_row", pa.int64()),
        ("title", s), ("title_src", s), ("title_en", s), ("title_uk", s),
        ("summary_en", s), ("summary_uk", s),
        ("text", s), ("text_en", s), ("text_uk", s),
        ("n_sections", pa.int32()), ("n_segments", pa.int32()),
        ("sections", pa.list_(section)), ("segments", pa.list_(segment)), ("tags", pa.list_(tag)),
        ("warnings", pa.list_(s)), ("config_hash", s), ("newsbridge_version", s),
    ])


def flatten_record(rec: dict[str, Any]) -> dict[str, Any]:
    source = rec.get("source") or {}
    title = rec.get("title") or {}
    title_src = rec.get("title_src")
    sections, segments, texts = [], [], {"src": [], "en": [], "uk": []}
    for i, sec in enumerate(rec.get("sections") or []):
        heading = sec.get("heading") or {}
        text = sec.get("text") or {}
        summary = sec.get("summary") or {}
        src_text = text.get(sec.get("lang")) if sec.get("lang") in text else None
        sections.append({
            "index": i, "lang": sec.get("lang"),
            "heading": heading.get(sec.get("heading_src")) if heading else None,
            "heading_en": heading.get("en"), "heading_uk": heading.get("uk"),
            "text": src_text, "text_en": text.get("en"), "text_uk": text.get("uk"),
            "summary_en": summary.get("en"), "summary_uk": summary.get("uk"),
        })
        for key, value in (("src", src_text), ("en", text.get("en")), ("uk", text.get("uk"))):
            if value:
                texts[key].append(value)
        for seg in sec.get("segments") or []:
            src = seg.get("src")
            segments.append({"section": i, "para": seg.get("para"), "src": src, "text": seg.get(src), "en": seg.get("en"), "uk": seg.get("uk")})
    tags = []
    for tag in rec.get("tags") or []:
        tr = tag.get("translations") or {}
        langs = {**tr, tag.get("lang"): tag.get("text")}
        tags.append({"text": tag.get("text"), "lang": tag.get("lang"), "en": langs.get("en"), "uk": langs.get("uk")})
    signature = rec.get("signature") or {}
    summary = rec.get("summary") or {}
    return {
        "id": rec.get("id"),
        "source_path": source.get("path"), "source_format": source.get("format"), "source_lang": source.get("lang"),
        "source_url": source.get("url"), "source_row": source.get("row"),
        "title": title.get(title_src) if title_src else None, "title_src": title_src,
        "title_en": title.get("en"), "title_uk": title.get("uk"),
        "summary_en": summary.get("en"), "summary_uk": summary.get("uk"),
        "text": "\n\n".join(texts["src"]) or None, "text_en": "\n\n".join(texts["en"]) or None, "text_uk": "\n\n".join(texts["uk"]) or None,
        "n_sections": len(sections), "n_segments": len(segments),
        "sections": sections, "segments": segments, "tags": tags,
        "warnings": [str(w) for w in rec.get("warnings") or []],
        "config_hash": signature.get("config_hash"), "newsbridge_version": signature.get("newsbridge"),
    }


class ArticleParquetWriter:
    """Rows in, row groups out: at most `row_group_rows` flattened records in memory."""

    def __init__(self, path: Path, *, row_group_rows: int = 256):
        import pyarrow.parquet as pq

        self.schema = article_schema()
        self.writer = pq.ParquetWriter(str(path), self.schema, compression="zstd")
        self.row_group_rows = row_group_rows
        self.rows: list[dict[str, Any]] = []
        self.count = 0

    def write(self, record: dict[str, Any]) -> None:
        self.rows.append(flatten_record(record))
        self.count += 1
        if len(self.rows) >= self.row_group_rows:
            self._flush()

    def _flush(self) -> None:
        import pyarrow as pa

        if self.rows:
            self.writer.write_table(pa.Table.from_pylist(self.rows, schema=self.schema))
            self.rows = []

    def close(self) -> None:
        self._flush()
        self.writer.close()
