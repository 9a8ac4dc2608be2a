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
import re
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from .errors import ConfigError
from .lang.alphabets import RU_LETTERS
from .resources import rule_list


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class RuntimeConfig(Section):
    # auto: CUDA when a card is visible, else CPU; cuda without one is an error. On CUDA
    # CTranslate2 computes in int8_float16/float16 and torch in bfloat16 (float16 on cards
    # without it), with batch token budgets sized from the card's memory.
    device: Literal["auto", "cpu", "cuda"] = "auto"
    # torch intra-op threads (and CTranslate2 intra_threads, OpenMP/MKL); 0: the CPUs this
    # process may use (affinity mask and cgroup CPU quota), see pipeline/threads.py.
    threads: int = Field(0, ge=0)
    seed: int = 0
    # Batch jobs: how many batches ahead the CPU stages (clean, segment, detect) run in a
    # background thread while the model stages work (0 = none, one thread does all).
    prefetch_batches: int = Field(1, ge=0, le=8)


class ModelsConfig(Section):
    # Manifest of named models; None means the one shipped in the package
    # (pipeline/resources/manifest.yaml).
    manifest: str | None = None
    # Where local model directories live (manifest `local_dir`s are relative to it).
    # None: the folder of `manifest` when one is set; else the checkout's models/ when
    # running from a checkout, else $XDG_DATA_HOME/newsbridge/models (~/.local/share/...).
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
    # One article's text, in characters: 200,000 is ~30,000 words, several times the
    # longest news features; past it the input is a book, a site dump or a merged feed,
    # which would hold a worker for an hour. Refused with a clear error (raise it to allow).
    max_article_chars: int = Field(200_000, gt=0)
    # Code pages tried, in this order of preference on ties, when a file is not UTF-8/16;
    # the one whose text reads most plausibly wins, none plausible is an error.
    legacy_encodings: list[str] = Field(default_factory=lambda: ["cp1251", "koi8_u", "koi8_r"])
    # HTML main-text extraction (trafilatura): balanced | precision (less chrome) | recall (more text).
    html_focus: Literal["balanced", "precision", "recall"] = "balanced"
    html_include_tables: bool = True
    # Page parts removed before main-text extraction (XPath): video players, whose
    # controls and dialogs ("This is a modal window.", "Now watching") read as text.
    html_prune_xpath: list[str] = Field(
        default_factory=lambda: [
            "//*[contains(concat(' ', normalize-space(@class), ' '), ' video-js ')]",
            "//*[contains(concat(' ', normalize-space(@class), ' '), ' vjs-modal-dialog ')]",
            "//*[contains(concat(' ', normalize-space(@class), ' '), ' jwplayer ')]",
            "//*[contains(concat(' ', normalize-space(@class), ' '), ' jw-wrapper ')]",
        ]
    )

    @field_validator("legacy_encodings")
    @classmethod
    def _known_codecs(cls, v: list[str]) -> list[str]:
        import codecs

        for name in v:
            try:
                codecs.lookup(name)
            except LookupError:
                raise ValueError(f"unknown encoding '{name}'") from None
        return v


class CleanConfig(Section):
    # The default rule lists are data: pipeline/resources/clean_rules.yaml.
    # Whole-line regexes (case-insensitive) for site chrome: dropped and listed in metadata.removed.
    chrome_patterns: list[str] = Field(default_factory=lambda: rule_list("clean_rules.yaml", "chrome_patterns"))
    # Prefix regexes (case-insensitive) for metadata lines kept out of the body. Lines longer
    # than meta_max_chars are body text whatever they start with.
    caption_patterns: list[str] = Field(default_factory=lambda: rule_list("clean_rules.yaml", "caption_patterns"))
    credit_patterns: list[str] = Field(default_factory=lambda: rule_list("clean_rules.yaml", "credit_patterns"))
    byline_patterns: list[str] = Field(default_factory=lambda: rule_list("clean_rules.yaml", "byline_patterns"))
    # Whole-line regexes (case-insensitive) for publication dates and times.
    date_patterns: list[str] = Field(default_factory=lambda: rule_list("clean_rules.yaml", "date_patterns"))
    # Prefix regexes for explicit tag lists ("Tags: war, Mali"): the rest of the line, split
    # at commas, becomes tags.
    tag_line_patterns: list[str] = Field(default_factory=lambda: rule_list("clean_rules.yaml", "tag_line_patterns"))
    meta_max_chars: int = Field(200, ge=10)
    # A tag is a short line written all in capitals (e.g. "НОВИНИ", "WORLD"); a longer
    # capitals-only run (a shouted paragraph, a 200k-character token) is body text.
    tag_max_words: int = Field(3, ge=1)
    tag_max_chars: int = Field(60, ge=1)
    # A heading is a short line without final full stop followed by a paragraph.
    heading_max_words: int = Field(16, ge=1)
    heading_max_chars: int = Field(140, ge=1)
    title_max_chars: int = Field(250, ge=1)
    # A block longer than this (one huge line) is kept whole but reported in warnings.
    warn_block_chars: int = Field(100_000, ge=1000)


