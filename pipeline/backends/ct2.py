"""MarianMT translation with CTranslate2 (int8 or float), and conversion to its format.

`newsbridge models convert` turns a transformers Marian directory, or a seq2seq
summariser (BART, mBART, PEGASUS, T5, mT5), into a CTranslate2 one (weights quantised at
conversion, tokenizer files copied along, a `newsbridge.json` marker recording where it
came from and what generate() needs of the source config). The backends find the
converted copy of a model under `translate.ctranslate2.models_dir` (default
`<models root>/ct2/<name>`), so a config switches backends with `translate.backend:
ctranslate2` / `summarize.backend: ctranslate2` and nothing else. The summariser backend
is ct2_summarizer.py.

Tokenisation uses the model's own SentencePiece files through `MarianPieces` (same
pieces as transformers' MarianTokenizer, without importing torch), which keeps this
backend's memory at a fraction of the transformers one.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import ConfigError, ModelDamaged, ModelError, ModelUnavailable, exception_brief
from ..io.atomic import replace_dir
from ..models import ResolvedModel, damaged_files
from .base import DecodeOptions, Translation, Translator
from .batching import auto_batch_tokens, balanced_budget, plan_batches
from .marian_pieces import TOKENIZER_FILES, MarianPieces
from ..threads import resolve_threads

if TYPE_CHECKING:
    from ..config import Config
    from ..context import Context
    from ..models import ModelCatalog

MARKER = "newsbridge.json"


def converted_name(ref_name: str) -> str:
    """Directory name for a model's converted copy: manifest names as they are, paths and
    hub ids with their separators made safe."""
    return re.sub(r"[^A-Za-z0-9._-]+", "--", ref_name.strip("/")).strip("-.") or "model"


def ct2_models_dir(config: "Config", catalog: "ModelCatalog") -> Path:
    """Where converted models live: translate.ctranslate2.models_dir, else <models root>/ct2."""
    configured = config.translate.ctranslate2.models_dir
    return Path(configured).expanduser() if configured else catalog.root / "ct2"


def is_ct2_dir(path: Path) -> bool:
    return (path / "model.bin").is_file() and (path / "config.json").is_file()


def source_signature(model_dir: Path) -> dict[str, int]:
    """Size and mtime of the weights: enough to notice the source changed after conversion."""
    sig = {}
    for name in ("model.safetensors", "pytorch_model.bin", "config.json"):
        f = model_dir / name
        if f.is_file():
            st = f.stat()
            sig[name] = int(st.st_size)
            sig[name + ":mtime"] = int(st.st_mtime)
    return sig


# Summariser model types `models convert` takes (anything else must be Marian).
SUMMARIZER_TYPES = ("bart", "mbart", "pegasus", "t5", "mt5")
# CTranslate2's BART-family loader reads config.normalize_before (pre-norm layers) and
# normalize_embedding (a layer norm on the embeddings), which transformers 5 configs no
# longer carry: (normalize_before, normalize_embedding) per model type, as the
# architectures are (BART post-norm with an embedding norm; mBART and PEGASUS pre-norm).
_LAYER_NORMS = {"bart": (False, True), "mbart": (True, True), "pegasus": (True, False)}


def source_model_type(source: Path, name: str) -> str:
    """The model_type of a transformers directory (its files checked first)."""
    problem = damaged_files(source)
    if problem:
        raise ModelDamaged(name, source, problem)
    return str(json.loads((source / "config.json").read_text(encoding="utf-8")).get("model_type"))


def convert_model(source: Path, target: Path, quantization: str, *, force: bool = False, name: str | None = None) -> Path:
    """Convert a Marian translator or a seq2seq summariser, by its model_type."""
    name = name or str(source)
    _check_convert_paths(source, target, force)
    model_type = source_model_type(source, name)
    if model_type in SUMMARIZER_TYPES:
        return convert_summarizer(source, target, quantization, force=force, name=name)
    return convert_marian(source, target, quantization, force=force, name=name)


def _check_convert_paths(source: Path, target: Path, force: bool) -> None:
    """What every conversion refuses before reading anything: a source that is already
    converted, and a target in the way without --force."""
    if is_ct2_dir(source):
        raise ModelError(f"{source} is already a CTranslate2 model")
    if target.exists() and not force:
        raise ModelError(f"{target} exists; pass --force to replace it")


def convert_marian(source: Path, target: Path, quantization: str, *, force: bool = False, name: str | None = None) -> Path:
    """Convert a transformers Marian directory to CTranslate2 (atomically: never half-written)."""
    name = name or str(source)
    _check_convert_paths(source, target, force)
    config = _check_marian_source(source, name)
    copy = [f for f in TOKENIZER_FILES if (source / f).is_file()]

    def fill(staging: Path) -> dict:
        _run_converter(source, staging, quantization, name, copy_files=[str(source / f) for f in copy])
        return {"role": "translate", "model_type": "marian", "max_position_embeddings": config.get("max_position_embeddings", 512)}

    return _convert(source, target, quantization, fill)


def convert_summarizer(source: Path, target: Path, quantization: str, *, force: bool = False, name: str | None = None) -> Path:
    """Convert a transformers seq2seq summariser (BART, mBART, PEGASUS, T5, mT5) to
    CTranslate2, with its tokenizer as `tokenizer.json` (read by fast_pieces.py without
    transformers) and, in the marker, what generate() takes from the source config:
    the input limit and the forced first/last tokens."""
    name = name or str(source)
    _check_convert_paths(source, target, force)
    model_type = source_model_type(source, name)
    if model_type not in SUMMARIZER_TYPES:
        raise ModelError(f"{source}: only {', '.join(SUMMARIZER_TYPES)} summarisers convert here (model_type is {model_type!r})")
    tokenizer = _load_source_tokenizer(source, name)
    config = json.loads((source / "config.json").read_text(encoding="utf-8"))
    generation = {}
    if (source / "generation_config.json").is_file():
        try:
            generation = json.loads((source / "generation_config.json").read_text(encoding="utf-8"))
        except ValueError as exc:
            raise ModelDamaged(name, source, f"generation_config.json: {exception_brief(exc)}") from None

    def forced(key: str) -> int | None:
        # generate() reads generation_config.json when there is one, else the model config.
        value = generation.get(key) if generation else config.get(key)
        return value if isinstance(value, int) else None

    bos, eos = forced("forced_bos_token_id"), forced("forced_eos_token_id")
    limits = [config.get("max_position_embeddings"), config.get("n_positions")]
    tok_max = getattr(tokenizer, "model_max_length", None)
    if isinstance(tok_max, int) and tok_max < 100_000:
        limits.append(tok_max)
    limits = [int(x) for x in limits if isinstance(x, int) and x > 0]
    positions = config.get("max_position_embeddings")

    vocab_size = config.get("vocab_size")
    # CTranslate2 wants one vocabulary entry per output row; a model whose embedding is
    # larger than its tokenizer (rows no token names: padded checkpoints, the benchmark's
    # 50,265-row BART with a 40k tokenizer) gets placeholders for the rest. T5's loader
    # does this itself (its extra ids).
    pad_to = vocab_size if model_type in _LAYER_NORMS and isinstance(vocab_size, int) and vocab_size > len(tokenizer) else None

    def fill(staging: Path) -> dict:
        _run_converter(source, staging, quantization, name, layer_norms=_LAYER_NORMS.get(model_type), pad_vocabulary_to=pad_to)
        tokenizer.save_pretrained(str(staging))
        if not (staging / "tokenizer.json").is_file():
            raise ModelError(f"model '{name}' at {source}: its tokenizer has no tokenizer.json form (a fast tokenizer is needed)")
        return {
            "role": "summarize",
            "model_type": model_type,
            "max_input_tokens": min(limits) if limits else 512,
            # Decoder positions minus the start token; T5's relative positions have no limit.
            "max_output_tokens": int(positions) - 1 if isinstance(positions, int) else None,
            "forced_bos_token": tokenizer.convert_ids_to_tokens(bos) if bos is not None else None,
            "forced_eos": eos is not None,
        }

    return _convert(source, target, quantization, fill)


def _load_source_tokenizer(source: Path, name: str):
    from transformers import AutoTokenizer

    try:
        return AutoTokenizer.from_pretrained(str(source), trust_remote_code=False)
    except MemoryError:
        raise
    except Exception as exc:  # noqa: BLE001 - damaged tokenizer files fail in many library types
        raise ModelDamaged(name, source, f"tokenizer: {exception_brief(exc)}") from None


def _convert(source: Path, target: Path, quantization: str, fill_model) -> Path:
    """Convert into a staging folder that replaces `target` whole (never half-written);
    `fill_model(staging)` converts and returns the marker's model-specific fields."""
    target.parent.mkdir(parents=True, exist_ok=True)

    def fill(staging: Path) -> None:
        fields = fill_model(staging)
        marker = {"source": str(source.resolve()), "source_signature": source_signature(source), "quantization": quantization, **fields}
        (staging / MARKER).write_text(json.dumps(marker, indent=1), encoding="utf-8")

    return replace_dir(target, fill)


