"""The shared transformers machinery (pipeline/backends/hf.py) on tiny models: dynamic int8
quantisation for both backends."""

from __future__ import annotations

import re

import pytest

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
    from pipeline.backends import hf

    # As if runtime.device resolved to a GPU; the error must come before any weights load.
    monkeypatch.setattr(hf, "resolve_device", lambda runtime: "cuda")
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
