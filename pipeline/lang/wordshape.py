"""Word shape, Ukrainian vs Russian: a character n-gram model of each language's words,
learnt from wordfreq's word lists (the most frequent words of each, less the words both
lists share). It tells "батожаччя" from "бороденка" where no rule applies and the word is
too rare to have a frequency; the identifier adds its log-odds to the other evidence on
short text.

The n-grams are counted as integers (each letter one digit in base len(alphabet)+1), with
numpy, so the model builds in about a second and holds a few MB of sorted arrays instead of
Python dicts of strings. Built on first use and shared by every identifier in the process.
"""

from __future__ import annotations

import re
from functools import lru_cache

import numpy as np

from .lexicon import release_build_memory, top_words

_LANGS = ("uk", "ru")
# Word boundaries, apostrophe, hyphen and the letters of both languages; anything else is
# one "other" symbol (0 is never used, so a code never loses a leading symbol).
_ALPHABET = "<>'-абвгґдеєёжзиіїйклмнопрстуфхцчшщъыьэюя"
_OTHER = len(_ALPHABET) + 1
_BASE = _OTHER + 1
_TO_SYMBOL = {ord(c): i + 1 for i, c in enumerate(_ALPHABET)}


# UTF-16 code unit -> symbol, so a whole word list is encoded by one array look-up.
_LOOKUP = np.full(65536, _OTHER, dtype=np.int8)
for _code, _symbol in _TO_SYMBOL.items():
    _LOOKUP[_code] = _symbol
_CYRILLIC_WORD = re.compile(r"^[а-яёіїєґ'-]+$")
_START, _END = _TO_SYMBOL[ord("<")], _TO_SYMBOL[ord(">")]
# Add-alpha smoothing of P(letter | previous letters) over an alphabet of this many symbols.
_ALPHA = 0.1


def _symbols(text: str) -> np.ndarray:
    return _LOOKUP[np.frombuffer(text.encode("utf-16-le", "surrogatepass"), dtype=np.uint16)]


def _code_type(n: int) -> type:
    # 32-bit codes while they fit (order <= 5): half the memory while building.
    return np.int32 if _BASE**n < 2**31 else np.int64


def _codes(symbols: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes of every n-gram of a symbol array, and whether each lies inside one
    padded word (no '>' before its last symbol, no '<' after its first)."""
    m = len(symbols) - n + 1
    if m <= 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=bool)
    code = np.zeros(m, dtype=_code_type(n))
    inside = np.ones(m, dtype=bool)
    for k in range(n):
        part = symbols[k : k + m]
        code *= _BASE
        code += part
        if k < n - 1:
            inside &= part != _END
        if k > 0:
            inside &= part != _START
    return code, inside


class _Counts:
    """Counts of n-gram codes, looked up by binary search."""

    def __init__(self, codes: np.ndarray):
        self.keys, counts = np.unique(codes, return_counts=True)
        self.counts = counts.astype(np.int32)

    def get(self, codes: np.ndarray) -> np.ndarray:
        if not len(self.keys):
            return np.zeros(len(codes), dtype=np.float64)
        i = np.minimum(np.searchsorted(self.keys, codes), len(self.keys) - 1)
        return np.where(self.keys[i] == codes, self.counts[i], 0).astype(np.float64)

    @property
    def nbytes(self) -> int:
        return self.keys.nbytes + self.counts.nbytes


class WordShapeModel:
    def __init__(self, n_words: int, order: int = 5):
        self.order = order
        lists = {lang: top_words(lang, n_words) for lang in _LANGS}
        shared = set(lists["uk"]).intersection(lists["ru"])
        self.grams: dict[str, _Counts] = {}
        self.contexts: dict[str, _Counts] = {}
        for lang in _LANGS:
            kept = [w for w in lists.pop(lang) if w not in shared and _CYRILLIC_WORD.match(w)]
            symbols = _symbols("".join(f"<{w}>" for w in kept))
            del kept
            for n, into in ((order, self.grams), (order - 1, self.contexts)):
                codes, inside = _codes(symbols, n)
                into[lang] = _Counts(codes[inside])
                del codes, inside

    def log_odds(self, word: str) -> float:
        """log P(word | uk) - log P(word | ru): the sum over the word's n-grams of
        log((c(gram) + alpha) / (c(context) + alpha * alphabet)), add-alpha smoothed."""
        symbols = _symbols(f"<{word.lower()}>")
        grams, _ = _codes(symbols, self.order)
        if not len(grams):
            return 0.0
        contexts = grams // _BASE
        total = 0.0
        for lang, sign in (("uk", 1.0), ("ru", -1.0)):
            num = self.grams[lang].get(grams) + _ALPHA
            den = self.contexts[lang].get(contexts) + _ALPHA * _OTHER
            total += sign * float(np.log(num / den).sum())
        return total

    @property
    def nbytes(self) -> int:
        return sum(c.nbytes for c in (*self.grams.values(), *self.contexts.values()))


@lru_cache(maxsize=2)
def word_shape_model(n_words: int, order: int = 5) -> WordShapeModel:
    model = WordShapeModel(n_words, order)
    release_build_memory()
    return model

