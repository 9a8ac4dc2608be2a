"""Abstractive summaries with CTranslate2: the seq2seq backend's models (BART, PEGASUS,
T5/mT5), converted once by `newsbridge models convert` and run int8 on CPU (float16 or
int8_float16 on CUDA) without torch or transformers in the process.

Why: a torch summariser costs the process torch itself (~140 MB resident), the float32
weights read before dynamic quantisation (bart-base: ~560 MB at the peak) and torch's
allocator; the CTranslate2 int8 copy is a quarter of the float32 size and is all there
is (README "Performance of the whole pipeline" has the figures).

Same contract and options as Seq2SeqSummarizer (seq2seq.py): texts tokenised once,
grouped by length bound, sorted by length and batched by `summarize.batch_size` texts and
`summarize.batch_tokens` padded tokens (batching.plan_batches), the call split so that
each of the `summarize.ctranslate2.inter_threads` workers gets a share and all batches
queued at once (ct2.run_batches; README "CTranslate2 on CPU"); `num_beams`,
`min_new_tokens`, `no_repeat_ngram_size`, `repetition_penalty`, `length_penalty`; the
task prefix. Inputs over the model's limit are an error, never cut: the map-reduce
above splits long texts first. Lengths count as generate()'s max_new_tokens does: a
forced first token (the model's forced_bos_token_id, e.g. mBART's language code) is one
of them, and when the model forces an end token at the bound (BART's
forced_eos_token_id) the last place is that token, so the summary has the same number
of words generate() would give it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..errors import ModelDamaged, ModelError
from ..models import ResolvedModel
from .base import Summarizer
from .batching import balanced_budget, plan_batches
from .ct2 import (ct2_batch_tokens, find_converted, open_converted, read_marker, resolve_compute_type, resolve_ct2_device,
                  resolve_parallelism, run_batches)
from .fast_pieces import TokenizerPieces

if TYPE_CHECKING:
    from ..context import Context

# A converted directory handed over as is (not by `models convert`) has no marker: the
# input limit then comes from its tokenizer config, else this.
_DEFAULT_MAX_INPUT = 512


class CTranslate2Summarizer(Summarizer):
    def __init__(self, model: ResolvedModel, context: "Context"):
        self.cfg = context.config.summarize
        runtime = context.config.runtime
        self.name = model.spec.name
        self.path = find_converted(model, context)
        self.device = resolve_ct2_device(runtime.device)
        self.compute_type = resolve_compute_type(self.device, self.cfg.ctranslate2.compute_type, "summarize.ctranslate2.compute_type")
        # The signature says how the weights were computed (outputs differ by type).
        self.quantize = "none" if self.compute_type == "float32" else f"ctranslate2_{self.compute_type}"
        marker = read_marker(self.path)
        self.workers, self.intra_threads = resolve_parallelism(self.device, self.cfg.ctranslate2.inter_threads, runtime.threads)
        self.pieces, self.generator = open_converted(
            model, self.path, TokenizerPieces, self.device, self.compute_type, self.workers, self.intra_threads,
        )
        self.max_input_tokens = int(marker.get("max_input_tokens") or self.pieces.model_max_length or _DEFAULT_MAX_INPUT)
        self.max_output_tokens: int | None = marker.get("max_output_tokens")
        self.forced_eos = bool(marker.get("forced_eos", False))
        forced_bos = marker.get("forced_bos_token")
        if forced_bos and not self.pieces.has_token(forced_bos):
            raise ModelDamaged(self.name, self.path, f"its forced first token {forced_bos!r} is not in its tokenizer")
        self.target_prefix = [forced_bos] if forced_bos else None
        # Config prefix wins; else the manifest's (T5 models need "summarize: ").
        self.prefix = self.cfg.prefix or model.spec.prefix or ""
        self.batch_tokens = ct2_batch_tokens(self.cfg.batch_tokens, self.device, self.workers)

    def count_tokens(self, texts: list[str]) -> list[int]:
        return self.pieces.count([self.prefix + t for t in texts])

    def decode_steps(self, target: int) -> int:
        """Tokens CTranslate2 is let produce for a bound of `target` new tokens (generate()'s
        max_new_tokens): the place of a forced end token is not the model's to fill."""
        steps = target - 1 if self.forced_eos else target
        if self.max_output_tokens:
            steps = min(steps, self.max_output_tokens)
        return max(1, steps)

    def summarize(self, texts: list[str], max_new_tokens: int | list[int]) -> list[str]:
        targets = [max_new_tokens] * len(texts) if isinstance(max_new_tokens, int) else list(max_new_tokens)
        if len(targets) != len(texts):
            raise ValueError(f"{len(texts)} texts but {len(targets)} length bounds")
        if not texts:
            return []
        sources = [self.pieces.encode(self.prefix + t) for t in texts]
        lengths = [len(s) for s in sources]
        if max(lengths) > self.max_input_tokens:
            # Callers split long inputs first (summarization/mapreduce.py); never cut here.
            raise ModelError(f"input of {max(lengths)} tokens exceeds the limit of {self.max_input_tokens} of model '{self.name}'")
        # One decoding length per call, as with generate(): group by bound, then batch.
        by_target: dict[int, list[int]] = {}
        for i, target in enumerate(targets):
            by_target.setdefault(int(target), []).append(i)
        outputs = [""] * len(texts)
        cfg = self.cfg
        plan: list[list[int]] = []
        jobs = []
        # Every worker gets a share of the call: a lone pair of long sections decodes side
        # by side rather than padded into one batch.
        budget = balanced_budget(lengths, self.workers, self.batch_tokens)
        for target, indexes in sorted(by_target.items()):
            steps = self.decode_steps(target)
            for batch in plan_batches([lengths[i] for i in indexes], max_rows=cfg.batch_size, max_tokens=budget):
                rows = [indexes[j] for j in batch]
                plan.append(rows)
                jobs.append(([sources[i] for i in rows], dict(
                    target_prefix=[self.target_prefix] * len(rows) if self.target_prefix else None,
                    beam_size=cfg.num_beams,
                    max_decoding_length=steps,
                    min_decoding_length=min(cfg.min_new_tokens, steps),
                    no_repeat_ngram_size=cfg.no_repeat_ngram_size,
                    repetition_penalty=cfg.repetition_penalty,
                    length_penalty=cfg.length_penalty,
                    # Inputs are within the model's limit: never let CTranslate2 cut them.
                    max_input_length=0,
                )))
        for rows, results in zip(plan, run_batches(self.generator, jobs)):
            for i, result in zip(rows, results):
                outputs[i] = self.pieces.decode(result.hypotheses[0])
        return outputs
