"""A bounded LRU cache whose state a batch job can save at each commit and restore on resume.

Why saving matters: a cache hit changes which texts reach the model together, and batched
generate() is not bit-identical across batch compositions (padding changes the float sums),
so a resumed job with an empty cache could write different translations from an
uninterrupted one. Saving the cache with every committed batch makes the resumed job start
from exactly the state the uninterrupted one had at that point.

The journal is cheap: every get-hit and put moves the key to the end, so the keys touched
since the last save are exactly the newest suffix of the order. A save writes that suffix
with increasing ticks plus the keys evicted since; restoring orders the rows by tick.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from typing import Any, Callable, Generic, Hashable, Iterable, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


def _identity(value: Any) -> Any:
    return value


class LRUCache(Generic[K, V]):
    def __init__(
        self,
        size: int,
        *,
        encode: Callable[[V], Any] = _identity,
        decode: Callable[[Any], V] = _identity,
    ):
        self.size = size
        self._data: OrderedDict[K, V] = OrderedDict()
        # JSON-able form of a value, and back (used only when saving and restoring).
        self._encode = encode
        self._decode = decode
        self._journal = False
        self._touched: set[K] = set()
        self._evicted: set[K] = set()

    def __len__(self) -> int:
        return len(self._data)

    def __contains__(self, key: object) -> bool:
        return key in self._data

    def get(self, key: K) -> V | None:
        value = self._data.get(key)
        if value is not None:
            self._data.move_to_end(key)
            if self._journal:
                self._touched.add(key)
        return value

    def put(self, key: K, value: V) -> None:
        if self.size <= 0:
            return
        self._data[key] = value
        self._data.move_to_end(key)
        if self._journal:
            self._touched.add(key)
            self._evicted.discard(key)
        while len(self._data) > self.size:
            old, _ = self._data.popitem(last=False)
            if self._journal:
                self._touched.discard(old)
                self._evicted.add(old)

    def keys(self) -> list[K]:
        """Oldest first."""
        return list(self._data)

    # -- saving and restoring -------------------------------------------------------------

    def start_journal(self) -> None:
        """Record changes from now on (only batch jobs pay for this)."""
        self._journal = True
        self._touched.clear()
        self._evicted.clear()

    def drain(self) -> tuple[list[tuple[str, str]], list[str]]:
        """Changes since the last drain: (key, value) rows to upsert, oldest first, and keys
        to delete. Keys and values come encoded as JSON text."""
        n = len(self._touched)
        upserts: list[tuple[str, str]] = []
        if n:
            # The touched keys are the newest n entries: walk them from the end.
            newest = []
            for key in reversed(self._data):
                newest.append(key)
                if len(newest) == n:
                    break
            upserts = [(self.dump_key(k), json.dumps(self._encode(self._data[k]), ensure_ascii=False)) for k in reversed(newest)]
        deletes = [self.dump_key(k) for k in self._evicted]
        self._touched.clear()
        self._evicted.clear()
        return upserts, deletes

    def restore(self, rows: Iterable[tuple[str, str]]) -> None:
        """Replace the contents with saved (key, value) rows, oldest first."""
        self._data.clear()
        for key, value in rows:
            self._data[self.load_key(key)] = self._decode(json.loads(value))
        while len(self._data) > self.size:  # a smaller cache_size since the save
            self._data.popitem(last=False)
        self._touched.clear()
        self._evicted.clear()

    @staticmethod
    def dump_key(key: Any) -> str:
        return json.dumps(list(key) if isinstance(key, tuple) else key, ensure_ascii=False)

    @staticmethod
    def load_key(text: str) -> Any:
        key = json.loads(text)
        return tuple(key) if isinstance(key, list) else key