class SegmentConfig(Section):
    # Sentence splitter (registry.segmenters: razdel, sentencex, blingfire, pysbd, regex);
    # razdel had the best boundary F1 on en/uk/ru in scripts/bench_segment.py (README).
    backend: str = "razdel"
    # Sentences longer than this (characters) are split further at clause boundaries.
    max_chars: int = Field(1000, ge=50)
    # Text is handed to the splitter in pieces of at most this many characters (cut at
    # sentence punctuation), so one huge line costs linear time and bounded memory.
    chunk_chars: int = Field(20_000, ge=1000)
    # Default abbreviation lists: pipeline/resources/segment_abbreviations.yaml.
    # Abbreviations (lower-case, with their dot) after which a sentence never ends, e.g.
    # titles before names and "м. Київ"; a split after them is undone.
    no_break_after: list[str] = Field(default_factory=lambda: rule_list("segment_abbreviations.yaml", "no_break_after"))
    # Abbreviations that may end a sentence but usually do not: a split after them is undone
    # when the next piece starts with a lower-case letter or a digit ("у 2024 р. відбулося").
    break_if_capital_after: list[str] = Field(default_factory=lambda: rule_list("segment_abbreviations.yaml", "break_if_capital_after"))
    # A piece ending in a capital initial ("Т.", "J.") continues: a name follows.
    join_after_initials: bool = True


