"""Benchmark `newsbridge serve`: N concurrent clients against the same requests sent one at
a time, in one run, against one server.

Starts the server on a free 127.0.0.1 port (models loaded once), then for each round runs both modes over the same articles -- one client submitting and
waiting for each article in turn, and `--clients` clients doing the same in parallel --
alternating which mode goes first. A request is "submit the article, wait until its
record is there" (POST /api/articles, then GET /api/articles/{id}?wait=...), as a CMS or
a person at the web page would. Reports requests/s, p50/p95/p99 latency, peak RSS of the
server process, failed requests and the worker's mean batch size; checks that the records
of both modes agree.

Like with like: both modes hit the same server with the same config; the translation and
summary caches are switched off (`translate.cache_size=0`, `summarize.cache_size=0`) so
the mode that runs second is not served from memory; the rate limit is off for the
benchmark's own client. Bounded: `--requests` articles per mode and `--time-limit`
seconds per mode (a request not done by then counts as failed).

Models (--models):
  bench (default)  what a newsroom would serve, at real size: the random-weight
                   opus-mt-base-shaped Marian en->uk and bart-base-shaped BART of
                   bench_translate.py / bench_summarize.py (built and converted once,
                   cached), configured exactly as bench_pipeline.py's ctranslate2_int8
                   variant (its overrides(): CTranslate2 int8 translation and summaries,
                   lengths forced -- random weights never stop on their own -- guards on,
                   the retry off, greedy, --threads). English-source WMT22 dev documents
                   (the bench model translates en->uk only).
  tiny             configs/tiny.yaml (the test models, torch generate()); en-uk and uk-en
                   sources alternating. Every tiny segment decodes to its length bound and
                   is retried with beam search: a test of the service, not of throughput.

    flock /tmp/newsbridge-bench.lock python scripts/bench_serve.py
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shlex
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from importlib import metadata
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("NEWSBRIDGE_SHARED_DATA", REPO.parent / "shared" / "data"))
BENCH_SETTINGS = ["translate.cache_size=0", "summarize.cache_size=0", "serve.rate_per_minute=0", "serve.max_queue=10000"]


def load_articles(count: int, min_sentences: int, max_sentences: int, pairs: tuple[str, ...]) -> list[str]:
    """WMT22 dev documents (the sources of `pairs`, alternating), 3 sentences a paragraph."""
    pools = []
    for name in pairs:
        path = SHARED / "wmt22-dev" / f"{name}.jsonl"
        docs = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        pools.append([d for d in docs if min_sentences <= len(d["src"]) <= max_sentences])
    articles = []
    for i in range(count):
        pool = pools[i % len(pools)]
        doc = pool[(i // len(pools)) % len(pool)]
        sentences = doc["src"]
        articles.append("\n\n".join(" ".join(sentences[j : j + 3]) for j in range(0, len(sentences), 3)))
    if len(set(articles)) < len(articles):
        sys.exit(f"error: only {len(set(articles))} distinct documents fit; lower --requests or widen the sentence range")
    return articles


def bench_models(threads: int) -> list[str]:
    """Build (once, cached) the real-size benchmark models and their CTranslate2 int8
    copies, and return bench_pipeline.py's ctranslate2_int8 overrides for them."""
    sys.path.insert(0, str(REPO / "scripts"))
    sys.path.insert(0, str(REPO))
    import bench_pipeline
    import bench_summarize
    import bench_translate

    cache = REPO / ".cache" / "bench"
    data = Path(bench_translate.DATA)
    bench_translate.build_ct2(bench_translate.build_model(data))
    bench_pipeline.build_ct2_summarizer(bench_summarize.build_model(cache, data), bench_translate.CACHE / "ct2")
    variant = argparse.Namespace(device="cpu", threads=threads, beams=1, cache=str(cache))
    return bench_pipeline.overrides("ctranslate2_int8", variant)


class ServerProcess:
    def __init__(self, config: str | None, overrides: list[str], data: Path, log: Path):
        cmd = [sys.executable, "-c", "from pipeline.cli.app import main; main()", "serve",
               *(["--config", config] if config else []), "--port", "0", "--data", str(data)]
        for item in overrides:
            cmd += ["--set", item]
        self.cmd = cmd
        self.log = log
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        self.fh = open(log, "wb")
        self.proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=self.fh, stderr=subprocess.STDOUT)
        self.url = self._wait_ready()

    def _wait_ready(self, limit_s: float = 600) -> str:
        deadline = time.monotonic() + limit_s
        url = None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                sys.exit(f"error: the server exited ({self.proc.returncode}):\n{self.log.read_text()[-2000:]}")
            if url is None:
                match = re.search(r"listening on (http://\S+)", self.log.read_text(errors="replace"))
                url = match.group(1) if match else None
            else:
                try:
                    if httpx.get(url + "/healthz", timeout=10).json().get("ready"):
                        return url
                except httpx.HTTPError:
                    pass
            time.sleep(0.1)
        self.stop()
        sys.exit(f"error: the server was not ready after {limit_s:.0f} s")

    def peak_rss_mb(self) -> float | None:
        try:
            for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
        except OSError:
            return None
        return None

    def reset_peak(self) -> bool:
        """Linux: writing 5 to clear_refs resets the peak RSS (VmHWM) to the current RSS."""
        try:
            Path(f"/proc/{self.proc.pid}/clear_refs").write_text("5")
            return True
        except OSError:
            return False

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(120)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.fh.close()


