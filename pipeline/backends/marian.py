"""MarianMT translation with transformers: token-budget batches, per-segment length
bounds, a lean greedy loop (beam search through `generate()`), optional dynamic int8."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..errors import ModelError
from ..models import ResolvedModel
from .base import DecodeOptions, Translation, Translator
from .hf import HFSeq2Seq
from .hf_loading import device_batch_tokens

if TYPE_CHECKING:
    from ..context import Context


class MarianTranslator(Translator):
    uses_torch = True

    def __init__(self, model: ResolvedModel, context: "Context"):
        super().__init__()
        self.cfg = context.config.translate
        mcfg = self.cfg.marian
        self.hf = HFSeq2Seq(
            model,
            context.config.runtime,
            allow_pickle=context.config.models.allow_pickle,
            dtype=mcfg.dtype,
            quantize=mcfg.quantize,
            quantize_key="translate.marian.quantize",
        )
        self.quantize = mcfg.quantize
        self.name = model.spec.name
        self.max_input_tokens = self.hf.max_input_tokens
        self.max_output_tokens = self.hf.max_output_tokens
        self.batch_tokens = self.cfg.batch_tokens or device_batch_tokens(self.hf.device)
        # Multi-target models want the target token (">>ukr<<") before the text.
        self.target_token = model.spec.target_token
        self.prefix = f"{self.target_token} " if self.target_token else ""
        if self.target_token and self.target_token not in self.hf.tokenizer.get_vocab():
            raise ModelError(f"model '{self.name}' has no target token {self.target_token} in its vocabulary (manifest target_token)")
        self._banned: dict[str, list[int]] = {}

    def count_tokens(self, texts: list[str]) -> list[int]:
        return self.hf.count_tokens([self.prefix + t for t in texts])

    def _suppressed_ids(self, banned_chars: str):
        """Padding never; plus every target piece holding a banned character."""
        import torch

        if banned_chars not in self._banned:
            ids = {self.hf.tokenizer.pad_token_id}
            if banned_chars:
                wanted = set(banned_chars)
                ids.update(i for piece, i in self.hf.tokenizer.get_vocab().items() if wanted.intersection(piece))
            self._banned[banned_chars] = sorted(ids)
        return torch.tensor(self._banned[banned_chars], dtype=torch.long, device=self.hf.device)

    def translate(self, texts: list[str], options: DecodeOptions | None = None) -> list[Translation]:
        import torch

        from .batching import plan_batches

        if not texts:
            return []
        opts = options or DecodeOptions.from_config(self.cfg)
        encoded = self.hf.encode([self.prefix + t for t in texts])
        lengths = [len(ids) for ids in encoded]
        if max(lengths) > self.max_input_tokens:
            # The engine splits long inputs first; reaching here is a bug, not user input.
            raise ModelError(f"input of {max(lengths)} tokens exceeds the limit of {self.max_input_tokens} of model '{self.name}'")
        bounds = [opts.length_bounds(n, self.max_output_tokens) for n in lengths]
        suppress = self._suppressed_ids(opts.banned_chars)
        results: list[Translation | None] = [None] * len(texts)
        with torch.inference_mode():
            for idx in plan_batches(lengths, max_rows=self.cfg.batch_size, max_tokens=self.batch_tokens):
                ids, mask = self.hf.pad_batch([encoded[i] for i in idx])
                lo = [bounds[i][0] for i in idx]
                hi = [bounds[i][1] for i in idx]
                if opts.num_beams == 1:
                    outs = self.hf.greedy_decode(
                        ids, mask, lo, hi,
                        suppress_ids=suppress,
                        no_repeat_ngram_size=opts.no_repeat_ngram_size,
                        repetition_penalty=opts.repetition_penalty,
                    )
                else:
                    outs = self._beam_search(ids, mask, lo, hi, opts, suppress.tolist())
                texts_out = self.hf.tokenizer.batch_decode([o[0] for o in outs], skip_special_tokens=True)
                for i, (tokens, hit), text in zip(idx, outs, texts_out):
                    results[i] = Translation(text=text.strip(), tokens=len(tokens), hit_limit=hit)
                self.counts["batches"] += 1
                self.counts["source_tokens"] += sum(lengths[i] for i in idx)
                self.counts["padded_tokens"] += len(idx) * max(lengths[i] for i in idx)
                self.counts["target_tokens"] += sum(len(o[0]) for o in outs)
        return results  # type: ignore[return-value]

    def _beam_search(self, ids, mask, lo: list[int], hi: list[int], opts: DecodeOptions, suppress: list[int]):
        """generate() with the batch's widest bounds; each row is then held to its own."""
        generated = self.hf.model.generate(
            input_ids=ids,
            attention_mask=mask,
            num_beams=opts.num_beams,
            do_sample=False,
            max_new_tokens=max(hi),
            max_length=None,  # the model's own max_length would only conflict with max_new_tokens
            min_new_tokens=min(lo),
            no_repeat_ngram_size=opts.no_repeat_ngram_size,
            repetition_penalty=opts.repetition_penalty,
            suppress_tokens=suppress,
            # The bound is ours to report, not to hide behind a forced </s>.
            forced_eos_token_id=None,
            **self.hf.beam_cache_kwargs(opts.num_beams),
        )
        eos = self.hf.model.config.eos_token_id
        pad = self.hf.model.config.pad_token_id
        outs = []
        for row, bound in zip(generated.tolist(), hi):
            body = row[1:]  # drop the decoder start token
            ended = eos in body
            if ended:
                body = body[: body.index(eos)]
            body = [t for t in body if t != pad]
            hit = not ended or len(body) > bound
            outs.append((body[:bound], hit))
        return outs
