"""Shared transformers seq2seq machinery: safe loading and batched generation.

Both the Marian translator and the summariser are encoder-decoder models driven the
same way: load once (safetensors, never remote code), sort inputs by length, batch by a
token budget, run under `torch.inference_mode()`, restore the input order.

`greedy_decode` is a lean greedy loop for translation: each row stops at its own length
bound and finished rows leave the batch (their cache rows are dropped), which
`generate()` cannot do; transformers' own logits processors keep the n-gram block and
repetition penalty identical to `generate()` (tested against it).

Beam search goes through `generate()` with `beam_cache_kwargs()`: a cache that does not
copy the cross-attention keys/values each time the beams are reordered (beam_cache.py);
the token ids are stock generate()'s.
"""

from __future__ import annotations

import inspect
import json
import logging
import warnings
from typing import Any

from ..config import RuntimeConfig
from ..errors import ConfigError, ModelDamaged, ModelError, exception_brief
from ..models import ResolvedModel
from .batching import auto_batch_tokens, plan_batches
from .marian_pieces import REQUIRED_FILES as MARIAN_TOKENIZER_FILES

log = logging.getLogger(__name__)

# Tokenizers report a huge sentinel when a model has no length limit set.
_UNSET_MAX = 100_000


def _missing_tokenizer_files(path) -> list[str]:
    """Marian tokenizer files that are not there (transformers would fail on them with a
    bare TypeError); other tokenizers are checked after loading, by vocabulary size."""
    try:
        model_type = json.loads((path / "config.json").read_text(encoding="utf-8")).get("model_type")
    except (OSError, ValueError, AttributeError):
        return []  # from_pretrained reports a broken config itself
    if model_type != "marian":
        return []
    return [f for f in MARIAN_TOKENIZER_FILES if not (path / f).is_file()]


def resolve_device(runtime: RuntimeConfig) -> str:
    import torch

    if runtime.device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if runtime.device == "cuda" and not torch.cuda.is_available():
        raise ModelError("runtime.device=cuda but no CUDA device is available")
    return runtime.device


def resolve_dtype(device: str, name: str | None):
    """torch dtype for `name` (auto: float32 on CPU, bfloat16 where the card has it, else float16)."""
    import torch

    if name in (None, "auto"):
        if device != "cuda":
            return torch.float32
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    if device != "cuda" and name in ("float16", "bfloat16"):
        raise ModelError(f"dtype {name} is for CUDA; on CPU use float32 (or translate.marian.quantize=dynamic_int8)")
    return getattr(torch, name)


def configure_torch(runtime: RuntimeConfig) -> None:
    import torch

    from ..threads import configure_torch_threads

    configure_torch_threads(runtime.threads)  # 0: the CPUs this process may use
    torch.manual_seed(runtime.seed)


def device_batch_tokens(device: str) -> int:
    """The automatic padded-token budget for this device (sized from the card's memory)."""
    if device == "cuda":
        import torch

        return auto_batch_tokens(device, torch.cuda.get_device_properties(0).total_memory)
    return auto_batch_tokens(device)


def _quantize_dynamic_int8(model):
    """The model with every nn.Linear replaced by torch's dynamic int8 version (CPU)."""
    import torch

    with warnings.catch_warnings():
        # torch.ao.quantization warns about its future move to torchao; it still works.
        warnings.simplefilter("ignore")
        from torch.ao.quantization import quantize_dynamic

        return quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)


