"""script_counts / script_of: the fast paths (ASCII, the per-character table) must agree
with counting every letter by its Unicode name."""

import sys
import unicodedata
from collections import Counter

import pytest

from pipeline.text.scripts import script_counts, script_of


def reference_counts(text: str) -> Counter:
    counts: Counter = Counter()
    for char in text:
        if not char.isalpha():
            continue
        try:
            first = unicodedata.name(char).split(" ", 1)[0]
        except ValueError:
            counts["Other"] += 1
            continue
        if first in ("LATIN", "CYRILLIC", "GREEK", "ARABIC", "HEBREW", "ARMENIAN", "GEORGIAN", "DEVANAGARI", "HANGUL", "THAI"):
            counts[first.capitalize()] += 1
        elif first in ("CJK", "HIRAGANA", "KATAKANA"):
            counts["Han" if first == "CJK" else "Kana"] += 1
        else:
            counts["Other"] += 1
    return counts


TEXTS = [
    "",
    "   ",
    "2024 - 10:30, 1,000.5 %",
    "The quick brown fox.",
    "NATO",
    "Київ, 24 лютого — «Укрзалізниця» повідомила",
    "Компанія Apple випустила iPhone 15.",
    "Ёжик в тумане ъ ы э",
    "naïve café — Zürich",
    "東京とソウル and Москва",
    "ﬁne ligature",
    "Ελληνικά mixed with Latin",
    "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 math letters",
    "e\u0301 combining accent",
    "שלום עולם",
]


@pytest.mark.parametrize("text", TEXTS)
def test_script_counts_match_per_letter_names(text):
    assert script_counts(text) == reference_counts(text)
    # Asked again: the per-character table gives the same answer as the first time.
    assert script_counts(text) == reference_counts(text)


@pytest.mark.parametrize("text", TEXTS)
def test_script_of_is_the_dominant_script(text):
    counts = reference_counts(text)
    total = sum(counts.values())
    for dominance in (0.5, 0.8, 1.0):
        if not total:
            expected = "none"
        else:
            script, n = counts.most_common(1)[0]
            expected = script if n / total >= dominance else "Mixed"
        assert script_of(text, dominance) == expected


def test_words_of_one_script():
    assert script_of("Apple") == "Latin"
    assert script_of("Київ") == "Cyrillic"
    assert script_of("2024") == "none"
    assert script_of("Kyiv-Київ", dominance=0.6) == "Mixed"


def test_script_counts_count_every_letter_once():
    # The language guard takes a text's letter count from these counts.
    for i in range(sys.maxunicode + 1):
        if 0xD800 <= i < 0xE000:
            continue
        char = chr(i)
        assert sum(script_counts(char).values()) == char.isalpha(), hex(i)
    text = "Київ 2024: NATO і ЄС, 東京 — ok!"
    assert sum(script_counts(text).values()) == sum(c.isalpha() for c in text)


def test_script_counts_keep_first_letter_order_with_non_ascii_punctuation():
    # Scripts in the order their first letters come (most_common breaks ties by it), also
    # on the fast path for text whose only non-ASCII characters are punctuation.
    import random

    rng = random.Random(11)
    pool = list("ab XY.,'1") + list("’“”—\u00a0") + list("жї") + list("é東")
    for _ in range(3000):
        text = "".join(rng.choice(pool) for _ in range(rng.randint(0, 16)))
        expected: Counter[str] = Counter()
        for char in text:
            if char.isalpha():
                name = unicodedata.name(char).split(" ", 1)[0]
                expected[{"CJK": "Han"}.get(name, name.capitalize())] += 1
        assert list(script_counts(text).items()) == list(expected.items()), repr(text)
