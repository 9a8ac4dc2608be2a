"""What every benchmark here shares: the machine/versions/command header, variants
interleaved ABAB... in long-lived child processes, min/median, output-hash agreement.

A variant is a child process (`script --child VARIANT ...`) that loads what it needs,
warms up once, prints one JSON line `{"ready": ...}`, then answers every "run" line on
its stdin with one timed pass `{"seconds": s, "hash": h, ...}` and the "done" line with
`{"peak_rss_mb": ...}` (its own VmHWM) before exiting. The parent starts every variant
first, then asks them for passes in turn (A B C A B C ...), so that a slow minute on a
shared machine hits every variant alike, and reports min and median per variant.

Children inherit the parent's environment untouched apart from TOKENIZERS_PARALLELISM
(what `newsbridge` sets itself), and start with the CLI's own process setup
(threads.prepare_environment: thread counts, OpenMP spin; the malloc arenas as the CLI
sets them for the variant's config, pipeline/malloc.configure), so that they measure
what the CLI runs.
"""

from __future__ import annotations

import json
import os
import platform
import shlex
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable

REPO = Path(__file__).resolve().parent.parent
# The shared WMT22 dev data, as the tests find it: NEWSBRIDGE_SHARED_DATA, else ../shared/data.
DATA = Path(os.environ.get("NEWSBRIDGE_SHARED_DATA", REPO.parent / "shared" / "data")) / "wmt22-dev"


def cli_env() -> dict[str, str]:
    """The environment `newsbridge` runs under (pipeline/cli/common.py sets these)."""
    return {**os.environ, "TOKENIZERS_PARALLELISM": "false", "TRANSFORMERS_VERBOSITY": "error",
            "HF_HUB_DISABLE_PROGRESS_BARS": "1", "PYTHONPATH": str(REPO)}


def machine(extra_versions: tuple[str, ...] = ("torch", "transformers", "ctranslate2")) -> dict[str, Any]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    from importlib.metadata import PackageNotFoundError, version

    versions = {"python": platform.python_version()}
    for name in extra_versions:
        try:
            versions[name] = version(name)
        except PackageNotFoundError:
            versions[name] = None
    gpu = None
    try:
        out = subprocess.run(["nvidia-smi", "--query-gpu=name,memory.total", "--format=csv,noheader"],
                             capture_output=True, text=True, timeout=10)
        gpu = out.stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "gpu": gpu, "platform": platform.platform(), "versions": versions,
            "command": " ".join(shlex.quote(a) for a in [Path(sys.executable).name, *sys.argv]),
            "loadavg_before": [round(x, 2) for x in os.getloadavg()]}


def finish_machine(m: dict[str, Any]) -> dict[str, Any]:
    m["loadavg_after"] = [round(x, 2) for x in os.getloadavg()]
    return m


def header(m: dict[str, Any]) -> str:
    v = ", ".join(f"{k} {x}" for k, x in m["versions"].items() if x)
    gpu = f"; GPU {m['gpu']}" if m.get("gpu") else ""
    return (f"command: {m['command']}\nmachine: {m['cpu']}, {m['cores']} cores{gpu}; {m['platform']}; {v}\n"
            f"load average (1 min) before/after: {m['loadavg_before'][0]}/{m.get('loadavg_after', ['?'])[0]}")


def malloc_note() -> str:
    """How the children's malloc is set (the CLI's setting unless the environment says otherwise)."""
    from pipeline.malloc import describe

    return describe()


