"""Summarisation throughput: a naive per-section loop vs the pipeline's batched backend,
each in float32 and with summarize.quantize=dynamic_int8.

Model: a real-size random-weight BART (bart-base shape: d_model 768, 6+6 layers, 12 heads,
FFN 3072, vocab 50,265) with a byte-level BPE tokenizer trained on the WMT22 dev text
(about 40k pieces), built once into .cache/bench/ (gitignored). Random weights never
stop on their own, so lengths are forced (min_new_tokens = max_new_tokens): every
variant generates exactly the same number of tokens for every section.

Sections: English WMT22 dev documents (en-uk sources), one document = one section, a
seeded sample. Variants (--variants, comma-separated), each in its own process:
  naive         one Seq2SeqSummarizer.summarize([section]) call per section (batch of 1)
  batched       one Seq2SeqSummarizer.summarize(sections) call: sorted by length, batched
  naive_int8    naive with summarize.quantize=dynamic_int8
  batched_int8  batched with summarize.quantize=dynamic_int8
  batched_stock_cache  batched, but beam search through generate()'s own cache, which
                copies the cross-attention keys/values at every beam reorder (what the
                pipeline avoids, pipeline/backends/beam_cache.py); beams > 1 only
Every variant uses the same config (beams, no_repeat_ngram_size, threads, the CLI's
malloc setting) and inference_mode. Each runs in its own long-lived process,
warmed up on the whole workload once, then the variants are timed in interleaved rounds
(A B C D A B C D ..., --repeats rounds) and each reports min and median. --num-beams takes
several values (e.g. 1 4); each is measured in full.

Ratios are like for like: batched / naive at the same precision, int8 / float32 at the
same batching. Outputs are compared by hash: naive and batched float32 must agree (a
mismatch stops the benchmark), and so must batched and batched_stock_cache. torch dynamic
int8 quantises activations per tensor, so an int8 batch's numbers depend on its other
rows: naive_int8 and batched_int8 legitimately differ and are not compared.

It also counts the model calls the short-section passthrough saves on the WMT22 dev
documents, with the same rule the stage applies (mapreduce.measure_jobs): each document
is one section, summarised in English (en_then_translate: the English source for en-uk,
the human English reference standing in for the machine translation for uk-en and
ru-en), and passed through when it is no longer than the section summary length.

Run it alone on the machine:
  flock /tmp/newsbridge-bench.lock .venv/bin/python scripts/bench_summarize.py [--num-beams 1 4] [--json]
--json prints one object: greedy results under the variant names ({"naive": {"sections_s":
...}, "batched": {...}, ...}), other beam counts under "beam<N>" with the same layout.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import benchlib  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
DEFAULT_DATA = benchlib.DATA
DEFAULT_CACHE = REPO / ".cache" / "bench"
PAIRS = ("en-uk", "uk-en", "ru-en")
VARIANTS = ("naive", "batched", "naive_int8", "batched_int8", "batched_stock_cache")
DEFAULT_VARIANTS = "naive,batched,naive_int8,batched_int8"


def load_docs(data: Path, pair: str) -> list[dict]:
    return [json.loads(line) for line in (data / f"{pair}.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]


def english_text(doc: dict) -> str:
    return " ".join(doc["src"] if doc["src_lang"] == "en" else doc["ref"])


def build_model(cache: Path, data: Path) -> Path:
    """bart-base-shaped random BART + a 40k byte-level BPE; built once, then reused."""
    target = cache / "bart-base-random"
    if (target / "model.safetensors").exists():
        return target
    import torch
    from transformers import BartConfig, BartForConditionalGeneration

    from pipeline.tiny_models import save_bart_tokenizer, train_byte_level_bpe

    lines = [s for pair in PAIRS for d in load_docs(data, pair) for s in d["src"] + d["ref"]]
    staging = cache / ".bart-base-random.partial"
    staging.mkdir(parents=True, exist_ok=True)
    save_bart_tokenizer(train_byte_level_bpe(50_265, lines), staging, 1024)
    torch.manual_seed(0)
    config = BartConfig(
        vocab_size=50_265,
        d_model=768,
        encoder_layers=6,
        decoder_layers=6,
        encoder_attention_heads=12,
        decoder_attention_heads=12,
        encoder_ffn_dim=3072,
        decoder_ffn_dim=3072,
        max_position_embeddings=1024,
        pad_token_id=1,
        bos_token_id=0,
        eos_token_id=2,
        decoder_start_token_id=2,
        forced_bos_token_id=0,
    )
    BartForConditionalGeneration(config).save_pretrained(staging)
    staging.rename(target)
    return target


def bench_sections(data: Path, n: int, seed: int) -> list[str]:
    docs = load_docs(data, "en-uk")
    random.Random(seed).shuffle(docs)
    return [english_text(d) for d in docs[:n]]


def config_overrides(args: argparse.Namespace, model_dir: Path, num_beams: int, quantize: str) -> list[str]:
    return [
        f"summarize.model={model_dir}",
        f"summarize.batch_size={args.batch_size}",
        f"summarize.batch_tokens={args.batch_tokens}",
        f"summarize.num_beams={num_beams}",
        f"summarize.max_new_tokens={args.new_tokens}",
        f"summarize.min_new_tokens={args.new_tokens}",
        f"summarize.no_repeat_ngram_size={args.no_repeat_ngram_size}",
        f"summarize.quantize={quantize}",
        "runtime.device=cpu",
        f"runtime.threads={args.threads}",
    ]


def prepare_variant(args: argparse.Namespace):
    """Load one variant in this (child) process; return its pass function."""
    from pipeline.config import load_config
    from pipeline.context import Context

    model_dir = Path(args.model_dir)
    variant = args.child
    quantize = "dynamic_int8" if variant.endswith("_int8") else "none"
    from pipeline.malloc import configure

    cfg = load_config(None, config_overrides(args, model_dir, args.beams, quantize))
    configure(cfg)  # the CLI's malloc for this config, before the model loads
    summarizer = Context(cfg).summarizer(str(model_dir))
    if variant == "batched_stock_cache":
        summarizer.hf.beam_cache_kwargs = lambda num_beams: {}  # generate() makes its own cache
    sections = bench_sections(Path(args.data), args.sections, args.seed)
    tokens = summarizer.count_tokens(sections)
    if max(tokens) > summarizer.max_input_tokens:
        raise SystemExit(f"a section has {max(tokens)} tokens, over the model limit {summarizer.max_input_tokens}")
    target = args.new_tokens

    def run() -> dict:
        if variant.startswith("naive"):
            outputs = [out for text in sections for out in summarizer.summarize([text], target)]
        else:
            outputs = summarizer.summarize(sections, target)
        return {"hash": hashlib.sha256("\n".join(outputs).encode("utf-8")).hexdigest()[:16],
                "sections": len(sections), "input_tokens_mean": round(sum(tokens) / len(tokens), 1),
                "new_tokens": target, "num_beams": args.beams, "quantize": quantize}

    return run


def passthrough_counts(args: argparse.Namespace, model_dir: Path) -> dict:
    """Model calls saved on the WMT22 dev documents by the short-section passthrough."""
    from pipeline.config import load_config
    from pipeline.context import Context
    from pipeline.summarization.mapreduce import SummaryJob, measure_jobs

    cfg = load_config(None, [f"summarize.model={model_dir}"])  # default lengths
    summarizer = Context(cfg).summarizer(str(model_dir))
    target = cfg.summarize.max_new_tokens
    out = {"section_target_tokens": target}
    total = saved = 0
    for pair in PAIRS:
        texts = [english_text(d) for d in load_docs(Path(args.data), pair)]
        jobs = measure_jobs([SummaryJob([t], str(model_dir), lambda n: target) for t in texts], summarizer)
        n_saved = sum(job.passthrough for job in jobs)
        out[pair] = {"sections": len(jobs), "passed_through": n_saved, "share": round(n_saved / len(jobs), 3)}
        total += len(jobs)
        saved += n_saved
    out["all"] = {"sections": total, "passed_through": saved, "share": round(saved / total, 3)}
    return out


AGREE = [("naive", "batched", "batched_stock_cache")]
RATIOS = [("batched", "naive"), ("batched_int8", "naive_int8"), ("naive_int8", "naive"), ("batched_int8", "batched"),
          ("batched", "batched_stock_cache")]


def measure(args: argparse.Namespace, variants: list[str], num_beams: int, model_dir: Path) -> dict:
    """Every variant in its own process, timed in --repeats interleaved rounds."""
    if num_beams == 1:
        variants = [v for v in variants if v != "batched_stock_cache"]  # no beams to reorder

    def child_cmd(variant: str) -> list[str]:
        cmd = [sys.executable, __file__, "--child", variant, "--beams", str(num_beams), "--model-dir", str(model_dir)]
        for flag in ("sections", "new_tokens", "batch_size", "batch_tokens", "no_repeat_ngram_size", "threads", "seed", "data"):
            cmd += [f"--{flag.replace('_', '-')}", str(getattr(args, flag))]
        return cmd

    results: dict = benchlib.interleave(variants, child_cmd, args.repeats)
    for r in results.values():
        r["sections_s"] = round(r["sections"] / r["median_s"], 4)
        r["sections_s_best"] = round(r["sections"] / r["min_s"], 4)
    agreed = benchlib.assert_agree(results, AGREE)
    out: dict = dict(results)
    out["ratios"] = {f"{a} / {b}": round(results[a]["sections_s"] / results[b]["sections_s"], 2)
                     for a, b in RATIOS if a in results and b in results}
    out["outputs_agree"] = agreed
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sections", type=int, default=64, help="sections timed per variant")
    parser.add_argument("--new-tokens", type=int, default=48, help="forced summary length (tokens)")
    parser.add_argument("--batch-size", type=int, default=32, help="summarize.batch_size (texts per batch)")
    parser.add_argument("--batch-tokens", type=int, default=8192, help="summarize.batch_tokens (padded tokens per batch; 0 = off)")
    parser.add_argument("--num-beams", type=int, nargs="+", default=[1], help="beam counts to measure, e.g. 1 4 (default: 1)")
    parser.add_argument("--variants", default=DEFAULT_VARIANTS, help=f"comma-separated subset of: {', '.join(VARIANTS)} (default: {DEFAULT_VARIANTS})")
    parser.add_argument("--no-repeat-ngram-size", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeats", type=int, default=3, help="interleaved timed rounds per variant (default 3)")
    parser.add_argument("--data", default=str(DEFAULT_DATA))
    parser.add_argument("--cache", default=str(DEFAULT_CACHE))
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--child", choices=VARIANTS, help=argparse.SUPPRESS)
    parser.add_argument("--beams", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("--model-dir", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:  # child process: one variant
        sys.path.insert(0, str(REPO))
        benchlib.serve_child(lambda: prepare_variant(args))
        return

    variants = [v for v in args.variants.split(",") if v]
    unknown = sorted(set(variants) - set(VARIANTS))
    if unknown:
        parser.error(f"unknown variants {unknown}; choose from {', '.join(VARIANTS)}")
    sys.path.insert(0, str(REPO))
    m = benchlib.machine()
    model_dir = build_model(Path(args.cache), Path(args.data))
    results: dict = {}
    for num_beams in args.num_beams:
        measured = measure(args, variants, num_beams, model_dir)
        if num_beams == 1:
            results.update(measured)  # greedy keeps the original top-level layout
        else:
            results[f"beam{num_beams}"] = measured
    results["settings"] = {
        "model": "random BART, bart-base shape (d_model 768, 6+6 layers, 12 heads, FFN 3072, vocab 50265)",
        "sections": args.sections,
        "new_tokens": args.new_tokens,
        "num_beams": args.num_beams,
        "no_repeat_ngram_size": args.no_repeat_ngram_size,
        "batch_size": args.batch_size,
        "batch_tokens": args.batch_tokens,
        "threads": args.threads,
        "repeats": args.repeats,
        "malloc": benchlib.malloc_note(),
    }
    results["passthrough"] = passthrough_counts(args, model_dir)
    results["machine"] = benchlib.finish_machine(m)
    if args.json:
        print(json.dumps(results))
        return
    print_table(results, args)


def print_table(results: dict, args: argparse.Namespace) -> None:
    print(benchlib.header(results["machine"]))
    blocks = [(b, results if b == 1 else results[f"beam{b}"]) for b in args.num_beams]
    first = next(v for _, block in blocks for k, v in block.items() if k in VARIANTS)
    print(f"sections: {first['sections']} English WMT22 dev documents, mean {first['input_tokens_mean']} input tokens, "
          f"{args.new_tokens} new tokens each, threads {args.threads}, batches <= {args.batch_size} texts and "
          f"<= {args.batch_tokens} padded tokens, {args.repeats} interleaved rounds, malloc: {benchlib.malloc_note()}\n")
    print("| beams | variant | sections/s (median) | sections/s (best) | peak RSS MB | outputs |")
    print("|---:|---|---:|---:|---:|---|")
    for num_beams, block in blocks:
        for variant in VARIANTS:
            if variant in block:
                r = block[variant]
                print(f"| {num_beams} | {variant} | {r['sections_s']:.3f} | {r['sections_s_best']:.3f} | {r['peak_rss_mb']:,.0f} | {r['hash']} |")
    for num_beams, block in blocks:
        ratios = ", ".join(f"{k} {x}x" for k, x in block["ratios"].items())
        print(f"beams {num_beams}: {ratios}; same outputs: {'; '.join(block['outputs_agree']) or '-'}")
    p = results["passthrough"]
    print(f"short-section passthrough (section summary {p['section_target_tokens']} tokens):")
    for pair in (*PAIRS, "all"):
        q = p[pair]
        print(f"  {pair:6} {q['passed_through']:4} of {q['sections']:4} sections passed through ({q['share']:.1%}): model calls saved")


if __name__ == "__main__":
    main()
