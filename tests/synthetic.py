"""Generated news-like articles for tests and benchmarks (scripts/bench_batch.py).

Sentences come from the packaged tiny corpus (en/uk/ru news sentences); each article also
gets a numbered sentence of its own, so no two articles are identical. Deterministic for a
seed. Not used by the pipeline itself.
"""

from __future__ import annotations

import random
import re
from importlib import resources
from typing import Iterator

from pipeline.lang.alphabets import UK_LETTERS

_UK = re.compile(f"[{UK_LETTERS}]")
_CYRILLIC = re.compile(r"[А-Яа-я]")
_UNIQUE = {
    "en": "Report {n} was filed by the regional desk on day {d}.",
    "uk": "Звіт {n} подала регіональна редакція на {d}-й день.",
    "ru": "Отчёт {n} подала региональная редакция на {d}-й день.",
}


def _corpus() -> dict[str, list[str]]:
    text = resources.files("pipeline.resources").joinpath("tiny_corpus.txt").read_text(encoding="utf-8")
    out: dict[str, list[str]] = {"en": [], "uk": [], "ru": []}
    for line in text.splitlines():
        line = line.strip()
        if not line or ":" in line[:12] or not line.endswith("."):
            continue  # captions/credits ("Джерело: ...") are not body sentences
        lang = "uk" if _UK.search(line) else "ru" if _CYRILLIC.search(line) else "en"
        out[lang].append(line)
    return out


def synthetic_articles(n: int, seed: int = 0, langs: tuple[str, ...] = ("en", "uk", "ru")) -> Iterator[dict[str, str]]:
    """`n` records {"id", "title", "text", "lang"}: a title, 2-4 headed sections of prose."""
    rng = random.Random(seed)
    corpus = _corpus()
    for i in range(n):
        lang = langs[i % len(langs)]
        pool = corpus[lang] or corpus["en"]
        title = rng.choice(pool).rstrip(".")
        parts = []
        for s in range(rng.randint(2, 4)):
            if s:
                words = rng.choice(pool).rstrip(".").split()[:5]
                parts.append(" ".join(words))
            for _ in range(rng.randint(1, 2)):
                parts.append(" ".join(rng.sample(pool, k=min(len(pool), rng.randint(2, 3)))))
        parts.append(_UNIQUE[lang].format(n=i + 1, d=rng.randint(1, 365)))
        yield {"id": f"gen-{seed}-{i:06d}", "title": title, "text": "\n\n".join(parts), "lang": lang}


def as_text_file(record: dict[str, str]) -> str:
    """The record as a plain-text page: title line, blank line, paragraphs."""
    return f"{record['title']}\n\n{record['text']}\n"