class _PaddedVocabulary:
    """A tokenizer as CTranslate2's converter sees it, its vocabulary filled up to `size`
    entries with placeholders for the ids no token names (never produced by encoding;
    dropped on decoding, fast_pieces.py)."""

    def __init__(self, tokenizer, size: int):
        self._tokenizer = tokenizer
        self._size = size

    def __getattr__(self, name):
        return getattr(self._tokenizer, name)

    def get_vocab(self) -> dict[str, int]:
        vocab = dict(self._tokenizer.get_vocab())
        used = set(vocab.values())
        vocab.update({f"<newsbridge_unused_{i}>": i for i in range(self._size) if i not in used})
        return vocab


def _run_converter(source: Path, staging: Path, quantization: str, name: str, *, copy_files=None, layer_norms=None,
                   pad_vocabulary_to: int | None = None) -> None:
    from ctranslate2.converters import TransformersConverter

    class Converter(TransformersConverter):
        def load_model(self, model_class, model_name_or_path, **kwargs):
            model = super().load_model(model_class, model_name_or_path, **kwargs)
            if layer_norms is not None:
                for attr, value in zip(("normalize_before", "normalize_embedding"), layer_norms):
                    if not hasattr(model.config, attr):
                        setattr(model.config, attr, value)
            return model

        def load_tokenizer(self, tokenizer_class, model_name_or_path, **kwargs):
            tokenizer = super().load_tokenizer(tokenizer_class, model_name_or_path, **kwargs)
            return _PaddedVocabulary(tokenizer, pad_vocabulary_to) if pad_vocabulary_to else tokenizer

    converter = Converter(str(source), copy_files=copy_files, low_cpu_mem_usage=True)
    try:
        converter.convert(str(staging), quantization=quantization, force=True)
    except MemoryError:
        raise
    except Exception as exc:  # noqa: BLE001 - the files were checked: this is the converter's own failure
        raise ModelError(f"model '{name}' at {source} could not be converted: {exception_brief(exc)}") from None


