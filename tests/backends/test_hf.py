"""The shared transformers machinery (pipeline/backends/hf.py, hf_loading.py) on tiny models: dynamic int8
quantisation for both backends, and the beam-search cache that leaves the cross-attention
half in place (same token ids as stock generate())."""

from __future__ import annotations

import re

import pytest

from pipeline.backends.base import DecodeOptions
from pipeline.config import load_config
from pipeline.context import Context
from pipeline.errors import ConfigError

from ..conftest import TINY_CONFIG

# Different lengths, so the batch is padded and beams of short rows finish early.
TEXTS = [
    " ".join(["The council approved the budget for schools and roads."] * n) for n in (1, 5, 2, 9, 3, 7)
]
SUMMARIZERS = ["tiny-bart-summarizer", "tiny-t5-summarizer"]


def _context(tiny_overrides, *overrides: str) -> Context:
    return Context(load_config(TINY_CONFIG, [*tiny_overrides, *overrides]))


# -- quantisation -------------------------------------------------------------------------


def test_quantize_accepts_only_known_modes(tiny_overrides):
    with pytest.raises(ConfigError, match=r"summarize\.quantize"):
        load_config(TINY_CONFIG, [*tiny_overrides, "summarize.quantize=int4"])
    with pytest.raises(ConfigError, match=r"translate\.marian\.quantize"):
        load_config(TINY_CONFIG, [*tiny_overrides, "translate.marian.quantize=int4"])


@pytest.mark.parametrize(
    ("key", "load"),
    [
        ("summarize.quantize", lambda ctx: ctx.summarizer("tiny-bart-summarizer")),
        ("translate.marian.quantize", lambda ctx: ctx.translator("tiny-marian-en-uk")),
    ],
)
def test_dynamic_int8_off_cpu_is_a_config_error_naming_the_key(tiny_overrides, monkeypatch, key, load):
    from pipeline.backends import hf_loading

    # As if runtime.device resolved to a GPU; the error must come before any weights load.
    monkeypatch.setattr(hf_loading, "resolve_device", lambda runtime: "cuda")
    monkeypatch.setattr("transformers.AutoModelForSeq2SeqLM.from_pretrained", _must_not_load)
    ctx = _context(tiny_overrides, f"{key}=dynamic_int8")
    with pytest.raises(ConfigError, match="^" + re.escape(f"{key}=dynamic_int8 runs on CPU only")):
        load(ctx)


def _must_not_load(*args, **kwargs):
    raise AssertionError("weights loaded before the device check")


def _linear_kinds(model) -> tuple[int, int]:
    """(dynamic int8 Linear modules, plain float Linear modules)."""
    import torch
    from torch.ao.nn.quantized.dynamic import Linear as DynamicLinear

    quantized = sum(isinstance(m, DynamicLinear) for m in model.modules())
    plain = sum(type(m) is torch.nn.Linear for m in model.modules())
    return quantized, plain


@pytest.mark.parametrize("ref", SUMMARIZERS)
def test_quantized_summarizer_has_int8_linears_and_summarizes(tiny_overrides, ref):
    ctx = _context(tiny_overrides, "summarize.quantize=dynamic_int8", "summarize.num_beams=2")
    summarizer = ctx.summarizer(ref)
    quantized, plain = _linear_kinds(summarizer.hf.model)
    assert quantized > 0 and plain == 0
    assert _linear_kinds(_context(tiny_overrides).summarizer(ref).hf.model)[0] == 0  # none: untouched
    out = summarizer.summarize(TEXTS, [6, 4, 6, 8, 4, 6])
    assert len(out) == len(TEXTS) and all(isinstance(t, str) and t for t in out)
    # The signature says which model was quantised: its outputs are not the float model's.
    name = summarizer.name
    assert ctx.signature()["models"][name]["quantize"] == "dynamic_int8"
    plain_ctx = _context(tiny_overrides)
    plain_ctx.summarizer(ref)
    assert "quantize" not in plain_ctx.signature()["models"][name]


def test_quantize_changes_the_config_hash():
    # A batch resumed under another quantisation is refused (or, forced, starts with empty
    # caches): the ledger compares this hash (tests/batch/test_engine.py).
    assert load_config(None, ["summarize.quantize=dynamic_int8"]).config_hash() != load_config(None).config_hash()


# -- beam search cache ------------------------------------------------------------------------


def _record_generate(monkeypatch, hf) -> list:
    """Wraps model.generate: records (token ids, the cache passed, or None) per call."""
    from pipeline.backends.beam_cache import BeamSearchCache

    calls: list = []
    original = hf.model.generate

    def spy(*args, **kwargs):
        out = original(*args, **kwargs)
        cache = next((v for v in kwargs.values() if isinstance(v, BeamSearchCache)), None)
        calls.append((out.clone(), cache))
        return out

    monkeypatch.setattr(hf.model, "generate", spy)
    return calls


