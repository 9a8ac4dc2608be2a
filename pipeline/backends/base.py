"""The small interfaces every backend implements; stages only talk to these."""

from __future__ import annotations

from abc import ABC, abstractmethod


class Translator(ABC):
    """Translates a list of texts in one direction; order in = order out."""

    #: Longest input (in the model's tokens) the backend accepts without truncating.
    max_input_tokens: int = 512

    @abstractmethod
    def count_tokens(self, texts: list[str]) -> list[int]: ...

    @abstractmethod
    def translate(self, texts: list[str]) -> list[str]: ...


class Summarizer(ABC):
    """Abstractive: writes a summary of each text; order in = order out."""

    kind = "abstractive"
    max_input_tokens: int = 1024

    @abstractmethod
    def count_tokens(self, texts: list[str]) -> list[int]: ...

    @abstractmethod
    def summarize(self, texts: list[str], max_new_tokens: int | list[int]) -> list[str]:
        """`max_new_tokens`: one bound for all texts, or one per text."""


class SentenceExtractor(ABC):
    """Extractive: picks the sentences of a text that make its summary."""

    kind = "extractive"

    @abstractmethod
    def count_tokens(self, texts: list[str]) -> list[int]: ...

    @abstractmethod
    def select(
        self, sentences: list[str], langs: list[str], budget: int, heading: tuple[str, str] | None = None
    ) -> list[int]:
        """Indexes (ascending) of the sentences to keep, about `budget` tokens in all;
        `langs[i]` is the language of `sentences[i]`; `heading` (text, lang) names the topic."""
