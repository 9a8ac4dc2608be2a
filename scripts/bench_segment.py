"""Compare sentence splitters on human segmentations: WMT22 dev documents list their
sentences as people split them; each document (src and ref side, so en, uk and ru) is
joined with spaces and every candidate is scored on the boundaries it finds (recall) and
invents (precision), per language.

    python scripts/bench_segment.py [--data ../shared/data/wmt22-dev] [--candidates sentencex,pysbd,...]

Candidates are `segment` registry entries; "+guards" rows run the same splitter inside
newsbridge's SentenceSplitter (chunking, abbreviation rejoining, max length).
pysbd, razdel and blingfire come with `pip install -e '.[bench]'`.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from pipeline import registry  # noqa: E402
from pipeline.config import SegmentConfig  # noqa: E402
from pipeline.stages.segment import SentenceSplitter  # noqa: E402


def load_documents(data: Path) -> list[tuple[str, list[str]]]:
    docs = []
    for path in sorted(data.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            for side in ("src", "ref"):
                sentences = [s.strip() for s in record[side] if s.strip()]
                if sentences:
                    docs.append((record[f"{side}_lang"], sentences))
    return docs


# Hand-written checks of what news text is full of: abbreviations, initials and quotes
# that must not end a sentence. Each item is the list of sentences it must split into.
ABBREVIATION_CASES: list[tuple[str, list[str]]] = [
    ("en", ["The U.S. envoy met Dr. Smith in Kyiv on Monday.", "They spoke for an hour."]),
    ("en", ["Mr. Johnson and Mrs. Lee arrived at 9 a.m. on Friday.", "Talks began at once."]),
    ("en", ["Gen. Mark Milley said the U.N. plan was \"not enough.\"", "He left soon after."]),
    ("en", ["Prices rose 3.5% in Jan. and Feb., according to the U.K. office.", "Markets fell."]),
    ("en", ["J. R. R. Tolkien was born in 1892.", "He died in 1973."]),
    ("en", ["\"We will not retreat,\" he said.", "The crowd cheered."]),
    ("uk", ["Він народився у м. Львів на вул. Шевченка у 1990 р. в родині вчителів.", "Потім переїхав до Києва."]),
    ("uk", ["Відповідно до ст. 15 закону, рішення ухвалює проф. Іваненко.", "Воно набуває чинності одразу."]),
    ("uk", ["Збитки сягнули 5 млн грн. та 2 тис. дол. США.", "Слідство триває."]),
    ("uk", ["«Ми не відступимо», — сказав він.", "Зала аплодувала."]),
    ("uk", ["У ХХ ст. місто т. зв. Малої Русі змінилося.", "Нині воно інше."]),
    ("uk", ["Т. Шевченко написав «Кобзар» у 1840 р.", "Книжка стала відомою."]),
    ("ru", ["Он родился в г. Москва на ул. Ленина в 1985 г. в семье врачей.", "Затем переехал в Киев."]),
    ("ru", ["Согласно ст. 15 закона, решение принимает проф. Иванов.", "Оно вступает в силу сразу."]),
    ("ru", ["Ущерб составил 5 млн руб. и 2 тыс. долл. США.", "Следствие продолжается."]),
    ("ru", ["«Мы не отступим», — сказал он.", "Зал аплодировал."]),
    ("ru", ["А. С. Пушкин родился в 1799 г.", "Он умер в 1837 г."]),
    ("ru", ["В т. ч. и в др. городах, т. е. везде, цены выросли.", "Это признали все."]),
]


def abbreviation_score(split) -> dict[str, float]:
    """Share of hand-written cases split exactly as intended, per language."""
    ok: dict[str, list[int]] = defaultdict(list)
    for lang, sentences in ABBREVIATION_CASES:
        ok[lang].append(int(split(" ".join(sentences), lang) == sentences))
    return {lang: sum(v) / len(v) for lang, v in ok.items()}


def boundaries(text: str, pieces: list[str]) -> set[int]:
    """Offsets (of the next non-space character) where one piece ends and the next begins."""
    out, pos = set(), 0
    for piece in pieces[:-1]:
        found = text.find(piece, pos)
        if found < 0:  # a splitter that rewrote text: align on length instead
            found = pos
        pos = found + len(piece)
        nxt = pos
        while nxt < len(text) and text[nxt].isspace():
            nxt += 1
        out.add(nxt)
    return out


def score(split, docs) -> dict[str, dict[str, float]]:
    counts: dict[str, dict[str, int]] = defaultdict(lambda: {"tp": 0, "fp": 0, "fn": 0})
    seconds = 0.0
    for lang, sentences in docs:
        text = " ".join(sentences)
        gold = boundaries(text, sentences)
        start = time.perf_counter()
        pieces = split(text, lang)
        seconds += time.perf_counter() - start
        found = boundaries(text, pieces)
        c = counts[lang]
        c["tp"] += len(found & gold)
        c["fp"] += len(found - gold)
        c["fn"] += len(gold - found)
    out = {}
    for lang, c in sorted(counts.items()):
        p = c["tp"] / max(1, c["tp"] + c["fp"])
        r = c["tp"] / max(1, c["tp"] + c["fn"])
        out[lang] = {"precision": p, "recall": r, "f1": 2 * p * r / max(1e-9, p + r)}
    out["_seconds"] = {"total": seconds}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=REPO / ".." / "shared" / "data" / "wmt22-dev")
    parser.add_argument("--candidates", default="regex,sentencex,pysbd,razdel,blingfire")
    parser.add_argument("--show-failures", action="store_true", help="print abbreviation cases a splitter gets wrong")
    args = parser.parse_args()
    docs = load_documents(args.data)
    langs = sorted({lang for lang, _ in docs})
    n_bound = defaultdict(int)
    for lang, s in docs:
        n_bound[lang] += len(s) - 1
    print(f"{len(docs)} documents; human boundaries: " + ", ".join(f"{l} {n_bound[l]}" for l in langs))
    header = "| splitter | " + " | ".join(f"{l} P / R / F1" for l in langs) + " | mean F1 | abbreviation cases | seconds |"
    print(header)
    print("|" + " --- |" * (len(langs) + 4))
    results = {}
    for name in args.candidates.split(","):
        try:
            segmenter = registry.segmenters.get(name)()
            segmenter.split("Probe. Text.", "en")
        except ImportError as exc:
            print(f"| {name} | not installed ({exc.name}) |")
            continue
        for label, split in ((name, segmenter.split), (f"{name}+guards", SentenceSplitter(SegmentConfig(backend=name), segmenter).split)):
            res = score(split, docs)
            abbr = abbreviation_score(split)
            res["_abbr"] = abbr
            results[label] = res
            cells = [f"{res[l]['precision']:.3f} / {res[l]['recall']:.3f} / {res[l]['f1']:.3f}" for l in langs]
            mean = sum(res[l]["f1"] for l in langs) / len(langs)
            n_abbr = sum(abbr.values()) / len(abbr)
            abbr_cells = ", ".join(f"{l} {abbr[l]:.2f}" for l in sorted(abbr))
            print(f"| {label} | " + " | ".join(cells) + f" | {mean:.3f} | {abbr_cells} | {res['_seconds']['total']:.2f} |", flush=True)
    best = max(results, key=lambda k: sum(results[k][l]["f1"] for l in langs))
    print(f"\nbest mean F1: {best}")
    if args.show_failures:
        for name in args.candidates.split(","):
            split = SentenceSplitter(SegmentConfig(backend=name)).split
            for lang, sentences in ABBREVIATION_CASES:
                got = split(" ".join(sentences), lang)
                if got != sentences:
                    print(f"{name}+guards [{lang}] {got}")


if __name__ == "__main__":
    main()