class LangIdConfig(Section):
    backend: str = "lingua"
    # Candidate languages (ISO 639-1); restricting them is what makes short text reliable.
    languages: list[str] = Field(default_factory=lambda: ["en", "uk", "ru"])
    # A wider set that archives sometimes hold (e.g. [pl, de, fr, be, bg]): also candidates,
    # but a text is given one of them only with at least extra_min_confidence, else the best
    # of `languages` (short Ukrainian must not become Belarusian on a whim).
    extra_languages: list[str] = Field(default_factory=list)
    extra_min_confidence: float = Field(0.7, ge=0.0, le=1.0)
    # Below this confidence a block is "und".
    min_confidence: float = Field(0.0, ge=0.0, le=1.0)
    # Evidence that overrules the statistics: letters only one candidate language has
    # (і ї є ґ and the apostrophe -> uk; ы э ъ ё -> ru), then function words unique to
    # Ukrainian or Russian for text too short to have such letters.
    orthographic_evidence: bool = True
    lexical_evidence: bool = True
    # Word-frequency evidence for uk vs ru (wordfreq): a word at least frequency_margin Zipf
    # units more frequent in one language votes for it (short text, tags, headings).
    frequency_evidence: bool = True
    frequency_margin: float = Field(0.5, ge=0.0)
    # Short uk/ru text (at most word_shape_max_words Cyrillic words, no letter only one of
    # them has) is decided by a sum of log-odds, each word adding: word_shape_weight times a
    # character n-gram model's (order word_shape_order, learnt from the word_shape_words most
    # frequent words of each language in wordfreq, less the shared ones;
    # pipeline/lang/wordshape.py), frequency_weight times its Zipf difference (capped at
    # frequency_cap, counted when at least frequency_margin), and function_word_weight /
    # ending_weight for a function word / ending only one language has. lingua is not asked:
    # on one to three words it is weaker than this sum (README, bench_langid.py).
    word_shape_evidence: bool = True
    word_shape_words: int = Field(400_000, ge=1000)
    word_shape_order: int = Field(5, ge=2, le=6)
    word_shape_weight: float = Field(0.5, ge=0.0)
    word_shape_max_words: int = Field(3, ge=1)
    frequency_weight: float = Field(2.0, ge=0.0)
    frequency_cap: float = Field(3.0, ge=0.0)
    function_word_weight: float = Field(5.0, ge=0.0)
    ending_weight: float = Field(1.0, ge=0.0)
    # Per-word facts (function word, ending, Zipf in uk/ru/en, word shape) kept for reuse,
    # at most this many words (dropped all at once when full: cheaper than LRU order).
    word_cache_size: int = Field(200_000, ge=0)
    # Any other language lingua knows is named (ISO 639-1) when an all-languages model gives
    # it at least open_min_confidence on a text of open_min_words or more words; shorter text
    # stays within `languages` + `extra_languages`. Such text is translated only through a
    # route the config has (e.g. translate.models mul-en), else left with a warning.
    open_set: bool = True
    open_min_words: int = Field(4, ge=1)
    open_min_confidence: float = Field(0.9, ge=0.0, le=1.0)
    # Before asking the all-languages model (milliseconds a sentence), a text at least
    # open_skip_share of whose words are common words (Zipf >= open_skip_zipf) of the
    # language the candidates gave is taken to be in it (> 1 always asks the model).
    open_skip_share: float = Field(0.85, ge=0.0)
    open_skip_zipf: float = Field(3.0, ge=0.0)
    # The all-languages model in lingua's low-accuracy mode: ~80 MB and milliseconds to load
    # instead of ~1 GB and tens of seconds; reliable on sentences, which is all it decides.
    open_low_accuracy: bool = True
    # A segment of at most this many words that has no evidence of its own and a confidence
    # below short_min_confidence takes its block's language.
    short_words: int = Field(4, ge=0)
    short_min_confidence: float = Field(0.9, ge=0.0, le=1.0)
    # Spans of at least this many letters in another script or quoted in another language are
    # recorded on the segment (Segment.spans) so translation can protect them.
    span_min_letters: int = Field(2, ge=1)
    # lingua's low-accuracy mode is faster but weaker on short text (see README numbers).
    low_accuracy: bool = False
    # Distinct texts whose detection is kept for repeats (tags, bylines, boilerplate),
    # bounded by count and by memory (MB, 0 = count only).
    cache_size: int = Field(50_000, ge=0)
    cache_mb: float = Field(8, ge=0)

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
    # Batches decoded side by side (CTranslate2 inter_threads), each on runtime.threads /
    # inter_threads threads. 0 = auto: on CPU one batch per core, one thread each (faster
    # than all threads on one batch: README "Performance"); on CUDA one.
    inter_threads: int = Field(0, ge=0)


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
    foreign_letters: dict[str, str] = Field(default_factory=lambda: {"uk": RU_LETTERS})
    # The statistical language check only judges outputs with this many letters, and only
    # believes a wrong language at this confidence; orthography decides shorter ones.
    language_min_letters: int = Field(20, ge=1)
    language_min_confidence: float = Field(0.9, ge=0.0, le=1.0)
    # Numbers (of at least number_min_digits digits: single digits are often spelled out),
    # URLs and e-mail addresses of the source must appear in the output.
    check_numbers: bool = True
    number_min_digits: int = Field(2, ge=1)


class TranslateConfig(Section):
    # Every segment is made available in English and Ukrainian: the target languages are
    # a constant (data.TARGET_LANGS), not a setting; the record, the pairs outputs and
    # the digest are built for exactly these two.
    backend: str = "marian"
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
    # (rows x longest); 0 = auto: 2048 on CPU (ctranslate2: 640 shared by the batches
    # decoded side by side, backends/ct2.py), sized from the card's memory on CUDA.
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
    # Distinct (model, text) translations kept in memory for repeats, bounded by count and
    # by memory (MB, 0 = count only): what a batch's RSS may grow by for this cache.
    cache_size: int = Field(100_000, ge=0)
    cache_mb: float = Field(32, ge=0)
    marian: MarianBackendConfig = Field(default_factory=MarianBackendConfig)
    ctranslate2: CTranslate2BackendConfig = Field(default_factory=CTranslate2BackendConfig)
    guards: TranslateGuardsConfig = Field(default_factory=TranslateGuardsConfig)

    @model_validator(mode="before")
    @classmethod
    def _no_targets(cls, data: Any) -> Any:
        if isinstance(data, dict) and "targets" in data:
            raise ValueError(
                "translate.targets is not a setting: the target languages are always en and uk "
                "(README, Translation); remove the key"
            )
        return data

    @field_validator("models")
    @classmethod
    def _directions(cls, v: dict[str, str]) -> dict[str, str]:
        for key in v:
            src, sep, tgt = key.partition("-")
            if not sep or not src or not tgt or "-" in tgt:
                raise ValueError(f"direction keys look like 'en-uk' or 'mul-en', got '{key}'")
        return v


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


