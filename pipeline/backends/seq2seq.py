"""Abstractive summaries with any AutoModelForSeq2SeqLM (BART, PEGASUS, T5/mT5).

Loading, batching (by length, capped in texts and padded tokens: the planner translation
uses too) and generate() under torch.inference_mode are the shared HFSeq2Seq's; this adds
the task prefix, the summariser's generation settings and per-text length bounds.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..models import ResolvedModel
from .base import Summarizer
from .hf import HFSeq2Seq

if TYPE_CHECKING:
    from ..context import Context


class Seq2SeqSummarizer(Summarizer):
    uses_torch = True

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
        # generate() takes one length bound per call: one call per distinct bound; inside
        # it, the texts are tokenised once and batched by batching.plan_batches (sorted by
        # length, at most batch_size texts and batch_tokens padded tokens per batch).
        by_target: dict[int, list[int]] = {}
        for i, target in enumerate(targets):
            by_target.setdefault(int(target), []).append(i)
        outputs = [""] * len(texts)
        for target, indexes in sorted(by_target.items()):
            generated = self.hf.generate(
                [self.prefix + texts[i] for i in indexes],
                batch_size=self.cfg.batch_size,
                max_batch_tokens=self.cfg.batch_tokens or None,
                max_new_tokens=target,
                **self.generation_kwargs(target),
            )
            for i, text in zip(indexes, generated):
                outputs[i] = text
        return outputs

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
