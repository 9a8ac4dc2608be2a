"""The torch-free Marian tokenizer gives transformers' MarianTokenizer's pieces and text."""

import pytest

from pipeline.backends.marian_pieces import MarianPieces
from pipeline.tiny_models import corpus_text

TEXTS = [
    "Hello 123 https://example.org/a?b=c ☃ 中文",
    "  leading and trailing spaces  ",
    "",
    "a <unk> b </s> c",
    "Президент заявив, що «все буде добре» — 24.11.2026.",
    "Он сказал: «Всё будет хорошо!»",
]


@pytest.mark.parametrize("model", ["marian-en-uk", "marian-en-zle"])
def test_pieces_and_decoding_match_transformers(models_root, model):
    from transformers import AutoTokenizer

    path = models_root / "tiny" / model
    hf = AutoTokenizer.from_pretrained(path)
    ours = MarianPieces(path)
    texts = TEXTS + corpus_text().splitlines()[:150]
    if model == "marian-en-zle":
        texts += [">>ukr<< " + t for t in TEXTS] + [">>rus<<Привет"]
    for text in texts:
        ids = hf(text)["input_ids"]
        assert [ours.vocab.get(p, ours.vocab[ours.unk]) for p in ours.encode(text)] == ids, text
        assert ours.decode(hf.convert_ids_to_tokens(ids)) == hf.decode(ids, skip_special_tokens=True), text


def test_target_token_is_one_piece_and_banned_letters_are_found(models_root):
    ours = MarianPieces(models_root / "tiny" / "marian-en-zle")
    assert ours.encode(">>ukr<< Hello")[0] == ">>ukr<<" and ours.has_token(">>ukr<<")
    banned = ours.target_pieces_with("ыэ")
    assert banned and all(set(p) & set("ыэ") for p in banned)


def test_missing_files_are_a_clear_error(tmp_path):
    from pipeline.errors import ModelError

    with pytest.raises(ModelError, match="source.spm"):
        MarianPieces(tmp_path)
