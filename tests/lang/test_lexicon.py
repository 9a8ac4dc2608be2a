"""The compact word-frequency tables and word-shape model agree with their definitions."""

import math
import random
from collections import Counter

import pytest
from wordfreq import zipf_frequency

from pipeline.lang.evidence import words, zipf_difference
from pipeline.lang.lexicon import frequency_table, top_words, word_bands
from pipeline.lang.wordshape import _CYRILLIC_WORD, word_shape_model


@pytest.mark.parametrize("lang", ["uk", "en"])
def test_table_gives_wordfreqs_zipf(lang):
    table = frequency_table(lang)
    listed = [w for band in word_bands(lang) for w in band]
    sample = listed[:300] + random.Random(7).sample(listed, 700)
    # Words wordfreq would split or normalise differently are not what the identifier asks.
    sample = [w for w in sample if words(w) == [w]]
    assert len(sample) > 500
    for w in sample:
        assert table.zipf(w) == pytest.approx(zipf_frequency(w, lang), abs=0.011), w
    assert table.zipf("кшвщяфхзт") == 0.0


def test_zipf_many_is_zipf_of_each_word():
    table = frequency_table("en")
    listed = [w for band in word_bands("en") for w in band]
    sample = random.Random(3).sample(listed, 500) + ["кшвщяфхзт", "zzqqxw", "", "the", "the"]
    random.Random(4).shuffle(sample)
    assert table.zipf_many(sample) == [table.zipf(w) for w in sample]
    assert any(table.zipf_many(sample)) and 0.0 in table.zipf_many(sample)
    assert table.zipf_many([]) == []


def test_zipf_difference_reads_both_languages():
    assert zipf_difference("новини") > 2  # far more usual in Ukrainian
    assert zipf_difference("новости") < -0.5
    assert zipf_difference("п'ять") == 0.0  # wordfreq splits at the apostrophe


def _reference_log_odds(n_words: int, order: int, word: str) -> float:
    """The model's definition with plain string counting."""
    lists = {lang: top_words(lang, n_words) for lang in ("uk", "ru")}
    shared = set(lists["uk"]) & set(lists["ru"])
    counts = {}
    for lang, listed in lists.items():
        grams: Counter[str] = Counter()
        for w in listed:
            if w in shared or not _CYRILLIC_WORD.match(w):
                continue
            padded = f"<{w}>"
            for n in (order - 1, order):
                for i in range(len(padded) - n + 1):
                    grams[padded[i : i + n]] += 1
        counts[lang] = grams
    alphabet = 42  # the 41 symbols of the model's alphabet plus "other"
    padded = f"<{word}>"
    total = 0.0
    for i in range(len(padded) - order + 1):
        gram = padded[i : i + order]
        for lang, sign in (("uk", 1), ("ru", -1)):
            c = counts[lang]
            total += sign * math.log((c[gram] + 0.1) / (c[gram[:-1]] + 0.1 * alphabet))
    return total


@pytest.mark.parametrize("order", [4, 5])
def test_word_shape_counts_as_strings_would(order):
    model = word_shape_model(5000, order)
    for word in ["промощувати", "прокомментировать", "вишиванка", "карандаш", "ой", "м'ясо"]:
        assert model.log_odds(word) == pytest.approx(_reference_log_odds(5000, order, word), abs=1e-6), word