def one_request(client: httpx.Client, text: str, deadline: float) -> tuple[float, dict | None, str | None]:
    start = time.perf_counter()
    try:
        response = client.post("/api/articles", json={"text": text})
        if response.status_code != 202:
            return time.perf_counter() - start, None, f"submit {response.status_code}: {response.text[:200]}"
        job_id = response.json()["id"]
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return time.perf_counter() - start, None, "not done within --time-limit"
            body = client.get(f"/api/articles/{job_id}", params={"wait": min(30.0, max(left, 0.1))}).json()
            if body["status"] == "done":
                return time.perf_counter() - start, body["record"], None
            if body["status"] == "failed":
                return time.perf_counter() - start, None, f"failed: {body.get('error')}"
    except httpx.HTTPError as exc:
        return time.perf_counter() - start, None, f"{type(exc).__name__}: {exc}"


def run_mode(url: str, articles: list[str], clients: int, time_limit: float) -> dict:
    """`clients` clients, each with its own connection made before the clock starts (as a
    CMS or a browser has: making an HTTP client is not part of a request), taking the next
    article as soon as their last one is done."""
    results: list[tuple[float, dict | None, str | None] | None] = [None] * len(articles)
    pool = [httpx.Client(base_url=url, timeout=120) for _ in range(clients)]
    try:
        for c in pool:
            c.get("/healthz").raise_for_status()  # connected
        todo = iter(range(len(articles)))
        lock = threading.Lock()

        def client_loop(c: httpx.Client) -> None:
            while True:
                with lock:
                    i = next(todo, None)
                if i is None:
                    return
                results[i] = one_request(c, articles[i], deadline)

        deadline = time.monotonic() + time_limit
        start = time.perf_counter()
        with ThreadPoolExecutor(max_workers=clients) as executor:
            list(executor.map(client_loop, pool))
        wall = time.perf_counter() - start
    finally:
        for c in pool:
            c.close()
    latencies = [r[0] for r in results if r and r[2] is None]
    failures = [r[2] for r in results if r is None or r[2] is not None]
    return {"wall": wall, "latencies": latencies, "failures": failures,
            "records": [r[1] if r else None for r in results]}


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = (len(ordered) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def comparable(record: dict | None) -> str | None:
    """A record without what may differ between identical runs (its id, the signature)."""
    if record is None:
        return None
    kept = {k: v for k, v in record.items() if k not in ("id", "signature")}
    return json.dumps(kept, sort_keys=True, ensure_ascii=False)


def health(url: str) -> dict:
    return httpx.get(url + "/healthz", timeout=30).json()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--clients", type=int, default=16, help="concurrent clients (default 16)")
    ap.add_argument("--requests", type=int, default=32, help="articles per mode and round (default 32)")
    ap.add_argument("--rounds", type=int, default=2, help="rounds of both modes, alternating which goes first (default 2)")
    ap.add_argument("--time-limit", type=float, default=300, help="seconds per mode and round at most (default 300)")
    ap.add_argument("--models", choices=["bench", "tiny"], default="bench",
                    help="bench: real-size random-weight models on CTranslate2 int8, as bench_pipeline's ctranslate2_int8 "
                         "(default); tiny: configs/tiny.yaml")
    ap.add_argument("--threads", type=int, default=2, help="--models bench: runtime.threads (default 2, as bench_pipeline)")
    ap.add_argument("--config", default=None, help="server config (default: --models tiny: configs/tiny.yaml; bench: the default config)")
    ap.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                    help="config override for the server (repeatable), e.g. runtime.threads=1")
    ap.add_argument("--min-sentences", type=int, default=4)
    ap.add_argument("--max-sentences", type=int, default=12)
    ap.add_argument("--json", dest="json_out", type=Path, help="also write the numbers here")
    args = ap.parse_args()

    if args.models == "bench":
        config, pairs = args.config, ("en-uk",)
        overrides = bench_models(args.threads) + BENCH_SETTINGS + args.overrides
    else:
        config, pairs = args.config or str(REPO / "configs" / "tiny.yaml"), ("en-uk", "uk-en")
        overrides = BENCH_SETTINGS + args.overrides
    articles = load_articles(args.requests, args.min_sentences, args.max_sentences, pairs)
    print("command:", " ".join(shlex.quote(a) for a in [Path(sys.argv[0]).name, *sys.argv[1:]]))
    with tempfile.TemporaryDirectory(prefix="bench-serve-") as tmp:
        server = ServerProcess(config, overrides, Path(tmp) / "data", Path(tmp) / "server.log")
        try:
            print("server:", " ".join(shlex.quote(a) for a in server.cmd[3:]))
            print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, load before: {os.getloadavg()}")
            versions = {name: _version(name) for name in ("torch", "transformers", "ctranslate2", "fastapi", "uvicorn", "newsbridge")}
            print(f"python {platform.python_version()}; " + ", ".join(f"{k} {v}" for k, v in versions.items()))
            print(f"models: {args.models}; articles: {len(articles)} WMT22 dev {'/'.join(pairs)} source documents ({args.min_sentences}-{args.max_sentences} sentences), "
                  f"{sum(len(a) for a in articles):,} characters")
            modes = {"one at a time": 1, f"{args.clients} concurrent": args.clients}
            rows: dict[str, list[dict]] = {name: [] for name in modes}
            records: dict[str, list] = {name: [] for name in modes}
            for r in range(args.rounds):
                order = list(modes) if r % 2 == 0 else list(reversed(modes))
                for name in order:
                    server.reset_peak()
                    before = health(server.url)
                    result = run_mode(server.url, articles, modes[name], args.time_limit)
                    after = health(server.url)
                    result["peak_rss_mb"] = server.peak_rss_mb()
                    batches = after["batches"] - before["batches"]
                    result["mean_batch"] = (after["batched_articles"] - before["batched_articles"]) / batches if batches else float("nan")
                    result["load"] = os.getloadavg()[0]
                    # Where the time went: seconds the server spent in each stage (all
                    # articles of the mode together; CPU stages may overlap model stages).
                    result["stages"] = {name: after["stages"][name]["seconds"] - before["stages"].get(name, {}).get("seconds", 0.0)
                                        for name in after.get("stages", {})}
                    rows[name].append(result)
                    records[name].append(result.pop("records"))
                    ok = len(result["latencies"])
                    print(f"round {r + 1} {name}: {ok}/{len(articles)} ok in {result['wall']:.1f} s "
                          f"({ok / result['wall']:.3f} req/s), mean batch {result['mean_batch']:.1f}, load {result['load']:.2f}; "
                          f"server seconds per stage: " + ", ".join(f"{k} {v:.1f}" for k, v in result["stages"].items()), flush=True)
        finally:
            server.stop()

    print()
    print(f"| mode | requests | failed | requests/s | p50 s | p95 s | p99 s | peak RSS MB | mean batch | load (1 min) |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    summary = {}
    for name, results in rows.items():
        lat = [x for res in results for x in res["latencies"]]
        wall = sum(res["wall"] for res in results)
        failed = sum(len(res["failures"]) for res in results)
        rate = len(lat) / wall if wall else 0.0
        peak = max((res["peak_rss_mb"] or 0) for res in results)
        batch = statistics.mean(res["mean_batch"] for res in results)
        load = statistics.mean(res["load"] for res in results)
        summary[name] = {"requests": len(lat) + failed, "failed": failed, "rps": rate, "p50": percentile(lat, 0.5),
                         "p95": percentile(lat, 0.95), "p99": percentile(lat, 0.99), "peak_rss_mb": peak, "mean_batch": batch}
        print(f"| {name} | {len(lat) + failed} | {failed} | {rate:.3f} | {percentile(lat, .5):.2f} | {percentile(lat, .95):.2f} | "
              f"{percentile(lat, .99):.2f} | {peak:.0f} | {batch:.1f} | {load:.2f} |")
    one, many = (summary[name] for name in modes)
    speedup = many["rps"] / one["rps"] if one["rps"] else float("nan")
    print(f"\nthroughput, {args.clients} concurrent / one at a time: {speedup:.2f}x (target >= 3x, no failed request)")
    # What the model stages alone gained from the batches (the ceiling of the ratio, as
    # far as the service goes), and how much of each mode's wall time the stages were.
    stage_s = {name: sum(sum(res["stages"].values()) for res in results) for name, results in rows.items()}
    walls = {name: sum(res["wall"] for res in results) for name, results in rows.items()}
    one_name, many_name = modes
    stage_gain = stage_s[one_name] / stage_s[many_name] if stage_s[many_name] else float("nan")
    print(f"server seconds in the stages, one at a time / {args.clients} concurrent: {stage_s[one_name]:.1f} / "
          f"{stage_s[many_name]:.1f} = {stage_gain:.2f}x; share of wall time: "
          + ", ".join(f"{name} {stage_s[name] / walls[name]:.0%}" for name in modes if walls[name]))

    # Same article, same record, whichever way it was sent (greedy decoding is deterministic
    # up to batch padding; a difference is reported, not hidden).
    flat = {name: [comparable(rec) for recs in records[name] for rec in recs] for name in modes}
    a, b = flat.values()
    same = sum(1 for x, y in zip(a, b) if x is not None and x == y)
    both = sum(1 for x, y in zip(a, b) if x is not None and y is not None)
    print(f"records identical in both modes: {same}/{both}")
    for name, results in rows.items():
        for res in results:
            for failure in res["failures"][:5]:
                print(f"failed ({name}): {failure}")
    if args.json_out:
        args.json_out.write_text(json.dumps({"summary": summary, "speedup": speedup, "stage_gain": stage_gain, "identical": [same, both]}, indent=2))
    failed_any = any(s["failed"] for s in summary.values())
    return 1 if failed_any else 0


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "?"


if __name__ == "__main__":
    sys.exit(main())
