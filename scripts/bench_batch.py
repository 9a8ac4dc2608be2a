"""Benchmark `newsbridge batch`: flat memory and the cost of the batch machinery.

For each archive size (default 1,000 and 10,000 generated articles, one JSONL file each)
this runs the real CLI in a fresh process with the tiny models (every configured stage:
clean, segment, detect, translate, summarize), then reports
  - peak RSS of that process (os.wait4 -> ru_maxrss) and its growth from the smallest
    to the largest archive (target: < 10%),
  - the batch machinery's share of the run: writing the worker log + ledger commits +
    finalisation (articles.jsonl, parquet, tsv, tmx, manifest), from the manifest's
    timings, over the wall time of the run (target: < 5%); reading inputs is shown apart.
Run it alone on the machine:
    flock /tmp/newsbridge-bench.lock .venv/bin/python scripts/bench_batch.py
Options: --sizes 1000,10000  --batch-size 32  --format jsonl|txt (one JSONL file, or a
         folder of .txt files)  --work DIR (default .cache/bench-batch)
         --set key=value (extra config overrides, repeatable), --keep (keep outputs).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def write_archive(path: Path, n: int, seed: int, fmt: str) -> None:
    """One JSONL file, or a folder of .txt files (100 per subfolder), of `n` articles."""
    from tests.synthetic import as_text_file, synthetic_articles

    if fmt == "txt":
        for i, rec in enumerate(synthetic_articles(n, seed=seed)):
            sub = path / f"{i // 100:04d}"
            sub.mkdir(parents=True, exist_ok=True)
            (sub / f"{rec['id']}.txt").write_text(as_text_file(rec), encoding="utf-8")
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as fh:
        for rec in synthetic_articles(n, seed=seed):
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")


def ensure_tiny(models_root: Path) -> None:
    if (models_root / "tiny" / "marian-en-uk" / "config.json").exists():
        return
    from pipeline.tiny_models import build_tiny_models

    build_tiny_models(models_root / "tiny")


def run_once(archive: Path, out: Path, models_root: Path, batch_size: int, extra: list[str]) -> dict:
    if out.exists():
        shutil.rmtree(out)
    newsbridge = Path(sys.executable).with_name("newsbridge")
    cmd = [str(newsbridge), "batch", str(archive), "--out", str(out), "--config", str(REPO / "configs" / "tiny.yaml"),
           "--set", f"models.root={models_root}", "--set", f"batch.batch_size={batch_size}", "--no-progress"]
    for item in extra:
        cmd += ["--set", item]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    # wait4 gives this child's own rusage (peak RSS), not the max over all children.
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    stdout, stderr = proc.stdout.read().decode(), proc.stderr.read().decode()
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise SystemExit(f"batch failed ({code}):\n{stderr[-3000:]}\n{stdout[-3000:]}")
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    t = manifest["last_session"]["timings"]
    machinery = t["write"] + t["ledger"] + manifest["finalize_seconds"]
    return {
        "articles": manifest["counts"]["inputs"],
        "written": manifest["counts"]["written"],
        "errors": manifest["counts"]["errors"],
        "wall_s": wall,
        "peak_rss_mb": usage.ru_maxrss / 1024,
        "stages_s": t["stages"],
        "load_s": t["load"],
        "read_s": t["read"],
        "write_s": t["write"],
        "ledger_s": t["ledger"],
        "finalize_s": manifest["finalize_seconds"],
        "machinery_share": machinery / wall,
        "read_share": t["read"] / wall,
        "per_article_ms": 1000 * wall / max(manifest["counts"]["inputs"], 1),
        "stats": manifest["last_session"]["stats"],
        "output_mb": sum(p.stat().st_size for p in out.iterdir() if p.is_file()) / 1e6,
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="1000,10000")
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--format", choices=["jsonl", "txt"], default="jsonl", help="one JSONL file, or a folder of .txt files")
    ap.add_argument("--work", type=Path, default=REPO / ".cache" / "bench-batch")
    ap.add_argument("--set", dest="sets", action="append", default=[])
    ap.add_argument("--keep", action="store_true")
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    models_root = args.work / "models"
    ensure_tiny(models_root)
    rows = []
    for n in sizes:
        archive = args.work / (f"archive-{n}.jsonl" if args.format == "jsonl" else f"archive-{n}-txt")
        if not archive.exists():
            write_archive(archive, n, seed=11, fmt=args.format)
        row = run_once(archive, args.work / f"out-{n}", models_root, args.batch_size, args.sets)
        rows.append(row)
        print(f"{n:>7,} articles: wall {row['wall_s']:7.1f} s ({row['per_article_ms']:.1f} ms/article), "
              f"peak RSS {row['peak_rss_mb']:7.1f} MB, stages {row['stages_s']:.1f} s, load {row['load_s']:.1f} s, "
              f"read {row['read_s']:.2f} s, write {row['write_s']:.2f} s, ledger {row['ledger_s']:.2f} s, "
              f"finalise {row['finalize_s']:.2f} s -> machinery {100 * row['machinery_share']:.2f}% of the run "
              f"(reading {100 * row['read_share']:.2f}%), outputs {row['output_mb']:.0f} MB", flush=True)
        if not args.keep:
            shutil.rmtree(args.work / f"out-{n}", ignore_errors=True)
    small, big = rows[0], rows[-1]
    growth = (big["peak_rss_mb"] - small["peak_rss_mb"]) / small["peak_rss_mb"]
    print(f"\npeak RSS: {small['articles']:,} articles {small['peak_rss_mb']:.1f} MB -> {big['articles']:,} articles "
          f"{big['peak_rss_mb']:.1f} MB: {100 * growth:+.1f}% (target < 10%): {'PASS' if growth < 0.10 else 'FAIL'}")
    worst = max(r["machinery_share"] for r in rows)
    print(f"batch machinery (log writes + ledger commits + finalisation): at most {100 * worst:.2f}% of a run "
          f"(target < 5%): {'PASS' if worst < 0.05 else 'FAIL'}")
    print("stages per run (seconds):", {k: v["seconds"] for k, v in big["stats"].items()})
    return 0 if growth < 0.10 and worst < 0.05 else 1


if __name__ == "__main__":
    raise SystemExit(main())
