"""Language-identification accuracy on WMT22 dev (uk, ru, en from both src and ref sides)
at three granularities, plus hand-written tags and mixed lines, for newsbridge's detector
beside plain lingua (all languages), lingua restricted to the candidates, and langid.py.

    python scripts/bench_langid.py [--data ../shared/data/wmt22-dev] [--detectors ours,...]

Granularities: whole documents; single sentences; one fragment of 1-3 consecutive words
per sentence, drawn with a fixed seed (fragments whose letters are not all in their
language's script - a Latin brand name inside Ukrainian text - are left out: they are not
text in that language). uk<->ru confusions are counted separately. Targets: documents
100%, sentences >= 99.8%, fragments >= 96%, tags 100%.

Cyrillic single words and word pairs come from an independent lexicon, not WMT22 and not
lingua's test data: the Hunspell spelling dictionaries of LibreOffice as packaged on npm
(`dictionary-uk` 4.0.0, GPL-3.0; `dictionary-ru` 3.0.0, BSD-3-Clause). They are not
committed here: the script downloads the two tarballs from registry.npmjs.org on first use,
checks them against the registry's sha512 integrity recorded below, and keeps each
`index.dic` in a cache outside the repository (--words-cache, default
$XDG_CACHE_HOME/newsbridge/bench-langid or ~/.cache/newsbridge/bench-langid). Without
network or cache the word sets are skipped with a message saying how to get them.
Words: dictionary entries (lemmas) in lower case, Cyrillic letters only (apostrophe and
hyphen allowed), 3-15 letters, that the other language's dictionary does not list; 1000
per language drawn with a fixed seed. Pairs: 1000 per language, two such words of the
same language. Targets: single words >= 95%, pairs >= 99.3%. `--words-split dev` draws a
disjoint sample (other seed, none of the benchmark's words) for tuning; the figures
reported are `test` (the default).
Cost (--speed-docs N, 0 to skip): microseconds per segment (`LanguageIdentifier.detect` on
each sentence of N WMT22 dev documents, both sides, cold text cache, as a batch meets new
text) and per block (`DetectStage.detect_block` on paragraphs of 3 sentences: every
segment's language, the block's, and spans, as the pipeline runs it), beside plain lingua
restricted to en/uk/ru per segment; repeats interleaved, median reported. Memory: RSS of a
fresh process before and after one identifier has decided text that reaches every part
(Latin and Cyrillic sentences, short uk/ru text, the all-languages check), and its peak.
The open-set check: hand-written news sentences in other languages must be named as such
(de, pl, fr, es, it, pt, nl, cs, lv, and Cyrillic bg, be, mk, sr, kk) while English
stays English.
"""

from __future__ import annotations

import argparse
import json
import os
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


# Written for this benchmark: news sentences in languages outside en/uk/ru.
OTHER = [
    ("Die Bundesregierung hat am Dienstag ein neues Gesetz zur Energieversorgung beschlossen.", "de"),
    ("Nach Angaben der Polizei wurden bei dem Unfall drei Menschen verletzt.", "de"),
    ("Rząd przyjął we wtorek nową ustawę o bezpieczeństwie energetycznym kraju.", "pl"),
    ("Według policji w wypadku zostały ranne trzy osoby.", "pl"),
    ("Le gouvernement a adopté mardi un nouveau projet de loi sur l'énergie.", "fr"),
    ("Selon la police, trois personnes ont été blessées dans l'accident.", "fr"),
    ("El Gobierno aprobó el martes una nueva ley sobre el suministro de energía.", "es"),
    ("Según la policía, tres personas resultaron heridas en el accidente.", "es"),
    ("Il governo ha approvato martedì una nuova legge sull'energia.", "it"),
    ("O governo aprovou na terça-feira uma nova lei sobre o fornecimento de energia.", "pt"),
    ("De regering heeft dinsdag een nieuwe wet over de energievoorziening aangenomen.", "nl"),
    ("Vláda v úterý schválila nový zákon o dodávkách energie.", "cs"),
    ("Valdība otrdien apstiprināja jaunu likumu par enerģijas piegādi.", "lv"),
    ("Правителството прие във вторник нов закон за енергийните доставки.", "bg"),
    ("Урад у аўторак зацвердзіў новы закон аб пастаўках энергіі.", "be"),
    ("Владата во вторник донесе нов закон за снабдување со енергија.", "mk"),
    ("Влада је у уторак усвојила нови закон о снабдевању енергијом.", "sr"),
    ("Үкімет сейсенбі күні энергиямен жабдықтау туралы жаңа заң қабылдады.", "kk"),
    ("The government adopted a new energy supply law on Tuesday, officials said.", "en"),
    ("Regular consumption can prevent atherosclerosis and hypertension, doctors say.", "en"),
]


