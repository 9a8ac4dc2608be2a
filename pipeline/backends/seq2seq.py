"""Abstractive summaries with any AutoModelForSeq2SeqLM (BART, PEGASUS, T5/mT5).

Loading and generate() under torch.inference_mode are the shared HFSeq2Seq's; this adds
the task prefix, the summariser's generation settings, per-text length bounds, and
batches formed by length: sorted longest first, capped in texts and in padded tokens.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..models import ResolvedModel
from .base import Summarizer
from .hf import HFSeq2Seq

if TYPE_CHECKING:
    from ..context import Context


class Seq2SeqSummarizer(Summarizer):
    def __init__(self, model: ResolvedModel, context: "Context"):
        self.cfg = context.config.summarize
        self.name = model.spec.name
        self.hf = HFSeq2Seq(
            model,
            context.config.runtime,
            allow_pickle=context.config.models.allow_pickle,
            quantize=self.cfg.quantize,
            quantize_key="summarize.quantize",
        )
        self.quantize = self.cfg.quantize
        # Config prefix wins; else the manifest's (T5 models need "summarize: ").
        self.prefix = self.cfg.prefix or model.spec.prefix or ""
        self.max_input_tokens = self.hf.max_input_tokens

    def count_tokens(self, texts: list[str]) -> list[int]:
        return self.hf.count_tokens([self.prefix + t for t in texts])

    def summarize(self, texts: list[str], max_new_tokens: int | list[int]) -> list[str]:
        targets = [max_new_tokens] * len(texts) if isinstance(max_new_tokens, int) else list(max_new_tokens)
        if len(targets) != len(texts):
            raise ValueError(f"{len(texts)} texts but {len(targets)} length bounds")
        # generate() takes one length bound per call: one call per distinct bound, each
        # batched and sorted by length inside HFSeq2Seq.generate.
        by_target: dict[int, list[int]] = {}
        for i, target in enumerate(targets):
            by_target.setdefault(int(target), []).append(i)
        outputs = [""] * len(texts)
        for target, indexes in sorted(by_target.items()):
            for batch in self.batches(indexes, texts):
                generated = self.hf.generate(
                    [self.prefix + texts[i] for i in batch],
                    batch_size=len(batch),
                    max_new_tokens=target,
                    **self.generation_kwargs(target),
                )
                for i, text in zip(batch, generated):
                    outputs[i] = text
        return outputs

    def batches(self, indexes: list[int], texts: list[str]) -> list[list[int]]:
        """Longest first; at most batch_size texts and batch_tokens padded tokens each."""
        lengths = dict(zip(indexes, self.count_tokens([texts[i] for i in indexes])))
        order = sorted(indexes, key=lambda i: -lengths[i])
        budget = self.cfg.batch_tokens
        out: list[list[int]] = []
        for i in order:
            batch = out[-1] if out else None
            # Sorted longest first, so the batch's first text sets its padded length.
            if batch and len(batch) < self.cfg.batch_size and (not budget or (len(batch) + 1) * lengths[batch[0]] <= budget):
                batch.append(i)
            else:
                out.append([i])
        return out

    def generation_kwargs(self, target: int) -> dict[str, Any]:
        cfg = self.cfg
        kwargs: dict[str, Any] = {
            "do_sample": False,
            "num_beams": cfg.num_beams,
            # Always passed: it overrides a model's own min_length (bart-large-cnn: 56).
            "min_new_tokens": min(cfg.min_new_tokens, target),
            "no_repeat_ngram_size": cfg.no_repeat_ngram_size,
            "repetition_penalty": cfg.repetition_penalty,
        }
        if cfg.num_beams > 1:
            # Beam-only settings; transformers warns when they come with greedy search.
            kwargs["length_penalty"] = cfg.length_penalty
            kwargs["early_stopping"] = True
        return kwargs
