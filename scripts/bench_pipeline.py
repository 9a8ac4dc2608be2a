"""The whole `newsbridge batch` (read -> clean -> segment -> detect -> translate ->
summarize -> write), ours against a naive pipeline, on WMT22 dev documents.

    flock /tmp/newsbridge-bench.lock .venv/bin/python scripts/bench_pipeline.py [--articles 12] [--naive-articles 2] [--json]

Models (built once, cached): the random-weight opus-mt-base-shaped Marian of
bench_translate.py (en->uk, with its CTranslate2 int8 copy) and the random-weight
bart-base-shaped BART of bench_summarize.py. Random weights never stop on their own, so
lengths are forced: every translation is ceil(1.1 x its input tokens), every summary
exactly its configured bound (48 tokens a section, 128 the article). Greedy decoding
(--beams for beam search).

Workload: the first N English-source WMT22 dev documents (en-uk.jsonl), each an article
of paragraphs of up to three sentences, in one JSONL archive (--articles N). The naive
pipeline is too slow for N on this machine, so it runs on the first M of them
(--naive-articles M), and so do marian and a second ctranslate2_int8 run: every "x naive"
ratio compares runs on the same M articles (when M = N the main runs serve). Every run is the CLI's
`batch` command in a fresh process (model loading included, reported apart), writing a
fresh output folder; guards on (loop, length, language and number checks on every
output; the one retry is off, because forced lengths trip the length guard on every
output by construction), caches as configured by default. Variants:
  naive             per-segment generate() (float32), per-section generate() summaries,
                    no batching across articles (batch.batch_size=1)
  marian            translate.backend=marian (float32), batched summaries (float32)
  ctranslate2_int8  translate.backend=ctranslate2 and summarize.backend=ctranslate2 (the
                    same BART converted once, int8; int8_float16 on CUDA): no torch in the
                    process
  ctranslate2_int8_translate_only   the same without the summarize stage (peak RSS of
                    the translation side alone)
  engine_echo       both models replaced by instant echo backends (the translation is the
                    WMT22 reference where the segment is a WMT sentence, else the source;
                    the summary is the text's first words), one thread: the pipeline's own
                    cost per target token (guards, cache, chunking, segmentation, language
                    id, reading, writing). The job runs 1 + 3 times in one process: the first
                    pays the process's first-use costs (imports, lazily loaded tables) and
                    is reported apart; the figures are from the next three's median, in
                    the round of median CPU time: tok_s_per_thread counts the thread CPU
                    time of every stage (what the issue names: guards, retries, cache
                    look-ups, segmentation, language id; the echo backends' own tokenising
                    included), tok_s_per_thread_with_io adds reading, writing and
                    committing, and finalising the outputs;
                    tok_s_per_thread_outside_backends leaves out the thread CPU inside the
                    echo backends' translate()/summarize() calls (their tokenising)
  prefetch_on, prefetch_off   echo backends paced like an accelerator: each call sleeps
                    (target tokens / --paced-tok-s) s, leaving the CPU free as a GPU call
                    does; batches of --paced-batch articles, one thread; with and without
                    runtime.prefetch_batches: model time and the CPU stages' time add as
                    max with it, as sum without (the second job of the process, as echo)
Variants run in interleaved rounds (A B C ... A B C ...), --repeats rounds; min and
median reported. Each process reports: wall time, time inside model calls per stage
(the backends' translate()/summarize() wrapped with a timer in the child), the stages'
CPU time, target tokens generated (translations + summaries), peak RSS (ru_maxrss of the
child). naive and marian (same float32 weights) must write the same texts: compared by
hash, a mismatch stops the benchmark. Same threads (runtime.threads) and the CLI's malloc
setting everywhere (pipeline/malloc.py, decided from each variant's config as the CLI
does: one arena for the CTranslate2 and echo variants, glibc's arenas for naive and
marian, which run torch; NEWSBRIDGE_MALLOC=glibc in the environment keeps glibc's
defaults, in the children as in the CLI).

--json prints one object: {"naive": {...}, "ctranslate2_int8": {...}, "marian": {...},
"engine_echo": {"tok_s_per_thread", ...}, "machine": ..., "workload": ...}.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import benchlib  # noqa: E402

REPO = benchlib.REPO
WORK = REPO / ".cache" / "bench-pipeline"
VARIANTS = ["naive", "marian", "ctranslate2_int8", "ctranslate2_int8_translate_only", "engine_echo", "prefetch_on", "prefetch_off"]
GPU_VARIANTS = ["marian", "ctranslate2_int8", "ctranslate2_int8_translate_only", "engine_echo", "prefetch_on", "prefetch_off"]
# Variants run on the naive comparison's M articles (the others on the main N).
COMPARED = ("naive", "marian")
# engine_echo: timed jobs per process after the untimed first one (median CPU reported).
ECHO_JOBS = 3
CPU_STAGES = ("clean", "segment", "detect")
LENGTH_RATIO = 1.1
SECTION_TOKENS = 48
ARTICLE_TOKENS = 128


# -- workload and config (parent and child) -------------------------------------------------


def english_docs(data: Path) -> list[dict]:
    return [json.loads(line) for line in (data / "en-uk.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]


def write_archive(path: Path, n: int, data: Path) -> int:
    docs = english_docs(data)[:n]
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as fh:
        for doc in docs:
            sents = doc["src"]
            paragraphs = [" ".join(sents[i : i + 3]) for i in range(0, len(sents), 3)]
            fh.write(json.dumps({"id": doc["id"], "text": "\n\n".join(paragraphs)}, ensure_ascii=False) + "\n")
    return len(docs)


def overrides(variant: str, args) -> list[str]:
    import bench_summarize
    import bench_translate

    sets = [
        f"models.manifest={bench_translate.CACHE / 'manifest.yaml'}",
        f"translate.ctranslate2.models_dir={bench_translate.CACHE / 'ct2'}",
        f"runtime.device={args.device}",
        f"runtime.threads={1 if variant == 'engine_echo' else args.threads}",
        f"translate.models={{en-uk: {bench_translate.MODEL_NAME}}}",
        f"translate.num_beams={args.beams}",
        f"translate.max_length_ratio={LENGTH_RATIO}",
        f"translate.min_length_ratio={LENGTH_RATIO}",
        "translate.max_length_extra=0",
        "translate.guards.retry=false",
        f"summarize.model={Path(args.cache) / 'bart-base-random'}",
        f"summarize.num_beams={args.beams}",
        f"summarize.max_new_tokens={SECTION_TOKENS}",
        f"summarize.article_max_new_tokens={ARTICLE_TOKENS}",
        # A floor above both bounds: every summary is exactly its bound (capped at the target).
        f"summarize.min_new_tokens={max(SECTION_TOKENS, ARTICLE_TOKENS)}",
    ]
    if variant == "naive":
        sets += ["translate.backend=bench_naive", "summarize.backend=bench_naive", "batch.batch_size=1"]
    elif variant == "marian":
        sets += ["translate.backend=marian"]
    elif variant.startswith("ctranslate2_int8"):
        compute = "int8" if args.device == "cpu" else "int8_float16"
        sets += ["translate.backend=ctranslate2", "summarize.backend=ctranslate2",
                 f"translate.ctranslate2.compute_type={compute}", f"summarize.ctranslate2.compute_type={compute}"]
        if variant.endswith("translate_only"):
            sets += ["pipeline.stages=[clean,segment,detect,translate]"]
    elif variant == "engine_echo":
        sets += ["translate.backend=bench_echo", "summarize.backend=bench_echo"]
    elif variant.startswith("prefetch_"):
        sets = [x for x in sets if not x.startswith("runtime.threads=")]
        sets += ["translate.backend=bench_paced", "summarize.backend=bench_paced", "runtime.threads=1",
                 f"batch.batch_size={args.paced_batch}", f"runtime.prefetch_batches={1 if variant == 'prefetch_on' else 0}"]
    return sets


# -- child: backends, timers, one CLI run ------------------------------------------------------

_STATE = threading.local()
MODEL_S: defaultdict[str, float] = defaultdict(float)
STAGE_CPU_S: defaultdict[str, float] = defaultdict(float)
# Thread CPU time of reading, writing + ledger commits, finalising (the job's own timings
# are wall-clock, which a loaded machine inflates).
MACHINERY_CPU_S: defaultdict[str, float] = defaultdict(float)
# Thread CPU time inside the backends' translate()/summarize() calls (for engine_echo: the
# echo backends' own tokenising; a real backend does that inside its model call too).
BACKEND_CPU_S: defaultdict[str, float] = defaultdict(float)
TOKENS: Counter[str] = Counter()
_LOCK = threading.Lock()


def _stage() -> str:
    return getattr(_STATE, "stage", None) or "other"


def install_timers() -> None:
    """Attribute time inside model calls to the stage that made them (thread-local, so a
    prefetch thread's stages are kept apart), and record each stage's thread CPU time."""
    from pipeline import registry
    from pipeline.context import Context

    for name in registry.stages.names():
        cls = registry.stages.get(name)
        orig = cls.__call__

        def call(self, batch, _orig=orig):
            prev = getattr(_STATE, "stage", None)
            _STATE.stage = self.name
            cpu0 = time.thread_time()
            try:
                return _orig(self, batch)
            finally:
                with _LOCK:
                    STAGE_CPU_S[self.name] += time.thread_time() - cpu0
                _STATE.stage = prev

        cls.__call__ = call

    def timed_translate(fn):
        def translate(texts, options=None):
            t0, cpu0 = time.perf_counter(), time.thread_time()
            out = fn(texts, options)
            with _LOCK:
                MODEL_S[_stage()] += time.perf_counter() - t0
                BACKEND_CPU_S[_stage()] += time.thread_time() - cpu0
                TOKENS["translation"] += sum(o.tokens for o in out)
            return out
        return translate

    def timed_summarize(fn):
        def summarize(texts, max_new_tokens):
            t0, cpu0 = time.perf_counter(), time.thread_time()
            out = fn(texts, max_new_tokens)
            with _LOCK:
                MODEL_S[_stage()] += time.perf_counter() - t0
                BACKEND_CPU_S[_stage()] += time.thread_time() - cpu0
                # Forced lengths: every summary is exactly its bound.
                TOKENS["summary"] += max_new_tokens * len(texts) if isinstance(max_new_tokens, int) else sum(max_new_tokens)
            return out
        return summarize

    from pipeline.batch import engine as batch_engine
    from pipeline.batch import executor as batch_executor

    orig_commit, orig_stream, orig_finalize = batch_engine.Worker._commit, batch_engine.Worker._stream, batch_executor.finalize

    def commit(self, *a, **k):
        cpu0 = time.thread_time()
        try:
            return orig_commit(self, *a, **k)
        finally:
            MACHINERY_CPU_S["write+ledger"] += time.thread_time() - cpu0

    def stream(self, *a, **k):
        units = orig_stream(self, *a, **k)
        while True:
            cpu0 = time.thread_time()
            try:
                item = next(units)
            except StopIteration:
                return
            finally:
                MACHINERY_CPU_S["read"] += time.thread_time() - cpu0
            yield item

    def finalize(*a, **k):
        cpu0 = time.thread_time()
        try:
            return orig_finalize(*a, **k)
        finally:
            MACHINERY_CPU_S["finalize"] += time.thread_time() - cpu0

    batch_engine.Worker._commit, batch_engine.Worker._stream, batch_executor.finalize = commit, stream, finalize

    orig_translator, orig_summarizer = Context.translator, Context.summarizer

    def translator(self, ref):
        obj = orig_translator(self, ref)
        if not getattr(obj, "_bench_timed", False):
            obj.translate, obj._bench_timed = timed_translate(obj.translate), True
        return obj

    def summarizer(self, ref):
        obj = orig_summarizer(self, ref)
        if not getattr(obj, "_bench_timed", False) and hasattr(obj, "summarize"):
            obj.summarize, obj._bench_timed = timed_summarize(obj.summarize), True
        return obj

    Context.translator, Context.summarizer = translator, summarizer


def register_backends(data: Path) -> None:
    """The naive and echo backends, behind the pipeline's own interfaces."""
    from pipeline import registry
    from pipeline.backends.base import DecodeOptions, Summarizer, Translation, Translator

    class NaiveTranslator(Translator):
        """transformers generate(), one segment per call, as most MarianMT tools do."""

        uses_torch = True  # the CLI's malloc for a torch run (pipeline/malloc.py)

        def __init__(self, model, context):
            super().__init__()
            import torch
            from transformers import MarianMTModel, MarianTokenizer

            torch.set_num_threads(context.config.runtime.threads)
            self.torch = torch
            self.cfg = context.config.translate
            self.tokenizer = MarianTokenizer.from_pretrained(model.path)
            self.model = MarianMTModel.from_pretrained(model.path).eval()
            self.max_input_tokens = self.model.config.max_position_embeddings
            self.max_output_tokens = self.max_input_tokens - 1

        def count_tokens(self, texts):
            return [len(ids) for ids in self.tokenizer(texts)["input_ids"]] if texts else []

        def translate(self, texts, options=None):
            opts = options or DecodeOptions.from_config(self.cfg)
            out = []
            with self.torch.inference_mode():
                for text in texts:
                    enc = self.tokenizer([text], return_tensors="pt")
                    lo, hi = opts.length_bounds(enc["input_ids"].shape[1], self.max_output_tokens)
                    ids = self.model.generate(**enc, num_beams=opts.num_beams, do_sample=False, min_new_tokens=lo,
                                              max_new_tokens=hi, max_length=None, forced_eos_token_id=None)[0, 1:].tolist()
                    eos = self.model.config.eos_token_id
                    ended = eos in ids
                    body = ids[: ids.index(eos)] if ended else ids
                    out.append(Translation(self.tokenizer.decode(body, skip_special_tokens=True).strip(), len(body), not ended))
            self.counts["target_tokens"] += sum(o.tokens for o in out)
            return out

    class NaiveSummarizer(Summarizer):
        """generate() one section per call (the pipeline's model class and settings)."""

        uses_torch = True

        def __init__(self, model, context):
            from pipeline.backends.seq2seq import Seq2SeqSummarizer

            self.inner = Seq2SeqSummarizer(model, context)
            self.max_input_tokens = self.inner.max_input_tokens

        def count_tokens(self, texts):
            return self.inner.count_tokens(texts)

        def summarize(self, texts, max_new_tokens):
            bounds = [max_new_tokens] * len(texts) if isinstance(max_new_tokens, int) else list(max_new_tokens)
            return [self.inner.summarize([t], b)[0] for t, b in zip(texts, bounds)]

    refs: dict[str, str] = {}
    for doc in english_docs(data):
        refs.update(zip(doc["src"], doc["ref"]))

    class EchoTranslator(Translator):
        """Instant: the human reference where the segment is a WMT sentence, else the
        source; tokens as a forced-length model would produce them."""

        def __init__(self, model, context):
            super().__init__()
            from pipeline.backends.marian_pieces import MarianPieces

            self.cfg = context.config.translate
            self.pieces = MarianPieces(model.path)
            self.max_output_tokens = self.max_input_tokens - 1

        def count_tokens(self, texts):
            return [len(self.pieces.encode(t)) for t in texts]

        def translate(self, texts, options=None):
            opts = options or DecodeOptions.from_config(self.cfg)
            out = [Translation(refs.get(t, t), opts.length_bounds(n, self.max_output_tokens)[1])
                   for t, n in zip(texts, self.count_tokens(texts))]
            self.counts["target_tokens"] += sum(o.tokens for o in out)
            return out

    class EchoSummarizer(Summarizer):
        """Instant: the text's first words, as many as its token bound. Tokens counted as
        the CTranslate2 summariser counts them (its `tokenizers` tokenizer: the same counts
        as AutoTokenizer, tests/backends/test_ct2_summarizer.py), as EchoTranslator
        tokenises like the CTranslate2 translator."""

        def __init__(self, model, context):
            from pipeline.backends.fast_pieces import TokenizerPieces

            self.pieces = TokenizerPieces(model.path)
            self.max_input_tokens = 1024

        def count_tokens(self, texts):
            return self.pieces.count(texts)

        def summarize(self, texts, max_new_tokens):
            bounds = [max_new_tokens] * len(texts) if isinstance(max_new_tokens, int) else list(max_new_tokens)
            return [" ".join(t.split()[: max(1, int(b / 1.3))]) for t, b in zip(texts, bounds)]

    pace = float(os.environ.get("BENCH_PACED_TOK_S") or 10000)

    class PacedTranslator(EchoTranslator):
        """The echo translator, paced like an accelerator: sleeps tokens / pace seconds
        (the GIL released, the CPU free, as while a GPU computes)."""

        def translate(self, texts, options=None):
            out = super().translate(texts, options)
            time.sleep(sum(o.tokens for o in out) / pace)
            return out

    class PacedSummarizer(EchoSummarizer):
        def summarize(self, texts, max_new_tokens):
            out = super().summarize(texts, max_new_tokens)
            time.sleep((max_new_tokens * len(texts) if isinstance(max_new_tokens, int) else sum(max_new_tokens)) / pace)
            return out

    registry.translators.add("bench_paced", PacedTranslator)
    registry.summarizers.add("bench_paced", PacedSummarizer)
    registry.translators.add("bench_naive", NaiveTranslator)
    registry.summarizers.add("bench_naive", NaiveSummarizer)
    registry.translators.add("bench_echo", EchoTranslator)
    registry.summarizers.add("bench_echo", EchoSummarizer)


def content_hash(out: Path) -> str:
    """Hash of what the articles say (texts, translations, summaries, segments), without
    signatures and provenance fields that name the backend."""
    h = hashlib.sha256()
    for line in (out / "articles.jsonl").read_text(encoding="utf-8").splitlines():
        rec = json.loads(line)
        keep = {"id": rec.get("id"), "title": rec.get("title"), "summary": rec.get("summary"), "tags": rec.get("tags"),
                "sections": [{k: s.get(k) for k in ("heading", "text", "summary", "segments")} for s in rec.get("sections", [])]}
        h.update(json.dumps(keep, ensure_ascii=False, sort_keys=True).encode("utf-8"))
    return h.hexdigest()[:16]


def warm_lingua(data: Path) -> None:
    """lingua loads its n-gram models lazily, order by order, on the first texts that need
    them: about a second of CPU once per process, whatever the archive's size; so do the
    open-set detector (every language lingua knows) and wordfreq's word lists that confirm
    it. Done here before the timed run (like loading the translation models, reported
    apart), on WMT22 dev text of the other direction (uk-en: Ukrainian sources, English
    references) so that it is not the workload itself."""
    from pipeline.config import LangIdConfig
    from pipeline.lang.evidence import words_fit
    from pipeline.lang.identifier import LinguaDetector

    docs = [json.loads(line) for line in (data / "uk-en.jsonl").read_text(encoding="utf-8").splitlines()[:20]]
    texts = [s for doc in docs for s in doc["src"]]
    texts += [" ".join(texts[i : i + 5]) for i in range(0, len(texts), 5)]
    for languages in (["en", "uk", "ru"], ["uk", "ru"]):
        detector = LinguaDetector(languages)
        for text in texts:
            detector.detect(text)
    cfg = LangIdConfig()
    if cfg.open_set:
        detector = LinguaDetector(LinguaDetector.all_languages(), low_accuracy=cfg.open_low_accuracy)
        english = [s for doc in docs for s in doc["ref"]]
        for text in texts + english:
            detector.detect(text)
        for lang in cfg.languages:
            words_fit(english[0], lang, "en")


def run_job(args, out: Path) -> dict:
    """One `newsbridge batch` of the archive into `out`, timed (the timers start at zero)."""
    from pipeline.cli.app import app

    MODEL_S.clear()
    STAGE_CPU_S.clear()
    MACHINERY_CPU_S.clear()
    BACKEND_CPU_S.clear()
    TOKENS.clear()
    argv = ["batch", str(args.archive), "--out", str(out), "--no-progress"]
    for item in overrides(args.child, args):
        argv += ["--set", item]
    t0, cpu0 = time.perf_counter(), time.process_time()
    try:
        app(argv, standalone_mode=False)
    except SystemExit as exc:
        if exc.code not in (0, None):
            raise SystemExit(f"newsbridge batch failed ({exc.code})")
    wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    session = manifest["last_session"]
    timings, stats = session["timings"], session["stats"]
    return {
        "wall_s": wall, "cpu_s": cpu, "load_s": timings["load"], "prefetch_wait_s": timings.get("prefetch_wait", 0.0),
        "articles": manifest["counts"]["inputs"], "written": manifest["counts"]["written"], "errors": manifest["counts"]["errors"],
        "tokens": dict(TOKENS), "model_s": dict(MODEL_S), "stage_cpu_s": dict(STAGE_CPU_S),
        "stage_s": {k: v["seconds"] for k, v in stats.items()},
        "machinery_s": {k: timings[k] for k in ("read", "write", "ledger")} | {"finalize": manifest["finalize_seconds"]},
        "machinery_cpu_s": dict(MACHINERY_CPU_S),
        "backend_cpu_s": dict(BACKEND_CPU_S),
        "hash": content_hash(out),
    }


def echo_cpu_s(job: dict) -> float:
    """Thread CPU time of a job's stages, reading, writing + ledger commits, finalising."""
    return sum(job["stage_cpu_s"].values()) + sum(job["machinery_cpu_s"].values())


def child_main(args) -> None:
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    sys.path.insert(0, str(REPO))
    register_backends(Path(args.data))
    install_timers()
    from pipeline.threads import prepare_environment

    # What every newsbridge command does first (threads; then, once its config is loaded,
    # the malloc arenas for it), before lingua is warmed here, as the command would load
    # it under these settings.
    prepare_environment()
    from pipeline.cli.common import load_cli_config

    load_cli_config(None, overrides(args.child, args))
    warm_lingua(Path(args.data))
    out = Path(args.out)
    first = None
    if args.child == "engine_echo" or args.child.startswith("prefetch_"):
        # The same job once before, in this process: what it costs only the first time
        # (imports, tables loaded on first use) is reported apart, not per token (and does
        # not blur the overlap the prefetch variants show).
        first = run_job(args, out.with_name(out.name + "-first"))
        shutil.rmtree(out.with_name(out.name + "-first"), ignore_errors=True)
    result = run_job(args, out)
    if args.child == "engine_echo":
        # One job of the default workload is ~0.1 s of thread CPU, where a scheduler tick or
        # a cold cache moves the figure by a fifth: ECHO_JOBS jobs in this process, and the
        # one of median CPU time is reported (all must write the same texts).
        jobs = [result]
        for k in range(1, ECHO_JOBS):
            again = out.with_name(f"{out.name}-{k}")
            jobs.append(run_job(args, again))
            shutil.rmtree(again, ignore_errors=True)
        if len({job["hash"] for job in jobs}) != 1:
            raise SystemExit("engine_echo: the jobs of one process wrote different texts")
        result = sorted(jobs, key=echo_cpu_s)[len(jobs) // 2]
        result["jobs_cpu_s"] = [round(echo_cpu_s(job), 3) for job in jobs]
    if first is not None:
        result["first_job"] = first
    # VmHWM: ru_maxrss would count the parent's memory too (Linux carries it across fork
    # and exec), and the parent may have just converted a model.
    result["peak_rss_mb"] = benchlib.peak_rss_mb()
    print("BENCH " + json.dumps(result), flush=True)


# -- parent ------------------------------------------------------------------------------------


def run_child(variant: str, args, archive: Path) -> dict:
    out = WORK / f"out-{variant}"
    shutil.rmtree(out, ignore_errors=True)
    cmd = [sys.executable, __file__, "--child", variant, "--out", str(out), "--archive", str(archive), "--threads", str(args.threads),
           "--beams", str(args.beams), "--device", args.device, "--data", args.data, "--cache", args.cache,
           "--paced-batch", str(args.paced_batch)]
    env = {**benchlib.cli_env(), "BENCH_PACED_TOK_S": str(args.paced_tok_s)}
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=REPO)
    process_s = time.perf_counter() - t0
    line = next((x for x in reversed(proc.stdout.splitlines()) if x.startswith("BENCH ")), None)
    if proc.returncode != 0 or line is None:
        raise SystemExit(f"{variant} failed ({proc.returncode}):\n{proc.stderr[-4000:]}\n{proc.stdout[-2000:]}")
    shutil.rmtree(out, ignore_errors=True)
    result = json.loads(line[len("BENCH "):])
    # The child process from start to exit: the timed job, loading the models, and what
    # is no measurement (interpreter and imports, warming lingua, a first job, hashing).
    result["process_s"] = process_s
    return result


def summarise(variant: str, runs: list[dict]) -> dict:
    hashes = sorted({r["hash"] for r in runs})
    if len(hashes) != 1:
        raise SystemExit(f"{variant}: outputs differ between its own runs ({hashes})")
    r0 = runs[0]
    if r0["errors"]:
        raise SystemExit(f"{variant}: {r0['errors']} articles failed")
    # The job's time without loading the models (once per job, whatever its size).
    work = [r["wall_s"] - r["load_s"] for r in runs]
    # The median run (the upper one of two): its own breakdown is reported.
    med = sorted(range(len(runs)), key=lambda i: work[i])[len(runs) // 2]
    rm = runs[med]
    tokens = sum(r0["tokens"].values())
    model_s = sum(rm["model_s"].values())
    wall = work[med]
    out = {
        "articles": r0["articles"],
        "articles_s": round(r0["articles"] / wall, 3),
        "articles_s_best": round(r0["articles"] / min(work), 3),
        "tok_s": round(tokens / wall, 1),
        "tok_s_best": round(tokens / min(work), 1),
        "target_tokens": r0["tokens"],
        "model_share": round(model_s / wall, 3),
        "wall_s": {"median": round(wall, 3), "min": round(min(work), 3), "all": [round(w, 3) for w in work]},
        "load_s": round(rm["load_s"], 3),
        "articles_s_incl_load": round(r0["articles"] / rm["wall_s"], 3),
        "model_s": {k: round(v, 3) for k, v in rm["model_s"].items()},
        "stage_s": {k: round(v, 3) for k, v in rm["stage_s"].items()},
        "stage_model_share": {k: round(rm["model_s"].get(k, 0.0) / v, 3) for k, v in rm["stage_s"].items() if v > 0},
        "non_model_s": round(wall - model_s, 3),
        # With prefetch the CPU stages of the next batch run while the model stages work:
        # stage time summed over both threads exceeds the wall time by the overlap, and the
        # wall time comes near max(model, CPU) rather than their sum.
        "stages_sum_s": round(sum(rm["stage_s"].values()), 3),
        "cpu_stages_s": round(sum(v for k, v in rm["stage_s"].items() if k in ("clean", "segment", "detect")), 3),
        "stage_cpu_s": {k: round(v, 3) for k, v in rm["stage_cpu_s"].items()},
        "machinery_s": {k: round(v, 3) for k, v in rm["machinery_s"].items()},
        "peak_rss_mb": round(max(r["peak_rss_mb"] for r in runs), 1),
        "hash": r0["hash"],
    }
    if variant == "engine_echo":
        # The pipeline's own CPU work per target token: every stage's thread CPU time plus
        # reading and writing (the echo "models" are part of it: tokenising, lookups).
        # The second job of the process (the first one's figures follow, for the record):
        # thread CPU time of every stage, of reading, of writing and committing, of
        # finalising.
        # The round of median CPU time (CPU, not wall: the figure is per CPU thread).
        rm = sorted(runs, key=echo_cpu_s)[len(runs) // 2]
        out["cpu_s_rounds"] = [r["jobs_cpu_s"] for r in runs]
        out["stage_cpu_s"] = {k: round(v, 3) for k, v in rm["stage_cpu_s"].items()}
        # What the issue names (guards, retries, cache look-ups, segmentation, language id):
        # every stage's thread CPU, the echo backends' own tokenising included.
        stages_cpu = sum(rm["stage_cpu_s"].values())
        out["stages_cpu_s"] = round(stages_cpu, 3)
        out["tok_s_per_thread"] = round(tokens / stages_cpu, 1)
        # The whole job's: the stages plus reading, writing + ledger commits, finalising.
        cpu = echo_cpu_s(rm)
        out["cpu_s"] = round(cpu, 3)
        out["tok_s_per_thread_with_io"] = round(tokens / cpu, 1)
        # The same without the thread CPU spent inside the echo backends' calls (their
        # tokenising): what the engine itself costs around them. Token counting the stages
        # ask for themselves (the summariser's count_tokens, for map-reduce planning) stays in.
        backend = sum(rm.get("backend_cpu_s", {}).values())
        out["backend_cpu_s"] = round(backend, 3)
        out["tok_s_per_thread_outside_backends"] = round(tokens / (stages_cpu - backend), 1)
        out["machinery_cpu_s"] = {k: round(v, 3) for k, v in rm["machinery_cpu_s"].items()}
        first = rm["first_job"]
        first_cpu = sum(first["stage_cpu_s"].values()) + sum(first["machinery_cpu_s"].values())
        out["first_job"] = {"cpu_s": round(first_cpu, 3), "tok_s_per_thread": round(tokens / sum(first["stage_cpu_s"].values()), 1),
                            "tok_s_per_thread_with_io": round(tokens / first_cpu, 1),
                            "stage_cpu_s": {k: round(v, 3) for k, v in first["stage_cpu_s"].items()},
                            "machinery_cpu_s": {k: round(v, 3) for k, v in first["machinery_cpu_s"].items()},
                            # Process CPU of the first job, loading the pipeline included.
                            "tok_s_per_thread_whole_job": round(tokens / first["cpu_s"], 1)}
        if first["hash"] != r0["hash"]:
            raise SystemExit(f"engine_echo: the first and second job wrote different texts ({first['hash']} != {r0['hash']})")
    if variant.startswith("prefetch_"):
        model = sum(rm["model_s"].values())
        out["prefetch"] = {"wall_s": round(wall, 3), "model_s": round(model, 3), "cpu_stages_s": out["cpu_stages_s"],
                           "sum_s": round(model + out["cpu_stages_s"], 3), "max_s": round(max(model, out["cpu_stages_s"]), 3),
                           "prefetch_wait_s": round(rm["prefetch_wait_s"], 3)}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=12, help="English WMT22 dev documents in the archive (default 12)")
    parser.add_argument("--naive-articles", type=int, default=2,
                        help="the first M of them for naive, marian and the ctranslate2_int8 run they are compared with (default 2)")
    parser.add_argument("--paced-tok-s", type=float, default=10000.0, help="prefetch_on/off: the paced backends' target tok/s (default 10000)")
    parser.add_argument("--paced-batch", type=int, default=2, help="prefetch_on/off: articles per batch (default 2)")
    parser.add_argument("--repeats", type=int, default=3, help="interleaved rounds (default 3)")
    parser.add_argument("--threads", type=int, default=2, help="runtime.threads (default 2; engine_echo always 1)")
    parser.add_argument("--beams", type=int, default=1, help="beam size for translation and summaries (default 1)")
    parser.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    parser.add_argument("--variants", default=None, help="comma-separated subset of: " + ", ".join(VARIANTS))
    parser.add_argument("--data", default=str(benchlib.DATA))
    parser.add_argument("--cache", default=str(REPO / ".cache" / "bench"), help="where bench_summarize.py keeps its BART")
    parser.add_argument("--json", action="store_true", help="print one JSON object (the table goes to stderr)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    parser.add_argument("--archive", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.articles < 1 or args.naive_articles < 1 or args.paced_tok_s <= 0 or args.paced_batch < 1:
        parser.error("--articles, --naive-articles, --paced-batch must be >= 1 and --paced-tok-s > 0")
    if args.child:
        return child_main(args)

    started = time.perf_counter()
    sys.path.insert(0, str(REPO))
    import bench_summarize
    import bench_translate

    m = benchlib.machine()
    model_dir = bench_translate.build_model(Path(args.data))
    bench_translate.build_ct2(model_dir)
    build_ct2_summarizer(bench_summarize.build_model(Path(args.cache), Path(args.data)), bench_translate.CACHE / "ct2")
    archive = WORK / f"archive-{args.articles}.jsonl"
    n = write_archive(archive, args.articles, Path(args.data))
    m_articles = min(args.naive_articles, n)
    small = WORK / f"archive-{m_articles}.jsonl"
    write_archive(small, m_articles, Path(args.data))
    variants = [v for v in (args.variants.split(",") if args.variants else (GPU_VARIANTS if args.device == "cuda" else VARIANTS)) if v]
    unknown = sorted(set(variants) - set(VARIANTS))
    if unknown:
        parser.error(f"unknown variants {unknown}; choose from {', '.join(VARIANTS)}")
    # (key, variant, archive): naive and marian on the M articles; ctranslate2_int8 also
    # there (as "ctranslate2_int8@naive") when M < N, so that every ratio to naive compares
    # the same articles.
    plan = [(v, v, small if v in COMPARED else archive) for v in variants]
    if "naive" in variants and "ctranslate2_int8" in variants and m_articles < n:
        plan.insert(1, ("ctranslate2_int8@naive", "ctranslate2_int8", small))
    runs: dict[str, list[dict]] = {key: [] for key, _, _ in plan}
    for r in range(args.repeats):
        for key, v, arch in plan:
            runs[key].append(run_child(v, args, arch))
            last = runs[key][-1]
            print(f"  round {r + 1}/{args.repeats} {key}: {last['wall_s']:.1f} s (load {last['load_s']:.1f} s; "
                  f"the child process {last['process_s']:.1f} s)", file=sys.stderr, flush=True)
    report: dict = {key: summarise(key, rs) for key, rs in runs.items()}
    if "naive" in report and "marian" in report and report["naive"]["hash"] != report["marian"]["hash"]:
        raise SystemExit(f"naive and marian (same float32 weights) wrote different texts: "
                         f"{report['naive']['hash']} != {report['marian']['hash']}")
    if "ctranslate2_int8_translate_only" in report and "ctranslate2_int8" in report:
        report["ctranslate2_int8"]["peak_rss_translate_only_mb"] = report["ctranslate2_int8_translate_only"]["peak_rss_mb"]
    if "prefetch_on" in report and "prefetch_off" in report and report["prefetch_on"]["hash"] != report["prefetch_off"]["hash"]:
        raise SystemExit("prefetch_on and prefetch_off wrote different texts")
    if "naive" in report:
        base = report["naive"]["articles_s"]
        for key in ("marian", "ctranslate2_int8@naive" if "ctranslate2_int8@naive" in report else "ctranslate2_int8"):
            if key in report:
                target = report[key.split("@")[0]]
                target["x_naive_articles_s"] = round(report[key]["articles_s"] / base, 2)
                target["x_naive_on"] = f"the same {m_articles} articles"
                # Round by round (the runs next to each other in time, so under similar load).
                target["x_naive_rounds"] = [round(n / o, 2) for n, o in zip(report["naive"]["wall_s"]["all"], report[key]["wall_s"]["all"])]
    report["workload"] = {"articles": n, "naive_articles": m_articles, "source": "en-uk.jsonl (English sources)", "beams": args.beams, "threads": args.threads,
                          "device": args.device, "repeats": args.repeats,
                          "lengths": f"translations ceil({LENGTH_RATIO} x input tokens), summaries {SECTION_TOKENS}/{ARTICLE_TOKENS} tokens",
                          "guards": "checks on, retry off", "malloc": benchlib.malloc_note(),
                          "paced": {"tok_s": args.paced_tok_s, "batch": args.paced_batch}}
    every = [r for rs in runs.values() for r in rs]
    # Where the benchmark's own time went: the timed jobs, loading models, the rest of
    # each child process (for echo and prefetch that includes their untimed first job).
    report["duration"] = {"total_s": round(time.perf_counter() - started, 1),
                          "timed_jobs_s": round(sum(r["wall_s"] - r["load_s"] for r in every), 1),
                          "model_loading_s": round(sum(r["load_s"] for r in every), 1),
                          "rest_of_child_processes_s": round(sum(r["process_s"] - r["wall_s"] for r in every), 1),
                          "children": len(every)}
    report["machine"] = benchlib.finish_machine(m)
    print(table(report), file=sys.stderr if args.json else sys.stdout)
    if args.json:
        print(json.dumps(report, indent=1))


def build_ct2_summarizer(model_dir: Path, ct2_dir: Path) -> Path:
    """The BART's CTranslate2 int8 copy, where summarize.backend=ctranslate2 looks for it
    (translate.ctranslate2.models_dir / the name the config gives the model); once."""
    from pipeline.backends.ct2 import MARKER, convert_summarizer, converted_name, source_signature

    target = ct2_dir / converted_name(str(model_dir))
    marker = target / MARKER
    if marker.exists() and json.loads(marker.read_text()).get("source_signature") == source_signature(model_dir):
        return target
    print("converting the summariser to CTranslate2 int8 (once) ...", file=sys.stderr)
    return convert_summarizer(model_dir, target, "int8", force=True)


def table(report: dict) -> str:
    w = report["workload"]
    keys = [k for v in VARIANTS for k in (v, f"{v}@naive") if k in report]
    lines = [benchlib.header(report["machine"]),
             f"workload: {w['articles']} {w['source']} articles (naive, marian and ctranslate2_int8@naive: the first "
             f"{w['naive_articles']}); {w['lengths']}; beams {w['beams']}; {w['threads']} threads; "
             f"device {w['device']}; guards: {w['guards']}; {w['repeats']} interleaved rounds; malloc: {w['malloc']}", "",
             "| variant | articles | articles/s | target tok/s | x naive (same articles) | model share | non-model s | peak RSS MB |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for k in keys:
        r = report[k]
        lines.append(f"| {k} | {r['articles']} | {r['articles_s']:.3f} | {r['tok_s']:,.0f} | {r.get('x_naive_articles_s', '-')} | "
                     f"{r['model_share']:.1%} | {r['non_model_s']:.2f} | {r['peak_rss_mb']:,.0f} |")
    lines.append("")
    for k in keys:
        r = report[k]
        per_stage = ", ".join(f"{n} {s:.2f}s ({r['stage_model_share'].get(n, 0):.0%} model)" for n, s in r["stage_s"].items())
        lines.append(f"{k}: wall {r['wall_s']['median']:.2f}s (+ load {r['load_s']:.1f}s); model {sum(r['model_s'].values()):.2f}s, "
                     f"CPU stages {r['cpu_stages_s']:.2f}s, all stages summed over threads {r['stages_sum_s']:.2f}s; stages: {per_stage}")
    for k in ("marian", "ctranslate2_int8"):
        if "x_naive_rounds" in report.get(k, {}):
            lines.append(f"{k} / naive on the same {w['naive_articles']} articles, round by round: "
                         + ", ".join(f"{x}x" for x in report[k]["x_naive_rounds"]))
    if "engine_echo" in report:
        e = report["engine_echo"]
        f = e["first_job"]
        cpu = {**e["stage_cpu_s"], **e["machinery_cpu_s"]}
        lines += ["", f"engine_echo: {e['tok_s_per_thread']:,.0f} target tok/s per CPU thread in the stages (guards, retries, caches, "
                  f"segmentation, language id: thread CPU {e['stages_cpu_s']:.3f}s); {e['tok_s_per_thread_with_io']:,.0f} with reading, "
                  f"writing and finalising (thread CPU {e['cpu_s']:.3f}s: " + ", ".join(f"{k} {v:.3f}" for k, v in cpu.items()) + ")",
                  f"  of the stages' CPU, inside the echo backends' translate()/summarize() calls {e['backend_cpu_s']:.3f}s; without it "
                  f"{e['tok_s_per_thread_outside_backends']:,.0f} target tok/s per CPU thread",
                  "  thread CPU s of the timed jobs, round by round: " + "; ".join(", ".join(f"{c:.3f}" for c in r) for r in e["cpu_s_rounds"]),
                  f"  first job of the process: {f['tok_s_per_thread']:,.0f} in the stages, {f['tok_s_per_thread_with_io']:,.0f} with "
                  f"reading, writing, finalising (CPU {f['cpu_s']:.2f}s); with loading the pipeline "
                  f"{f['tok_s_per_thread_whole_job']:,.0f})"]
    d = report["duration"]
    lines += ["", f"benchmark duration {d['total_s']:.0f} s: timed jobs {d['timed_jobs_s']:.0f} s, model loading "
              f"{d['model_loading_s']:.0f} s, the rest of the {d['children']} child processes {d['rest_of_child_processes_s']:.0f} s"]
    if "prefetch_on" in report or "prefetch_off" in report:
        lines += ["", f"prefetch (paced echo backends at {w['paced']['tok_s']:,.0f} target tok/s, {w['paced']['batch']} articles a batch, one thread):",
                  "| variant | wall s | model s | CPU stages s | model + CPU stages | max(model, CPU stages) | main thread waiting for prefetch s |",
                  "|---|---:|---:|---:|---:|---:|---:|"]
        for k in ("prefetch_off", "prefetch_on"):
            if k in report:
                p = report[k]["prefetch"]
                lines.append(f"| {k} | {p['wall_s']:.2f} | {p['model_s']:.2f} | {p['cpu_stages_s']:.2f} | {p['sum_s']:.2f} | "
                             f"{p['max_s']:.2f} | {p['prefetch_wait_s']:.2f} |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
