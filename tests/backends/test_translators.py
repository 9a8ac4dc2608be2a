"""Both backends (transformers Marian and CTranslate2) on the tiny models: the same
contract, checked by the same tests."""

from __future__ import annotations

import json

import pytest

from pipeline.backends.base import DecodeOptions
from pipeline.config import load_config
from pipeline.context import Context
from pipeline.errors import ModelError, ModelUnavailable
from pipeline.tiny_models import corpus_text

from ..conftest import TINY_CONFIG
from ..translation_fixtures import BACKENDS, backend_contexts, ct2_converted  # noqa: F401

TEXTS = corpus_text().splitlines()[:40]
GREEDY = DecodeOptions(num_beams=1, max_length_ratio=1.5, max_length_extra=4)


@pytest.fixture(params=BACKENDS)
def translator(request, backend_contexts):
    return backend_contexts[request.param].translator("tiny-marian-en-uk")


def test_one_output_per_input_in_order(translator):
    texts = TEXTS[:12] + [TEXTS[3], "Hi", TEXTS[0]]
    out = translator.translate(texts, GREEDY)
    assert len(out) == len(texts) and all(o.text for o in out)
    by_text = dict(zip(texts, (o.text for o in out)))
    # Order in = order out: the same texts shuffled give the same translation per text.
    again = translator.translate(list(reversed(texts)), GREEDY)
    assert [o.text for o in reversed(again)] == [by_text[t] for t in texts]


def test_each_output_is_held_to_its_own_length_bound(translator):
    texts = ["Hi", TEXTS[0], " ".join(TEXTS[:3])]
    bounds = [GREEDY.length_bounds(n, translator.max_output_tokens)[1] for n in translator.count_tokens(texts)]
    assert bounds[0] < bounds[1] < bounds[2]  # one batch, three different bounds
    out = translator.translate(texts, GREEDY)
    for hi, o in zip(bounds, out):
        assert o.tokens <= hi
        assert not o.hit_limit or o.tokens == hi
    assert any(o.hit_limit for o in out)  # random weights rarely say </s>: the bounds are what stop them


def test_minimum_length_forces_long_outputs(translator):
    opts = DecodeOptions(num_beams=1, max_length_ratio=1.1, max_length_extra=0, min_length_ratio=1.1)
    texts = TEXTS[:8]
    for n, o in zip(translator.count_tokens(texts), translator.translate(texts, opts)):
        lo, hi = opts.length_bounds(n, translator.max_output_tokens)
        assert lo == hi and o.tokens == hi


@pytest.mark.parametrize("beams", [1, 3])
def test_banned_letters_never_appear(translator, beams):
    banned = "оаеиі"  # common letters, so an unconstrained tiny model would use them
    out = translator.translate(TEXTS[:10], DecodeOptions(num_beams=beams, max_length_ratio=1.5, banned_chars=banned))
    assert not any(set(o.text) & set(banned) for o in out)


def test_token_budget_splits_batches(backend_contexts):
    for backend in BACKENDS:
        cfg = backend_contexts[backend].config.model_copy(deep=True)
        cfg.translate.batch_tokens = 64
        tr = Context(cfg).translator("tiny-marian-en-uk")
        lengths = tr.count_tokens(TEXTS)
        tr.translate(TEXTS, GREEDY)
        assert tr.counts["batches"] > 1
        assert tr.counts["source_tokens"] == sum(lengths)
        # Padding stays modest because batches are sorted by length.
        assert tr.counts["padded_tokens"] <= 1.5 * sum(lengths)


def test_input_over_the_limit_is_refused_not_truncated(translator):
    too_long = " ".join(["budget"] * (translator.max_input_tokens + 10))
    with pytest.raises(ModelError, match="exceeds"):
        translator.translate([too_long], GREEDY)


def test_multi_target_model_gets_its_target_token(backend_contexts):
    for backend in BACKENDS:
        ctx = backend_contexts[backend]
        tr = ctx.translator("tiny-marian-en-zle-uk")
        plain = ctx.translator("tiny-marian-en-uk")
        assert tr.prefix == ">>ukr<< "
        # One extra token: the target token, kept whole.
        assert tr.count_tokens(TEXTS[:5]) == [n + 1 for n in plain.count_tokens(TEXTS[:5])]
        assert len(tr.translate(TEXTS[:3], GREEDY)) == 3


def test_missing_target_token_is_a_model_error(tmp_path, tiny_overrides, ct2_converted, models_root):
    manifest = tmp_path / "manifest.yaml"
    manifest.write_text(
        "models:\n  bad-zle:\n    role: translate\n    local_dir: tiny/marian-en-zle\n    target_token: '>>xyz<<'\n",
        encoding="utf-8",
    )
    for backend in BACKENDS:
        cfg = load_config(TINY_CONFIG, [*tiny_overrides, f"models.manifest={manifest}", f"models.root={models_root}", f"translate.backend={backend}"])
        if backend == "ctranslate2":
            cfg.translate.ctranslate2.models_dir = str(models_root / "ct2-zle")
            from pipeline.backends.ct2 import convert_marian

            convert_marian(models_root / "tiny" / "marian-en-zle", models_root / "ct2-zle" / "bad-zle", "int8", force=True)
        with pytest.raises(ModelError, match=">>xyz<<"):
            Context(cfg).translator("bad-zle")


