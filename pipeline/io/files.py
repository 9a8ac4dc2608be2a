"""Opening input files safely: only regular files, never blocking, always bounded.

Why: an archive folder can hold a FIFO (`open()` blocks forever waiting for a writer), a
socket or a device (`/dev/zero` never ends). So a path is stat'ed before it is opened,
opened with O_NONBLOCK (a FIFO swapped in between the stat and the open then cannot block
either), and checked again on the open descriptor. Every read is capped by the caller's
limit while reading, never after.
"""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path
from typing import BinaryIO

from ..errors import InputError

_KINDS = (
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISDIR, "a directory"),
)


def file_kind(mode: int) -> str:
    for test, name in _KINDS:
        if test(mode):
            return name
    return "not a regular file"


def check_regular(path: str | Path, st: os.stat_result) -> None:
    if not stat.S_ISREG(st.st_mode):
        raise InputError(path, f"is {file_kind(st.st_mode)}, not a regular file; only regular files are read", kind="not_a_file")


def open_regular(path: str | Path) -> BinaryIO:
    """A regular file open for binary reading, or an InputError (missing, unreadable, not a file)."""
    path = Path(path)
    try:
        check_regular(path, os.stat(path))
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise InputError(path, "no such file", kind="missing") from None
    except OSError as exc:  # no read permission, an I/O error, a loop of symlinks
        raise InputError(path, f"cannot be read ({exc.strerror or exc})", kind="unreadable") from None
    try:
        check_regular(path, os.fstat(fd))  # swapped between stat and open?
        os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return os.fdopen(fd, "rb")


def read_bounded(path: str | Path, limit: int, *, what: str = "read.max_bytes") -> bytes:
    """The whole file, or InputError if it is (or turns out while reading to be) over `limit` bytes."""
    with open_regular(path) as fh:
        try:
            size = os.fstat(fh.fileno()).st_size
            if size > limit:
                raise InputError(path, f"is {size:,} bytes, over {what}={limit:,}", kind="too_large")
            data = fh.read(limit + 1)  # a file growing while read is still capped
        except OSError as exc:
            raise InputError(path, f"cannot be read ({exc.strerror or exc})", kind="unreadable") from None
    if len(data) > limit:
        raise InputError(path, f"holds over {what}={limit:,} bytes", kind="too_large")
    return data


def fingerprint(path: str | Path, *, chunk: int = 1 << 20) -> dict[str, object]:
    """size, mtime_ns and the sha256 of the content: what says an input changed since a
    ledger saw it. `same_input` compares size and mtime first (rsync's quick check) and
    hashes again only when they differ, so a resume does not read a big archive twice."""
    st = os.stat(path)
    digest = hashlib.sha256()
    with open_regular(path) as fh:
        while block := fh.read(chunk):
            digest.update(block)
    return {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "sha256": digest.hexdigest()}


def same_input(path: str | Path, saved: dict[str, object]) -> tuple[bool, dict[str, object] | None]:
    """(unchanged?, the new fingerprint when it had to be computed)."""
    st = os.stat(path)
    if st.st_size == saved.get("size") and st.st_mtime_ns == saved.get("mtime_ns"):
        return True, None
    now = fingerprint(path)
    return now["sha256"] == saved.get("sha256"), now
