"""Assemble the HTML extraction regression corpus (tests/fixtures/extract_corpus) from
other projects' public extraction test sets, read from local git mirrors:

  scrapinghub/article-extraction-benchmark (MIT): pages + full reference article bodies
  goose3/goose3 tests/data/content (Apache-2.0): pages + reference text (a prefix)
  AndyTheFactory/newspaper4k tests/data (MIT): pages + full reference text

Not trafilatura's or Mozilla Readability's test pages: those are held out for acceptance.

Annotations are derived mechanically, never by looking at any extractor's output:
- must_keep: up to 6 reference sentences of 6+ words, spread over the reference;
- must_drop (full references only): up to 8 texts of visible page elements (3-15 words)
  that appear nowhere in the reference, the page title or the page's <head>;
- reference: the reference text; `reference_is_prefix` when the source gives only its start.

  python scripts/make_extract_corpus.py --zyte DIR --goose DIR --newspaper DIR [--out DIR]
(each DIR a git repository; the commit used is recorded in SOURCES.json)
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import subprocess
from pathlib import Path

from lxml import html as lxml_html

ZYTE_EVERY = 5  # every 5th page of the 181, in hash order: 37 pages
GOOSE = {"elmondo1": "es", "elpais": "es", "lefigaro": "fr", "liberation": "fr", "wiwo": "de",
         "politico": "en", "techcrunch1": "en", "cnn1": "en", "time2": "en", "guardian1": "en"}
NEWSPAPER = {"spanish_article": "es", "latvian_article": "lv", "cnn_article": "en", "time_001": "en",
             "fox13now_001": "en", "cleveland.com1": "en", "video_article_02": "en"}
_BLOCKS = ("p", "li", "div", "span", "a", "h1", "h2", "h3", "h4", "h5", "h6", "td", "figcaption", "button", "label", "dt", "dd")


def git_show(repo: Path, path: str) -> bytes:
    return subprocess.run(["git", "-C", str(repo), "show", f"HEAD:{path}"], check=True, capture_output=True).stdout


def git_head(repo: Path) -> str:
    return subprocess.run(["git", "-C", str(repo), "rev-parse", "HEAD"], check=True, capture_output=True, text=True).stdout.strip()


def norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().casefold()


def sentences(text: str) -> list[str]:
    """Sentences of 6+ words, never across the reference's own line breaks."""
    out = []
    for line in text.split("\n"):
        parts = re.split(r"(?<=[.!?»”\"])\s+(?=[\"“«(]?[A-ZÀ-ÖØ-ÞĀ-ſА-ЯЁІЇЄҐ0-9])", re.sub(r"\s+", " ", line))
        out.extend(p.strip() for p in parts if len(p.split()) >= 6 and re.search(r"[.!?»”\"]$", p.strip()))
    return out


def spread(items: list[str], n: int) -> list[str]:
    if len(items) <= n:
        return items
    return [items[round(i * (len(items) - 1) / (n - 1))] for i in range(n)]


def must_drop(page: bytes, reference: str) -> list[str]:
    tree = lxml_html.fromstring(page)
    ref = norm(reference)
    head = norm(" ".join(tree.xpath("//head//text()")))
    seen, out = set(), []
    for el in tree.iter(*_BLOCKS):
        if any(a.tag in ("script", "style", "noscript", "head", "template") for a in el.iterancestors()):
            continue
        text = re.sub(r"\s+", " ", el.text_content()).strip()
        key = norm(text)
        if not 3 <= len(text.split()) <= 15 or key in seen or key in ref or key in head:
            continue
        if not re.search(r"[^\W\d_]{3}", text):
            continue
        seen.add(key)
        out.append(text)
    return spread(out, 8)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--zyte", type=Path, required=True)
    ap.add_argument("--goose", type=Path, required=True)
    ap.add_argument("--newspaper", type=Path, required=True)
    ap.add_argument("--out", type=Path, default=Path("tests/fixtures/extract_corpus"))
    args = ap.parse_args()
    pages_dir = args.out / "pages"
    pages_dir.mkdir(parents=True, exist_ok=True)
    records = []

    def add(name: str, source: str, page: bytes, reference: str, prefix: bool, lang: str | None, url: str | None) -> None:
        (pages_dir / f"{name}.html.gz").write_bytes(gzip.compress(page, mtime=0))
        keep = sentences(reference)
        if prefix and keep and not re.search(r"[.!?»”\"]$", reference.strip()):
            keep = keep[:-1]  # a prefix may stop mid-sentence
        records.append({
            "id": name, "source": source, "url": url, "lang": lang,
            "reference": reference, "reference_is_prefix": prefix,
            "must_keep": spread(keep, 6),
            "must_drop": [] if prefix else must_drop(page, reference),
        })

    truth = json.loads(git_show(args.zyte, "ground-truth.json"))
    for key in sorted(truth)[::ZYTE_EVERY]:
        page = gzip.decompress(git_show(args.zyte, f"html/{key}.html.gz"))
        add(f"zyte-{key[:12]}", "scrapinghub/article-extraction-benchmark", page, truth[key]["articleBody"], False, None, truth[key]["url"])
    for name, lang in GOOSE.items():
        meta = json.loads(git_show(args.goose, f"tests/data/content/test_{name}.json"))
        page = git_show(args.goose, f"tests/data/content/test_{name}.html")
        add(f"goose-{name}", "goose3/goose3", page, meta["expected"]["cleaned_text"], True, lang, meta.get("url"))
    for name, lang in NEWSPAPER.items():
        page = git_show(args.newspaper, f"tests/data/html/{name}.html")
        text = git_show(args.newspaper, f"tests/data/txt/{name}.txt").decode("utf-8")
        add(f"newspaper-{name}", "AndyTheFactory/newspaper4k", page, text, False, lang, None)
    with (args.out / "annotations.jsonl").open("w", encoding="utf-8") as fh:
        for rec in records:
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    sources = {
        "scrapinghub/article-extraction-benchmark": {"commit": git_head(args.zyte), "license": "MIT"},
        "goose3/goose3": {"commit": git_head(args.goose), "license": "Apache-2.0"},
        "AndyTheFactory/newspaper4k": {"commit": git_head(args.newspaper), "license": "MIT"},
    }
    (args.out / "SOURCES.json").write_text(json.dumps(sources, indent=2) + "\n", encoding="utf-8")
    print(f"{len(records)} pages -> {args.out}")


if __name__ == "__main__":
    main()
