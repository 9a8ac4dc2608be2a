"""Abstractive summaries with any AutoModelForSeq2SeqLM (BART, PEGASUS, T5/mT5)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..models import ResolvedModel
from .base import Summarizer
from .hf import HFSeq2Seq

if TYPE_CHECKING:
    from ..context import Context


class Seq2SeqSummarizer(Summarizer):
    def __init__(self, model: ResolvedModel, context: "Context"):
        self.cfg = context.config.summarize
        self.hf = HFSeq2Seq(model, context.config.runtime, allow_pickle=context.config.models.allow_pickle)
        # Config prefix wins; else the manifest's (T5 models need "summarize: ").
        self.prefix = self.cfg.prefix or model.spec.prefix or ""
        self.max_input_tokens = self.hf.max_input_tokens

    def count_tokens(self, texts: list[str]) -> list[int]:
        return self.hf.count_tokens([self.prefix + t for t in texts])

    def summarize(self, texts: list[str]) -> list[str]:
        cfg = self.cfg
        return self.hf.generate(
            [self.prefix + t for t in texts],
            batch_size=cfg.batch_size,
            max_new_tokens=cfg.max_new_tokens,
            min_new_tokens=min(cfg.min_new_tokens, cfg.max_new_tokens),
            num_beams=cfg.num_beams,
            do_sample=False,
            no_repeat_ngram_size=cfg.no_repeat_ngram_size,
            length_penalty=cfg.length_penalty,
        )
