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

`--executor ray` (needs the 'ray' extra) measures the Ray executor instead: one archive
(--ray-articles, default 150 .txt files, so that the work splits over workers) through
local W=1, Ray W=1 and Ray W=2, one torch thread per worker (runtime.threads=1), the
variants interleaved --repeats times (default 2), on a local Ray cluster started once for
the benchmark (its start time is reported apart: on a real cluster it is paid once, by
`ray start`). Reports min and median wall times, Ray's own overhead at W=1 (target <= 10%)
and the W=2 speed-up, checks that all three wrote the same bytes (every output, and the
manifest apart from timings and the executor). Run it under
`flock /tmp/newsbridge-bench.lock`, as every benchmark here (the machine is shared).
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


def run_once(archive: Path, out: Path, models_root: Path, batch_size: int, extra: list[str],
             cli_extra: list[str] | None = None) -> dict:
    if out.exists():
        shutil.rmtree(out)
    newsbridge = Path(sys.executable).with_name("newsbridge")
    cmd = [str(newsbridge), "batch", str(archive), "--out", str(out), "--config", str(REPO / "configs" / "tiny.yaml"),
           "--set", f"models.root={models_root}", "--set", f"batch.batch_size={batch_size}", "--no-progress"]
    for item in extra:
        cmd += ["--set", item]
    cmd += cli_extra or []
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
        "run_s": t.get("run", 0.0),  # inside the worker(s), summed over workers
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


def _load() -> str:
    return "load average " + ", ".join(f"{x:.2f}" for x in os.getloadavg())


def _same_bytes(a: Path, b: Path) -> bool:
    names = ("articles.jsonl", "errors.jsonl", "duplicates.jsonl", "articles.parquet", "pairs.tsv", "pairs.tmx")
    return all((a / n).read_bytes() == (b / n).read_bytes() for n in names) and _stable_manifest(a) == _stable_manifest(b)


def _stable_manifest(out: Path) -> dict:
    """manifest.json without what names the run (times, sessions, the executor)."""
    volatile = ("out", "started", "finished", "finalize_seconds", "last_session", "sessions", "executor")
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    return {k: v for k, v in manifest.items() if k not in volatile}


