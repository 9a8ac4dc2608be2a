"""Main-text extraction: newsbridge (read + clean) vs plain `trafilatura.extract`, on the
same real pages, in one run.

Corpus: tests/fixtures/extract_corpus (see its SOURCES.md; assembled by
scripts/make_extract_corpus.py from other projects' public extraction test sets).
Measures, over all pages:
- keep: share of must-keep strings found in the body text (higher is better);
- drop: share of must-drop strings still in the body text (lower is better);
- F1: token F1 against the reference text, mean over pages with a full reference;
- breaks: mid-sentence breaks, a line that ends without sentence punctuation followed
  by a line starting in lower case (lower is better).
newsbridge's body is its section headings and paragraphs, one per line (the title is
metadata, as trafilatura.extract leaves it out too); all pages go through the clean
stage as one batch, as `newsbridge batch` would. trafilatura runs with its defaults
(its documented use), the same focus as newsbridge's default read.html_focus=balanced.

  flock /tmp/newsbridge-bench.lock python scripts/bench_extract.py [--corpus DIR] [--show]
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import re
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

_END = re.compile(r"[.!?…:;\"'»”’)\]]$")
_QUOTES = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "«": '"', "»": '"', "\u00a0": " "})


def norm(text: str) -> str:
    return re.sub(r"\s+", " ", text.translate(_QUOTES)).strip().casefold()


def tokens(text: str) -> Counter[str]:
    return Counter(re.findall(r"\w+", text.casefold()))


def token_f1(out: str, ref: str) -> float:
    a, b = tokens(out), tokens(ref)
    common = sum((a & b).values())
    if not common:
        return 0.0
    p, r = common / sum(a.values()), common / sum(b.values())
    return 2 * p * r / (p + r)


def breaks(text: str) -> list[tuple[str, str]]:
    lines = [ln.strip() for ln in text.split("\n") if ln.strip()]
    return [(a, b) for a, b in zip(lines, lines[1:]) if not _END.search(a) and b[0].islower()]


def newsbridge_bodies(pages: dict[str, bytes]) -> dict[str, str]:
    from pipeline.config import load_config
    from pipeline.context import Context
    from pipeline.errors import InputError
    from pipeline.io.readers import read_path
    from pipeline.stages.clean import CleanStage

    config = load_config(None)
    articles, out = [], {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, page in pages.items():
            path = Path(tmp) / f"{name}.html"
            path.write_bytes(page)
            try:
                articles.append((name, read_path(path, config.read)[0]))
            except InputError:
                out[name] = ""
        CleanStage(Context(config))([a for _, a in articles])
    for name, article in articles:
        lines = []
        if article.ok:
            for section in article.sections:
                if section.heading is not None:
                    lines.append(section.heading.text)
                lines.extend(p.text for p in section.paragraphs)
        out[name] = "\n".join(lines)
    return out


def trafilatura_bodies(pages: dict[str, bytes]) -> dict[str, str]:
    import trafilatura

    return {name: trafilatura.extract(page) or "" for name, page in pages.items()}


def score(bodies: dict[str, str], records: list[dict]) -> dict:
    keep = keep_n = drop = drop_n = 0
    f1s, n_breaks, misses = [], 0, {}
    for rec in records:
        body = bodies[rec["id"]]
        text = norm(body)
        missed = [s for s in rec["must_keep"] if norm(s) not in text]
        kept = [s for s in rec["must_drop"] if norm(s) in text]
        keep += len(rec["must_keep"]) - len(missed)
        keep_n += len(rec["must_keep"])
        drop += len(kept)
        drop_n += len(rec["must_drop"])
        if not rec["reference_is_prefix"]:
            f1s.append(token_f1(body, rec["reference"]))
        found = breaks(body)
        n_breaks += len(found)
        if missed or kept or found:
            misses[rec["id"]] = {"missed": missed, "kept": kept, "breaks": found}
    return {
        "keep": keep / keep_n, "keep_n": keep_n, "drop": drop / drop_n if drop_n else 0.0, "drop_n": drop_n,
        "f1": sum(f1s) / len(f1s), "f1_pages": len(f1s), "breaks": n_breaks, "misses": misses,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", type=Path, default=REPO / "tests" / "fixtures" / "extract_corpus")
    ap.add_argument("--show", action="store_true", help="list each page's misses, kept chrome and breaks")
    args = ap.parse_args()
    import trafilatura

    records = [json.loads(line) for line in (args.corpus / "annotations.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
    pages = {r["id"]: gzip.decompress((args.corpus / "pages" / f"{r['id']}.html.gz").read_bytes()) for r in records}
    print(f"command: {' '.join([os.path.basename(sys.executable), *sys.argv])}")
    print(f"machine: {platform.machine()} {os.cpu_count()} cpus, load {os.getloadavg()[0]:.2f}; "
          f"python {platform.python_version()}, trafilatura {trafilatura.__version__}")
    print(f"corpus: {args.corpus} ({len(records)} pages)")
    results = {}
    for name, run in (("trafilatura.extract", trafilatura_bodies), ("newsbridge", newsbridge_bodies)):
        start = time.perf_counter()
        results[name] = score(run(pages), records)
        results[name]["seconds"] = time.perf_counter() - start
    first = next(iter(results.values()))
    print(f"\n| extractor | must-keep found (of {first['keep_n']}) | must-drop kept (of {first['drop_n']}) | "
          f"token F1 (mean of {first['f1_pages']} pages) | mid-sentence breaks |")
    print("|---|---|---|---|---|")
    for name, r in results.items():
        print(f"| {name} | {r['keep']:.3f} | {r['drop']:.3f} | {r['f1']:.3f} | {r['breaks']} |")
    if args.show:
        for name, r in results.items():
            print(f"\n## {name}")
            for page, m in r["misses"].items():
                for s in m["missed"]:
                    print(f"  {page} MISSED: {s[:120]}")
                for s in m["kept"]:
                    print(f"  {page} KEPT:   {s[:120]}")
                for a, b in m["breaks"]:
                    print(f"  {page} BREAK:  {a[-60:]!r} | {b[:60]!r}")


if __name__ == "__main__":
    main()