class SummarizeCTranslate2Config(Section):
    """`summarize.backend: ctranslate2`: summarisers converted by `newsbridge models convert`
    (kept with the converted translation models, in translate.ctranslate2.models_dir)."""

    # auto: int8 on CPU; bfloat16 (or float16) on CUDA. Any type CTranslate2 supports on
    # the device is accepted (int8, int8_float32, int8_float16, float16, bfloat16, float32).
    compute_type: str = "auto"
    # Weight type `models convert` writes for summarisers.
    quantization: Literal["int8", "int8_float16", "int8_bfloat16", "float16", "bfloat16", "float32"] = "int8"
    # Batches generated side by side (CTranslate2 inter_threads), as for translation;
    # 0 = auto: one per core on CPU, one on CUDA.
    inter_threads: int = Field(0, ge=0)


class SummarizeConfig(Section):
    # seq2seq: abstractive with transformers (torch); ctranslate2: the same models
    # converted to CTranslate2 (int8 on CPU, no torch in the process); extractive: offline
    # baseline, no weights.
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
    # dynamic_int8: torch dynamic int8 quantisation of the summariser's Linear layers (CPU
    # only; seq2seq backend): faster generation for a small quality cost (README numbers).
    quantize: Literal["none", "dynamic_int8"] = "none"
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
    # Distinct (model, text, length) summaries kept in memory for repeated sections,
    # bounded by count and by memory (MB, 0 = count only).
    cache_size: int = Field(10_000, ge=0)
    cache_mb: float = Field(16, ge=0)
    extractive: ExtractiveConfig = Field(default_factory=ExtractiveConfig)
    ctranslate2: SummarizeCTranslate2Config = Field(default_factory=SummarizeCTranslate2Config)

    @model_validator(mode="after")
    def _quantize_is_for_torch(self) -> "SummarizeConfig":
        if self.quantize != "none" and self.backend == "ctranslate2":
            raise ValueError("summarize.quantize is torch's (backend seq2seq); with backend ctranslate2 the weights are "
                             "quantised at conversion: set summarize.ctranslate2.compute_type (int8 by default on CPU)")
        return self

    @model_validator(mode="after")
    def _per_language_models(self) -> "SummarizeConfig":
        if self.strategy == "per_language":
            missing = [lang for lang in ("en", "uk") if not self.language_models.get(lang)]
            if missing:
                raise ValueError(f"strategy per_language needs language_models for {' and '.join(missing)}")
        return self


class OutputConfig(Section):
    formats: list[Literal["json", "md"]] = Field(default_factory=lambda: ["json", "md"])


class DigestConfig(Section):
    """The static bilingual website (`newsbridge digest`, `run/batch --digest`)."""

    # Languages every article is shown in (translation columns, summaries), in this order;
    # an article's own language always comes first on its page.
    languages: list[str] = Field(default_factory=lambda: ["uk", "en"])
    # Metadata keys that may hold the publication date; the first one present is shown.
    date_fields: list[str] = Field(default_factory=lambda: ["date", "published", "published_at", "date_published"])

    @field_validator("languages")
    @classmethod
    def _language_codes(cls, v: list[str]) -> list[str]:
        if not v:
            raise ValueError("at least one language is needed")
        bad = [code for code in v if not re.fullmatch(r"[a-z]{2,3}", code)]
        if bad:
            raise ValueError(f"not ISO 639 language codes: {bad}")
        return v


