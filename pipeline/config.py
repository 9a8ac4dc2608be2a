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
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

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


class TranslateConfig(Section):
    backend: str = "marian"
    # Languages every segment is made available in.
    targets: list[str] = Field(default_factory=lambda: ["en", "uk"])
    # Direction "src-tgt" -> model name (manifest), local directory or hub id.
    models: dict[str, str] = Field(
        default_factory=lambda: {
            "en-uk": "opus-mt-en-uk",
            "uk-en": "opus-mt-uk-en",
            "ru-en": "opus-mt-ru-en",
        }
    )
    # Missing directions go through this language (ru->uk = ru->en->uk).
    pivot: str = "en"
    batch_size: int = Field(32, ge=1)
    num_beams: int = Field(4, ge=1)
    # Output length bound as a ratio of the input length (tokens), plus a constant.
    max_length_ratio: float = Field(2.0, gt=0)
    max_length_extra: int = Field(10, ge=0)
    no_repeat_ngram_size: int = Field(0, ge=0)
    repetition_penalty: float = Field(1.0, gt=0)
    # Distinct (model, text) translations kept in memory for repeats.
    cache_size: int = Field(100_000, ge=0)


class ExtractiveConfig(Section):
    # textrank: sentence centrality (PageRank over lemma TF-IDF cosine similarity) with a
    # lead prior; lead: the first sentences. Either way whole source sentences are chosen.
    method: Literal["textrank", "lead"] = "textrank"
    # News puts the key facts first: PageRank teleports to sentence i with probability
    # proportional to 1/(i+1)**position_bias (0 = plain TextRank).
    position_bias: float = Field(1.0, ge=0)
    # Weight of a similarity edge from an earlier sentence to a later one, relative to the
    # edge from the later to the earlier (1 = plain undirected TextRank). News elaborates
    # what it first states, so endorsement flows mostly backwards (cf. PACSUM, Zheng and
    # Lapata 2019).
    forward_weight: float = Field(0.3, ge=0, le=1)
    damping: float = Field(0.85, gt=0, lt=1)
    # Share of the teleport weight that goes by similarity to the section heading (the title
    # for the article summary): what a heading names is what the section is about. The
    # heading only steers the choice; its text never enters the summary.
    heading_weight: float = Field(0.5, ge=0, le=1)
    # A sentence at least this similar (cosine) to one already chosen is redundant.
    max_similarity: float = Field(0.5, gt=0, le=1)
    # Sentences with fewer content words ("Thank you.") are chosen only when nothing else is.
    min_content_words: int = Field(3, ge=0)


class SummarizeConfig(Section):
    # seq2seq: abstractive, needs model weights; extractive: offline baseline, no weights.
    backend: str = "seq2seq"
    # en_then_translate: summarise the English text (source or translation) with `model`,
    #   translate the summary to Ukrainian.
    # source_then_translate: summarise the source-language text with `multilingual_model`
    #   (for languages in `multilingual_langs`, else the English text), translate the rest.
    # per_language: summarise each language's text with its own `language_models[lang]`.
    strategy: Literal["en_then_translate", "source_then_translate", "per_language"] = "en_then_translate"
    model: str = "bart-large-cnn"
    multilingual_model: str = "mt5-xlsum"
    multilingual_langs: list[str] = Field(default_factory=lambda: ["en", "uk", "ru"])
    language_models: dict[str, str] = Field(default_factory=lambda: {"en": "bart-large-cnn", "uk": "mt5-xlsum"})
    # Task prefix for T5-style models ("summarize: "); empty = the manifest's prefix, if any.
    prefix: str = ""
    # Texts per generate() batch, and (when > 0) at most this many padded input tokens per
    # batch: inputs are sorted by length, so short sections go in big batches and long
    # ones in small batches instead of padding many short ones to one long one.
    batch_size: int = Field(32, ge=1)
    batch_tokens: int = Field(8192, ge=0)
    num_beams: int = Field(4, ge=1)
    # Summary length. tokens: at most max_new_tokens for a section, article_max_new_tokens
    # for the article. ratio: ratio x the input's tokens, within
    # [ratio_min_new_tokens, ratio_max_new_tokens]. A text no longer than its summary
    # length is passed through as is (no model call).
    length: Literal["tokens", "ratio"] = "tokens"
    max_new_tokens: int = Field(48, ge=1)
    article_max_new_tokens: int = Field(128, ge=1)
    ratio: float = Field(0.3, gt=0, le=1)
    ratio_min_new_tokens: int = Field(24, ge=1)
    ratio_max_new_tokens: int = Field(256, ge=1)
    # Ratio targets are rounded up to a multiple of this, so texts of similar length share
    # one generate() batch (generate takes one length bound per call).
    length_bucket: int = Field(16, ge=1)
    # Floor handed to generate() (capped at the target); it also overrides a model's own
    # min_length (bart-large-cnn asks for 56), which could otherwise exceed short targets.
    min_new_tokens: int = Field(0, ge=0)
    # Repetition control.
    no_repeat_ngram_size: int = Field(3, ge=0)
    repetition_penalty: float = Field(1.0, gt=0)
    length_penalty: float = 1.0
    # A summary cut by the length bound mid-sentence loses the unfinished sentence when at
    # least one complete sentence remains.
    drop_unfinished_sentence: bool = True
    # Inputs over the model's limit: summarise chunks, then the joined chunk summaries,
    # at most this many levels deep (then the joined summaries are kept, with a warning).
    max_reduce_depth: int = Field(3, ge=1)
    # A summary is degenerate (replaced by the lead sentences, with a warning) when it is
    # empty or loops: an n-gram (n <= 4 words) repeated loop_max_repeats times in a row, or,
    # over 12 words or more, fewer distinct words than loop_min_distinct of all words.
    loop_max_repeats: int = Field(3, ge=2)
    loop_min_distinct: float = Field(0.3, ge=0, le=1)
    # Distinct (model, text, length) summaries kept in memory for repeated sections.
    cache_size: int = Field(10_000, ge=0)
    extractive: ExtractiveConfig = Field(default_factory=ExtractiveConfig)

    @model_validator(mode="after")
    def _per_language_models(self) -> "SummarizeConfig":
        if self.strategy == "per_language":
            missing = [lang for lang in ("en", "uk") if not self.language_models.get(lang)]
            if missing:
                raise ValueError(f"strategy per_language needs language_models for {' and '.join(missing)}")
        return self


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