def _check_marian_source(source: Path, name: str) -> dict:
    """The source's config, once its files are known to be whole: a damaged directory is
    then reported as damaged, not as whatever the converter trips over."""
    problem = damaged_files(source)
    if problem:
        raise ModelDamaged(name, source, problem)
    config = json.loads((source / "config.json").read_text(encoding="utf-8"))
    if config.get("model_type") != "marian":
        raise ModelError(f"{source}: only Marian translators and {', '.join(SUMMARIZER_TYPES)} summarisers convert here "
                         f"(model_type is {config.get('model_type')!r})")
    MarianPieces(source, name)  # tokenizer files present and readable
    return config


def find_converted(model: ResolvedModel, context: "Context") -> Path:
    """The CTranslate2 directory for `model`: itself when it is one, else its converted copy."""
    if is_ct2_dir(model.path):
        return model.path
    target = ct2_models_dir(context.config, context.catalog) / converted_name(model.spec.name)
    if not is_ct2_dir(target):
        raise ModelUnavailable(
            f"{model.spec.name} (CTranslate2)",
            [str(target)],
            f"Convert it once with `newsbridge models convert {model.spec.name}` "
            "(add the same --config/--set as this run).",
        )
    marker = read_marker(target)
    if marker.get("source_signature") and marker["source_signature"] != source_signature(model.path):
        raise ModelError(
            f"{target} was converted from a different version of '{model.spec.name}' ({model.path}); "
            f"re-run `newsbridge models convert {model.spec.name} --force`"
        )
    return target


def read_marker(path: Path) -> dict:
    f = path / MARKER
    if not f.is_file():
        return {}
    try:
        return json.loads(f.read_text(encoding="utf-8"))
    except ValueError:
        return {}