class HFSeq2Seq:
    """A loaded tokenizer + AutoModelForSeq2SeqLM, with batched generation.

    `quantize`: "none" or "dynamic_int8" (torch dynamic int8 quantisation of the Linear
    layers, CPU only); `quantize_key` is the config key that chose it, for error messages.
    """

    def __init__(
        self,
        model: ResolvedModel,
        runtime: RuntimeConfig,
        *,
        allow_pickle: bool = False,
        dtype: str | None = None,
        quantize: str = "none",
        quantize_key: str = "quantize",
    ):
        import torch
        from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

        configure_torch(runtime)
        self.resolved = model
        self.device = resolve_device(runtime)
        if quantize not in ("none", "dynamic_int8"):
            raise ConfigError(f"{quantize_key}: unknown quantisation '{quantize}' (none or dynamic_int8)")
        # Checked before loading: no point reading weights that cannot be used.
        if quantize == "dynamic_int8" and self.device != "cpu":
            raise ConfigError(f"{quantize_key}=dynamic_int8 runs on CPU only (runtime.device=cpu)")
        self.quantize = quantize
        # None keeps the summariser's historical choice: float16 on CUDA, float32 on CPU.
        torch_dtype = (torch.float16 if self.device == "cuda" else torch.float32) if dtype is None else resolve_dtype(self.device, dtype)
        path = str(model.path)
        missing = _missing_tokenizer_files(model.path)
        if missing:
            raise ModelDamaged(model.spec.name, path, f"{', '.join(missing)} missing")
        try:
            self.tokenizer = AutoTokenizer.from_pretrained(path, trust_remote_code=False)
            self.model = AutoModelForSeq2SeqLM.from_pretrained(
                path,
                trust_remote_code=False,
                use_safetensors=None if allow_pickle else True,
                dtype=torch_dtype,
            )
        except MemoryError:
            raise
        except Exception as exc:  # noqa: BLE001 - damaged files fail in many library types
            # (SafetensorError, sentencepiece's RuntimeError, TypeError for a missing .spm...)
            raise ModelDamaged(model.spec.name, path, exception_brief(exc)) from None
        self._check_tokenizer(model, path)
        self.model.to(self.device).eval()
        if quantize == "dynamic_int8":
            self.model = _quantize_dynamic_int8(self.model)
        self.max_input_tokens = self._max_input_tokens()

    def _check_tokenizer(self, model: ResolvedModel, path: str) -> None:
        """transformers builds a near-empty tokenizer, without a word, when the tokenizer
        files are missing; the model would then read only unknown tokens."""
        expected = getattr(self.model.config, "vocab_size", None)
        have = len(self.tokenizer)
        # Real checkpoints pad the embedding a little past the tokenizer (mT5: 250100 of
        # 250112); half is far outside that and far above an empty tokenizer.
        if expected and have < expected // 2:
            raise ModelDamaged(
                model.spec.name, path,
                f"its tokenizer has {have} tokens for a model of {expected}: tokenizer files missing or unreadable",
            )

    def _max_input_tokens(self) -> int:
        limits = [getattr(self.model.config, "max_position_embeddings", None), getattr(self.model.config, "n_positions", None)]
        tok_max = getattr(self.tokenizer, "model_max_length", None)
        if tok_max and tok_max < _UNSET_MAX:
            limits.append(tok_max)
        limits = [x for x in limits if x]
        return min(limits) if limits else 512

    @property
    def max_output_tokens(self) -> int:
        """Decoder positions minus the start token (T5's relative positions have no limit)."""
        positions = getattr(self.model.config, "max_position_embeddings", None)
        return positions - 1 if positions else 1024

    def count_tokens(self, texts: list[str]) -> list[int]:
        if not texts:
            return []
        encoded = self.tokenizer(texts, add_special_tokens=True, truncation=False)["input_ids"]
        return [len(ids) for ids in encoded]

    def encode(self, texts: list[str]) -> list[list[int]]:
        if not texts:
            return []
        return self.tokenizer(texts, add_special_tokens=True, truncation=False)["input_ids"]

    def pad_batch(self, rows: list[list[int]]):
        """Right-padded input ids and attention mask, as wide as the longest row only."""
        import torch

        width = max(len(r) for r in rows)
        pad = self.tokenizer.pad_token_id
        ids = torch.full((len(rows), width), pad, dtype=torch.long)
        mask = torch.zeros((len(rows), width), dtype=torch.long)
        for i, r in enumerate(rows):
            ids[i, : len(r)] = torch.tensor(r, dtype=torch.long)
            mask[i, : len(r)] = 1
        return ids.to(self.device), mask.to(self.device)

    def generate(
        self,
        texts: list[str],
        *,
        batch_size: int,
        max_new_tokens: Any,
        max_batch_tokens: int | None = None,
        **gen_kwargs: Any,
    ) -> list[str]:
        """Generate for every text; `max_new_tokens` is an int or a function of input length.
        Batches hold at most `batch_size` texts and, when given, `max_batch_tokens` padded tokens."""
        import torch

        if not texts:
            return []
        lengths = self.count_tokens(texts)
        too_long = [n for n in lengths if n > self.max_input_tokens]
        if too_long:
            # Callers split long inputs first; reaching here is a bug, not user input.
            raise ModelError(f"input of {max(too_long)} tokens exceeds the model limit of {self.max_input_tokens}")
        budget = max_batch_tokens or batch_size * max(lengths)
        outputs: list[str] = [""] * len(texts)
        with torch.inference_mode():
            for idx in plan_batches(lengths, max_rows=batch_size, max_tokens=budget):
                batch = [texts[i] for i in idx]
                enc = self.tokenizer(batch, return_tensors="pt", padding=True, truncation=False).to(self.device)
                longest = max(lengths[i] for i in idx)
                limit = max_new_tokens(longest) if callable(max_new_tokens) else max_new_tokens
                num_beams = gen_kwargs.get("num_beams") or self.model.generation_config.num_beams or 1
                generated = self.model.generate(**enc, max_new_tokens=int(limit), **gen_kwargs, **self.beam_cache_kwargs(num_beams))
                decoded = self.tokenizer.batch_decode(generated, skip_special_tokens=True)
                for i, text in zip(idx, decoded):
                    outputs[i] = text.strip()
        return outputs

    def cache_arg(self) -> str:
        """The name forward()/generate() take the cache under: transformers renamed
        `past_key_values` to `cache` within 5.x; use what this one takes."""
        return "cache" if "cache" in inspect.signature(self.model.forward).parameters else "past_key_values"

    def beam_cache_kwargs(self, num_beams: int) -> dict[str, Any]:
        """Extra generate() kwargs for beam search: a cache that does not copy the
        cross-attention keys/values when beams are reordered (see beam_cache.py; same
        output as without it). Empty for greedy search, and where a model's generation
        config picks its own cache (generate() refuses both)."""
        gen = self.model.generation_config
        if num_beams <= 1 or not self.model.config.is_encoder_decoder or gen.cache_implementation is not None or gen.use_cache is False:
            return {}
        from .beam_cache import BeamSearchCache

        return {self.cache_arg(): BeamSearchCache.for_model(self.model.config, num_beams)}

    def greedy_decode(
        self,
        input_ids,
        attention_mask,
        min_new: list[int],
        max_new: list[int],
        *,
        suppress_ids=None,
        no_repeat_ngram_size: int = 0,
        repetition_penalty: float = 1.0,
    ) -> list[tuple[list[int], bool]]:
        """Greedy decoding of one padded batch: per row (generated ids without start/end
        tokens, True when it stopped at max_new instead of at </s>). Call under inference_mode."""
        import torch
        from transformers import LogitsProcessorList, NoRepeatNGramLogitsProcessor, RepetitionPenaltyLogitsProcessor
        from transformers.cache_utils import DynamicCache, EncoderDecoderCache
        from transformers.modeling_outputs import BaseModelOutput

        config = self.model.config
        eos = config.eos_token_id
        start = config.decoder_start_token_id
        pad = config.pad_token_id
        processors = LogitsProcessorList()
        if repetition_penalty != 1.0:
            processors.append(RepetitionPenaltyLogitsProcessor(repetition_penalty))
        if no_repeat_ngram_size > 0:
            processors.append(NoRepeatNGramLogitsProcessor(no_repeat_ngram_size))

        cache_arg = self.cache_arg()
        rows = input_ids.shape[0]
        hidden = self.model.get_encoder()(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        cache = EncoderDecoderCache(DynamicCache(), DynamicCache())
        lo = torch.tensor(min_new, device=self.device)
        hi = torch.tensor(max_new, device=self.device)
        alive = torch.arange(rows, device=self.device)  # original row of each live row
        seqs = torch.full((rows, 1), start, dtype=torch.long, device=self.device)
        finished = torch.zeros(rows, dtype=torch.bool, device=self.device)
        results: list[tuple[list[int], bool] | None] = [None] * rows
        mask = attention_mask
        step = 0
        while True:
            out = self.model(
                encoder_outputs=BaseModelOutput(last_hidden_state=hidden),
                attention_mask=mask,
                decoder_input_ids=seqs[:, -1:],
                use_cache=True,
                **{cache_arg: cache},
            )
            logits = out.logits[:, -1, :].float()
            if suppress_ids is not None:
                logits[:, suppress_ids] = float("-inf")
            # No </s> before a row's minimum length.
            logits[step < lo, eos] = float("-inf")
            logits = processors(seqs, logits)
            token = logits.argmax(dim=-1)
            # Rows already finished (kept until the next compaction) just emit padding.
            token = torch.where(finished, torch.full_like(token, pad), token)
            seqs = torch.cat([seqs, token[:, None]], dim=1)
            step += 1
            ended = ~finished & (token == eos)
            at_bound = ~finished & ~ended & (step >= hi)
            newly = ended | at_bound
            if bool(newly.any()):
                for j in torch.nonzero(newly).flatten().tolist():
                    n = step - 1 if bool(ended[j]) else step
                    results[int(alive[j])] = (seqs[j, 1 : 1 + n].tolist(), bool(at_bound[j]))
                finished |= newly
            live = ~finished
            if not bool(live.any()):
                break
            # Drop finished rows once they are a quarter of the batch: copying the cache
            # costs about one step, decoding dead rows costs a share of every step.
            if int(finished.sum()) * 4 >= finished.numel():
                keep = torch.nonzero(live).flatten()
                cache.batch_select_indices(keep)
                hidden, mask, seqs = hidden[keep], mask[keep], seqs[keep]
                lo, hi, alive, finished = lo[keep], hi[keep], alive[keep], finished[keep]
        return results  # type: ignore[return-value]
