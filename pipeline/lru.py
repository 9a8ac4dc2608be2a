"""A bounded LRU cache, by entry count and by approximate bytes."""

from __future__ import annotations

import sys
from collections import OrderedDict
from dataclasses import fields, is_dataclass
from functools import lru_cache
from typing import Any, Generic, Hashable, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


# What an OrderedDict entry costs beyond its key and value objects (hash slot, links).
_ENTRY_OVERHEAD = 100


# Types sized by getsizeof alone (what the checks below come to for them), first: every
# cache put sizes its key and value.
_SCALARS = frozenset({str, int, float, bool, type(None)})


def approx_size(obj: Any) -> int:
    """Bytes an entry's key or value holds, near enough to bound a cache by memory: strings
    (the bulk of every cache here) by their real size, containers and dataclasses summed."""
    if type(obj) in _SCALARS or isinstance(obj, str):
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
    ):
        self.size = size
        self.max_bytes = max_bytes
        self.bytes = 0
        self._data: OrderedDict[K, V] = OrderedDict()
        self._weights: dict[K, int] = {}

    def __len__(self) -> int:
        return len(self._data)

    def __contains__(self, key: object) -> bool:
        return key in self._data

    def get(self, key: K) -> V | None:
        value = self._data.get(key)
        if value is not None:
            self._data.move_to_end(key)
        return value

    def put(self, key: K, value: V) -> None:
        if self.size <= 0:
            return
        self._store(key, value)
        self._data.move_to_end(key)
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

    def clear(self) -> None:
        """Forget every entry."""
        self._data.clear()
        self._weights.clear()
        self.bytes = 0

    def keys(self) -> list[K]:
        """Oldest first."""
        return list(self._data)