def ray_main(args) -> int:
    """local W=1 vs Ray W=1 vs Ray W=2 on one archive, interleaved, one thread per worker."""
    import platform
    import statistics
    from importlib import metadata

    os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")  # listen on 127.0.0.1 only (see ray_executor)
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    # Like with like: workers at the CLI's priority, as the job's own cluster runs them
    # (Ray's default is nice 15); --ray-niceness 15 measures what that default costs here.
    os.environ["RAY_worker_niceness"] = str(args.ray_niceness)
    import ray

    print("command:", " ".join([sys.executable, *sys.argv]))
    print(f"machine: {platform.node()}, {os.cpu_count()} CPUs, {_load()} at start; python {platform.python_version()}, "
          f"torch {metadata.version('torch')}, ray {metadata.version('ray')}")
    models_root = args.work / "models"
    ensure_tiny(models_root)
    n = args.ray_articles
    archive = args.work / f"archive-{n}-txt"
    if not archive.exists():
        write_archive(archive, n, seed=11, fmt="txt")
    t0 = time.perf_counter()
    ray.init(address="local", num_cpus=2, include_dashboard=False, _node_ip_address="127.0.0.1",
             object_store_memory=128 * 1024**2, logging_level="ERROR", log_to_driver=False)
    cluster_start = time.perf_counter() - t0
    address = ray.get_runtime_context().gcs_address
    print(f"local Ray cluster (2 CPUs, workers at nice {args.ray_niceness}) started in {cluster_start:.1f} s at {address}")
    sets = [*args.sets, "runtime.threads=1"]
    variants = {
        "local W=1": [],
        "ray W=1": ["--executor", "ray", "--workers", "1", "--ray-address", address],
        "ray W=2": ["--executor", "ray", "--workers", "2", "--ray-address", address],
    }
    walls: dict[str, list[float]] = {name: [] for name in variants}
    # A job's wall time minus its worker's own run (W=1): process start, imports, planning,
    # placing the worker (Ray: connect, schedule, start a worker process), merging. Ray's own
    # cost is the difference of these, free of the load noise in the models' share.
    outside: dict[str, list[float]] = {name: [] for name in variants}
    names = list(variants)
    try:
        for rep in range(args.repeats):
            order = names[rep % len(names):] + names[:rep % len(names)]  # interleave, rotate who goes first
            for name in order:
                out = args.work / f"out-{name.replace(' ', '').replace('=', '')}"
                row = run_once(archive, out, models_root, args.batch_size, sets, variants[name])
                walls[name].append(row["wall_s"])
                outside[name].append(row["wall_s"] - row["run_s"])
                beyond = f"outside the worker {outside[name][-1]:4.1f} s, " if name.endswith("W=1") else ""
                print(f"  repeat {rep + 1} {name:>9}: wall {row['wall_s']:6.1f} s, {beyond}"
                      f"{row['written']} written, "
                      f"stages {row['stages_s']:.1f} worker-s, load {row['load_s']:.1f} worker-s ({_load()})", flush=True)
    finally:
        ray.shutdown()
    base = {name: args.work / f"out-{name.replace(' ', '').replace('=', '')}" for name in names}
    same = {name: _same_bytes(base["local W=1"], base[name]) for name in names[1:]}
    med = {name: statistics.median(v) for name, v in walls.items()}
    low = {name: min(v) for name, v in walls.items()}
    overhead_med = med["ray W=1"] / med["local W=1"] - 1
    overhead_min = low["ray W=1"] / low["local W=1"] - 1
    size = args.batch_size
    chunks = -(-n // size)
    shares = [sum(min(size, n - k * size) for k in range(r, chunks, 2)) for r in range(2)]
    print(f"\n{n} articles, work units of {size} ({chunks} units; W=2 shares {shares[0]}/{shares[1]} articles), "
          f"1 thread per worker, {args.repeats} interleaved repeats:")
    for name in names:
        print(f"  {name:>9}: min {low[name]:6.1f} s, median {med[name]:6.1f} s  (runs: {', '.join(f'{w:.1f}' for w in walls[name])})")
    fixed = {name: statistics.median(outside[name]) for name in names}
    overhead_fixed = (fixed["ray W=1"] - fixed["local W=1"]) / med["local W=1"]
    print(f"outside the worker (median): local W=1 {fixed['local W=1']:.1f} s, Ray W=1 {fixed['ray W=1']:.1f} s: Ray adds "
          f"{fixed['ray W=1'] - fixed['local W=1']:+.1f} s a job, {100 * overhead_fixed:+.1f}% of local W=1's median wall")
    ok = overhead_min <= 0.10
    print(f"Ray's own overhead at W=1: {100 * overhead_min:+.1f}% on the minima, {100 * overhead_med:+.1f}% on the medians "
          f"(target <= 10%, judged on the minima, the runs least disturbed by other load): {'PASS' if ok else 'FAIL'}"
          f"  [+ {cluster_start:.1f} s once to start a local cluster, not in these figures]")
    print(f"W=2 speed-up: {low['ray W=1'] / low['ray W=2']:.2f}x over Ray W=1 and {low['local W=1'] / low['ray W=2']:.2f}x over "
          f"local W=1 on the minima ({med['ray W=1'] / med['ray W=2']:.2f}x / {med['local W=1'] / med['ray W=2']:.2f}x on the medians; "
          f"at most {n / max(shares):.2f}x with this split; {os.cpu_count()} CPUs shared with other users; {_load()} at the end)")
    print("outputs byte-identical to local W=1 (every output; manifest apart from timings and executor): "
          + ", ".join(f"{name}: {v}" for name, v in same.items()))
    if not args.keep:
        for path in base.values():
            shutil.rmtree(path, ignore_errors=True)
    return 0 if ok and all(same.values()) else 1


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="1000,10000")
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--format", choices=["jsonl", "txt"], default="jsonl", help="one JSONL file, or a folder of .txt files")
    ap.add_argument("--work", type=Path, default=REPO / ".cache" / "bench-batch")
    ap.add_argument("--set", dest="sets", action="append", default=[])
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--executor", choices=["local", "ray"], default="local",
                    help="ray: local W=1 vs Ray W=1 vs Ray W=2 (see above)")
    ap.add_argument("--ray-articles", type=int, default=150)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--ray-niceness", type=int, default=0, help="nice value of Ray's workers (Ray's own default: 15)")
    args = ap.parse_args()
    if args.executor == "ray":
        return ray_main(args)
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
