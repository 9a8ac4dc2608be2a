"""Tiny random-weight models of the real architectures, built locally in seconds.

Tests and the offline demo need models without a hub: these are MarianMT (en->uk,
uk->en, ru->en, a multi-target en->East Slavic one with ">>ukr<<" tokens, a multilingual
mul->en one) and summarisers (T5 with a task prefix, a BART with a byte-level BPE
tokenizer like bart-large-cnn's, an mT5 like mT5 XL-Sum) with the real model classes and
real tokenizers trained on a small bundled text. Weights are random (seeded), so output is
gibberish; everything else (tokenisation, batching, generate(), saving, loading) is real.
Building is deterministic: the same seed gives byte-identical weights.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from .io.atomic import replace_dir

# Directory name under the output folder -> what it is. Manifest names are "tiny-<dir>".
MARIAN_DIRECTIONS = {"marian-en-uk": ("en", "uk"), "marian-uk-en": ("uk", "en"), "marian-ru-en": ("ru", "en")}
# Like the real multi-target opus-mt models (en -> East Slavic, target token first) and the
# multilingual opus-mt-mul-en: (src, tgt, target-language tokens in the vocabulary).
MARIAN_MULTI = {
    "marian-en-zle": ("en", "zle", (">>bel<<", ">>rus<<", ">>ukr<<")),
    "marian-mul-en": ("mul", "en", ()),
}
SUMMARIZER_DIR = "t5-summarizer"
BART_SUMMARIZER_DIR = "bart-summarizer"
MT5_SUMMARIZER_DIR = "mt5-summarizer"


@dataclass(frozen=True)
class TinyShape:
    d_model: int = 32
    layers: int = 2
    heads: int = 2
    ffn: int = 64
    vocab_size: int = 1000
    max_positions: int = 512

    def bart_style(self) -> dict[str, int]:
        """The shape in the config names Marian and BART share."""
        return {
            "d_model": self.d_model,
            "encoder_layers": self.layers,
            "decoder_layers": self.layers,
            "encoder_attention_heads": self.heads,
            "decoder_attention_heads": self.heads,
            "encoder_ffn_dim": self.ffn,
            "decoder_ffn_dim": self.ffn,
            "max_position_embeddings": self.max_positions,
        }


def corpus_text() -> str:
    return resources.files("pipeline.resources").joinpath("tiny_corpus.txt").read_text(encoding="utf-8")


def train_sentencepiece(
    prefix: Path,
    vocab_size: int,
    *,
    t5_ids: bool,
    lines: list[str] | None = None,
    model_type: str = "unigram",
) -> Path:
    """Train a SentencePiece model on `lines` (default: the bundled corpus); returns the
    .model path. Trained from an iterator into memory, so no temp paths end up inside the
    model file."""
    import io

    import sentencepiece as spm

    ids = dict(pad_id=0, eos_id=1, unk_id=2, bos_id=-1) if t5_ids else dict(pad_id=-1, eos_id=0, unk_id=1, bos_id=-1)
    buffer = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(lines if lines is not None else corpus_text().splitlines()),
        model_writer=buffer,
        vocab_size=vocab_size,
        model_type=model_type,
        character_coverage=1.0,
        byte_fallback=False,  # like the real opus-mt vocabularies: unknown characters are <unk>
        hard_vocab_limit=False,
        num_threads=1,  # deterministic
        minloglevel=2,
        **ids,
    )
    path = prefix.with_suffix(".model")
    path.write_bytes(buffer.getvalue())
    return path


def build_tiny_models(out_dir: Path, *, seed: int = 0, shape: TinyShape = TinyShape()) -> list[Path]:
    """Build every tiny model into `out_dir`; returns the model directories."""
    import torch

    out_dir.mkdir(parents=True, exist_ok=True)
    built = []
    with tempfile.TemporaryDirectory() as tmp:
        marian_spm = train_sentencepiece(Path(tmp) / "marian", shape.vocab_size, t5_ids=False)
        t5_spm = train_sentencepiece(Path(tmp) / "t5", shape.vocab_size, t5_ids=True)
        for i, (name, (src, tgt)) in enumerate(sorted(MARIAN_DIRECTIONS.items())):
            torch.manual_seed(seed + i)
            built.append(build_marian(out_dir / name, marian_spm, src, tgt, shape))
        for i, (name, (src, tgt, tokens)) in enumerate(sorted(MARIAN_MULTI.items())):
            torch.manual_seed(seed + 50 + i)
            built.append(build_marian(out_dir / name, marian_spm, src, tgt, shape, extra_tokens=tokens))
        torch.manual_seed(seed + 100)
        built.append(_build_t5(out_dir / SUMMARIZER_DIR, t5_spm, shape))
        torch.manual_seed(seed + 101)
        built.append(_build_bart(out_dir / BART_SUMMARIZER_DIR, shape))
        torch.manual_seed(seed + 102)
        built.append(_build_t5(out_dir / MT5_SUMMARIZER_DIR, t5_spm, shape, multilingual=True))
    return built


def build_marian(
    target: Path,
    spm_model: Path,
    src: str,
    tgt: str,
    shape: TinyShape,
    *,
    extra_tokens: tuple[str, ...] = (),
) -> Path:
    """A random-weight MarianMT model of `shape` with a real tokenizer from `spm_model`;
    `extra_tokens` (target-language tokens such as ">>ukr<<") join the vocabulary."""
    import sentencepiece as spm
    from transformers import MarianConfig, MarianMTModel, MarianTokenizer

    def fill(d: Path) -> None:
        sp = spm.SentencePieceProcessor(model_file=str(spm_model))
        pieces = [sp.id_to_piece(i) for i in range(sp.get_piece_size())]
        # Real Marian vocabularies: </s>=0, <unk>=1, ..., <pad> last.
        vocab = {"</s>": 0, "<unk>": 1}
        for piece in pieces:
            vocab.setdefault(piece, len(vocab))
        for token in extra_tokens:
            vocab.setdefault(token, len(vocab))
        vocab["<pad>"] = len(vocab)
        shutil.copy(spm_model, d / "source.spm")
        shutil.copy(spm_model, d / "target.spm")
        (d / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False, indent=1), encoding="utf-8")
        tokenizer = MarianTokenizer(
            source_spm=str(d / "source.spm"),
            target_spm=str(d / "target.spm"),
            vocab=str(d / "vocab.json"),
            source_lang=src,
            target_lang=tgt,
        )
        pad = vocab["<pad>"]
        config = MarianConfig(
            vocab_size=len(vocab),
            **shape.bart_style(),
            pad_token_id=pad,
            eos_token_id=0,
            decoder_start_token_id=pad,
            forced_eos_token_id=0,
            scale_embedding=True,
            share_encoder_decoder_embeddings=True,
        )
        model = MarianMTModel(config).eval()
        model.generation_config.bad_words_ids = [[pad]]
        model.generation_config.max_length = shape.max_positions
        model.save_pretrained(d)
        tokenizer.save_pretrained(d)
        _write_card(d, f"tiny random-weight MarianMT {src}->{tgt} (newsbridge build-tiny)")

    return replace_dir(target, fill)


def _build_t5(target: Path, spm_model: Path, shape: TinyShape, *, multilingual: bool = False) -> Path:
    """T5, or with `multilingual` the mT5 classes (what mT5 XL-Sum is built on)."""
    from transformers import MT5Config, MT5ForConditionalGeneration, T5Config, T5ForConditionalGeneration, T5Tokenizer

    config_cls, model_cls = (MT5Config, MT5ForConditionalGeneration) if multilingual else (T5Config, T5ForConditionalGeneration)

    def fill(d: Path) -> None:
        shutil.copy(spm_model, d / "spiece.model")
        tokenizer = T5Tokenizer.from_pretrained(str(d), extra_ids=0)
        (d / "spiece.model").unlink()  # tokenizer.json now carries the same model
        config = config_cls(
            vocab_size=len(tokenizer),
            d_model=shape.d_model,
            d_kv=shape.d_model // shape.heads,
            d_ff=shape.ffn,
            num_layers=shape.layers,
            num_decoder_layers=shape.layers,
            num_heads=shape.heads,
            pad_token_id=0,
            eos_token_id=1,
            decoder_start_token_id=0,
            n_positions=shape.max_positions,
        )
        model = model_cls(config).eval()
        model.save_pretrained(d)
        tokenizer.model_max_length = shape.max_positions
        tokenizer.save_pretrained(d)
        _write_card(d, f"tiny random-weight {'mT5' if multilingual else 'T5'} summariser (newsbridge build-tiny)")

    return replace_dir(target, fill)


def train_byte_level_bpe(vocab_size: int, lines: list[str] | None = None):
    """A byte-level BPE tokenizer (GPT-2/BART style) trained on the bundled corpus, with
    BART's special tokens first: <s>=0, <pad>=1, </s>=2, <unk>=3, <mask>=4."""
    from tokenizers import ByteLevelBPETokenizer

    tok = ByteLevelBPETokenizer()
    tok.train_from_iterator(
        lines if lines is not None else corpus_text().splitlines(),
        vocab_size=vocab_size,
        min_frequency=1,
        special_tokens=["<s>", "<pad>", "</s>", "<unk>", "<mask>"],
        show_progress=False,
    )
    return tok


