"""Data files shipped inside the package (read with importlib.resources, so they are found
from a wheel as well as from a checkout): default rule lists, the tiny-model corpus."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources


@lru_cache(maxsize=None)
def _rule_file(name: str) -> dict[str, tuple[str, ...]]:
    import yaml

    data = yaml.safe_load(resources.files(__name__).joinpath(name).read_text(encoding="utf-8"))
    # An entry written as a list of strings is one long pattern split for reading.
    return {key: tuple("".join(item) if isinstance(item, list) else item for item in items) for key, items in data.items()}


def rule_list(name: str, key: str) -> list[str]:
    """A fresh copy of the list `key` of the YAML resource `name` (callers may change it)."""
    return list(_rule_file(name)[key])
