"""A stand-in for a ctranslate2.Translator whose outputs depend on their inputs (the
tiny random models answer every input alike, so they cannot show a mix-up of rows or
batches): each hypothesis is its source's pieces without special tokens, cut at
max_decoding_length, then the end token. Batches run on a pool of two threads, as
CTranslate2's workers do; `asynchronous=True` returns per-row results with .result()."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace


class EchoWorkers:
    def __init__(self, eos: str, specials: set[str]):
        self.eos, self.specials = eos, specials
        self.pool = ThreadPoolExecutor(2)
        self.calls: list[dict] = []

    def translate_batch(self, source, *, asynchronous: bool = False, max_decoding_length: int = 256, **options):
        self.calls.append({"rows": [len(s) for s in source], "asynchronous": asynchronous,
                           "max_decoding_length": max_decoding_length, **options})

        def run():
            return [SimpleNamespace(hypotheses=[[p for p in s if p not in self.specials][:max_decoding_length] + [self.eos]])
                    for s in source]

        future = self.pool.submit(run)
        if not asynchronous:
            return future.result()
        return [SimpleNamespace(result=lambda i=i: future.result()[i]) for i in range(len(source))]
