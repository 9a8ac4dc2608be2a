"""Shared helpers for batch tests: archives on disk and output comparison."""

from __future__ import annotations

import json
from pathlib import Path

from tests.synthetic import as_text_file, synthetic_articles

OUTPUTS = ("articles.jsonl", "errors.jsonl", "pairs.tsv", "pairs.tmx")


def write_txt_articles(folder: Path, n: int, seed: int = 0) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for rec in synthetic_articles(n, seed=seed):
        path = folder / f"{rec['id']}.txt"
        path.write_text(as_text_file(rec), encoding="utf-8")
        paths.append(path)
    return paths


def write_jsonl(path: Path, records: list[dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


def read_outputs(out: Path, names=OUTPUTS) -> dict[str, bytes]:
    return {name: (out / name).read_bytes() for name in names if (out / name).exists()}


def parquet_rows(out: Path) -> list[dict]:
    import pyarrow.parquet as pq

    return pq.read_table(out / "articles.parquet").to_pylist()


def jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