def test_greedy_loop_matches_transformers_generate(backend_contexts, monkeypatch):
    import torch
    from transformers.cache_utils import EncoderDecoderCache

    hf = backend_contexts["marian"].translator("tiny-marian-en-uk").hf
    eos, pad = hf.model.config.eos_token_id, hf.tokenizer.pad_token_id
    enc = hf.tokenizer(TEXTS[:6], return_tensors="pt", padding=True)
    # A bound per row: rows finish at different steps, so finished rows leave the batch
    # (their cache rows dropped) while the others go on; that path must match generate().
    bounds = [3, 5, 8, 12, 18, 24]
    compactions = []
    select = EncoderDecoderCache.batch_select_indices
    monkeypatch.setattr(EncoderDecoderCache, "batch_select_indices", lambda self, keep: (compactions.append(len(keep)), select(self, keep))[1])
    for nrng, penalty in [(0, 1.0), (3, 1.3)]:
        with torch.inference_mode():
            ref = hf.model.generate(**enc, max_new_tokens=max(bounds), num_beams=1, do_sample=False, forced_eos_token_id=None,
                                    no_repeat_ngram_size=nrng, repetition_penalty=penalty, max_length=None)
            ours = hf.greedy_decode(enc["input_ids"], enc["attention_mask"], [0] * 6, bounds,
                                    suppress_ids=torch.tensor([pad]), no_repeat_ngram_size=nrng, repetition_penalty=penalty)
        for row, bound, (tokens, hit_limit) in zip(ref.tolist(), bounds, ours):
            # Greedy decoding of a row does not depend on the others: generate()'s first
            # `bound` tokens are what generate(max_new_tokens=bound) writes for it.
            body = [t for t in row[1:] if t != pad]
            ended = eos in body[:bound]
            expected = body[: body.index(eos)] if ended else body[:bound]
            assert (tokens, hit_limit) == (expected, not ended)
    assert compactions, "no finished row ever left the batch: the row-dropping path went untested"


def test_ctranslate2_float32_matches_transformers(backend_contexts, models_root, tiny_overrides):
    """Same weights, same greedy search: the two backends agree token for token."""
    from pipeline.backends.ct2 import convert_marian

    target = models_root / "ct2-float32" / "tiny-marian-en-uk"
    if not target.exists():
        convert_marian(models_root / "tiny" / "marian-en-uk", target, "float32")
    cfg = load_config(TINY_CONFIG, [*tiny_overrides, "translate.backend=ctranslate2",
                                    f"translate.ctranslate2.models_dir={target.parent}", "translate.ctranslate2.compute_type=float32"])
    ct2 = Context(cfg).translator("tiny-marian-en-uk")
    hf = backend_contexts["marian"].translator("tiny-marian-en-uk")
    a = [o.text for o in ct2.translate(TEXTS[:10], GREEDY)]
    b = [o.text for o in hf.translate(TEXTS[:10], GREEDY)]
    assert sum(x == y for x, y in zip(a, b)) >= 9  # float rounding may flip one near-tie


def test_dynamic_int8_marian_translates(tiny_overrides):
    cfg = load_config(TINY_CONFIG, [*tiny_overrides, "translate.marian.quantize=dynamic_int8"])
    tr = Context(cfg).translator("tiny-marian-en-uk")
    assert "quantized" in type(tr.hf.model.model.encoder.layers[0].fc1).__module__
    out = tr.translate(TEXTS[:4], GREEDY)
    assert len(out) == 4 and all(o.text for o in out)


def test_ctranslate2_without_conversion_says_how_to_convert(tmp_path, tiny_overrides):
    cfg = load_config(TINY_CONFIG, [*tiny_overrides, "translate.backend=ctranslate2", f"translate.ctranslate2.models_dir={tmp_path}"])
    with pytest.raises(ModelUnavailable, match="models convert tiny-marian-en-uk"):
        Context(cfg).translator("tiny-marian-en-uk")


def test_ctranslate2_refuses_a_stale_conversion(tmp_path, tiny_overrides, models_root):
    from pipeline.backends.ct2 import MARKER, convert_marian

    convert_marian(models_root / "tiny" / "marian-en-uk", tmp_path / "tiny-marian-en-uk", "int8")
    marker = tmp_path / "tiny-marian-en-uk" / MARKER
    data = json.loads(marker.read_text())
    data["source_signature"]["model.safetensors"] += 1
    marker.write_text(json.dumps(data))
    cfg = load_config(TINY_CONFIG, [*tiny_overrides, "translate.backend=ctranslate2", f"translate.ctranslate2.models_dir={tmp_path}"])
    with pytest.raises(ModelError, match="--force"):
        Context(cfg).translator("tiny-marian-en-uk")


