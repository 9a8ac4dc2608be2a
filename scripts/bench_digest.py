"""Digest memory and speed: N generated records (articles.jsonl) -> OUT/digest/.

Each size runs in a fresh process, so peak RSS is that run's own. The records stream:
only the index entries (titles, summaries, tags) are kept, so peak RSS should grow far
less than the archive does.

    flock /tmp/newsbridge-bench.lock .venv/bin/python scripts/bench_digest.py 1000 10000
"""

from __future__ import annotations

import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

EN = "the a city port council said minister report army border rebels winter power grid talks aid".split()
UK = "місто порт рада заявив міністр звіт армія кордон зима енергія мережа переговори допомога".split()


def _sentence(rng: random.Random, words: list[str]) -> str:
    return " ".join(rng.choice(words) for _ in range(rng.randint(12, 28))).capitalize() + "."


def make_record(i: int, rng: random.Random) -> dict:
    sections = []
    for s in range(6):
        segments = [
            {"en": _sentence(rng, EN), "uk": _sentence(rng, UK), "src": "en", "para": p, "confidence": 0.99, "script": "Latin"}
            for p in range(3)
            for _ in range(3)
        ]
        sections.append(
            {
                "heading": None if s == 0 else {"en": _sentence(rng, EN)[:60], "uk": _sentence(rng, UK)[:60]},
                "lang": "en",
                "text": {},
                "summary": {"en": _sentence(rng, EN), "uk": _sentence(rng, UK)},
                "segments": segments,
            }
        )
    return {
        "id": f"bench-{i:06d}",
        "source": {"path": f"archive/{i:06d}.txt", "lang": "en"},
        "title": {"en": _sentence(rng, EN)[:80], "uk": _sentence(rng, UK)[:80]},
        "title_src": "en",
        "sections": sections,
        "summary": {"en": _sentence(rng, EN), "uk": _sentence(rng, UK)},
        "tags": [{"text": "НОВИНИ", "lang": "uk", "translation": "NEWS", "translations": {"en": "NEWS"}}],
        "metadata": {"date": f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}", "caption": "Photo: x", "removed": []},
        "warnings": [],
        "signature": {"newsbridge": "0.1.0", "models": {}, "config_hash": "bench"},
    }


def child(out_dir: str) -> None:
    from pipeline.digest import build_digest

    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    result = build_digest(out_dir)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"articles": result.articles, "seconds": seconds, "rss_before_kb": base, "rss_peak_kb": peak}))


def main(sizes: list[int]) -> None:
    rows = []
    for n in sizes:
        with tempfile.TemporaryDirectory(prefix="bench-digest-") as tmp:
            rng = random.Random(n)
            jsonl = Path(tmp) / "articles.jsonl"
            with open(jsonl, "w", encoding="utf-8") as fh:
                for i in range(n):
                    fh.write(json.dumps(make_record(i, rng), ensure_ascii=False) + "\n")
            size_mb = jsonl.stat().st_size / 1e6
            out = subprocess.run([sys.executable, __file__, "--child", tmp], capture_output=True, text=True, check=True)
            row = json.loads(out.stdout)
            row["jsonl_mb"] = size_mb
            rows.append(row)
            print(
                f"{n:>7} articles  articles.jsonl {size_mb:7.1f} MB  {row['seconds']:6.1f} s  "
                f"{n / row['seconds']:6.0f} articles/s  peak RSS {row['rss_peak_kb'] / 1024:6.1f} MB "
                f"(after imports {row['rss_before_kb'] / 1024:.1f} MB)"
            )
    if len(rows) > 1:
        a, b = rows[0], rows[-1]
        grow_rss = (b["rss_peak_kb"] - a["rss_peak_kb"]) / a["rss_peak_kb"]
        print(f"archive x{b['jsonl_mb'] / a['jsonl_mb']:.1f}: peak RSS +{100 * grow_rss:.1f}%")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        child(sys.argv[2])
    else:
        main([int(x) for x in sys.argv[1:]] or [1000, 10000])