# npm tarballs of the word sources: name, version, registry integrity (sha512, base64).
WORD_SOURCES = {
    "uk": ("dictionary-uk", "4.0.0", "AgeLt1iIi3lvUQ8DpEvqhikPvnwF+ffYLdjP0lrh+iOhCwTMhmDRvczyPqIksmHAWxRkFfgDcn7Qw/23GJ/GvA=="),
    "ru": ("dictionary-ru", "3.0.0", "tigem0CDnNpxEciW6ktwVH3wWB4FYpuvpwA6IR6UlF7bVu2kez6vOejVNyZgBX1TJIjuYTCTuLxzg/YOls2mRQ=="),
}
REGISTRY = "https://registry.npmjs.org"


def default_words_cache() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "newsbridge" / "bench-langid"


class WordsUnavailable(Exception):
    pass


def fetch_dictionary(lang: str, cache: Path) -> Path:
    """The `index.dic` of the npm package for `lang`, downloaded once into `cache` and
    checked against the registry's integrity hash."""
    import base64
    import hashlib
    import io
    import tarfile
    import urllib.request

    name, version, integrity = WORD_SOURCES[lang]
    target = cache / f"{name}-{version}" / "index.dic"
    if target.is_file():
        return target
    url = f"{REGISTRY}/{name}/-/{name}-{version}.tgz"
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            data = response.read()
    except OSError as exc:
        raise WordsUnavailable(f"cannot download {url} ({exc})") from None
    digest = base64.b64encode(hashlib.sha512(data).digest()).decode()
    if digest != integrity:
        raise WordsUnavailable(f"{url}: sha512 {digest} is not the expected {integrity}")
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        member = tar.extractfile("package/index.dic")
        if member is None:
            raise WordsUnavailable(f"{url}: no package/index.dic inside")
        text = member.read()
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".tmp")
    tmp.write_bytes(text)
    tmp.replace(target)
    return target


