"""Configuration: YAML files + `--set a.b=c` overrides, validated into typed sections.

Every knob a stage uses lives here with its default; the defaults are the real-model
setup (`configs/default.yaml` restates them). Unknown keys and bad values raise
`ConfigError` naming the key and the file. The resolved config and its hash are saved
with every output (`signature`), so a result can always be traced to its settings.
"""

from __future__ import annotations

import difflib
import hashlib
import json
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from .errors import ConfigError


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class RuntimeConfig(Section):
    device: Literal["auto", "cpu", "cuda"] = "auto"
    # torch intra-op threads; 0 keeps torch's own default.
    threads: int = Field(0, ge=0)
    seed: int = 0


class ModelsConfig(Section):
    # Manifest of named models; None means models/manifest.yaml of this checkout.
    manifest: str | None = None
    # Where local model directories live (manifest `local_dir`s are relative to it);
    # None means the manifest's folder.
    root: str | None = None
    # Per-model local directory overrides: {name: path}.
    local_dirs: dict[str, str] = Field(default_factory=dict)
    # Never reach for a hub at run time; `models pull` is the way to fetch.
    offline: bool = True
    # Pickle weights (pytorch_model.bin) can run code when loaded: opt-in only.
    allow_pickle: bool = False


class ReadConfig(Section):
    # Field names in JSONL/CSV/Parquet records.
    text_field: str = "text"
    id_field: str = "id"
    title_field: str = "title"
    url_field: str = "url"
    lang_field: str = "lang"
    # Larger files are refused with a clear error rather than read into memory.
    max_bytes: int = Field(50_000_000, gt=0)


class CleanConfig(Section):
    # Whole-line regexes (case-insensitive) for site chrome: dropped and listed in metadata.removed.
    chrome_patterns: list[str] = Field(
        default_factory=lambda: [
            r"search",
            r"close this search box\.?",
            r"(main )?menu",
            r"skip to (main )?content",
            r"share( this( article)?)?( on \w+)?",
            r"(facebook|twitter|x|telegram|whatsapp|email|print)",
            r"(we use cookies|this (web)?site uses cookies).*",
            r"accept( all)?( cookies)?",
            r"(read more|continue reading|subscribe( now)?|sign in|log in)",
            r"(пошук|меню|поділитися|читати також|читайте також)",
            r"(поиск|меню|поделиться|читайте также)",
        ]
    )
    # Prefix regexes for metadata lines kept out of the body.
    caption_patterns: list[str] = Field(
        default_factory=lambda: [r"(photo|image|picture|illustration|фото|світлина|ілюстрація)\s*:"]
    )
    credit_patterns: list[str] = Field(
        default_factory=lambda: [r"(source|sources|джерело|джерела|источник)\s*:"]
    )
    byline_patterns: list[str] = Field(
        default_factory=lambda: [r"(by|author|автор|авторка)\s*[:\s]\s*\S+"]
    )
    # A tag is a short line written all in capitals (e.g. "НОВИНИ", "WORLD").
    tag_max_words: int = Field(3, ge=1)
    # A heading is a short line without final full stop followed by a paragraph.
    heading_max_words: int = Field(16, ge=1)
    heading_max_chars: int = Field(140, ge=1)
    title_max_chars: int = Field(250, ge=1)


class SegmentConfig(Section):
    backend: str = "sentencex"
    # Sentences longer than this (characters) are split further at clause boundaries.
    max_chars: int = Field(1000, ge=50)


class LangIdConfig(Section):
    backend: str = "lingua"
    # Candidate languages (ISO 639-1); restricting them is what makes short text reliable.
    languages: list[str] = Field(default_factory=lambda: ["en", "uk", "ru"])
    # Below this confidence a block is "und".
    min_confidence: float = Field(0.0, ge=0.0, le=1.0)

    @field_validator("languages")
    @classmethod
    def _non_empty(cls, v: list[str]) -> list[str]:
        if not v:
            raise ValueError("at least one language is needed")
        return v


class MarianBackendConfig(Section):
    """`translate.backend: marian` (transformers)."""

    # auto: float32 on CPU; bfloat16 on CUDA when the card supports it, else float16.
    dtype: Literal["auto", "float32", "float16", "bfloat16"] = "auto"
    # dynamic_int8: torch dynamic int8 quantisation of the Linear layers (CPU only); about
    # 3x faster decoding on CPUs with VNNI for a small quality cost.
    quantize: Literal["none", "dynamic_int8"] = "none"


