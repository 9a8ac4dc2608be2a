"""Language-identification accuracy on WMT22 dev (uk, ru, en from both src and ref sides)
at three granularities, plus hand-written tags and mixed lines, for newsbridge's detector
beside plain lingua (all languages), lingua restricted to the candidates, and langid.py.

    python scripts/bench_langid.py [--data ../shared/data/wmt22-dev] [--detectors ours,...]

Granularities: whole documents; single sentences; one fragment of 1-3 consecutive words
per sentence, drawn with a fixed seed (fragments whose letters are not all in their
language's script - a Latin brand name inside Ukrainian text - are left out: they are not
text in that language). uk<->ru confusions are counted separately. Targets: documents
100%, sentences >= 99.8%, fragments >= 96%.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from pipeline.config import LangIdConfig  # noqa: E402
from pipeline.lang.identifier import LanguageIdentifier, LinguaDetector  # noqa: E402
from pipeline.lang.alphabets import script_of_lang  # noqa: E402
from pipeline.text.scripts import script_counts  # noqa: E402

LANGS = ("en", "uk", "ru")
SEED = 20221201

# Written for this benchmark: rubric tags as sites print them, and lines mixing languages
# or scripts (expected: the language of most of the text).
TAGS = [
    ("НОВИНИ", "uk"), ("ВІЙНА", "uk"), ("СВІТ", "uk"), ("ПОЛІТИКА", "uk"), ("ЕКОНОМІКА", "uk"),
    ("СУСПІЛЬСТВО", "uk"), ("ГОЛОВНЕ", "uk"), ("РЕГІОНИ", "uk"), ("ЗДОРОВ'Я", "uk"), ("ТЕХНОЛОГІЇ", "uk"),
    ("НОВОСТИ", "ru"), ("ПОЛИТИКА", "ru"), ("ЭКОНОМИКА", "ru"), ("ОБЩЕСТВО", "ru"), ("В МИРЕ", "ru"),
    ("ПРОИСШЕСТВИЯ", "ru"), ("ГЛАВНОЕ", "ru"), ("ЗДОРОВЬЕ", "ru"), ("ТЕХНОЛОГИИ", "ru"), ("РЕГИОНЫ", "ru"),
    ("WORLD", "en"), ("NEWS", "en"), ("POLITICS", "en"), ("BUSINESS", "en"), ("OPINION", "en"),
]
MIXED = [
    ("Президент Emmanuel Macron заявив, що Франція підтримає Україну.", "uk"),
    ("Компанія Apple представила новий iPhone у Києві.", "uk"),
    ("Він сказав: «We will stand with Ukraine», і зала аплодувала.", "uk"),
    ("За даними Reuters, переговори у Женеві тривали шість годин.", "uk"),
    ("Генсек NATO Єнс Столтенберг прибув до Вільнюса.", "uk"),
    ("Міністр сказав: «Мы не отступим», але переговори тривають.", "uk"),
    ("Компания Google объявила о новых правилах для YouTube.", "ru"),
    ("По данным The Washington Post, переговоры продолжатся в среду.", "ru"),
    ("Он ответил по-английски: «No comment», и ушёл.", "ru"),
    ("Генсек ООН António Guterres призвал к перемирию.", "ru"),
    ("The Verkhovna Rada adopted the law on Tuesday.", "en"),
    ("Zelensky said «Слава Україні» at the end of his speech to the U.S. Congress.", "en"),
    ("The word \"спасибо\" was the only Russian he knew.", "en"),
    ("Kyiv's mayor Vitali Klitschko opened the new metro station.", "en"),
]


def load(data: Path) -> tuple[list[tuple[str, str]], list[tuple[str, str]], list[tuple[str, str]]]:
    docs, sents, frags = [], [], []
    for path in sorted(data.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            for side in ("src", "ref"):
                lang = record[f"{side}_lang"]
                if lang not in LANGS:
                    continue
                sentences = [s.strip() for s in record[side] if any(c.isalpha() for c in s)]
                if not sentences:
                    continue
                docs.append((" ".join(sentences), lang))
                for i, sentence in enumerate(sentences):
                    sents.append((sentence, lang))
                    rng = random.Random(f"{SEED}:{record['id']}:{side}:{i}")
                    tokens = [t.strip(".,:;!?()[]«»\"“”„…—–-") for t in sentence.split()]
                    tokens = [t for t in tokens if any(c.isalpha() for c in t)]
                    if not tokens:
                        continue
                    n = rng.randint(1, 3)
                    start = rng.randrange(max(1, len(tokens) - n + 1))
                    fragment = " ".join(tokens[start : start + n])
                    scripts = set(script_counts(fragment))
                    if scripts == {script_of_lang(lang)}:
                        frags.append((fragment, lang))
    return docs, sents, frags


def make_detectors(names: list[str]):
    made = {}
    for name in names:
        if name == "ours":
            made[name] = LanguageIdentifier(LangIdConfig(cache_size=0))
        elif name == "ours-low-accuracy":
            made[name] = LanguageIdentifier(LangIdConfig(cache_size=0, low_accuracy=True))
        elif name == "ours-no-rules":
            made[name] = LanguageIdentifier(LangIdConfig(cache_size=0, orthographic_evidence=False, lexical_evidence=False))
        elif name == "lingua-en-uk-ru":
            made[name] = _Plain(LinguaDetector(list(LANGS)).detect)
        elif name == "lingua-all":
            from lingua import LanguageDetectorBuilder

            detector = LanguageDetectorBuilder.from_all_languages().build()

            def detect_all(text, detector=detector):
                lang = detector.detect_language_of(text)
                return (lang.iso_code_639_1.name.lower() if lang else "und"), 0.0

            made[name] = _Plain(detect_all)
        elif name == "langid.py-en-uk-ru":
            try:
                from langid.langid import LanguageIdentifier as LangidPy, model
            except ImportError:
                print(f"{name}: not installed (pip install -e '.[bench]')")
                continue
            ident = LangidPy.from_modelstring(model, norm_probs=True)
            ident.set_languages(list(LANGS))
            made[name] = _Plain(ident.classify)
        else:
            raise SystemExit(f"unknown detector {name}")
    return made


class _Plain:
    def __init__(self, fn):
        self.fn = fn

    def detect(self, text):
        lang, _ = self.fn(text)
        return _Found(lang)


class _Found:
    def __init__(self, lang):
        self.lang = lang


def evaluate(detector, items) -> dict:
    correct = 0
    confusions: Counter[str] = Counter()
    errors = []
    start = time.perf_counter()
    for text, expected in items:
        got = detector.detect(text).lang
        if got == expected:
            correct += 1
        else:
            confusions[f"{expected}->{got}"] += 1
            errors.append((text, expected, got))
    seconds = time.perf_counter() - start
    return {
        "n": len(items),
        "accuracy": correct / max(1, len(items)),
        "uk_ru": confusions["uk->ru"] + confusions["ru->uk"],
        "confusions": dict(confusions.most_common()),
        "per_second": len(items) / max(seconds, 1e-9),
        "errors": errors,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=REPO / ".." / "shared" / "data" / "wmt22-dev")
    parser.add_argument("--detectors", default="ours,ours-no-rules,lingua-en-uk-ru,lingua-all,langid.py-en-uk-ru")
    parser.add_argument("--show-errors", type=int, default=0, help="print up to N errors of the first detector per set")
    args = parser.parse_args()
    docs, sents, frags = load(args.data)
    sets = {"documents": docs, "sentences": sents, "fragments (1-3 words)": frags, "tags": TAGS, "mixed lines": MIXED}
    print("items: " + ", ".join(f"{k} {len(v)}" for k, v in sets.items()))
    detectors = make_detectors(args.detectors.split(","))
    print("| detector | " + " | ".join(sets) + " | sentences/s |")
    print("|" + " --- |" * (len(sets) + 2))
    first = True
    for name, detector in detectors.items():
        cells = []
        speed = 0.0
        for set_name, items in sets.items():
            res = evaluate(detector, items)
            cells.append(f"{100 * res['accuracy']:.2f}% (uk/ru {res['uk_ru']})")
            if set_name == "sentences":
                speed = res["per_second"]
            if first and args.show_errors:
                for text, expected, got in res["errors"][: args.show_errors]:
                    print(f"  [{set_name}] {expected}->{got}: {text[:100]}", file=sys.stderr)
        first = False
        print(f"| {name} | " + " | ".join(cells) + f" | {speed:.0f} |", flush=True)


if __name__ == "__main__":
    main()
