"""Translation throughput and memory: the backends against their anchors' best use, and
the translation engine on top of the fastest one.

    flock /tmp/newsbridge-bench.lock .venv/bin/python scripts/bench_translate.py [--segments 256] [--json]

Model: built once (cached under .cache/bench-translate/), a real-size random-weight
MarianMT of opus-mt-base shape (d_model 512, 6+6 layers, 8 heads, FFN 2048) with a real
SentencePiece tokenizer (BPE, ~61k pieces, trained on the WMT22 dev texts), and its
CTranslate2 int8 conversion. Workload: N English WMT22 dev sentences of 10-60 tokens.
Random weights would stop anywhere, so every output is forced to exactly
ceil(1.1 x its input tokens): tok/s is that workload's target tokens (the same for every
variant) per second of wall time, tokenisation and detokenisation included.

Variants (greedy; --beams 4 for beam search), each in its own long-lived process, warmed
up on the whole workload, then timed in interleaved rounds (A B C ... A B C ...):
  naive_hf               transformers generate() one segment at a time, float32
  naive_hf_int8          the same after torch dynamic int8 quantisation
  hf_generate_batched    generate() on padded batches as the transformers docs show
                         (tokenizer(list, padding=True) -> generate), length-sorted, the
                         same token-budget batches as the pipeline, float32
  marian                 the pipeline's marian backend (lean greedy loop), float32
  marian_dynamic_int8    the same with translate.marian.quantize=dynamic_int8
  ctranslate2_direct     CTranslate2 int8 called directly as its docs advise:
                         translate_batch(max_batch_size=<tokens>, batch_type="tokens") on
                         length-sorted groups (one call per group of similar bound, as one
                         max_decoding_length applies to a whole call), on CPU one
                         single-threaded worker per core (inter_threads) with the groups
                         queued at once (asynchronous=True)
  ctranslate2_int8       the pipeline's ctranslate2 backend
  ctranslate2_int8_engine  the translation engine over it: routing, cache (emptied before
                         every pass), chunking, guards (loop, language, numbers) on; the
                         one retry is off because forced lengths trip the length guard on
                         every output by construction
Like for like: each batched variant is compared with the naive or direct variant of the
same weights and precision; variants that must give the same outputs are checked by hash
on the segments they share (a mismatch stops the benchmark). Same threads (runtime.threads)
and the CLI's malloc setting (benchlib.serve_child) for every variant. Peak memory: the
variant's process VmHWM (model load included).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import benchlib  # noqa: E402

REPO = benchlib.REPO
CACHE = REPO / ".cache" / "bench-translate"
DATA = benchlib.DATA
MODEL_NAME = "bench-marian-base"
RECIPE = {"d_model": 512, "layers": 6, "heads": 8, "ffn": 2048, "vocab": 61000, "spm": "bpe", "seed": 0, "version": 1}
VARIANTS = ["naive_hf", "naive_hf_int8", "hf_generate_batched", "marian", "marian_dynamic_int8",
            "ctranslate2_direct", "ctranslate2_int8", "ctranslate2_int8_engine"]
DEFAULT_VARIANTS = ["naive_hf", "naive_hf_int8", "hf_generate_batched", "marian", "marian_dynamic_int8",
                    "ctranslate2_direct", "ctranslate2_int8", "ctranslate2_int8_engine"]
GPU_VARIANTS = ["hf_generate_batched", "marian", "ctranslate2_direct", "ctranslate2_int8", "ctranslate2_int8_engine"]
# (variant, its like-for-like baseline): the ratios reported.
RATIOS = [
    ("hf_generate_batched", "naive_hf"), ("marian", "naive_hf"), ("marian", "hf_generate_batched"),
    ("marian_dynamic_int8", "naive_hf_int8"), ("ctranslate2_int8", "ctranslate2_direct"),
    ("ctranslate2_int8_engine", "ctranslate2_int8"), ("ctranslate2_int8", "naive_hf"),
]
# Groups that must produce the same outputs on the segments they share. torch dynamic int8
# quantises activations per tensor, so batch composition changes its numbers: its naive
# and batched outputs legitimately differ and are not compared.
AGREE = [("naive_hf", "hf_generate_batched", "marian"), ("ctranslate2_direct", "ctranslate2_int8")]
LENGTH_RATIO = 1.1


# -- model and workload (parent) ------------------------------------------------------------


def corpus_lines(data: Path = DATA) -> list[str]:
    lines = []
    for path in sorted(data.glob("*.jsonl")):
        for row in path.read_text(encoding="utf-8").splitlines():
            doc = json.loads(row)
            lines += doc["src"] + doc["ref"]
    if not lines:
        sys.exit(f"no data in {data} (the WMT22 dev files)")
    return lines


def build_model(data: Path = DATA) -> Path:
    """The random-weight opus-mt-base-shaped model and its CTranslate2 int8 copy (cached)."""
    model_dir = CACHE / "marian-base-random"
    recipe_file = CACHE / "recipe.json"
    if recipe_file.exists() and json.loads(recipe_file.read_text()) == RECIPE and (model_dir / "model.safetensors").exists():
        return model_dir
    import tempfile

    import torch

    from pipeline.tiny_models import TinyShape, build_marian, train_sentencepiece

    CACHE.mkdir(parents=True, exist_ok=True)
    print("building the benchmark model (once) ...", file=sys.stderr)
    with tempfile.TemporaryDirectory() as tmp:
        spm_model = train_sentencepiece(Path(tmp) / "bench", RECIPE["vocab"], t5_ids=False, lines=corpus_lines(data), model_type=RECIPE["spm"])
        shape = TinyShape(d_model=RECIPE["d_model"], layers=RECIPE["layers"], heads=RECIPE["heads"], ffn=RECIPE["ffn"], vocab_size=RECIPE["vocab"])
        torch.manual_seed(RECIPE["seed"])
        model_dir.parent.mkdir(parents=True, exist_ok=True)
        build_marian(model_dir, spm_model, "en", "uk", shape)
    (CACHE / "manifest.yaml").write_text(
        f"models:\n  {MODEL_NAME}:\n    role: translate\n    local_dir: {model_dir.name}\n    src: en\n    tgt: uk\n", encoding="utf-8"
    )
    ct2 = CACHE / "ct2" / MODEL_NAME
    if ct2.exists():
        import shutil

        shutil.rmtree(ct2)
    recipe_file.write_text(json.dumps(RECIPE))
    return model_dir


def build_ct2(model_dir: Path) -> Path:
    from pipeline.backends.ct2 import MARKER, convert_marian, source_signature

    target = CACHE / "ct2" / MODEL_NAME
    marker = target / MARKER
    if marker.exists() and json.loads(marker.read_text()).get("source_signature") == source_signature(model_dir):
        return target
    print("converting it to CTranslate2 int8 (once) ...", file=sys.stderr)
    return convert_marian(model_dir, target, "int8", force=True)


def workload(model_dir: Path, n: int, data: Path = DATA) -> list[str]:
    """n distinct English sentences of 10-60 tokens (deterministic), cycled if there are fewer."""
    import random

    from pipeline.backends.marian_pieces import MarianPieces

    pieces = MarianPieces(model_dir)
    english = []
    for path in sorted(data.glob("*.jsonl")):
        for row in path.read_text(encoding="utf-8").splitlines():
            doc = json.loads(row)
            english += doc["src"] if doc["src_lang"] == "en" else doc["ref"] if doc["ref_lang"] == "en" else []
    seen = sorted({s for s in english if 10 <= len(pieces.encode(s)) <= 60})
    random.Random(0).shuffle(seen)
    return [seen[i % len(seen)] for i in range(n)]


# -- variants (child processes) -------------------------------------------------------------


def bound(n: int) -> int:
    return math.ceil(LENGTH_RATIO * n)


def digest(outputs: list[str]) -> str:
    return hashlib.sha256("\n".join(outputs).encode("utf-8")).hexdigest()[:16]


def config_overrides(backend: str, beams: int, threads: int, batch_tokens: int, device: str, quantize: str = "none",
                     compute_type: str = "auto") -> list[str]:
    return [
        f"models.manifest={CACHE / 'manifest.yaml'}",
        f"translate.ctranslate2.models_dir={CACHE / 'ct2'}",
        f"runtime.device={device}",
        f"runtime.threads={threads}",
        f"translate.backend={backend}",
        f"translate.models={{en-uk: {MODEL_NAME}}}",
        f"translate.num_beams={beams}",
        f"translate.max_length_ratio={LENGTH_RATIO}",
        f"translate.min_length_ratio={LENGTH_RATIO}",
        "translate.max_length_extra=0",
        f"translate.batch_tokens={batch_tokens}",
        f"translate.marian.quantize={quantize}",
        f"translate.ctranslate2.compute_type={compute_type}",
        "translate.guards.retry=false",
    ]


def make_context(*args, **kwargs):
    from pipeline.config import load_config
    from pipeline.context import Context

    from pipeline.malloc import configure

    config = load_config(None, config_overrides(*args, **kwargs))
    configure(config)  # the CLI's malloc for this config, before the model loads
    return Context(config)


def ct2_compute_type(device: str) -> str:
    return "int8" if device == "cpu" else "int8_float16"


def prepare_variant(args, texts: list[str]):
    """Load `args.child`; return its pass function (every pass does the whole workload)."""
    model_dir = CACHE / "marian-base-random"
    variant, beams, threads, device = args.child, args.beams, args.threads, args.device
    subset = sorted(range(len(texts)), key=lambda i: (len(texts[i]), i))[:: args.naive_every]
    if variant.startswith("naive_hf") or variant == "hf_generate_batched":
        return hf_runner(variant, model_dir, beams, texts, threads, device, subset, args.batch_tokens)
    if variant == "ctranslate2_direct":
        return ct2_direct_runner(beams, texts, threads, device, args.batch_tokens, subset)
    backend = "ctranslate2" if variant.startswith("ctranslate2") else "marian"
    quantize = "dynamic_int8" if variant == "marian_dynamic_int8" else "none"
    context = make_context(backend, beams, threads, args.batch_tokens, device, quantize,
                           ct2_compute_type(device) if backend == "ctranslate2" else "auto")
    translator = context.translator(MODEL_NAME)
    target = sum(bound(n) for n in translator.count_tokens(texts))
    if variant.endswith("_engine"):
        from pipeline.translation.engine import Request

        engine = context.translation_engine()
        requests = [Request(t, "en", "uk") for t in texts]

        def run() -> dict:
            engine.cache.clear()
            before = translator.counts["target_tokens"]
            results = engine.translate(requests)
            outs = [r.text for r in results]
            return {"hash": digest(outs), "subset_hash": digest([outs[i] for i in subset]),
                    "target_tokens": target, "produced": translator.counts["target_tokens"] - before,
                    "with_warnings": sum(bool(r.warnings) for r in results)}
    else:
        def run() -> dict:
            outs = translator.translate(texts)
            texts_out = [o.text for o in outs]
            return {"hash": digest(texts_out), "subset_hash": digest([texts_out[i] for i in subset]),
                    "target_tokens": target, "produced": sum(o.tokens for o in outs)}
    return run


def hf_runner(variant: str, model_dir: Path, beams: int, texts: list[str], threads: int, device: str, subset: list[int],
              batch_tokens: int):
    """generate() one segment at a time (naive) or on padded, length-sorted batches."""
    import torch
    from transformers import MarianMTModel, MarianTokenizer

    from pipeline.backends.batching import auto_batch_tokens, plan_batches

    torch.set_num_threads(threads)
    tokenizer = MarianTokenizer.from_pretrained(model_dir)
    dtype = torch.bfloat16 if device == "cuda" else torch.float32
    model = MarianMTModel.from_pretrained(model_dir, dtype=dtype).to(device).eval()
    if variant == "naive_hf_int8":
        from pipeline.backends.hf_loading import _quantize_dynamic_int8

        model = _quantize_dynamic_int8(model)
    counts = [len(ids) for ids in tokenizer(texts)["input_ids"]]
    gen = dict(num_beams=beams, do_sample=False, forced_eos_token_id=None, max_length=None)

    if variant.startswith("naive_hf"):
        # Naive decoding is slow: every `naive_every`-th segment of the length-sorted
        # workload keeps the length distribution at a fraction of the time.
        def run() -> dict:
            outs = {}
            with torch.inference_mode():
                for i in subset:
                    enc = tokenizer([texts[i]], return_tensors="pt").to(device)
                    out = model.generate(**enc, min_new_tokens=bound(counts[i]), max_new_tokens=bound(counts[i]), **gen)
                    outs[i] = tokenizer.decode(out[0, 1:], skip_special_tokens=True).strip()
            got = [outs[i] for i in subset]
            return {"hash": digest(got), "subset_hash": digest(got), "target_tokens": sum(bound(counts[i]) for i in subset),
                    "produced": sum(bound(counts[i]) for i in subset)}
        return run

    budget = batch_tokens or auto_batch_tokens(device, torch.cuda.get_device_properties(0).total_memory if device == "cuda" else None)
    batches = plan_batches(counts, max_rows=64, max_tokens=budget)

    def run() -> dict:
        outs: list[str] = [""] * len(texts)
        with torch.inference_mode():
            for idx in batches:
                enc = tokenizer([texts[i] for i in idx], return_tensors="pt", padding=True).to(device)
                hi = [bound(counts[i]) for i in idx]
                out = model.generate(**enc, min_new_tokens=min(hi), max_new_tokens=max(hi), **gen)
                # One length bound per generate() call: each row is cut at its own bound.
                rows = [row[1:][:b] for row, b in zip(out.tolist(), hi)]
                for i, text in zip(idx, tokenizer.batch_decode(rows, skip_special_tokens=True)):
                    outs[i] = text.strip()
        target = sum(bound(n) for n in counts)
        return {"hash": digest(outs), "subset_hash": digest([outs[i] for i in subset]), "target_tokens": target, "produced": target}

    return run


def ct2_direct_runner(beams: int, texts: list[str], threads: int, device: str, batch_tokens: int, subset: list[int]):
    """CTranslate2 as its documentation advises for throughput: inputs sorted by length,
    max_batch_size counted in tokens (batch_type="tokens"), pieces in, pieces out; on
    CPU one single-threaded worker per core (inter_threads) with the batches queued at
    once (asynchronous=True), as the ctranslate2 backend runs it (same plan, so the same
    outputs)."""
    import ctranslate2
    import sentencepiece as spm

    from pipeline.backends.batching import balanced_budget, plan_batches
    from pipeline.backends.ct2 import ct2_batch_tokens, resolve_parallelism

    from pipeline.malloc import limit_arenas

    limit_arenas()  # what the CLI sets for a CTranslate2 run (pipeline/malloc.py)
    path = CACHE / "ct2" / MODEL_NAME
    sp = spm.SentencePieceProcessor(model_file=str(path / "source.spm"))
    inter, intra = resolve_parallelism(device, 0, threads)
    translator = ctranslate2.Translator(str(path), device=device, compute_type=ct2_compute_type(device),
                                        intra_threads=intra, inter_threads=inter)
    budget = ct2_batch_tokens(batch_tokens, device, inter)

    def run() -> dict:
        sources = [sp.encode(t, out_type=str) + ["</s>"] for t in texts]
        lengths = [len(s) for s in sources]
        outs: list[str] = [""] * len(texts)
        # max_decoding_length is per call: one call per group of similar length (sorted,
        # as CTranslate2 sorts internally), each group one token budget's worth, so no row
        # decodes far past its own bound.
        plan = plan_batches(lengths, max_rows=64, max_tokens=balanced_budget(lengths, inter, budget))
        pending = []
        for idx in plan:
            hi = [bound(lengths[i]) for i in idx]
            pending.append((idx, hi, translator.translate_batch(
                [sources[i] for i in idx], max_batch_size=budget, batch_type="tokens", asynchronous=True,
                beam_size=beams, max_decoding_length=max(hi), min_decoding_length=min(hi), max_input_length=0)))
        for idx, hi, results in pending:
            for i, b, r in zip(idx, hi, results):
                hyp = [p for p in r.result().hypotheses[0] if p != "</s>"][:b]
                outs[i] = sp.decode_pieces(hyp).replace("\u2581", " ").strip()
        target = sum(bound(n) for n in lengths)
        return {"hash": digest(outs), "subset_hash": digest([outs[i] for i in subset]), "target_tokens": target, "produced": target}

    return run


# -- orchestration ------------------------------------------------------------------------


def child_main(args) -> None:
    texts = json.loads(Path(args.workload_file).read_text(encoding="utf-8"))
    benchlib.serve_child(lambda: prepare_variant(args, texts))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--segments", type=int, default=256, help="workload size (default 256)")
    parser.add_argument("--threads", type=int, default=2, help="runtime.threads for every variant (default 2)")
    parser.add_argument("--batch-tokens", type=int, default=0, help="padded tokens per batch for every batching variant (0 = the pipeline's auto)")
    parser.add_argument("--naive-every", type=int, default=4, help="naive variants decode every Nth segment of the length-sorted workload (default 4)")
    parser.add_argument("--variants", default=None, help="comma-separated subset of: " + ", ".join(VARIANTS))
    parser.add_argument("--data", default=str(DATA), help="the WMT22 dev JSONL files (default: ../shared/data/wmt22-dev)")
    parser.add_argument("--repeats", type=int, default=3, help="interleaved timed rounds after the warm-up (default 3)")
    parser.add_argument("--beams", type=int, default=1, help="beam size for every variant (default 1: greedy)")
    parser.add_argument("--device", choices=["cpu", "cuda"], default="cpu",
                        help="cpu, or cuda (torch bfloat16, CTranslate2 int8_float16; token budgets from the card's memory)")
    parser.add_argument("--json", action="store_true", help="print the results as one JSON object (the table goes to stderr)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--workload-file", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child_main(args)

    sys.path.insert(0, str(REPO))
    m = benchlib.machine()
    model_dir = build_model(Path(args.data))
    build_ct2(model_dir)
    texts = workload(model_dir, args.segments, Path(args.data))
    workload_file = CACHE / f"workload-{args.segments}.json"
    workload_file.write_text(json.dumps(texts, ensure_ascii=False), encoding="utf-8")
    default = GPU_VARIANTS if args.device == "cuda" else DEFAULT_VARIANTS
    variants = [v for v in (args.variants.split(",") if args.variants else default) if v]
    unknown = sorted(set(variants) - set(VARIANTS))
    if unknown:
        parser.error(f"unknown variants {unknown}; choose from {', '.join(VARIANTS)}")

    def child_cmd(v: str) -> list[str]:
        return [sys.executable, __file__, "--child", v, "--beams", str(args.beams), "--threads", str(args.threads),
                "--batch-tokens", str(args.batch_tokens), "--naive-every", str(args.naive_every), "--device", args.device,
                "--workload-file", str(workload_file)]

    results = benchlib.interleave(variants, child_cmd, args.repeats)
    for v, r in results.items():
        if r["produced"] < r["target_tokens"]:
            raise SystemExit(f"{v}: produced {r['produced']} target tokens, the workload needs {r['target_tokens']}")
        r["tok_s_best"] = round(r["target_tokens"] / r["min_s"], 1)
        r["tok_s"] = round(r["target_tokens"] / r["median_s"], 1)
    # Agreement: on the naive subset for groups with a naive member, on everything otherwise.
    agreed = []
    # On CUDA torch computes in bfloat16, where a batch's shape (rows leaving the batch as
    # they finish) changes the numbers: the torch group is compared in float32 on CPU only.
    for group in AGREE if args.device == "cpu" else [g for g in AGREE if not g[0].startswith("naive")]:
        key = "subset_hash" if any(v.startswith("naive") for v in group) else "hash"
        agreed += benchlib.assert_agree({v: {"hash": results[v][key]} for v in results}, [group])
    report = {"variants": results,
              "ratios": {f"{a} / {b}": round(results[a]["tok_s"] / results[b]["tok_s"], 2)
                         for a, b in RATIOS if a in results and b in results},
              "outputs_agree": agreed,
              "workload": {"segments": len(texts), "output_length": f"ceil({LENGTH_RATIO} x input tokens)", "beams": args.beams,
                           "threads": args.threads, "device": args.device, "batch_tokens": args.batch_tokens or "auto",
                           "naive_every": args.naive_every, "repeats": args.repeats, "malloc": benchlib.malloc_note()},
              "machine": benchlib.finish_machine(m)}
    if args.json:
        print(table(report), file=sys.stderr)
        print(json.dumps(report, indent=1))
    else:
        print(table(report))


def table(report: dict) -> str:
    w = report["workload"]
    lines = [benchlib.header(report["machine"]),
             f"workload: {w['segments']} WMT22 dev sentences (naive: every {w['naive_every']}th by length), output "
             f"{w['output_length']}, beams {w['beams']}, {w['threads']} threads, device {w['device']}, batch tokens "
             f"{w['batch_tokens']}, {w['repeats']} interleaved rounds; malloc: {w['malloc']}", "",
             "| variant | tok/s (median) | tok/s (best) | peak RSS MB |", "|---|---:|---:|---:|"]
    for v, r in report["variants"].items():
        lines.append(f"| {v} | {r['tok_s']:,.0f} | {r['tok_s_best']:,.0f} | {r['peak_rss_mb']:,.0f} |")
    lines.append("")
    for k, x in report["ratios"].items():
        lines.append(f"{k}: {x}x")
    lines.append("same outputs (hash): " + ("; ".join(report["outputs_agree"]) or "no group ran"))
    return "\n".join(lines)


if __name__ == "__main__":
    main()
