"""The small interfaces every backend implements; stages only talk to these."""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..config import TranslateConfig


@dataclass(frozen=True)
class DecodeOptions:
    """How to decode one call: the config's settings, or a guard's retry settings."""

    num_beams: int = 1
    # Per segment: at most ratio x input tokens + extra, at least min_ratio x input tokens.
    max_length_ratio: float = 2.0
    max_length_extra: int = 10
    min_length_ratio: float = 0.0
    no_repeat_ngram_size: int = 0
    repetition_penalty: float = 1.0
    # Vocabulary pieces holding any of these characters are never produced (e.g. the
    # letters of Russian orthography when the target is Ukrainian).
    banned_chars: str = ""

    @classmethod
    def from_config(cls, cfg: "TranslateConfig") -> "DecodeOptions":
        return cls(
            num_beams=cfg.num_beams,
            max_length_ratio=cfg.max_length_ratio,
            max_length_extra=cfg.max_length_extra,
            min_length_ratio=cfg.min_length_ratio,
            no_repeat_ngram_size=cfg.no_repeat_ngram_size,
            repetition_penalty=cfg.repetition_penalty,
        )

    def length_bounds(self, input_tokens: int, cap: int) -> tuple[int, int]:
        """(min, max) output tokens for an input of `input_tokens`; max never exceeds `cap`."""
        hi = max(1, min(cap, math.ceil(self.max_length_ratio * input_tokens + self.max_length_extra)))
        lo = min(hi, math.ceil(self.min_length_ratio * input_tokens))
        return lo, hi


@dataclass
class Translation:
    """One output: its text, how many target tokens it has, and whether decoding stopped
    at the length bound instead of at the end-of-sentence token."""

    text: str
    tokens: int
    hit_limit: bool = False


class Translator(ABC):
    """Translates a list of texts in one direction; order in = order out, one output per input."""

    #: Longest input (in the model's tokens, target token and </s> included) accepted whole.
    max_input_tokens: int = 512
    #: Longest output the decoder can produce.
    max_output_tokens: int = 511
    #: Runs a torch model (the process then keeps glibc's malloc arenas: malloc.py).
    uses_torch: bool = False

    def __init__(self) -> None:
        # batches, source/padded/target tokens: for run stats and the benchmark.
        self.counts: Counter[str] = Counter()

    @abstractmethod
    def count_tokens(self, texts: list[str]) -> list[int]: ...

    @abstractmethod
    def translate(self, texts: list[str], options: DecodeOptions | None = None) -> list[Translation]: ...


class Summarizer(ABC):
    """Writes a summary of each text, at most `max_new_tokens` tokens; order in = order out."""

    #: False for a summariser without weights: the Context builds it without a model.
    needs_model: bool = True
    max_input_tokens: int = 1024
    #: Runs a torch model (the process then keeps glibc's malloc arenas: malloc.py).
    uses_torch: bool = False

    @abstractmethod
    def count_tokens(self, texts: list[str]) -> list[int]: ...

    @abstractmethod
    def summarize(self, texts: list[str], max_new_tokens: int | list[int]) -> list[str]:
        """`max_new_tokens`: one bound for all texts, or one per text."""


class SentenceExtractor(Summarizer):
    """A summariser whose summaries are whole sentences of the text, and which can say
    which ones (`select`): the summarize stage then takes those sentences' aligned
    translations instead of translating a summary."""

    @abstractmethod
    def select(
        self, sentences: list[str], langs: list[str], budget: int, heading: tuple[str, str] | None = None
    ) -> list[int]:
        """Indexes (ascending) of the sentences to keep, about `budget` tokens in all;
        `langs[i]` is the language of `sentences[i]`; `heading` (text, lang) names the topic."""

    def summarize(self, texts: list[str], max_new_tokens: int | list[int]) -> list[str]:
        """The selected sentences of each text (split at sentence ends; language unknown)."""
        from ..text.split import split_sentences

        targets = [max_new_tokens] * len(texts) if isinstance(max_new_tokens, int) else list(max_new_tokens)
        if len(targets) != len(texts):
            raise ValueError(f"{len(texts)} texts but {len(targets)} length bounds")
        out = []
        for text, budget in zip(texts, targets):
            sentences = split_sentences(text)
            chosen = self.select(sentences, ["und"] * len(sentences), int(budget))
            out.append(" ".join(sentences[i] for i in chosen))
        return out
