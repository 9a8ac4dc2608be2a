"""MarianTokenizer's encoding and decoding with sentencepiece alone.

CTranslate2 takes and returns token strings, so it needs only the pieces, not ids or
tensors; transformers' MarianTokenizer would import torch (about 240 MB resident) into a
backend that otherwise needs none. This reads the same files (source.spm, target.spm,
vocab.json, tokenizer_config.json) and reproduces transformers' behaviour: a leading
language code (">>ukr<<") is kept whole, the rest goes through the source SentencePiece
model, "</s>" ends the input; special tokens are dropped on decoding. Parity with
MarianTokenizer is tested (tests/backends/test_marian_pieces.py).
"""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path

from ..errors import ModelDamaged, exception_brief

SPIECE_UNDERLINE = "▁"
# Without these a Marian tokenizer cannot be built; the rest have defaults.
REQUIRED_FILES = ("source.spm", "target.spm", "vocab.json")
TOKENIZER_FILES = ("source.spm", "target.spm", "vocab.json", "target_vocab.json", "tokenizer_config.json", "special_tokens_map.json")


class MarianPieces:
    def __init__(self, model_dir: str | Path, name: str | None = None):
        import sentencepiece as spm

        d = Path(model_dir)
        name = name or str(d)
        missing = [f for f in REQUIRED_FILES if not (d / f).is_file()]
        if missing:
            raise ModelDamaged(name, d, f"Marian tokenizer files {', '.join(missing)} missing")
        config = _read_json(d / "tokenizer_config.json", name) if (d / "tokenizer_config.json").is_file() else {}
        self.unk = str(config.get("unk_token") or "<unk>")
        self.eos = str(config.get("eos_token") or "</s>")
        self.pad = str(config.get("pad_token") or "<pad>")
        self.separate_vocabs = bool(config.get("separate_vocabs", False))
        self._dir, self._name = d, name
        # The vocabulary (opus-mt: 61k entries, ~12 MB as a dict) is only needed to check a
        # target token and to find pieces with banned characters (a guard's retry): read
        # here once, so that a damaged file shows at load, then kept only once asked for.
        _read_json(d / "vocab.json", name)
        if self.separate_vocabs:
            _read_json(d / "target_vocab.json", name)
        self.source_spm = _load_spm(spm, d / "source.spm", name)
        # transformers decodes with the source model when the vocabulary is shared: the
        # target model (~10 MB loaded) is then never used.
        self._decode_spm = _load_spm(spm, d / "target.spm", name) if self.separate_vocabs else self.source_spm
        extra = config.get("additional_special_tokens") or []
        self.special = {self.unk, self.eos, self.pad, *(str(t) for t in extra)}
        # Special tokens written in the text stay one token, as transformers splits them out.
        self._special_re = re.compile("(" + "|".join(re.escape(t) for t in sorted(self.special, key=len, reverse=True)) + ")")

    @functools.cached_property
    def vocab(self) -> dict[str, int]:
        return _read_json(self._dir / "vocab.json", self._name)

    @functools.cached_property
    def target_vocab(self) -> dict[str, int]:
        return _read_json(self._dir / "target_vocab.json", self._name) if self.separate_vocabs else self.vocab

    def has_token(self, token: str) -> bool:
        # Asked once per model, at load: not worth keeping the vocabulary for.
        vocab = self.__dict__.get("vocab") or _read_json(self._dir / "vocab.json", self._name)
        return token in vocab

    def encode(self, text: str) -> list[str]:
        """Source pieces of `text`, a leading language code kept whole, "</s>" at the end."""
        code: list[str] = []
        if text.startswith(">>") and (end := text.find("<<")) != -1:
            code, text = [text[: end + 2]], text[end + 2 :]
        pieces = code
        for part in self._special_re.split(text):
            if part in self.special:
                pieces.append(part)
            elif part:
                pieces.extend(self.source_spm.encode(part, out_type=str))
        return pieces + [self.eos]

    def decode(self, pieces: list[str]) -> str:
        """Text of target pieces, special tokens dropped (as skip_special_tokens=True does)."""
        kept = [p for p in pieces if p not in self.special]
        return self._decode_spm.decode_pieces(kept).replace(SPIECE_UNDERLINE, " ").strip()

    def target_pieces_with(self, chars: str) -> list[str]:
        """Target vocabulary pieces that contain any of `chars`."""
        wanted = set(chars)
        return sorted(p for p in self.target_vocab if p not in self.special and wanted.intersection(p))


def _read_json(path: Path, name: str):
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelDamaged(name, path.parent, f"{path.name}: {exception_brief(exc)}") from None


def _load_spm(spm, path: Path, name: str):
    try:
        return spm.SentencePieceProcessor(model_file=str(path))
    except (OSError, RuntimeError) as exc:  # sentencepiece reports a bad file as RuntimeError
        raise ModelDamaged(name, path.parent, f"{path.name}: {exception_brief(exc)}") from None