def peak_rss_mb() -> float:
    """This process's peak resident memory (VmHWM; ru_maxrss would include the parent's,
    as Linux carries it across fork and exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def summarise_times(times: list[float]) -> dict[str, Any]:
    return {"min_s": round(min(times), 4), "median_s": round(statistics.median(times), 4), "all_s": [round(t, 4) for t in times]}


# -- child side ------------------------------------------------------------------------------


def serve_child(prepare: Callable[[], Callable[[], dict[str, Any]]]) -> None:
    """Child main loop: `prepare()` loads and returns a pass function; one warm-up pass,
    then a timed pass per "run" line. The pass returns at least {"hash": ...}."""
    from pipeline.threads import prepare_environment

    prepare_environment()  # the CLI's process setup, before anything loads
    one_pass = prepare()
    one_pass()  # warm-up: first-touch memory, lazy initialisation, caches of the libraries
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        cmd = line.strip()
        if cmd == "run":
            start = time.perf_counter()
            cpu0 = time.process_time()
            out = one_pass()
            out["seconds"] = time.perf_counter() - start
            out["cpu_seconds"] = time.process_time() - cpu0
            print(json.dumps(out), flush=True)
        elif cmd == "done":
            print(json.dumps({"peak_rss_mb": round(peak_rss_mb(), 1)}), flush=True)
            return


# -- parent side -----------------------------------------------------------------------------


class Child:
    def __init__(self, name: str, cmd: list[str], env: dict[str, str]):
        self.name = name
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True, env=env, cwd=REPO)

    def _read(self) -> dict[str, Any]:
        assert self.proc.stdout is not None
        while True:
            line = self.proc.stdout.readline()
            if not line:
                err = self.proc.stderr.read() if self.proc.stderr else ""
                raise SystemExit(f"variant {self.name} failed:\n{err[-4000:]}")
            line = line.strip()
            if line.startswith("{"):
                return json.loads(line)

    def ask(self, cmd: str) -> dict[str, Any]:
        assert self.proc.stdin is not None
        self.proc.stdin.write(cmd + "\n")
        self.proc.stdin.flush()
        return self._read()

    def close(self) -> dict[str, Any]:
        out = self.ask("done")
        self.proc.wait(timeout=60)
        return out


def interleave(variants: list[str], child_cmd: Callable[[str], list[str]], repeats: int,
               env: dict[str, str] | None = None, log=sys.stderr) -> dict[str, dict[str, Any]]:
    """Start every variant (one at a time, so loading does not overlap timing), then run
    `repeats` rounds of one pass each, in order A B C A B C ..."""
    env = env or cli_env()
    children: dict[str, Child] = {}
    try:
        for v in variants:
            print(f"loading and warming up {v} ...", file=log, flush=True)
            children[v] = Child(v, child_cmd(v), env)
            children[v]._read()  # {"ready": true}
        runs: dict[str, list[dict[str, Any]]] = {v: [] for v in variants}
        for r in range(repeats):
            for v in variants:
                runs[v].append(children[v].ask("run"))
                print(f"  round {r + 1}/{repeats} {v}: {runs[v][-1]['seconds']:.2f} s", file=log, flush=True)
        results = {}
        for v in variants:
            closing = children[v].close()
            passes = runs[v]
            hashes = sorted({p["hash"] for p in passes})
            if len(hashes) != 1:
                raise SystemExit(f"{v}: outputs differ between its own passes ({hashes})")
            results[v] = {**summarise_times([p["seconds"] for p in passes]),
                          "cpu_s_median": round(statistics.median(p["cpu_seconds"] for p in passes), 4),
                          **{k: x for k, x in passes[0].items() if k not in ("seconds", "cpu_seconds")},
                          "peak_rss_mb": closing["peak_rss_mb"]}
        return results
    finally:
        for c in children.values():
            if c.proc.poll() is None:
                c.proc.kill()


def assert_agree(results: dict[str, dict[str, Any]], groups: list[tuple[str, ...]]) -> list[str]:
    """Variants in one group must produce the same outputs (same hash): a mismatch is an error."""
    checked = []
    for group in groups:
        present = [v for v in group if v in results]
        if len(present) < 2:
            continue
        hashes = {v: results[v]["hash"] for v in present}
        if len(set(hashes.values())) != 1:
            raise SystemExit(f"outputs that must agree differ: {hashes}")
        checked.append(" = ".join(present))
    return checked
