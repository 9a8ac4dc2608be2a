"""A transformers tokenizer's encoding and decoding with the `tokenizers` library alone.

CTranslate2 takes and returns token strings, so a CTranslate2 summariser needs only the
tokenizer's pieces; transformers' AutoTokenizer would bring transformers (and, through
it, torch: about 240 MB resident) into a backend that otherwise needs neither. This
reads the `tokenizer.json` that `newsbridge models convert` saves with every converted
summariser (BART's byte-level BPE, T5/mT5's SentencePiece unigram, ...) and reproduces
what the seq2seq backend does with AutoTokenizer: special tokens added on encoding (BART
`<s> ... </s>`, T5 `... </s>`), dropped on decoding, the output stripped. Parity with
AutoTokenizer is tested (tests/backends/test_ct2_summarizer.py).
"""

from __future__ import annotations

import json
from pathlib import Path

from ..errors import ModelDamaged, exception_brief

TOKENIZER_FILE = "tokenizer.json"
CONFIG_FILE = "tokenizer_config.json"
# transformers' clean_up_tokenization (spaces before punctuation and English
# contractions), applied on decoding when the tokenizer's config asks for it.
_CLEANUP = ((" .", "."), (" ?", "?"), (" !", "!"), (" ,", ","), (" ' ", "'"), (" n't", "n't"), (" 'm", "'m"),
            (" 's", "'s"), (" 've", "'ve"), (" 're", "'re"))


class TokenizerPieces:
    def __init__(self, model_dir: str | Path, name: str | None = None):
        from tokenizers import Tokenizer

        d = Path(model_dir)
        name = name or str(d)
        path = d / TOKENIZER_FILE
        if not path.is_file():
            raise ModelDamaged(name, d, f"{TOKENIZER_FILE} missing")
        try:
            self.tokenizer = Tokenizer.from_file(str(path))
        except Exception as exc:  # noqa: BLE001 - the Rust library reports a bad file as Exception
            raise ModelDamaged(name, d, f"{TOKENIZER_FILE}: {exception_brief(exc)}") from None
        # Padding or truncation saved with the tokenizer would change lengths silently.
        self.tokenizer.no_padding()
        self.tokenizer.no_truncation()
        config = {}
        if (d / CONFIG_FILE).is_file():
            try:
                config = json.loads((d / CONFIG_FILE).read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise ModelDamaged(name, d, f"{CONFIG_FILE}: {exception_brief(exc)}") from None
        self.cleanup = bool(config.get("clean_up_tokenization_spaces", False))
        limit = config.get("model_max_length")
        # Tokenizers without a limit carry a huge sentinel.
        self.model_max_length = int(limit) if isinstance(limit, (int, float)) and limit < 100_000 else None

    def encode(self, text: str) -> list[str]:
        """Pieces of `text` with the model's special tokens (as AutoTokenizer(text) gives ids).
        By id: `.tokens` keeps the text of a piece the vocabulary lacks, its id is <unk>'s."""
        to_token = self.tokenizer.id_to_token
        return [to_token(i) for i in self.tokenizer.encode(text, add_special_tokens=True).ids]

    def count(self, texts: list[str]) -> list[int]:
        if not texts:
            return []
        return [len(e.ids) for e in self.tokenizer.encode_batch(texts, add_special_tokens=True)]

    def has_token(self, token: str) -> bool:
        return self.tokenizer.token_to_id(token) is not None

    def decode(self, pieces: list[str]) -> str:
        """Text of `pieces`, special tokens dropped (as batch_decode(skip_special_tokens=True))."""
        # A piece the tokenizer lacks can only be a placeholder the conversion added to
        # reach the model's vocabulary size (T5's extra ids, ct2._PaddedVocabulary): an
        # id without a token, which decodes to nothing in transformers too.
        ids = [i for i in (self.tokenizer.token_to_id(p) for p in pieces) if i is not None]
        text = self.tokenizer.decode(ids, skip_special_tokens=True)
        if self.cleanup:
            for old, new in _CLEANUP:
                text = text.replace(old, new)
        return text.strip()