def _stock(monkeypatch, hf) -> None:
    monkeypatch.setattr(hf, "beam_cache_kwargs", lambda num_beams: {})


@pytest.mark.parametrize("quantize", ["none", "dynamic_int8"])
@pytest.mark.parametrize("ref", SUMMARIZERS)
def test_summarizer_beam_cache_gives_stock_token_ids(tiny_overrides, monkeypatch, ref, quantize):
    ctx = _context(tiny_overrides, "summarize.num_beams=4", "summarize.batch_size=8", "summarize.min_new_tokens=3",
                   f"summarize.quantize={quantize}")
    summarizer = ctx.summarizer(ref)
    calls = _record_generate(monkeypatch, summarizer.hf)
    ours = summarizer.summarize(TEXTS, 12)
    with monkeypatch.context() as m:
        _stock(m, summarizer.hf)
        stock = summarizer.summarize(TEXTS, 12)
    (ids, cache), (stock_ids, stock_cache) = calls
    assert ids.shape[0] == len(TEXTS) and stock_cache is None
    assert ids.tolist() == stock_ids.tolist() and ours == stock
    # Every step's reorder stayed within a source's beams: the cross half was never copied.
    assert cache.cross_reorders_skipped > 0 and cache.cross_reorders_done == 0


def test_marian_beam_cache_gives_stock_token_ids(tiny_overrides, monkeypatch):
    translator = _context(tiny_overrides).translator("tiny-marian-en-uk")
    options = DecodeOptions(num_beams=4, max_length_ratio=1.5, max_length_extra=4, min_length_ratio=0.5, no_repeat_ngram_size=3)
    calls = _record_generate(monkeypatch, translator.hf)
    ours = translator.translate(TEXTS, options)
    with monkeypatch.context() as m:
        _stock(m, translator.hf)
        stock = translator.translate(TEXTS, options)
    assert len(calls) == 2 and calls[1][1] is None
    (ids, cache), (stock_ids, _) = calls
    assert ids.shape[0] == len(TEXTS) and ids.tolist() == stock_ids.tolist()
    assert ours == stock
    assert cache.cross_reorders_skipped > 0 and cache.cross_reorders_done == 0


def test_greedy_search_gets_no_beam_cache(tiny_overrides, monkeypatch):
    summarizer = _context(tiny_overrides, "summarize.num_beams=1").summarizer("tiny-bart-summarizer")
    assert summarizer.hf.beam_cache_kwargs(1) == {}
    calls = _record_generate(monkeypatch, summarizer.hf)
    summarizer.summarize(TEXTS[:2], 4)
    assert calls[0][1] is None


def _filled_cache(rows: int, num_beams: int):
    """A BeamSearchCache and a stock EncoderDecoderCache with the same random contents
    (2 layers, distinct rows everywhere, so a wrong skip would show)."""
    import torch
    from transformers.cache_utils import DynamicCache, EncoderDecoderCache

    from pipeline.backends.beam_cache import BeamSearchCache

    ours = BeamSearchCache(DynamicCache(), DynamicCache(), num_beams)
    stock = EncoderDecoderCache(DynamicCache(), DynamicCache())
    for layer in range(2):
        for half in ("self_attention_cache", "cross_attention_cache"):
            k, v = torch.randn(rows, 2, 3, 4), torch.randn(rows, 2, 3, 4)
            getattr(ours, half).update(k.clone(), v.clone(), layer)
            getattr(stock, half).update(k.clone(), v.clone(), layer)
    return ours, stock


def _halves_equal(a, b, half: str) -> bool:
    import torch

    return all(torch.equal(x.keys, y.keys) and torch.equal(x.values, y.values)
               for x, y in zip(getattr(a, half).layers, getattr(b, half).layers))


def test_beam_cache_falls_back_to_a_full_reorder_across_sources():
    import torch

    # Row 0 takes source 1's beam: not a within-source reordering, so both halves move.
    ours, stock = _filled_cache(rows=4, num_beams=2)
    across = torch.tensor([2, 0, 3, 3])
    ours.reorder_cache(across)
    stock.reorder_cache(across)
    assert ours.cross_reorders_done == 1 and ours.cross_reorders_skipped == 0
    assert _halves_equal(ours, stock, "self_attention_cache") and _halves_equal(ours, stock, "cross_attention_cache")
    # Within sources the cross half stays put; the self half moves exactly as stock.
    ours, stock = _filled_cache(rows=4, num_beams=2)
    within = torch.tensor([1, 1, 3, 2])
    ours.reorder_cache(within)
    stock.reorder_cache(within)
    assert ours.cross_reorders_skipped == 1 and _halves_equal(ours, stock, "self_attention_cache")