def resolve_ct2_device(device: str) -> str:
    import ctranslate2

    has_cuda = ctranslate2.get_cuda_device_count() > 0
    if device == "auto":
        return "cuda" if has_cuda else "cpu"
    if device == "cuda" and not has_cuda:
        raise ModelError("runtime.device=cuda but CTranslate2 sees no CUDA device")
    return device


def resolve_compute_type(device: str, requested: str, key: str = "translate.ctranslate2.compute_type") -> str:
    import ctranslate2

    supported = set(ctranslate2.get_supported_compute_types(device))
    if requested == "auto":
        preference = ["float16", "bfloat16", "float32"] if device == "cuda" else ["int8", "int8_float32", "float32"]
        return next(t for t in preference if t in supported)
    if requested not in supported:
        raise ConfigError(
            f"{key}={requested} is not supported on {device} "
            f"(supported here: {', '.join(sorted(supported))})"
        )
    return requested


# CPU: padded source tokens in flight over all workers (each runs one batch at a time),
# split evenly between them. A batch's memory grows with its rows (decoder caches,
# logits); its speed too, as each decoding step reads every weight once whatever the
# rows. 640 keeps a translate-only run within 400 MB on 2 cores (narrowly) at some speed cost
# (measured trade: README "CTranslate2 on CPU").
CPU_TOKENS_IN_FLIGHT = 640
# The smallest CPU budget per batch: below it batches are too small to be efficient.
CPU_MIN_BATCH_TOKENS = 128