class BatchConfig(Section):
    """`newsbridge batch`: archives in, resumable parallel outputs out (pipeline/batch/)."""

    # A work unit: this many consecutive records (articles, unreadable records, duplicates)
    # in input order, processed as one batch, committed together, given whole to one
    # worker: the grain of resuming (a kill loses at most one unit), of sharing out work
    # and of memory use. Being a function of the inputs alone, it makes every worker count
    # and every resume write the same bytes (README, "Batch jobs over archives").
    batch_size: int = Field(32, ge=1)
    # Files taken from input directories: a glob matching the path relative to the input
    # directory or the file name. Files given by name are always read.
    include: list[str] = Field(
        default_factory=lambda: ["*.txt", "*.text", "*.md", "*.markdown", "*.html", "*.htm",
                                 "*.jsonl", "*.json", "*.csv", "*.parquet"]
    )
    # Left out when the relative path or any folder on it matches (hidden files/folders).
    exclude: list[str] = Field(default_factory=lambda: [".*", "__pycache__"])
    follow_symlinks: bool = False
    # Rows per read from Parquet files and saved datasets (bounds read memory).
    read_chunk_rows: int = Field(1000, ge=1)
    csv_delimiter: str = ","
    # Parallel outputs next to articles.jsonl, errors.jsonl and manifest.json.
    outputs: list[Literal["parquet", "tsv", "tmx"]] = Field(default_factory=lambda: ["parquet", "tsv", "tmx"])
    # Which aligned en/uk pairs go to pairs.tsv / pairs.tmx.
    pair_kinds: list[Literal["title", "heading", "body", "tag"]] = Field(
        default_factory=lambda: ["title", "heading", "body", "tag"]
    )
    parquet_row_group_rows: int = Field(256, ge=1)
    # TMX header srclang: the pairs' language (en or uk) or "*all*" (TMX 1.4: any of
    # them); each <tu> also names its own source language. adminlang: any language code.
    tmx_srclang: Literal["en", "uk", "*all*"] = "en"
    tmx_adminlang: str = "en"


class PipelineConfig(Section):
    stages: list[str] = Field(default_factory=lambda: ["clean", "segment", "detect", "translate", "summarize"])

    @field_validator("stages")
    @classmethod
    def _stage_order(cls, v: list[str]) -> list[str]:
        if not v:
            raise ValueError("no stages: nothing would be done (the full flow is [clean, segment, detect, translate, summarize])")
        twice = sorted({name for name in v if v.count(name) > 1})
        if twice:
            raise ValueError(f"{', '.join(twice)} listed more than once")
        # The order is checked against what each stage declares it requires and assigns
        # (runner.check_stage_order): the stages know that, not the config.
        return v


class ServeConfig(Section):
    """`newsbridge serve`: the newsroom service (pipeline/serve/). --host/--port/--data win."""

    host: str = "127.0.0.1"
    port: int = Field(8080, ge=0, le=65535)
    # Jobs and results (SQLite); relative paths are taken from the working directory.
    data: str = "newsbridge-data"
    # Articles the worker takes into one pass through the stages: requests that arrive
    # together share the model batches up to this many.
    batch_size: int = Field(16, ge=1)
    # Once an article is ready, the worker keeps gathering while more keep arriving (each
    # within this many seconds of the last, 10x this at most; a lone article waits at most
    # this long after its submission): clients that submit together -- or a batch's clients
    # sending their next article -- land in one batch, not in a batch of one and a batch of
    # the rest. 0 takes what is there at once.
    batch_wait_s: float = Field(0.05, ge=0, le=5)
    # Articles waiting or running at most; one more is refused (503 + Retry-After).
    max_queue: int = Field(256, ge=1)
    retry_after_s: int = Field(10, ge=1)
    # Request body (JSON, form or upload) in bytes, and characters of text per article.
    max_body_bytes: int = Field(2_000_000, ge=1024)
    max_chars: int = Field(200_000, ge=1)
    # Characters per LibreTranslate /translate or /detect request (all of `q` together).
    translate_max_chars: int = Field(20_000, ge=1)
    # Submissions (articles, /translate, /detect) per API key -- or per client address
    # when keys are off -- per minute; 0 = no limit.
    rate_per_minute: int = Field(120, ge=0)
    # Longest a `GET /api/articles/{id}?wait=S` waits for the job to finish.
    wait_max_s: float = Field(60, ge=0)
    # On SIGTERM/Ctrl-C the running batch goes on this long; what is unfinished then is
    # put back in the queue (and picked up at the next start).
    shutdown_grace_s: float = Field(20, ge=0)
    # Entries on the history page and in `GET /api/articles`.
    history_limit: int = Field(100, ge=1)


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
    digest: DigestConfig = Field(default_factory=DigestConfig)
    batch: BatchConfig = Field(default_factory=BatchConfig)
    serve: ServeConfig = Field(default_factory=ServeConfig)

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
        data = _read_yaml(_config_file(Path(path)))
    for item in overrides or []:
        _apply_override(data, item)
        origin = f"{origin} + --set"
    return validate_config(data, origin=origin)


