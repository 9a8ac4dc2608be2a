"""Word frequencies (wordfreq's data) held compactly, for the evidence that asks of every
word "how usual is it in Ukrainian, in Russian, in English?".

wordfreq's own look-up tokenises every word again (microseconds a call) and keeps each
language's whole list as a Python dict for the life of the process (~100 MB for Ukrainian,
~110 MB for Russian). This table reads the same files once and keeps only a sorted array of
word hashes and the Zipf value of each (12 bytes a word: ~5 MB for Ukrainian, ~9 MB for
Russian); the lists themselves are freed after the build. Hashes are Python's own string
hashes, valid within the process that built the table (it is never saved); two words of one
list sharing a 64-bit hash is as good as impossible.

Zipf values are wordfreq's: log10 of uses per billion words, 0 for a word not in the list.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np


def word_bands(lang: str) -> list[list[str]]:
    """wordfreq's list for `lang` as frequency bands (one band per centibel, most frequent
    first), read from its data file without entering wordfreq's process-wide caches."""
    from wordfreq import available_languages, read_cBpack

    paths = available_languages("best")
    if lang not in paths:
        raise LookupError(f"wordfreq has no word list for '{lang}'")
    return read_cBpack(paths[lang])


def top_words(lang: str, n: int) -> list[str]:
    """The `n` most frequent words of `lang` (wordfreq's order: `top_n_list`)."""
    out: list[str] = []
    for band in word_bands(lang):
        out.extend(band[: n - len(out)])
        if len(out) >= n:
            break
    return out


class FrequencyTable:
    """Zipf frequency of a word in one language, from a sorted hash array."""

    def __init__(self, lang: str):
        self.lang = lang
        keys: list[np.ndarray] = []
        centi: list[np.ndarray] = []
        for index, band in enumerate(word_bands(lang)):
            # Band `index` holds words at -index centibels: Zipf 9 - index/100. Arrays per
            # band, never one Python int per word: the build stays near the table's size.
            keys.append(np.fromiter(map(hash, band), dtype=np.int64, count=len(band)))
            centi.append(np.full(len(band), 900 - index, dtype=np.int16))
        all_keys = np.concatenate(keys) if keys else np.zeros(0, dtype=np.int64)
        order = np.argsort(all_keys, kind="stable")
        self._keys = all_keys[order]
        self._centi = (np.concatenate(centi) if centi else np.zeros(0, dtype=np.int16))[order]
        self.size = len(self._keys)

    def zipf(self, word: str) -> float:
        """Zipf value of `word` (already lower-cased), 0.0 when the list lacks it."""
        key = hash(word)
        i = int(np.searchsorted(self._keys, key))
        if i < self.size and self._keys[i] == key:
            return int(self._centi[i]) / 100.0
        return 0.0

    def zipf_many(self, words: list[str]) -> list[float]:
        """`zipf` of each word, in one search over the table (a search per word costs
        numpy's call overhead each time)."""
        if not words:
            return []
        if not self.size:
            return [0.0] * len(words)
        keys = np.fromiter(map(hash, words), dtype=np.int64, count=len(words))
        at = self._keys.searchsorted(keys)
        np.minimum(at, self.size - 1, out=at)
        found = (self._keys[at] == keys).tolist()
        # int / 100.0 per word, as zipf() divides (the same float).
        return [c / 100.0 if hit else 0.0 for c, hit in zip(self._centi[at].tolist(), found)]

    @property
    def nbytes(self) -> int:
        return self._keys.nbytes + self._centi.nbytes


@lru_cache(maxsize=None)
def frequency_table(lang: str) -> FrequencyTable:
    """One table per language and process, built on first use (a fraction of a second)."""
    table = FrequencyTable(lang)
    release_build_memory()
    return table


def release_build_memory() -> None:
    """Hand the heap freed by a one-off build (word lists read, then dropped) back to the
    system: glibc keeps freed blocks otherwise, and the process would look as big as its
    peak. A no-op where the C library has no malloc_trim."""
    import ctypes
    import ctypes.util
    import gc

    gc.collect()
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.malloc_trim(0)
    except (OSError, AttributeError):
        pass


@lru_cache(maxsize=1)
def wordfreq_languages() -> frozenset[str]:
    from wordfreq import available_languages

    return frozenset(available_languages("best"))
