"""The shared-filesystem requirement of multi-node executors, checked rather than assumed.

Workers on other machines read the inputs and write their ledgers under --out by path,
so every node must mount them at the same path (NFS, Lustre, GPFS, CephFS: what Ray and
Slurm clusters use). A node that does not would otherwise fail in confusing ways (a
missing file long after the start) or worse, write its ledger into a local directory
that nobody merges. So the driver writes a token into OUT/work/ before starting the
workers, and each worker checks, first thing, that it sees the inputs and that token.
"""

from __future__ import annotations

import os
import secrets
import socket
from pathlib import Path

from ..errors import NewsbridgeError

TOKEN = "job-token"


class SharedFilesystemError(NewsbridgeError):
    """A worker's node does not see the job's inputs or output directory."""

    kind = "shared_filesystem"
    exit_code = 2


def write_job_token(out: Path) -> str:
    """A fresh token in OUT/work/ (workers compare it with the one they were given)."""
    work = Path(out) / "work"
    work.mkdir(parents=True, exist_ok=True)
    token = secrets.token_hex(8)
    tmp = work / f".{TOKEN}.{os.getpid()}.tmp"
    tmp.write_text(token + "\n", encoding="utf-8")
    os.replace(tmp, work / TOKEN)
    return token


def check_worker_view(inputs: list[str], out: str, token: str, cwd: str, *, rank: int) -> None:
    """Raise SharedFilesystemError naming this node and the first path it cannot see."""
    node = socket.gethostname()
    advice = ("every node must mount the inputs and --out at the same path (a shared filesystem); "
              "see README, 'On a cluster'")
    paths = [Path(p) for p in [*inputs, out]]
    base = Path(cwd)
    if any(not p.is_absolute() for p in paths) and not base.is_dir():
        raise SharedFilesystemError(f"worker {rank} on node {node} cannot see {cwd}, the directory the relative "
                                    f"paths of the command are named from; use absolute paths on a shared filesystem ({advice})")
    for given in inputs:
        path = base / given
        if not path.exists():
            raise SharedFilesystemError(f"worker {rank} on node {node} cannot see the input {path} ({advice})")
    out_dir = base / out
    try:
        seen = (out_dir / "work" / TOKEN).read_text(encoding="utf-8").strip()
    except OSError:
        seen = None
    if seen != token:
        why = "does not see the output directory" if seen is None else "sees another copy of the output directory"
        raise SharedFilesystemError(f"worker {rank} on node {node} {why} {out_dir} "
                                    f"(the driver's OUT/work/{TOKEN} is not there; {advice})")
