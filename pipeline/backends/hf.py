"""Shared transformers seq2seq machinery: safe loading and batched `generate()`.

Both the Marian translator and the summariser are encoder-decoder models driven the
same way: load once (safetensors, never remote code), sort inputs by length, run
batches under `torch.inference_mode()`, restore the input order.
"""

from __future__ import annotations

import logging
from typing import Any

from ..config import RuntimeConfig
from ..errors import ModelError
from ..models import ResolvedModel

log = logging.getLogger(__name__)

# Tokenizers report a huge sentinel when a model has no length limit set.
_UNSET_MAX = 100_000


def resolve_device(runtime: RuntimeConfig) -> str:
    import torch

    if runtime.device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if runtime.device == "cuda" and not torch.cuda.is_available():
        raise ModelError("runtime.device=cuda but no CUDA device is available")
    return runtime.device


def configure_torch(runtime: RuntimeConfig) -> None:
    import torch

    if runtime.threads:
        torch.set_num_threads(runtime.threads)
    torch.manual_seed(runtime.seed)


class HFSeq2Seq:
    """A loaded tokenizer + AutoModelForSeq2SeqLM, with batched generation."""

    def __init__(self, model: ResolvedModel, runtime: RuntimeConfig, *, allow_pickle: bool = False):
        import torch
        from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

        configure_torch(runtime)
        self.resolved = model
        self.device = resolve_device(runtime)
        path = str(model.path)
        try:
            self.tokenizer = AutoTokenizer.from_pretrained(path, trust_remote_code=False)
            self.model = AutoModelForSeq2SeqLM.from_pretrained(
                path,
                trust_remote_code=False,
                use_safetensors=None if allow_pickle else True,
                dtype=torch.float16 if self.device == "cuda" else torch.float32,
            )
        except (OSError, ValueError, KeyError) as exc:
            raise ModelError(f"model '{model.spec.name}' at {path} could not be loaded: {exc}") from None
        self.model.to(self.device).eval()
        self.max_input_tokens = self._max_input_tokens()

    def _max_input_tokens(self) -> int:
        limits = [getattr(self.model.config, "max_position_embeddings", None), getattr(self.model.config, "n_positions", None)]
        tok_max = getattr(self.tokenizer, "model_max_length", None)
        if tok_max and tok_max < _UNSET_MAX:
            limits.append(tok_max)
        limits = [x for x in limits if x]
        return min(limits) if limits else 512

    def count_tokens(self, texts: list[str]) -> list[int]:
        if not texts:
            return []
        encoded = self.tokenizer(texts, add_special_tokens=True, truncation=False)["input_ids"]
        return [len(ids) for ids in encoded]

    def generate(self, texts: list[str], *, batch_size: int, max_new_tokens: Any, **gen_kwargs: Any) -> list[str]:
        """Generate for every text; `max_new_tokens` is an int or a function of input length."""
        import torch

        if not texts:
            return []
        lengths = self.count_tokens(texts)
        too_long = [n for n in lengths if n > self.max_input_tokens]
        if too_long:
            # Callers split long inputs first; reaching here is a bug, not user input.
            raise ModelError(f"input of {max(too_long)} tokens exceeds the model limit of {self.max_input_tokens}")
        order = sorted(range(len(texts)), key=lambda i: lengths[i], reverse=True)
        outputs: list[str] = [""] * len(texts)
        with torch.inference_mode():
            for start in range(0, len(order), batch_size):
                idx = order[start : start + batch_size]
                batch = [texts[i] for i in idx]
                enc = self.tokenizer(batch, return_tensors="pt", padding=True, truncation=False).to(self.device)
                longest = max(lengths[i] for i in idx)
                limit = max_new_tokens(longest) if callable(max_new_tokens) else max_new_tokens
                generated = self.model.generate(**enc, max_new_tokens=int(limit), **gen_kwargs)
                decoded = self.tokenizer.batch_decode(generated, skip_special_tokens=True)
                for i, text in zip(idx, decoded):
                    outputs[i] = text.strip()
        return outputs
