"""Where the resident memory of one `newsbridge batch` run goes, step by step.

    flock /tmp/newsbridge-bench.lock .venv/bin/python scripts/memory_breakdown.py [--variant ctranslate2_int8]

Runs one variant of scripts/bench_pipeline.py (same models, overrides, workload and
process setup as its child; --articles N of the same archive) in this process, and
prints the resident memory (VmRSS) after each step: imports, lingua warmed, each model
loaded (its tokenizer apart where the backend has one), each stage, the outputs written;
and the highest RSS seen during each phase (a sampling thread, every 2 ms), which shows
transient peaks: a model call's batch buffers, a library's loading. Whether torch and
transformers were ever imported is printed too. One process, one run: the steps add up
to its VmHWM. NEWSBRIDGE_MALLOC=glibc shows glibc's defaults (pipeline/malloc.py).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import shutil
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_pipeline  # noqa: E402
import benchlib  # noqa: E402

PAGE = os.sysconf("SC_PAGE_SIZE")


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * PAGE / 2**20


class Recorder:
    def __init__(self) -> None:
        self.phase = "start"
        self.peaks: dict[str, float] = {}
        self.steps: list[tuple[str, float]] = []
        threading.Thread(target=self._sample, daemon=True).start()

    def _sample(self) -> None:
        while True:
            r, p = rss_mb(), self.phase
            if r > self.peaks.get(p, 0.0):
                self.peaks[p] = r
            time.sleep(0.002)

    def step(self, name: str) -> None:
        self.steps.append((name, rss_mb()))

    @contextlib.contextmanager
    def during(self, phase: str):
        prev, self.phase = self.phase, phase
        try:
            yield
        finally:
            self.phase = prev


def instrument(rec: Recorder) -> None:
    """Steps and phases around model loads, tokenizers, model calls and stages."""
    import importlib

    from pipeline import registry
    from pipeline.backends import ct2, marian_pieces
    from pipeline.context import Context

    try:  # absent before the CTranslate2 summariser (to measure an older checkout too)
        ct2_summarizer = importlib.import_module("pipeline.backends.ct2_summarizer")
        fast_pieces = importlib.import_module("pipeline.backends.fast_pieces")
    except ImportError:
        ct2_summarizer = fast_pieces = None

    def around(cls, method: str, label: str, step: bool = True) -> None:
        orig = getattr(cls, method)

        def wrapped(self, *a, **k):
            with rec.during(label if isinstance(label, str) else label(self)):
                out = orig(self, *a, **k)
            if step:
                rec.step(label if isinstance(label, str) else label(self))
            return out

        setattr(cls, method, wrapped)

    around(marian_pieces.MarianPieces, "__init__", "translator tokenizer (MarianPieces)")
    around(ct2.CTranslate2Translator, "__init__", "translator loaded (tokenizer + CTranslate2 model)")
    around(ct2.CTranslate2Translator, "translate", "translate model calls", step=False)
    ct2_types: tuple = ()
    if ct2_summarizer is not None:
        around(fast_pieces.TokenizerPieces, "__init__", "summariser tokenizer (tokenizers)")
        around(ct2_summarizer.CTranslate2Summarizer, "__init__", "summariser loaded (tokenizer + CTranslate2 model)")
        around(ct2_summarizer.CTranslate2Summarizer, "summarize", "summarize model calls", step=False)
        ct2_types = (ct2_summarizer.CTranslate2Summarizer,)
    orig_summarizer = Context.summarizer

    def summarizer(self, ref):
        new = ref not in self._summarizers
        with rec.during("summariser load"):
            obj = orig_summarizer(self, ref)
        if new and not isinstance(obj, ct2_types):
            rec.step(f"summariser loaded ({type(obj).__name__})")
            if hasattr(obj, "summarize"):
                inner = obj.summarize

                def summarize(texts, n):
                    with rec.during("summarize model calls"):
                        return inner(texts, n)

                obj.summarize = summarize
        return obj

    Context.summarizer = summarizer
    for name in registry.stages.names():
        around(registry.stages.get(name), "__call__", lambda stage: f"stage {stage.name}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--variant", default="ctranslate2_int8_translate_only",
                        choices=["marian", "ctranslate2_int8", "ctranslate2_int8_translate_only"])
    parser.add_argument("--articles", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--data", default=str(benchlib.DATA))
    parser.add_argument("--cache", default=str(benchlib.REPO / ".cache" / "bench"))
    args = parser.parse_args()
    rec = Recorder()
    rec.step("python + bench scripts")
    m = benchlib.machine()
    archive = bench_pipeline.WORK / f"archive-{args.articles}.jsonl"
    bench_pipeline.write_archive(archive, args.articles, Path(args.data))
    ns = argparse.Namespace(child=args.variant, threads=args.threads, beams=1, device="cpu", data=args.data, cache=args.cache)
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    from pipeline.cli.app import app
    from pipeline.threads import prepare_environment

    prepare_environment()  # the CLI's process setup (threads, malloc), as bench_pipeline's child
    rec.step("import newsbridge CLI")
    with rec.during("lingua warm-up"):
        bench_pipeline.warm_lingua(Path(args.data))
    rec.step("lingua warmed (en/uk/ru, uk/ru)")
    instrument(rec)
    out = bench_pipeline.WORK / f"out-breakdown-{args.variant}"
    shutil.rmtree(out, ignore_errors=True)
    argv = ["batch", str(archive), "--out", str(out), "--no-progress"]
    for item in bench_pipeline.overrides(args.variant, ns):
        argv += ["--set", item]
    with rec.during("batch command: config, contexts, reading, writing, finalising"), contextlib.redirect_stdout(io.StringIO()):
        try:
            app(argv, standalone_mode=False)
        except SystemExit as exc:
            if exc.code not in (0, None):
                raise SystemExit(f"newsbridge batch failed ({exc.code})")
    rec.step("outputs written (end)")
    time.sleep(0.05)
    shutil.rmtree(out, ignore_errors=True)
    print(benchlib.header(benchlib.finish_machine(m)))
    try:
        from pipeline.malloc import describe

        note = describe()
    except ImportError:  # a checkout from before pipeline/malloc.py
        note = "glibc defaults (as the CLI then)"
    print(f"variant {args.variant}, {args.articles} articles; malloc: {note}; "
          f"torch imported: {'torch' in sys.modules}; transformers imported: {'transformers' in sys.modules}\n")
    print("| after | RSS MB | + MB |\n|---|---:|---:|")
    last = 0.0
    for name, r in rec.steps:
        print(f"| {name} | {r:,.0f} | {r - last:+,.0f} |")
        last = r
    print("\n| highest RSS during | MB |\n|---|---:|")
    for phase, r in sorted(rec.peaks.items(), key=lambda kv: kv[1]):
        print(f"| {phase} | {r:,.0f} |")
    print(f"\nVmHWM (peak RSS of the process): {benchlib.peak_rss_mb():,.0f} MB")


if __name__ == "__main__":
    main()