def validate_config(data: dict[str, Any], origin: str = "config") -> Config:
    try:
        return Config.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(f"{origin}: " + "; ".join(_describe(err) for err in exc.errors())) from None


def builtin_configs() -> dict[str, Path]:
    """The configs shipped inside the package (pipeline/configs/*.yaml), by name."""
    from importlib import resources

    folder = Path(str(resources.files(__package__).joinpath("configs")))
    return {p.stem: p for p in sorted(folder.glob("*.yaml"))}


def _config_file(path: Path) -> Path:
    """`path`, or the built-in config of that name (`--config tiny`) when no such file exists:
    an installed wheel has no checkout to point --config at."""
    if path.exists() or path.suffix or len(path.parts) != 1:
        return path
    builtin = builtin_configs().get(path.name)
    if builtin is None:
        raise ConfigError(f"config file not found: {path} (built-in configs: {', '.join(builtin_configs())})")
    return builtin


def _read_yaml(path: Path) -> dict[str, Any]:
    if path.is_dir():
        raise ConfigError(f"--config {path} is a directory, not a YAML file")
    if not path.is_file():
        raise ConfigError(f"config file not found: {path}")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start}); is it a config file?") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML {yaml_problem(exc)}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: the top level must be a mapping of sections, got {type(data).__name__}")
    return data


def yaml_problem(exc: yaml.YAMLError, *, lines: bool = True) -> str:
    """"at line 2, column 16: <problem> (<context>)", without PyYAML's echo of the source
    (`lines=False` for a one-line --set value: the column is enough)."""
    problem = getattr(exc, "problem", None)
    mark = getattr(exc, "problem_mark", None)
    if not problem:
        return f"({' '.join(str(exc).split())})"
    if mark is None:
        where = ""
    elif lines:
        where = f"at line {mark.line + 1}, column {mark.column + 1}: "
    else:
        where = f"at column {mark.column + 1}: " if mark.line == 0 else "at the end: "
    context = getattr(exc, "context", None)
    cmark = getattr(exc, "context_mark", None)
    if context and cmark is not None and lines:
        context += f" started at line {cmark.line + 1}, column {cmark.column + 1}"
    text = f"{where}{problem}" + (f" ({context})" if context else "")
    if "alias" in (context or "") or "alias" in problem:
        # `*all*` and the like: YAML reads a leading * as a reference to an anchor.
        text += "; quote values that start with * or &, e.g. \"*all*\""
    elif "\\t" in problem:
        text += "; indent with spaces, not tabs"
    return text


def _apply_override(data: dict[str, Any], item: str) -> None:
    key, sep, raw = item.partition("=")
    key = key.strip()
    if not sep or not key or any(not part for part in key.split(".")):
        raise ConfigError(f"--set expects key.path=value, got {item!r}")
    try:
        value = yaml.safe_load(raw) if raw.strip() else ""
    except yaml.YAMLError as exc:
        if raw.lstrip().startswith(("[", "{")):
            # Meant as a list or mapping: taking it as a string would only confuse later.
            raise ConfigError(
                f"--set {key}={raw}: not a valid YAML list or mapping {yaml_problem(exc, lines=False)}; write lists as [a, b] and mappings as {{k: v}}"
            ) from None
        value = raw  # a plain string that YAML happens to dislike (`*all*`, `a: b`)
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
    hint = "; write a list as [a, b]" if err["type"] == "list_type" else ""
    msg = err["msg"].removeprefix("Value error, ")  # our validators' words need no prefix
    return f"{loc}: {msg} (got {shown}{hint})"


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