def load_words(cache: Path, per_lang: int = 1000, split: str = "test") -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(single words, word pairs) from the Hunspell dictionaries (see above). `split`
    "dev" is drawn from the words the "test" draw did not use."""
    lemmas = {}
    for lang in ("uk", "ru"):
        entries = fetch_dictionary(lang, cache).read_text(encoding="utf-8").splitlines()[1:]
        lemmas[lang] = {e.split("/", 1)[0] for e in entries}
    ok = re.compile(r"^[а-яёіїєґ][а-яёіїєґ'-]{2,14}$")
    words: dict[str, list[str]] = {}
    for lang, other in (("uk", "ru"), ("ru", "uk")):
        words[lang] = sorted(w for w in lemmas[lang] if ok.match(w) and w not in lemmas[other])
    draws: dict[str, tuple[list, list]] = {"test": ([], []), "dev": ([], [])}
    for lang in ("uk", "ru"):
        rng = random.Random(f"{SEED}:words:{lang}")
        test_words = rng.sample(words[lang], per_lang)
        draws["test"][0].extend((w, lang) for w in test_words)
        draws["test"][1].extend((f"{rng.choice(words[lang])} {rng.choice(words[lang])}", lang) for _ in range(per_lang))
        # The dev draw never sees a word of the test draw, single or in a pair.
        used = set(test_words) | {w for text, l in draws["test"][1] if l == lang for w in text.split()}
        rest = [w for w in words[lang] if w not in used]
        dev = random.Random(f"{SEED}:dev-words:{lang}")
        draws["dev"][0].extend((w, lang) for w in dev.sample(rest, per_lang))
        draws["dev"][1].extend((f"{dev.choice(rest)} {dev.choice(rest)}", lang) for _ in range(per_lang))
    return draws[split]


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
            made[name] = LanguageIdentifier(LangIdConfig(
                cache_size=0, orthographic_evidence=False, lexical_evidence=False, frequency_evidence=False, word_shape_evidence=False
            ))
        elif name == "ours-no-wordfreq":
            made[name] = LanguageIdentifier(LangIdConfig(cache_size=0, frequency_evidence=False, word_shape_evidence=False))
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


def speed_items(data: Path, n_docs: int) -> tuple[list[str], list[list[str]]]:
    """Sentences of `n_docs` documents taken in turn from each WMT22 dev file (both sides),
    and the same sentences as paragraphs of three."""
    per_file = []
    for path in sorted(data.glob("*.jsonl")):
        docs = []
        for line in path.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            for side in ("src", "ref"):
                sentences = [x.strip() for x in record[side] if any(c.isalpha() for c in x)]
                if sentences:
                    docs.append(sentences)
        per_file.append(docs)
    chosen = [doc for group in zip(*per_file) for doc in group][:n_docs]
    segments = [x for doc in chosen for x in doc]
    blocks = [doc[i : i + 3] for doc in chosen for i in range(0, len(doc), 3)]
    return segments, blocks


def measure_speed(data: Path, n_docs: int, repeats: int) -> list[str]:
    import statistics

    from pipeline.config import load_config
    from pipeline.context import Context
    from pipeline.data import Block, Segment
    from pipeline.stages.langid import DetectStage

    segments, blocks = speed_items(data, n_docs)
    config = load_config(None)
    plain = LinguaDetector(list(LANGS))
    # Warm-up: every process-wide model (lingua's, word tables, word shape) is built once.
    warm = DetectStage(Context(config))
    for text in segments[:200]:
        warm.detect(text)
    warm.detect("новини дня")
    timings: dict[str, list[float]] = {"ours per segment": [], "ours per block": [], "lingua-en-uk-ru per segment": []}
    agree = None
    for _ in range(repeats):
        # A fresh stage each time: its text cache and word caches start empty.
        stage = DetectStage(Context(config))
        start = time.perf_counter()
        found = [stage.identifier.detect(text).lang for text in segments]
        timings["ours per segment"].append((time.perf_counter() - start) / len(segments))
        stage = DetectStage(Context(config))
        made = [Block(kind="paragraph", text=" ".join(b), segments=[Segment(x) for x in b]) for b in blocks]
        start = time.perf_counter()
        for block in made:
            stage.detect_block(block)
        timings["ours per block"].append((time.perf_counter() - start) / len(made))
        start = time.perf_counter()
        for text in segments:
            plain.detect(text)
        timings["lingua-en-uk-ru per segment"].append((time.perf_counter() - start) / len(segments))
        in_blocks = [seg.lang for block in made for seg in block.segments]
        agree = sum(a == b for a, b in zip(found, in_blocks)) / len(found)
    lines = [f"cost: {len(segments)} segments, {len(blocks)} blocks of <= 3 sentences from {n_docs} documents; median of {repeats} interleaved repeats"]
    lines.append("| measure | µs |")
    lines.append("| --- | --- |")
    for name, values in timings.items():
        lines.append(f"| {name} | {1e6 * statistics.median(values):,.0f} |")
    lines.append(f"(segments labelled alike alone and inside blocks: {100 * agree:.1f}%; a short segment in a block takes its block's language)")
    return lines


_RSS_PROBE = r"""
import json, sys
def status():
    out = {}
    for line in open("/proc/self/status"):
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            out[key] = int(value.split()[0]) / 1024
    return out
