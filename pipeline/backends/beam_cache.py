"""A generate() cache for encoder-decoder beam search that leaves the cross-attention half
in place when the beams are reordered.

Why: transformers' beam search (`GenerationMixin._beam_search`) calls
`cache.reorder_cache(beam_idx)` after every step, and `EncoderDecoderCache` then copies
(index_select) both halves. The cross-attention keys/values are computed from the encoder
output that generate() repeats `num_beams` times per source (repeat_interleave), so the
`num_beams` rows of one source are the same tensor values; and `beam_idx` only picks
among the beams of the same source (`source * num_beams + beam`). Reordering that half
therefore rewrites every row with an identical one: a copy of the largest tensors in the
model at every step (bart-base shape, beam 4, 32 sections of ~200 tokens: ~1 GB a step,
14% of generate() time on the 2-core development VM, 49% with glibc's default malloc,
whose fresh pages are slow there; README, Summaries). Skipping it changes no value, so
the output is the same token for token (tests/backends/test_hf.py).

The skip is taken only when `beam_idx` provably stays within each source's beams; any
other reordering falls back to the stock full reorder.

Imported only when beam search runs (it imports torch and transformers).
"""

from __future__ import annotations

import torch
from transformers.cache_utils import DynamicCache, EncoderDecoderCache


class BeamSearchCache(EncoderDecoderCache):
    """EncoderDecoderCache whose `reorder_cache` reorders only the self-attention half
    when the reordering stays within each source's `num_beams` rows."""

    def __init__(self, self_attention_cache: DynamicCache, cross_attention_cache: DynamicCache, num_beams: int):
        super().__init__(self_attention_cache, cross_attention_cache)
        self.num_beams = num_beams
        # How many reorders left the cross-attention half alone / copied it (tests, stats).
        self.cross_reorders_skipped = 0
        self.cross_reorders_done = 0

    @classmethod
    def for_model(cls, config, num_beams: int) -> "BeamSearchCache":
        """Empty caches laid out as generate() would make them for this model config."""
        decoder = config.get_text_config(decoder=True)
        return cls(DynamicCache(config=decoder), DynamicCache(config=decoder), num_beams)

    def reorder_cache(self, beam_idx: torch.LongTensor) -> None:
        self.self_attention_cache.reorder_cache(beam_idx)
        if self._within_sources(beam_idx):
            self.cross_reorders_skipped += 1
            return
        self.cross_attention_cache.reorder_cache(beam_idx)
        self.cross_reorders_done += 1

    def _within_sources(self, beam_idx: torch.Tensor) -> bool:
        rows = beam_idx.numel()
        if self.num_beams <= 1 or rows % self.num_beams:
            return False
        source = torch.arange(rows, device=beam_idx.device) // self.num_beams
        return bool(torch.equal(beam_idx.flatten() // self.num_beams, source))
