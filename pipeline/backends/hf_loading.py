"""Loading a transformers encoder-decoder model safely: safetensors only (unless the user
opts in to pickle weights), never remote code, the tokenizer checked against the model,
on the configured device and dtype, optionally dynamic-int8 quantised (CPU)."""

from __future__ import annotations

import json
import warnings
from dataclasses import dataclass
from typing import Any

from ..config import RuntimeConfig
from ..errors import ConfigError, ModelDamaged, ModelError, exception_brief
from ..models import ResolvedModel
from .batching import auto_batch_tokens
from .marian_pieces import REQUIRED_FILES as MARIAN_TOKENIZER_FILES

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

    if runtime.threads:
        torch.set_num_threads(runtime.threads)
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


@dataclass
class LoadedSeq2Seq:
    tokenizer: Any
    model: Any  # AutoModelForSeq2SeqLM, eval mode, on `device`
    device: str
    max_input_tokens: int


def load_seq2seq(
    model: ResolvedModel,
    runtime: RuntimeConfig,
    *,
    allow_pickle: bool = False,
    dtype: str | None = None,
    quantize: str = "none",
    quantize_key: str = "quantize",
) -> LoadedSeq2Seq:
    """Tokenizer + model of `model`. `quantize`: "none" or "dynamic_int8" (the Linear
    layers, CPU only); `quantize_key` is the config key that chose it, for error messages."""
    import torch
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

    configure_torch(runtime)
    device = resolve_device(runtime)
    if quantize not in ("none", "dynamic_int8"):
        raise ConfigError(f"{quantize_key}: unknown quantisation '{quantize}' (none or dynamic_int8)")
    # Checked before loading: no point reading weights that cannot be used.
    if quantize == "dynamic_int8" and device != "cpu":
        raise ConfigError(f"{quantize_key}=dynamic_int8 runs on CPU only (runtime.device=cpu)")
    # None keeps the summariser's historical choice: float16 on CUDA, float32 on CPU.
    torch_dtype = (torch.float16 if device == "cuda" else torch.float32) if dtype is None else resolve_dtype(device, dtype)
    path = str(model.path)
    missing = _missing_tokenizer_files(model.path)
    if missing:
        raise ModelDamaged(model.spec.name, path, f"{', '.join(missing)} missing")
    try:
        tokenizer = AutoTokenizer.from_pretrained(path, trust_remote_code=False)
        hf_model = AutoModelForSeq2SeqLM.from_pretrained(
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
    _check_tokenizer(model, path, tokenizer, hf_model)
    hf_model.to(device).eval()
    if quantize == "dynamic_int8":
        hf_model = _quantize_dynamic_int8(hf_model)
    return LoadedSeq2Seq(tokenizer, hf_model, device, _max_input_tokens(tokenizer, hf_model))


def _check_tokenizer(model: ResolvedModel, path: str, tokenizer: Any, hf_model: Any) -> None:
    """transformers builds a near-empty tokenizer, without a word, when the tokenizer
    files are missing; the model would then read only unknown tokens."""
    expected = getattr(hf_model.config, "vocab_size", None)
    have = len(tokenizer)
    # Real checkpoints pad the embedding a little past the tokenizer (mT5: 250100 of
    # 250112); half is far outside that and far above an empty tokenizer.
    if expected and have < expected // 2:
        raise ModelDamaged(
            model.spec.name, path,
            f"its tokenizer has {have} tokens for a model of {expected}: tokenizer files missing or unreadable",
        )


def _max_input_tokens(tokenizer: Any, hf_model: Any) -> int:
    limits = [getattr(hf_model.config, "max_position_embeddings", None), getattr(hf_model.config, "n_positions", None)]
    tok_max = getattr(tokenizer, "model_max_length", None)
    if tok_max and tok_max < _UNSET_MAX:
        limits.append(tok_max)
    limits = [x for x in limits if x]
    return min(limits) if limits else 512
