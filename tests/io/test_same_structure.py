"""The same article read from every format newsbridge takes comes out with one structure:
plain text, cp1251 text, a JSONL/CSV/Parquet record (whole page in `text`, or the title in
its own field), and HTML (tests/io/test_html.py)."""

import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipeline.config import load_config
from pipeline.context import Context
from pipeline.io.readers import read_path
from pipeline.io.records import iter_records
from pipeline.stages.clean import CleanStage

from ..conftest import SAMPLE_ARTICLE


@pytest.fixture(scope="module")
def config():
    return load_config(None)


def _structure(article, config):
    CleanStage(Context(config))([article])
    assert article.ok, article.error
    return {
        "title": article.title.text,
        "sections": [(s.heading.text if s.heading else None, [p.text for p in s.paragraphs]) for s in article.sections],
        "caption": article.metadata.get("caption"),
        "credit": article.metadata.get("credit"),
        "removed": article.metadata.get("removed"),
        "tags": [t.text for t in article.tags],
    }


def _records(path, config):
    items = list(iter_records(path, config.read))
    assert all(item.error is None for item in items), [item.error for item in items]
    return [item.article for item in items]


@pytest.fixture(scope="module")
def expected(config):
    got = _structure(read_path(SAMPLE_ARTICLE, config.read)[0], config)
    assert len(got["sections"]) == 6 and got["tags"] == ["НОВИНИ"]
    return got


def _page_and_title():
    page = SAMPLE_ARTICLE.read_text(encoding="utf-8")
    title = "Malian rebels deny support to Ukraine: break in diplomatic relations"
    return page, title, page.replace(title + "\n", "", 1)


def test_cp1251_text_file(tmp_path, config, expected):
    path = tmp_path / "mali-cp1251.txt"
    path.write_bytes(SAMPLE_ARTICLE.read_text(encoding="utf-8").encode("cp1251"))
    article = read_path(path, config.read)[0]
    assert article.source.encoding == "cp1251"
    assert _structure(article, config) == expected


def test_jsonl_record_whole_page_and_titled(tmp_path, config, expected):
    page, title, body = _page_and_title()
    path = tmp_path / "archive.jsonl"
    lines = [{"id": "mali-1", "text": page}, {"id": "mali-2", "title": title, "text": body, "url": "https://example.org/m"}]
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in lines) + "\n", encoding="utf-8")
    whole, titled = _records(path, config)
    assert (whole.id, titled.id, titled.source.url) == ("mali-1", "mali-2", "https://example.org/m")
    assert _structure(whole, config) == expected
    assert _structure(titled, config) == expected


def test_csv_and_parquet_records(tmp_path, config, expected):
    page, title, body = _page_and_title()
    csv_path = tmp_path / "archive.csv"
    import csv

    with csv_path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=["id", "title", "text"])
        writer.writeheader()
        writer.writerow({"id": "c1", "title": title, "text": body})
    parquet_path = tmp_path / "archive.parquet"
    pq.write_table(pa.table({"id": ["p1"], "text": [page]}), parquet_path)
    for path in (csv_path, parquet_path):
        [article] = _records(path, config)
        assert _structure(article, config) == expected, path.name


SAMPLE_MARKDOWN = SAMPLE_ARTICLE.with_suffix(".md")


def test_markdown_page(config, expected):
    # ATX and setext headings, emphasis, links, code, an image caption, a bar of menu links,
    # a hard-wrapped paragraph and a <script> block (tests/fixtures/mali-rebels-en.md).
    article = read_path(SAMPLE_MARKDOWN, config.read)[0]
    assert article.source.format == "md"
    got = _structure(article, config)
    assert got == expected


def test_markdown_with_front_matter(tmp_path, config, expected):
    page = SAMPLE_MARKDOWN.read_text(encoding="utf-8")
    title = "Malian rebels deny support to Ukraine: break in diplomatic relations"
    front = (
        "---\n"
        f'title: "{title}"\n'
        "date: 2024-08-05\n"
        "author: [Jane Doe, John Roe]\n"
        "categories: [Africa, Politics]\n"
        "url: https://example.org/mali-rebels\n"
        "lang: en-GB\n"
        "draft: false\n"
        "---\n"
    )
    path = tmp_path / "mali.md"
    path.write_text(front + page.replace(f"# {title}\n", "", 1), encoding="utf-8")
    article = read_path(path, config.read)[0]
    assert (article.source.url, article.source.declared_lang) == ("https://example.org/mali-rebels", "en")
    assert _structure(article, config) == expected
    meta = article.metadata
    assert meta["date"] == "2024-08-05" and meta["author"] == "Jane Doe; John Roe"
    assert meta["categories"] == ["Africa", "Politics"] and meta["front_matter"] == {"draft": False}
