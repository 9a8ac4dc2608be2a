"""MarianMT translation through transformers `generate()`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..models import ResolvedModel
from .base import Translator
from .hf import HFSeq2Seq

if TYPE_CHECKING:
    from ..context import Context


class MarianTranslator(Translator):
    def __init__(self, model: ResolvedModel, context: "Context"):
        self.cfg = context.config.translate
        self.hf = HFSeq2Seq(model, context.config.runtime, allow_pickle=context.config.models.allow_pickle)
        self.max_input_tokens = self.hf.max_input_tokens
        # Multi-target models want the target token (">>ukr<<") before the text.
        self.prefix = f"{model.spec.target_token} " if model.spec.target_token else ""

    def count_tokens(self, texts: list[str]) -> list[int]:
        return self.hf.count_tokens([self.prefix + t for t in texts])

    def translate(self, texts: list[str]) -> list[str]:
        cfg = self.cfg
        return self.hf.generate(
            [self.prefix + t for t in texts],
            batch_size=cfg.batch_size,
            max_new_tokens=lambda n: cfg.max_length_ratio * n + cfg.max_length_extra,
            num_beams=cfg.num_beams,
            do_sample=False,
            no_repeat_ngram_size=cfg.no_repeat_ngram_size,
            repetition_penalty=cfg.repetition_penalty,
        )