from pipeline.config import LangIdConfig
from pipeline.lang.identifier import LanguageIdentifier
before = status()
ident = LanguageIdentifier(LangIdConfig())
for text in sys.argv[1:]:
    ident.detect(text)
# lingua's restricted models too: long uk/ru text without evidence reaches them.
ident.detector.confidences(sys.argv[1])
ident.detector.confidences(sys.argv[3])
after = status()
print(json.dumps({"before": before, "after": after}))
"""


def measure_memory() -> str:
    import subprocess

    texts = [
        "The government adopted a new energy supply law on Tuesday, officials said.",
        "Die Bundesregierung hat am Dienstag ein neues Gesetz zur Energieversorgung beschlossen.",
        "Уряд ухвалив програму відновлення енергетики до зими.",
        "Правительство одобрило программу восстановления энергетики до зимы.",
        "новини дня", "новости", "карел попуст",
    ]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, "-c", _RSS_PROBE, *texts], capture_output=True, text=True, env=env, check=False)
    if done.returncode:
        return f"memory: probe failed: {done.stderr.strip()[-300:]}"
    got = json.loads(done.stdout)
    grown = got["after"]["VmRSS"] - got["before"]["VmRSS"]
    peak = got["after"]["VmHWM"] - got["before"]["VmRSS"]
    return (f"memory: a fresh process holds {got['before']['VmRSS']:.0f} MB after importing the lang layer; after one "
            f"identifier decided Latin, Cyrillic, short uk/ru and non-candidate text and asked restricted lingua: "
            f"+{grown:.0f} MB RSS (peak +{peak:.0f} MB)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=REPO / ".." / "shared" / "data" / "wmt22-dev")
    parser.add_argument("--detectors", default="ours,ours-no-wordfreq,ours-no-rules,lingua-en-uk-ru,lingua-all,langid.py-en-uk-ru")
    parser.add_argument("--words-cache", type=Path, default=default_words_cache(), help="where the dictionary-uk/-ru word sources are kept (outside the repository)")
    parser.add_argument("--words-split", choices=("test", "dev"), default="test", help="dev: a disjoint draw for tuning")
    parser.add_argument("--speed-docs", type=int, default=300, help="documents for the cost measurement (0: skip)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--show-errors", type=int, default=0, help="print up to N errors of the first detector per set")
    args = parser.parse_args()
    docs, sents, frags = load(args.data)
    if not docs:
        raise SystemExit(f"no WMT22 dev documents (*.jsonl) under {args.data}: pass --data")
    sets = {"documents": docs, "sentences": sents, "fragments (1-3 words)": frags, "tags": TAGS, "mixed lines": MIXED}
    try:
        singles, pairs = load_words(args.words_cache, split=args.words_split)
        sets.update({"Cyrillic words": singles, "Cyrillic word pairs": pairs})
    except WordsUnavailable as exc:
        print(f"Cyrillic word sets skipped: {exc}. They need {REGISTRY} once (or the files in --words-cache {args.words_cache}).")
    sets["other languages"] = OTHER
    import lingua, wordfreq  # noqa: E401  (versions for the record)
    from importlib.metadata import version
    print(f"command: python {' '.join(sys.argv)}")
    print(f"machine: {os.cpu_count()} cpus, load {os.getloadavg()[0]:.2f}; lingua {version('lingua-language-detector')}, wordfreq {version('wordfreq')}")
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
    if args.speed_docs:
        for line in measure_speed(args.data, args.speed_docs, args.repeats):
            print(line, flush=True)
        print(measure_memory(), flush=True)
    print(f"load after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
