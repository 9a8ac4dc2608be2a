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
    """Summarises a list of texts; order in = order out."""

    max_input_tokens: int = 1024

    @abstractmethod
    def count_tokens(self, texts: list[str]) -> list[int]: ...

    @abstractmethod
    def summarize(self, texts: list[str]) -> list[str]: ...