def test_unsupported_compute_type_is_a_config_error(tiny_overrides, ct2_converted):
    from pipeline.errors import ConfigError

    cfg = load_config(TINY_CONFIG, [*tiny_overrides, "translate.backend=ctranslate2", "translate.ctranslate2.compute_type=float16"])
    with pytest.raises(ConfigError, match="not supported on cpu"):
        Context(cfg).translator("tiny-marian-en-uk")


def test_ctranslate2_parallelism_follows_device_and_config():
    from pipeline.backends.ct2 import CPU_TOKENS_IN_FLIGHT, ct2_batch_tokens, resolve_parallelism

    # auto: one single-threaded worker per CPU; on CUDA one worker with the threads.
    assert resolve_parallelism("cpu", 0, 2) == (2, 1)
    assert resolve_parallelism("cuda", 0, 2) == (1, 2)
    # Set: the workers share runtime.threads, at least one each.
    assert resolve_parallelism("cpu", 2, 4) == (2, 2)
    assert resolve_parallelism("cpu", 3, 2) == (3, 1)
    # The CPU budget in flight is shared by the workers; a configured budget is per batch.
    assert ct2_batch_tokens(0, "cpu", 1) == CPU_TOKENS_IN_FLIGHT
    assert ct2_batch_tokens(0, "cpu", 2) == CPU_TOKENS_IN_FLIGHT // 2
    assert ct2_batch_tokens(300, "cpu", 2) == 300


class _BatchSpy:
    """Wraps a ctranslate2.Translator, recording each translate_batch call's rows and options."""

    def __init__(self, inner):
        self.inner, self.calls = inner, []

    def translate_batch(self, source, **kwargs):
        self.calls.append({"rows": len(source), **kwargs})
        return self.inner.translate_batch(source, **kwargs)


def test_ctranslate2_parallel_batches_equal_sequential_ones(tiny_overrides, ct2_converted):
    common = [*tiny_overrides, "translate.backend=ctranslate2", "translate.batch_tokens=256"]
    seq = Context(load_config(TINY_CONFIG, [*common, "translate.ctranslate2.inter_threads=1"])).translator("tiny-marian-en-uk")
    par = Context(load_config(TINY_CONFIG, [*common, "runtime.threads=2"])).translator("tiny-marian-en-uk")
    # The config reaches CTranslate2: auto on 2 threads is 2 workers of one thread each.
    assert (seq.workers, seq.translator.num_translators) == (1, 1)
    assert (par.workers, par.intra_threads, par.translator.num_translators) == (2, 1, 2)
    spy = _BatchSpy(par.translator)
    par.translator = spy
    texts = TEXTS + TEXTS[:5]
    a, b = seq.translate(texts, GREEDY), par.translate(texts, GREEDY)
    # Several batches, all queued at once for the two workers, each with its own bounds.
    assert len(spy.calls) > 2 and all(c["asynchronous"] for c in spy.calls) and max(c["rows"] for c in spy.calls) > 1
    assert sum(c["rows"] for c in spy.calls) == len(texts)
    alone = [seq.translate([t], GREEDY)[0] for t in texts]  # batches of one: nothing to mix up

    def outputs(translations):
        return [(o.text, o.tokens, o.hit_limit) for o in translations]

    assert outputs(b) == outputs(a) == outputs(alone)
    assert par.counts["batches"] == len(spy.calls) and par.counts["target_tokens"] == sum(o.tokens for o in b)


def test_ctranslate2_parallel_outputs_go_to_their_own_inputs(tiny_overrides, ct2_converted):
    """With workers answering each input by its own pieces, every output is its input's:
    rows and batches are never mixed up, whatever order the batches finish in."""
    from .ct2_echo import EchoWorkers

    par = Context(load_config(TINY_CONFIG, [*tiny_overrides, "translate.backend=ctranslate2", "runtime.threads=2",
                                            "translate.batch_tokens=256"])).translator("tiny-marian-en-uk")
    par.translator = echo = EchoWorkers(par.pieces.eos, par.pieces.special)
    texts = [f"Item {i}: {t}" for i, t in enumerate(TEXTS)]
    out = par.translate(texts, GREEDY)
    assert len(echo.calls) > 2 and all(c["asynchronous"] for c in echo.calls) and max(len(c["rows"]) for c in echo.calls) > 1
    expected = [par.pieces.decode(par.pieces.encode(par.prefix + t)) for t in texts]
    assert [o.text for o in out] == expected and not any(o.hit_limit for o in out)


def test_ctranslate2_batch_failure_is_raised_not_lost(tiny_overrides, ct2_converted):
    par = Context(load_config(TINY_CONFIG, [*tiny_overrides, "translate.backend=ctranslate2", "runtime.threads=2",
                                            "translate.batch_tokens=64"])).translator("tiny-marian-en-uk")

    class Failing(_BatchSpy):
        def translate_batch(self, source, **kwargs):
            if len(self.calls) == 1:
                kwargs["beam_size"] = 0  # CTranslate2 refuses it in the worker
            return super().translate_batch(source, **kwargs)

    par.translator = Failing(par.translator)
    with pytest.raises(ValueError, match="beam size"):
        par.translate(TEXTS, GREEDY)
