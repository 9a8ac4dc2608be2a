"""One id scheme: the same article as a .txt file and as a JSONL record is one article."""

from __future__ import annotations

import json

from pipeline.batch.engine import BatchJob
from pipeline.batch.local import run_local
from pipeline.config import load_config
from pipeline.text.ids import article_id

from .helpers import jsonl


def test_the_same_article_in_two_formats_is_written_once(tmp_path):
    title, body = "Malian rebels deny support", "Rebels denied the claims.\n\nThe army said it would respond."
    root = tmp_path / "in"
    root.mkdir()
    (root / "mali-rebels.txt").write_text(f"{title}\n\n{body}\n", encoding="utf-8")
    (root / "archive.jsonl").write_text(
        json.dumps({"title": title, "text": body}) + "\n" + json.dumps({"title": "Other", "text": "Another story."}) + "\n",
        encoding="utf-8",
    )
    cfg = load_config(None, ["pipeline.stages=[clean,segment]"])
    out = tmp_path / "out"
    _, final = run_local(BatchJob(inputs=[root], out=out, config=cfg))
    assert final.totals["written"] == 2 and final.totals["duplicates"] == 1
    ids = [r["id"] for r in jsonl(out / "articles.jsonl")]
    assert article_id(body, title) in ids and len(set(ids)) == 2
    (dup,) = jsonl(out / "duplicates.jsonl")
    assert dup["id"] == article_id(body, title)
