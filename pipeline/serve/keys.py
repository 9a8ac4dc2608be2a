"""API keys, stored hashed: the keys file holds `NAME sha256:HEX` lines, never a key.

A key is 256 random bits shown once when it is made (`newsbridge serve add-key FILE
NAME`); with that much entropy a plain SHA-256 is enough to make a stolen file useless
(no guessing a key from its hash), and it keeps checking a request cheap.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
from pathlib import Path

from ..errors import ConfigError

KEY_PREFIX = "nb_"
_LINE = re.compile(r"(?P<name>[A-Za-z0-9_.@-]{1,64})\s+sha256:(?P<hash>[0-9a-f]{64})")


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


class ApiKeys:
    """name -> key hash, read from a keys file."""

    def __init__(self, entries: dict[str, str]):
        self._by_hash = {digest: name for name, digest in entries.items()}

    @classmethod
    def load(cls, path: str | Path) -> "ApiKeys":
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise ConfigError(f"--api-keys {path}: no such file (make one with `newsbridge serve add-key {path} NAME`)") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"--api-keys {path}: cannot be read ({exc})") from None
        entries: dict[str, str] = {}
        for n, line in enumerate(text.splitlines(), 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            match = _LINE.fullmatch(line)
            if not match:
                raise ConfigError(f"--api-keys {path} line {n}: expected 'NAME sha256:<64 hex digits>' (a key itself never goes in this file)")
            if match["name"] in entries:
                raise ConfigError(f"--api-keys {path} line {n}: the name {match['name']!r} is listed twice")
            entries[match["name"]] = match["hash"]
        if not entries:
            raise ConfigError(f"--api-keys {path}: holds no key (add one with `newsbridge serve add-key {path} NAME`)")
        return cls(entries)

    def owner(self, key: str | None) -> str | None:
        """The name a key belongs to, or None."""
        if not key:
            return None
        digest = hash_key(key)
        found = None
        for known, name in self._by_hash.items():
            if hmac.compare_digest(known, digest):  # every entry compared: no timing hint
                found = name
        return found

    def __len__(self) -> int:
        return len(self._by_hash)


def add_key(path: str | Path, name: str) -> str:
    """Make a key for `name`, append its hash to `path` (created 0600), return the key."""
    if not re.fullmatch(r"[A-Za-z0-9_.@-]{1,64}", name):
        raise ConfigError(f"key name {name!r}: use 1-64 letters, digits and _ . @ -")
    path = Path(path)
    if path.exists():
        ApiKeys.load(path) if path.read_text(encoding="utf-8").strip() else None
        if re.search(rf"(?m)^\s*{re.escape(name)}\s", path.read_text(encoding="utf-8")):
            raise ConfigError(f"{path}: already has a key named {name!r}")
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(fd, "a", encoding="utf-8") as fh:
        fh.write(f"{name} sha256:{hash_key(key)}\n")
    return key
