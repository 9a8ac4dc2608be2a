"""Shared helpers for batch tests: archives on disk and output comparison."""

from __future__ import annotations

import json
from pathlib import Path

from tests.synthetic import as_text_file, synthetic_articles

OUTPUTS = ("articles.jsonl", "errors.jsonl", "duplicates.jsonl", "pairs.tsv", "pairs.tmx")
# What may differ between two runs of one job: when and where it ran, and what ran it.
MANIFEST_VOLATILE = ("out", "started", "finished", "finalize_seconds", "last_session", "sessions", "executor")


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
    missing = [name for name in names if not (out / name).exists()]
    assert not missing, f"{out}: no {', '.join(missing)}"
    return {name: (out / name).read_bytes() for name in names}


def stable_manifest(out: Path) -> dict:
    """manifest.json without the fields that name the run rather than the result."""
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    return {k: v for k, v in manifest.items() if k not in MANIFEST_VOLATILE}


def assert_same_outputs(a: Path, b: Path) -> None:
    """Every output byte for byte (parquet included), manifest apart from MANIFEST_VOLATILE."""
    assert read_outputs(a) == read_outputs(b)
    assert (a / "articles.parquet").read_bytes() == (b / "articles.parquet").read_bytes()
    assert stable_manifest(a) == stable_manifest(b)


def parquet_rows(out: Path) -> list[dict]:
    import pyarrow.parquet as pq

    return pq.read_table(out / "articles.parquet").to_pylist()


def jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