def save_bart_tokenizer(bpe, d: Path, max_positions: int):
    """Write vocab.json + merges.txt and the transformers tokenizer files into `d`."""
    from transformers import BartTokenizer

    bpe.save_model(str(d))
    vocab = json.loads((d / "vocab.json").read_text(encoding="utf-8"))
    lines = (d / "merges.txt").read_text(encoding="utf-8").splitlines()
    merges = [tuple(line.split(" ")) for line in lines if line and not line.startswith("#version")]
    tokenizer = BartTokenizer(vocab=vocab, merges=merges)
    tokenizer.model_max_length = max_positions
    tokenizer.save_pretrained(d)
    return tokenizer


def _build_bart(target: Path, shape: TinyShape) -> Path:
    from transformers import BartConfig, BartForConditionalGeneration

    def fill(d: Path) -> None:
        tokenizer = save_bart_tokenizer(train_byte_level_bpe(shape.vocab_size), d, shape.max_positions)
        config = BartConfig(
            vocab_size=len(tokenizer),
            **shape.bart_style(),
            pad_token_id=1,
            bos_token_id=0,
            eos_token_id=2,
            decoder_start_token_id=2,
            forced_bos_token_id=0,
            forced_eos_token_id=2,
        )
        model = BartForConditionalGeneration(config).eval()
        model.save_pretrained(d)
        _write_card(d, "tiny random-weight BART summariser (newsbridge build-tiny)")

    return replace_dir(target, fill)


def _write_card(d: Path, text: str) -> None:
    (d / "README.md").write_text(f"# {text}\n\nRandom weights: output is gibberish by design.\n", encoding="utf-8")
