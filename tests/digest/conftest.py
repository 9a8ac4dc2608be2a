"""Digest fixtures: the sample article through the real pipeline (tiny models) plus
generated records, written as a `batch`-style out dir and rendered once per session."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.config import DigestConfig
from pipeline.digest import build_digest
from pipeline.io.readers import read_path
from pipeline.runner import Pipeline

from ..conftest import SAMPLE_ARTICLE
from .samples import generated_records


@pytest.fixture(scope="session")
def sample_record(tiny_context) -> dict:
    articles = read_path(SAMPLE_ARTICLE, tiny_context.config.read)
    article = Pipeline.from_config(tiny_context.config, tiny_context).run(articles)[0]
    assert article.ok, article.error
    return article.to_record()


@pytest.fixture(scope="session")
def all_records(sample_record) -> list[dict]:
    return [sample_record, *generated_records()]


@pytest.fixture(scope="session")
def site(tmp_path_factory, all_records):
    """(out_dir, DigestResult) for a batch-style out dir: articles.jsonl + errors.jsonl."""
    out = tmp_path_factory.mktemp("batch-out")
    with open(out / "articles.jsonl", "w", encoding="utf-8") as fh:
        for rec in all_records:
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    error = {"id": "broken-1", "source": {"path": "in/broken.txt"}, "stage": "read", "kind": "binary", "message": "in/broken.txt: looks like a binary file"}
    (out / "errors.jsonl").write_text(json.dumps(error) + "\n", encoding="utf-8")
    result = build_digest(out, DigestConfig())
    return out, result


def page_of(result, article_id: str) -> Path:
    from pipeline.digest.filenames import page_name

    return result.index.parent / "articles" / page_name(article_id)
