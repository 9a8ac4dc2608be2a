"""Name -> class tables, so configs can name stages and backends.

Entries are "module:attribute" strings resolved on first use: listing what exists costs
nothing, and heavy modules (torch, transformers) load only when a config asks for them.
`register()` adds an entry in code (plugins, tests).
"""

from __future__ import annotations

import importlib
from typing import Any, Callable

from .errors import ConfigError


class Registry:
    def __init__(self, kind: str, entries: dict[str, str] | None = None):
        self.kind = kind
        self._entries: dict[str, str | Any] = dict(entries or {})

    def names(self) -> list[str]:
        return sorted(self._entries)

    def add(self, name: str, target: str | Any) -> None:
        self._entries[name] = target

    def register(self, name: str) -> Callable[[Any], Any]:
        def deco(obj: Any) -> Any:
            self.add(name, obj)
            return obj

        return deco

    def get(self, name: str) -> Any:
        if name not in self._entries:
            known = ", ".join(self.names()) or "none"
            raise ConfigError(f"unknown {self.kind} '{name}' (known: {known})")
        target = self._entries[name]
        if isinstance(target, str):
            module_name, _, attr = target.partition(":")
            target = getattr(importlib.import_module(module_name), attr)
            self._entries[name] = target
        return target


stages = Registry(
    "stage",
    {
        "clean": "pipeline.stages.clean:CleanStage",
        "segment": "pipeline.stages.segment:SegmentStage",
        "detect": "pipeline.stages.langid:DetectStage",
        "translate": "pipeline.stages.translate:TranslateStage",
        "summarize": "pipeline.stages.summarize:SummarizeStage",
    },
)

translators = Registry(
    "translation backend",
    {
        "marian": "pipeline.backends.marian:MarianTranslator",
        "ctranslate2": "pipeline.backends.ct2:CTranslate2Translator",
    },
)

summarizers = Registry(
    "summarization backend",
    {
        "seq2seq": "pipeline.backends.seq2seq:Seq2SeqSummarizer",
        "ctranslate2": "pipeline.backends.ct2_summarizer:CTranslate2Summarizer",
        "extractive": "pipeline.backends.extractive:ExtractiveSummarizer",
    },
)

segmenters = Registry(
    "segmenter",
    {
        "sentencex": "pipeline.stages.segment:SentencexSegmenter",
        "pysbd": "pipeline.stages.segment:PysbdSegmenter",
        "razdel": "pipeline.stages.segment:RazdelSegmenter",
        "blingfire": "pipeline.stages.segment:BlingfireSegmenter",
        "regex": "pipeline.stages.segment:RegexSegmenter",
    },
)

detectors = Registry(
    "language detector",
    {
        "lingua": "pipeline.lang.identifier:LinguaDetector",
    },
)
