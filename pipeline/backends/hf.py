"""Shared transformers seq2seq machinery: batched generation over a loaded model.

Both the Marian translator and the summariser are encoder-decoder models driven the
same way: loaded once (hf_loading.py: safetensors, never remote code), inputs tokenised
once, sorted by length and batched by a token budget (batching.plan_batches), run under
`torch.inference_mode()`, the input order restored.

Greedy translation uses the lean loop in greedy.py. Beam search goes through
`generate()` with `beam_cache_kwargs()`: a cache that does not copy the cross-attention
keys/values each time the beams are reordered (beam_cache.py); the token ids are stock
generate()'s.
"""

from __future__ import annotations

from typing import Any

from ..config import RuntimeConfig
from ..errors import ModelError
from ..models import ResolvedModel
from .batching import plan_batches
from .greedy import cache_arg, greedy_decode
from .hf_loading import load_seq2seq


class HFSeq2Seq:
    """A loaded tokenizer + AutoModelForSeq2SeqLM, with batched generation.

    `quantize`: "none" or "dynamic_int8" (torch dynamic int8 quantisation of the Linear
    layers, CPU only); `quantize_key` is the config key that chose it, for error messages.
    """

    def __init__(self, model: ResolvedModel, runtime: RuntimeConfig, **load_options: Any):
        """`load_options`: hf_loading.load_seq2seq's (allow_pickle, dtype, quantize, quantize_key)."""
        loaded = load_seq2seq(model, runtime, **load_options)
        self.resolved = model
        self.quantize = load_options.get("quantize", "none")
        self.tokenizer, self.model, self.device = loaded.tokenizer, loaded.model, loaded.device
        self.max_input_tokens = loaded.max_input_tokens

    @property
    def max_output_tokens(self) -> int:
        """Decoder positions minus the start token (T5's relative positions have no limit)."""
        positions = getattr(self.model.config, "max_position_embeddings", None)
        return positions - 1 if positions else 1024

    def count_tokens(self, texts: list[str]) -> list[int]:
        if not texts:
            return []
        encoded = self.tokenizer(texts, add_special_tokens=True, truncation=False)["input_ids"]
        return [len(ids) for ids in encoded]

    def encode(self, texts: list[str]) -> list[list[int]]:
        if not texts:
            return []
        return self.tokenizer(texts, add_special_tokens=True, truncation=False)["input_ids"]

    def pad_batch(self, rows: list[list[int]]):
        """Right-padded input ids and attention mask, as wide as the longest row only."""
        import torch

        width = max(len(r) for r in rows)
        pad = self.tokenizer.pad_token_id
        ids = torch.full((len(rows), width), pad, dtype=torch.long)
        mask = torch.zeros((len(rows), width), dtype=torch.long)
        for i, r in enumerate(rows):
            ids[i, : len(r)] = torch.tensor(r, dtype=torch.long)
            mask[i, : len(r)] = 1
        return ids.to(self.device), mask.to(self.device)

    def generate(
        self,
        texts: list[str],
        *,
        batch_size: int,
        max_new_tokens: Any,
        max_batch_tokens: int | None = None,
        **gen_kwargs: Any,
    ) -> list[str]:
        """Generate for every text; `max_new_tokens` is an int or a function of input length.
        Batches hold at most `batch_size` texts and, when given, `max_batch_tokens` padded
        tokens (batching.plan_batches, as for translation). Each text is tokenised once."""
        import torch

        if not texts:
            return []
        encoded = self.encode(texts)
        lengths = [len(ids) for ids in encoded]
        too_long = [n for n in lengths if n > self.max_input_tokens]
        if too_long:
            # Callers split long inputs first; reaching here is a bug, not user input.
            raise ModelError(f"input of {max(too_long)} tokens exceeds the model limit of {self.max_input_tokens}")
        budget = max_batch_tokens or batch_size * max(lengths)
        num_beams = gen_kwargs.get("num_beams") or self.model.generation_config.num_beams or 1
        outputs: list[str] = [""] * len(texts)
        with torch.inference_mode():
            for idx in plan_batches(lengths, max_rows=batch_size, max_tokens=budget):
                ids, mask = self.pad_batch([encoded[i] for i in idx])
                longest = max(lengths[i] for i in idx)
                limit = max_new_tokens(longest) if callable(max_new_tokens) else max_new_tokens
                generated = self.model.generate(input_ids=ids, attention_mask=mask, max_new_tokens=int(limit),
                                                **gen_kwargs, **self.beam_cache_kwargs(num_beams))
                decoded = self.tokenizer.batch_decode(generated, skip_special_tokens=True)
                for i, text in zip(idx, decoded):
                    outputs[i] = text.strip()
        return outputs

    def cache_arg(self) -> str:
        return cache_arg(self.model)

    def beam_cache_kwargs(self, num_beams: int) -> dict[str, Any]:
        """Extra generate() kwargs for beam search: a cache that does not copy the
        cross-attention keys/values when beams are reordered (see beam_cache.py; same
        output as without it). Empty for greedy search, and where a model's generation
        config picks its own cache (generate() refuses both)."""
        gen = self.model.generation_config
        if num_beams <= 1 or not self.model.config.is_encoder_decoder or gen.cache_implementation is not None or gen.use_cache is False:
            return {}
        from .beam_cache import BeamSearchCache

        return {self.cache_arg(): BeamSearchCache.for_model(self.model.config, num_beams)}

    def greedy_decode(self, input_ids, attention_mask, min_new: list[int], max_new: list[int], **options: Any) -> list[tuple[list[int], bool]]:
        """Greedy decoding of one padded batch (greedy.py): per row (generated ids without
        start/end tokens, True when it stopped at max_new instead of at </s>). Call under inference_mode."""
        return greedy_decode(self.model, input_ids, attention_mask, min_new, max_new, **options)