def resolve_parallelism(device: str, inter_threads: int, threads: int) -> tuple[int, int]:
    """(inter_threads, intra_threads) for a CTranslate2 model: `inter_threads` 0 = auto.

    On CPU, auto runs one batch per core, each on one thread: the batches of a call
    decode side by side instead of splitting every small matrix product between threads
    (which waits at every one of them, hundreds a decoding step). On CUDA, one worker with
    large batches keeps the card busy; its threads are for the CPU side. A set
    inter_threads shares runtime.threads between the workers."""
    cpus = resolve_threads(threads)
    if inter_threads > 0:
        return inter_threads, max(1, cpus // inter_threads)
    if device == "cuda":
        return 1, cpus
    return cpus, 1


def ct2_batch_tokens(configured: int, device: str, workers: int) -> int:
    """Padded source tokens per batch: the configured budget, else (0 = auto) the CPU's
    budget in flight shared by the workers, or the card's (batching.auto_batch_tokens)."""
    if configured:
        return configured
    if device == "cuda":
        return auto_batch_tokens("cuda", _cuda_total_memory())
    return max(CPU_MIN_BATCH_TOKENS, CPU_TOKENS_IN_FLIGHT // max(1, workers))


def open_converted(model: ResolvedModel, path: Path, pieces_cls, device: str, compute_type: str,
                   inter_threads: int, intra_threads: int) -> tuple:
    """Tokenizer pieces and a ctranslate2.Translator for a converted model directory; a
    damaged copy of our own conversion says how to mend it (convert again)."""
    import ctranslate2

    name = model.spec.name
    try:
        pieces = pieces_cls(path, name)
        try:
            translator = ctranslate2.Translator(
                str(path), device=device, compute_type=compute_type,
                inter_threads=inter_threads, intra_threads=intra_threads,
            )
        except (RuntimeError, ValueError) as exc:
            raise ModelDamaged(name, path, exception_brief(exc)) from None
    except ModelDamaged as exc:
        if path != model.path:  # our converted copy: converting again mends it
            raise exc.with_hint(
                f"Convert it again with `newsbridge models convert {name} --force` "
                "(add the same --config/--set as this run)."
            ) from None
        raise
    return pieces, translator


def run_batches(translator, batches: list[tuple[list[list[str]], dict]]):
    """Run (sources, options) batches on `translator`'s workers: all are queued at once,
    so each worker takes the next batch as it finishes one (longest first when the plan
    is sorted so). Yields each batch's results in plan order, as soon as it is done: the
    caller decodes one batch while the workers run the next ones."""
    pending = [translator.translate_batch(sources, asynchronous=True, **options) for sources, options in batches]
    for results in pending:
        yield [r.result() for r in results]


class CTranslate2Translator(Translator):
    def __init__(self, model: ResolvedModel, context: "Context"):
        super().__init__()
        self.cfg = context.config.translate
        runtime = context.config.runtime
        self.name = model.spec.name
        self.path = find_converted(model, context)
        self.device = resolve_ct2_device(runtime.device)
        self.compute_type = resolve_compute_type(self.device, self.cfg.ctranslate2.compute_type)
        self.workers, self.intra_threads = resolve_parallelism(self.device, self.cfg.ctranslate2.inter_threads, runtime.threads)
        self.pieces, self.translator = open_converted(
            model, self.path, MarianPieces, self.device, self.compute_type, self.workers, self.intra_threads,
        )
        positions = int(read_marker(self.path).get("max_position_embeddings", 512))
        self.max_input_tokens = positions
        self.max_output_tokens = positions - 1
        self.batch_tokens = ct2_batch_tokens(self.cfg.batch_tokens, self.device, self.workers)
        self.target_token = model.spec.target_token
        if self.target_token and not self.pieces.has_token(self.target_token):
            raise ModelError(f"model '{self.name}' has no target token {self.target_token} in its vocabulary (manifest target_token)")
        self.prefix = f"{self.target_token} " if self.target_token else ""
        self._banned: dict[str, list[list[str]] | None] = {}

    def count_tokens(self, texts: list[str]) -> list[int]:
        return [len(self.pieces.encode(self.prefix + t)) for t in texts]

    def _suppressed(self, banned_chars: str) -> list[list[str]] | None:
        if banned_chars not in self._banned:
            pieces = self.pieces.target_pieces_with(banned_chars) if banned_chars else []
            self._banned[banned_chars] = [[p] for p in pieces] or None
        return self._banned[banned_chars]

    def translate(self, texts: list[str], options: DecodeOptions | None = None) -> list[Translation]:
        if not texts:
            return []
        opts = options or DecodeOptions.from_config(self.cfg)
        sources = [self.pieces.encode(self.prefix + t) for t in texts]
        lengths = [len(s) for s in sources]
        if max(lengths) > self.max_input_tokens:
            raise ModelError(f"input of {max(lengths)} tokens exceeds the limit of {self.max_input_tokens} of model '{self.name}'")
        bounds = [opts.length_bounds(n, self.max_output_tokens) for n in lengths]
        suppress = self._suppressed(opts.banned_chars)
        results: list[Translation | None] = [None] * len(texts)
        plan = plan_batches(lengths, max_rows=self.cfg.batch_size,
                            max_tokens=balanced_budget(lengths, self.workers, self.batch_tokens))
        jobs = []
        for idx in plan:
            jobs.append(([sources[i] for i in idx], dict(
                beam_size=opts.num_beams,
                max_decoding_length=max(bounds[i][1] for i in idx),
                min_decoding_length=min(bounds[i][0] for i in idx),
                no_repeat_ngram_size=opts.no_repeat_ngram_size,
                repetition_penalty=opts.repetition_penalty,
                suppress_sequences=suppress,
                # Inputs are already within the model's limit: never let CTranslate2 cut them.
                max_input_length=0,
                return_end_token=True,
            )))
        for idx, batch in zip(plan, run_batches(self.translator, jobs)):
            produced = 0
            for i, result in zip(idx, batch):
                bound = bounds[i][1]
                hyp = result.hypotheses[0]
                ended = bool(hyp) and hyp[-1] == self.pieces.eos
                body = hyp[:-1] if ended else hyp
                hit = not ended or len(body) > bound
                body = body[:bound]
                produced += len(body)
                results[i] = Translation(text=self.pieces.decode(body), tokens=len(body), hit_limit=hit)
            self.counts["batches"] += 1
            self.counts["source_tokens"] += sum(lengths[i] for i in idx)
            self.counts["padded_tokens"] += len(idx) * max(lengths[i] for i in idx)
            self.counts["target_tokens"] += produced
        return results  # type: ignore[return-value]


def _cuda_total_memory() -> int | None:
    """Total memory of CUDA device 0 from the driver (nvidia-smi), without importing torch."""
    import subprocess

    try:
        out = subprocess.run(
            ["nvidia-smi", "--query-gpu=memory.total", "--format=csv,noheader,nounits", "-i", "0"],
            capture_output=True, text=True, timeout=10, check=True,
        ).stdout
        return int(float(out.strip().splitlines()[0]) * 2**20)
    except (OSError, subprocess.SubprocessError, ValueError, IndexError):
        return None
