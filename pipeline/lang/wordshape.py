"""Word shape, Ukrainian vs Russian: a character 4-gram model of each language's words,
learnt from wordfreq's word lists (the most frequent words of each, less the words both
lists share). It tells "батожаччя" from "бороденка" where no rule applies and the word is
too rare to have a frequency; the identifier adds its log-odds to lingua's on short text.
Built on first use (seconds) and shared by every identifier in the process.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from functools import lru_cache

_ORDER = 4
_CYRILLIC_WORD = re.compile(r"^[а-яёіїєґ'-]+$")
_LANGS = ("uk", "ru")


class WordShapeModel:
    def __init__(self, n_words: int):
        from wordfreq import top_n_list

        lists = {lang: top_n_list(lang, n_words) for lang in _LANGS}
        shared = set(lists["uk"]) & set(lists["ru"])
        self.counts: dict[str, Counter[str]] = {}
        for lang in _LANGS:
            grams: Counter[str] = Counter()
            for word in lists[lang]:
                if word in shared or not _CYRILLIC_WORD.match(word):
                    continue
                padded = f"<{word}>"
                for n in range(_ORDER - 1, _ORDER + 1):
                    for i in range(len(padded) - n + 1):
                        grams[padded[i : i + n]] += 1
            self.counts[lang] = grams

    def log_odds(self, word: str) -> float:
        """log P(word | uk) - log P(word | ru), by add-0.1 smoothed 4-grams."""
        padded = f"<{word.lower()}>"
        total = 0.0
        for i in range(len(padded) - _ORDER + 1):
            gram = padded[i : i + _ORDER]
            for lang, sign in (("uk", 1.0), ("ru", -1.0)):
                c = self.counts[lang]
                total += sign * math.log((c[gram] + 0.1) / (c[gram[:-1]] + 4.0))
        return total


@lru_cache(maxsize=2)
def word_shape_model(n_words: int) -> WordShapeModel:
    return WordShapeModel(n_words)