class CTranslate2BackendConfig(Section):
    """`translate.backend: ctranslate2`: models converted by `newsbridge models convert`."""

    # auto: int8 on CPU; bfloat16 (or float16) on CUDA. Any type CTranslate2 supports on
    # the device is accepted (int8, int8_float32, int8_float16, float16, bfloat16, float32).
    compute_type: str = "auto"
    # Where converted models live (<dir>/<model name>); None means <models root>/ct2.
    models_dir: str | None = None
    # Weight type `models convert` writes (int8 is smallest; float16 keeps full quality for GPUs).
    quantization: Literal["int8", "int8_float16", "int8_bfloat16", "float16", "bfloat16", "float32"] = "int8"
    # Parallel translations (CTranslate2 inter_threads); intra-op threads follow runtime.threads.
    inter_threads: int = Field(1, ge=1)


class TranslateGuardsConfig(Section):
    """Checks on every model output, with one retry under safer settings."""

    # One retry (batched) for outputs that loop, hit the length bound or come out in a wrong language.
    retry: bool = True
    # Retry settings: the blocked n-gram size and penalty make a second loop unlikely.
    retry_num_beams: int = Field(4, ge=1)
    retry_no_repeat_ngram_size: int = Field(3, ge=0)
    retry_repetition_penalty: float = Field(1.3, gt=0)
    # A loop: a chunk of 1..loop_max_chars characters holding a letter (a syllable, a word,
    # a few words) repeated loop_min_repeats times or more in a row, and more often than
    # anything repeats in the source.
    loop_min_repeats: int = Field(4, ge=2)
    loop_max_chars: int = Field(40, ge=1)
    # A loop that survives the retry is cut down to one occurrence (and warned about).
    collapse_loops: bool = True
    # Target language -> languages its output must not come back in (opus-mt-en-uk can answer in Russian).
    wrong_languages: dict[str, list[str]] = Field(default_factory=lambda: {"uk": ["ru"]})
    # Target language -> letters its orthography never uses: vocabulary pieces holding them
    # are suppressed in the retry after a wrong-language output.
    foreign_letters: dict[str, str] = Field(default_factory=lambda: {"uk": "ыэъёЫЭЪЁ"})
    # The statistical language check only judges outputs with this many letters, and only
    # believes a wrong language at this confidence; orthography decides shorter ones.
    language_min_letters: int = Field(20, ge=1)
    language_min_confidence: float = Field(0.9, ge=0.0, le=1.0)
    # Numbers (of at least number_min_digits digits: single digits are often spelled out),
    # URLs and e-mail addresses of the source must appear in the output.
    check_numbers: bool = True
    number_min_digits: int = Field(2, ge=1)


class TranslateConfig(Section):
    backend: str = "marian"
    # Languages every segment is made available in.
    targets: list[str] = Field(default_factory=lambda: ["en", "uk"])
    # Direction "src-tgt" -> model name (manifest), local directory or hub id. "mul-<pivot>"
    # names a multilingual model for source languages without a model of their own.
    models: dict[str, str] = Field(
        default_factory=lambda: {
            "en-uk": "opus-mt-en-uk",
            "uk-en": "opus-mt-uk-en",
            "ru-en": "opus-mt-ru-en",
            "mul-en": "opus-mt-mul-en",
        }
    )
    # Missing directions go through this language (ru->uk = ru->en->uk).
    pivot: str = "en"
    # A batch holds at most batch_size segments and batch_tokens padded source tokens
    # (rows x longest); 0 = auto: 2048 on CPU, sized from the card's memory on CUDA.
    batch_size: int = Field(64, ge=1)
    batch_tokens: int = Field(0, ge=0)
    # Longer inputs (model tokens) are split at clause/word boundaries and the pieces
    # rejoined; the model's own limit applies when it is lower.
    max_input_tokens: int = Field(256, ge=8)
    num_beams: int = Field(4, ge=1)
    # Output length bound per segment, in tokens: ratio x input tokens + extra.
    max_length_ratio: float = Field(2.0, gt=0)
    max_length_extra: int = Field(10, ge=0)
    # Minimum output length as a ratio of the input (0 = none; benchmarks force lengths with it).
    min_length_ratio: float = Field(0.0, ge=0)
    no_repeat_ngram_size: int = Field(0, ge=0)
    repetition_penalty: float = Field(1.0, gt=0)
    # Distinct (model, text) translations kept in memory for repeats.
    cache_size: int = Field(100_000, ge=0)
    marian: MarianBackendConfig = Field(default_factory=MarianBackendConfig)
    ctranslate2: CTranslate2BackendConfig = Field(default_factory=CTranslate2BackendConfig)
    guards: TranslateGuardsConfig = Field(default_factory=TranslateGuardsConfig)

    @field_validator("models")
    @classmethod
    def _directions(cls, v: dict[str, str]) -> dict[str, str]:
        for key in v:
            src, sep, tgt = key.partition("-")
            if not sep or not src or not tgt or "-" in tgt:
                raise ValueError(f"direction keys look like 'en-uk' or 'mul-en', got '{key}'")
        return v


