"""Under contention: the same `newsbridge run` quiet and beside N busy single-thread
processes, for each thread/wait setting, in one go; reports the slowdown against the
fair share of the CPUs.

    flock /tmp/newsbridge-bench.lock python scripts/bench_contention.py [--busy 4] [--kb 6] [--real-size]

Fair share: with C usable CPUs, our C compute threads beside N busy processes should get
C/(N+C) of the machine, so the fair slowdown is (N+C)/C (2 CPUs + 4 busy: 3x); the target
is at most 1.5x that (4.5x). Variants (same CLI, same article, same thread count, outputs
checked equal):
  today        the code before (--baseline-repo, default /work/main): torch's own thread
               count and libgomp's default spin
  default      newsbridge's default now (pipeline/threads.py: GOMP_SPINCOUNT=10000)
  passive      OMP_WAIT_POLICY=PASSIVE (threads sleep at once)
Repeats are interleaved (quiet and busy runs of every variant alternate) so load drift
from other users of the machine hits all variants alike; the machine load is printed.

--real-size swaps the en-uk translator for the real-size random-weight MarianMT that
scripts/bench_translate.py builds (opus-mt-base shape), summaries stay tiny.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CACHE = REPO / ".cache" / "bench-contention"
VARIANTS = {
    "today": {},  # the code before this change: --baseline-repo (default /work/main) on PYTHONPATH
    "default": {},
    "passive": {"OMP_WAIT_POLICY": "PASSIVE"},
}
BUSY = "while True: pass"


def article(kb: int) -> Path:
    """A news-like English article of about `kb` KB, from the WMT22 dev data (repeated paragraphs otherwise)."""
    path = CACHE / f"article-{kb}kb.txt"
    if path.exists():
        return path
    CACHE.mkdir(parents=True, exist_ok=True)
    data = Path(os.environ.get("NEWSBRIDGE_SHARED_DATA", REPO.parent / "shared" / "data")) / "wmt22-dev"
    lines: list[str] = []
    for f in sorted(data.glob("*en-uk*.jsonl")) if data.is_dir() else []:
        for line in f.read_text(encoding="utf-8").splitlines():
            src = json.loads(line).get("src") or []
            lines.extend(s for s in ([src] if isinstance(src, str) else src) if s.strip())
    if not lines:
        lines = (REPO / "tests" / "fixtures" / "mali-rebels-en.txt").read_text(encoding="utf-8").split("\n")
    body, size, i = ["Benchmark article under contention"], 0, 0
    while size < kb * 1000:
        para = " ".join(lines[i % len(lines): i % len(lines) + 4]).strip()
        i += 4
        if para:
            body.append(para)
            size += len(para) + 2
    path.write_text("\n\n".join(body) + "\n", encoding="utf-8")
    return path


def tiny_root() -> Path:
    root = CACHE / "models"
    if not (root / "tiny").is_dir():
        from pipeline.tiny_models import build_tiny_models

        build_tiny_models(root / "tiny")
    return root


def run_once(cmd: list[str], env: dict[str, str]) -> tuple[float, float, bytes]:
    """(wall seconds, CPU seconds of the run, its record without the signature)."""
    import resource

    out = Path(tempfile.mkdtemp(prefix="bench-contention-"))
    try:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        proc = subprocess.run([*cmd, "--out", str(out)], env=env, capture_output=True)
        seconds = time.perf_counter() - t0
        after = resource.getrusage(resource.RUSAGE_CHILDREN)  # the busy processes are reaped later
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        if proc.returncode != 0:
            sys.exit(f"run failed ({proc.returncode}): {proc.stderr.decode()[-800:]}")
        record = json.loads(next(out.glob("*.json")).read_text(encoding="utf-8"))
        record.pop("signature", None)
        return seconds, cpu, json.dumps(record, sort_keys=True).encode()
    finally:
        shutil.rmtree(out, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--busy", type=int, default=4, help="busy single-thread processes beside the run")
    ap.add_argument("--kb", type=int, default=6, help="article size in KB (the issue used 30; keep it short on a shared machine)")
    ap.add_argument("--repeats", type=int, default=1)
    ap.add_argument("--variants", default="today,default,passive")
    ap.add_argument("--baseline-repo", default="/work/main", help="checkout whose code is the 'today' variant")
    ap.add_argument("--real-size", action="store_true", help="real-size random-weight en-uk MarianMT (scripts/bench_translate.py)")
    args = ap.parse_args()
    sys.path.insert(0, str(REPO))
    from pipeline.threads import available_cpus

    cpus = available_cpus()
    path = article(args.kb)
    sets = [f"models.root={tiny_root()}"]
    if args.real_size:
        sys.path.insert(0, str(REPO / "scripts"))
        import bench_translate

        model_dir = bench_translate.build_model()
        # The en-uk translator's weights swapped for the real-size ones (same role, same CLI).
        sets.append(f"models.local_dirs.tiny-marian-en-uk={model_dir}")
    cmd = [sys.executable, "-c", "from pipeline.cli.app import main; main()", "run", str(path), "--config", str(REPO / "configs" / "tiny.yaml")]
    for s in sets:
        cmd += ["--set", s]
    base_env = {k: v for k, v in os.environ.items() if k not in ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT", "OMP_NUM_THREADS")}
    base_env["PYTHONPATH"] = str(REPO)
    variants = [v for v in args.variants.split(",") if v]
    times: dict[tuple[str, str], list[float]] = {}
    cpus_used: dict[tuple[str, str], list[float]] = {}
    outputs: dict[str, bytes] = {}
    print(f"# {' '.join(sys.argv)}")
    print(f"# {platform.platform()}, python {platform.python_version()}, usable CPUs {cpus}, article {path.stat().st_size:,} bytes, "
          f"busy {args.busy}, load before {os.getloadavg()}")
    for rep in range(args.repeats):
        for cond in ("quiet", "busy"):
            for name in variants:
                env = {**base_env, **VARIANTS[name]}
                if name == "today":
                    env["PYTHONPATH"] = args.baseline_repo
                busy = [subprocess.Popen([sys.executable, "-c", BUSY]) for _ in range(args.busy if cond == "busy" else 0)]
                try:
                    seconds, cpu, out = run_once(cmd, env)
                finally:
                    for p in busy:
                        p.kill()
                        p.wait()
                times.setdefault((name, cond), []).append(seconds)
                cpus_used.setdefault((name, cond), []).append(cpu)
                if outputs.setdefault(name, out) != out:
                    print(f"# warning: {name} gave different outputs across runs")
                print(f"  rep {rep} {cond:5s} {name:8s} {seconds:7.1f} s wall {cpu:7.1f} s CPU  (load {os.getloadavg()[0]:.2f})", flush=True)
    same = len(set(outputs.values())) == 1
    fair = (args.busy + cpus) / cpus
    print(f"\noutputs identical across variants: {same}")
    print(f"fair-share slowdown beside {args.busy} busy processes on {cpus} CPUs: {fair:.2f}x; target <= {1.5 * fair:.2f}x")
    # CPU seconds: what spinning threads burn shows up here even when other users of the
    # machine make wall times noisy.
    print(f"{'variant':10s} {'quiet s':>8s} {'busy s':>8s} {'slowdown':>9s} {'vs fair':>8s} {'CPU quiet':>10s} {'CPU busy':>9s}")
    for name in variants:
        q = statistics.median(times[(name, "quiet")])
        b = statistics.median(times[(name, "busy")])
        cq = statistics.median(cpus_used[(name, "quiet")])
        cb = statistics.median(cpus_used[(name, "busy")])
        print(f"{name:10s} {q:8.1f} {b:8.1f} {b / q:8.2f}x {b / q / fair:7.2f}x {cq:9.1f}s {cb:8.1f}s")
    print(f"# load after {os.getloadavg()}")


if __name__ == "__main__":
    main()
