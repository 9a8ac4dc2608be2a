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
import sys
from collections import OrderedDict
from dataclasses import fields, is_dataclass
from functools import lru_cache
from typing import Any, Callable, Generic, Hashable, Iterable, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


def _identity(value: Any) -> Any:
    return value


# What an OrderedDict entry costs beyond its key and value objects (hash slot, links).
_ENTRY_OVERHEAD = 100


def approx_size(obj: Any) -> int:
    """Bytes an entry's key or value holds, near enough to bound a cache by memory: strings
    (the bulk of every cache here) by their real size, containers and dataclasses summed."""
    if isinstance(obj, str):
        return sys.getsizeof(obj)
    if isinstance(obj, (tuple, list)):
        return sys.getsizeof(obj) + sum(approx_size(x) for x in obj)
    if isinstance(obj, dict):
        return sys.getsizeof(obj) + sum(approx_size(k) + approx_size(v) for k, v in obj.items())
    names = _field_names(type(obj))
    if names:
        return sys.getsizeof(obj) + 100 + sum(approx_size(getattr(obj, name)) for name in names)
    return sys.getsizeof(obj)


@lru_cache(maxsize=256)
def _field_names(cls: type) -> tuple[str, ...]:
    """A dataclass's field names, once per class (fields() is slow; every cache put asks)."""
    return tuple(f.name for f in fields(cls)) if is_dataclass(cls) else ()


class LRUCache(Generic[K, V]):
    """At most `size` entries and, when `max_bytes` > 0, about that many bytes: entries
    range from a two-word tag to a whole section, so a count alone does not bound memory."""

    def __init__(
        self,
        size: int,
        *,
        max_bytes: int = 0,
        encode: Callable[[V], Any] = _identity,
        decode: Callable[[Any], V] = _identity,
    ):
        self.size = size
        self.max_bytes = max_bytes
        self.bytes = 0
        self._data: OrderedDict[K, V] = OrderedDict()
        self._weights: dict[K, int] = {}
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
        self._store(key, value)
        self._data.move_to_end(key)
        if self._journal:
            self._touched.add(key)
            self._evicted.discard(key)
        self._shrink()

    def _store(self, key: K, value: V) -> None:
        if self.max_bytes:
            weight = approx_size(key) + approx_size(value) + _ENTRY_OVERHEAD
            self.bytes += weight - self._weights.get(key, 0)
            self._weights[key] = weight
        self._data[key] = value

    def _shrink(self) -> None:
        # Never evict the entry just added, however large: the caller is about to use it.
        while len(self._data) > self.size or (self.max_bytes and self.bytes > self.max_bytes and len(self._data) > 1):
            old, _ = self._data.popitem(last=False)
            self.bytes -= self._weights.pop(old, 0)
            if self._journal:
                self._touched.discard(old)
                self._evicted.add(old)

    def clear(self) -> None:
        """Forget every entry (a journal records them as evicted)."""
        if self._journal:
            self._evicted.update(self._data)
            self._touched.clear()
        self._data.clear()
        self._weights.clear()
        self.bytes = 0

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
        self._weights.clear()
        self.bytes = 0
        for key, value in rows:
            self._store(self.load_key(key), self._decode(json.loads(value)))
        self._shrink()  # a smaller cache since the save
        self._touched.clear()
        self._evicted.clear()

    @staticmethod
    def dump_key(key: Any) -> str:
        return json.dumps(list(key) if isinstance(key, tuple) else key, ensure_ascii=False)

    @staticmethod
    def load_key(text: str) -> Any:
        key = json.loads(text)
        return tuple(key) if isinstance(key, list) else key