class SummarizeConfig(Section):
    backend: str = "seq2seq"
    model: str = "bart-large-cnn"
    # en_then_translate | source_then_translate | per_language
    strategy: Literal["en_then_translate", "source_then_translate", "per_language"] = "en_then_translate"
    # Task prefix for T5-style models ("summarize: ").
    prefix: str = ""
    batch_size: int = Field(8, ge=1)
    num_beams: int = Field(4, ge=1)
    max_new_tokens: int = Field(128, ge=1)
    min_new_tokens: int = Field(0, ge=0)
    no_repeat_ngram_size: int = Field(3, ge=0)
    length_penalty: float = 1.0


class OutputConfig(Section):
    formats: list[Literal["json", "md"]] = Field(default_factory=lambda: ["json", "md"])


class PipelineConfig(Section):
    stages: list[str] = Field(default_factory=lambda: ["clean", "segment", "detect", "translate", "summarize"])


class Config(Section):
    pipeline: PipelineConfig = Field(default_factory=PipelineConfig)
    runtime: RuntimeConfig = Field(default_factory=RuntimeConfig)
    models: ModelsConfig = Field(default_factory=ModelsConfig)
    read: ReadConfig = Field(default_factory=ReadConfig)
    clean: CleanConfig = Field(default_factory=CleanConfig)
    segment: SegmentConfig = Field(default_factory=SegmentConfig)
    langid: LangIdConfig = Field(default_factory=LangIdConfig)
    translate: TranslateConfig = Field(default_factory=TranslateConfig)
    summarize: SummarizeConfig = Field(default_factory=SummarizeConfig)
    output: OutputConfig = Field(default_factory=OutputConfig)

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json")

    def config_hash(self) -> str:
        return config_hash(self.to_dict())


def config_hash(resolved: dict[str, Any]) -> str:
    canonical = json.dumps(resolved, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]


def load_config(path: str | Path | None = None, overrides: list[str] | None = None) -> Config:
    """Read `path` (or the defaults), apply `key=value` overrides, validate."""
    data: dict[str, Any] = {}
    origin = "defaults"
    if path is not None:
        origin = str(path)
        data = _read_yaml(Path(path))
    for item in overrides or []:
        _apply_override(data, item)
        origin = f"{origin} + --set"
    return validate_config(data, origin=origin)


def validate_config(data: dict[str, Any], origin: str = "config") -> Config:
    try:
        return Config.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(f"{origin}: " + "; ".join(_describe(err) for err in exc.errors())) from None


def _read_yaml(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise ConfigError(f"config file not found: {path}")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML ({exc.__class__.__name__}: {exc})") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: the top level must be a mapping of sections, got {type(data).__name__}")
    return data


def _apply_override(data: dict[str, Any], item: str) -> None:
    key, sep, raw = item.partition("=")
    key = key.strip()
    if not sep or not key or any(not part for part in key.split(".")):
        raise ConfigError(f"--set expects key.path=value, got {item!r}")
    try:
        value = yaml.safe_load(raw) if raw.strip() else ""
    except yaml.YAMLError:
        value = raw
    node = data
    parts = key.split(".")
    for part in parts[:-1]:
        child = node.setdefault(part, {})
        if not isinstance(child, dict):
            raise ConfigError(f"--set {key}: '{part}' is a value, not a section")
        node = child
    node[parts[-1]] = value


def _describe(err: dict[str, Any]) -> str:
    loc = ".".join(str(p) for p in err["loc"])
    if err["type"] == "extra_forbidden":
        return f"unknown key '{loc}'" + _suggest(err["loc"])
    value = err.get("input")
    shown = repr(value) if not isinstance(value, dict) else "a mapping"
    return f"{loc}: {err['msg']} (got {shown})"


def _suggest(loc: tuple) -> str:
    """'did you mean ...' from the fields of the model that holds the unknown key."""
    model: Any = Config
    for part in loc[:-1]:
        field = getattr(model, "model_fields", {}).get(part)
        if field is None:
            return ""
        model = field.annotation
    names = list(getattr(model, "model_fields", {}))
    close = difflib.get_close_matches(str(loc[-1]), names, n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""
