"""The abstractive backend on BART, T5, mT5 and PEGASUS tiny models: batching, length
bounds, task prefix, inference mode. Behaviour only; tiny-model wording is gibberish."""

from __future__ import annotations

import json
import shutil

import pytest

from pipeline.backends.seq2seq import Seq2SeqSummarizer
from pipeline.config import load_config
from pipeline.context import Context

from ..conftest import TINY_CONFIG

TEXTS = [
    " ".join(["The council approved the budget for schools and roads."] * n) for n in (1, 5, 2, 9, 3, 7, 4, 6, 8, 10)
]


def _summarizer(tiny_overrides, ref: str, *overrides: str) -> Seq2SeqSummarizer:
    cfg = load_config(TINY_CONFIG, [*tiny_overrides, *overrides])
    return Context(cfg).summarizer(ref)


@pytest.fixture
def generate_spy(monkeypatch):
    """Records each model.generate call: batch shape, inference mode, output length."""
    import torch

    records: list[dict] = []

    def install(summarizer: Seq2SeqSummarizer):
        model = summarizer.hf.model
        original = model.generate

        def spy(**kwargs):
            out = original(**kwargs)
            records.append(
                {
                    "batch": tuple(kwargs["input_ids"].shape),
                    "inference_mode": torch.is_inference_mode_enabled(),
                    "out_len": out.shape[1],
                    "kwargs": {k: v for k, v in kwargs.items() if k not in ("input_ids", "attention_mask")},
                }
            )
            return out

        monkeypatch.setattr(model, "generate", spy)
        return records

    return install


def test_batches_are_sorted_by_length_and_run_in_inference_mode(tiny_overrides, generate_spy):
    summarizer = _summarizer(tiny_overrides, "tiny-bart-summarizer", "summarize.batch_size=4", "summarize.min_new_tokens=1000")
    records = generate_spy(summarizer)
    out = summarizer.summarize(TEXTS, 8)
    assert len(out) == len(TEXTS) and all(isinstance(t, str) and t.strip() for t in out)
    assert [r["batch"][0] for r in records] == [4, 4, 2]
    padded = [r["batch"][1] for r in records]
    assert padded == sorted(padded, reverse=True)  # longest first: little padding per batch
    assert all(r["inference_mode"] for r in records)


def test_one_bound_per_text_and_forced_lengths(tiny_overrides, generate_spy):
    # min_new_tokens = the bound forces exact lengths (what the benchmark relies on).
    summarizer = _summarizer(tiny_overrides, "tiny-bart-summarizer", "summarize.min_new_tokens=1000")
    records = generate_spy(summarizer)
    targets = [3, 7, 3, 5, 7, 3]
    out = summarizer.summarize(TEXTS[: len(targets)], targets)
    assert len(out) == len(targets)
    # One generate() per distinct bound, each bound respected exactly (+1 decoder start).
    assert sorted(r["out_len"] - 1 for r in records) == [3, 5, 7]
    assert sorted(r["batch"][0] for r in records) == [1, 2, 3]
    with pytest.raises(ValueError, match="length bounds"):
        summarizer.summarize(TEXTS[:2], [3])


def test_generation_settings_come_from_config(tiny_overrides, generate_spy):
    summarizer = _summarizer(
        tiny_overrides,
        "tiny-bart-summarizer",
        "summarize.num_beams=2",
        "summarize.no_repeat_ngram_size=2",
        "summarize.length_penalty=2.0",
        "summarize.repetition_penalty=1.3",
    )
    records = generate_spy(summarizer)
    summarizer.summarize(TEXTS[:2], 6)
    kwargs = records[0]["kwargs"]
    assert kwargs["num_beams"] == 2 and kwargs["no_repeat_ngram_size"] == 2
    assert kwargs["length_penalty"] == 2.0 and kwargs["repetition_penalty"] == 1.3
    assert kwargs["max_new_tokens"] == 6 and kwargs["min_new_tokens"] == 0 and kwargs["do_sample"] is False


def test_a_models_own_min_length_cannot_exceed_the_bound(tiny_overrides, models_root, tmp_path, generate_spy):
    # bart-large-cnn ships min_length=56; a 6-token section summary must still be 6 tokens.
    model_dir = tmp_path / "bart-min-length"
    shutil.copytree(models_root / "tiny" / "bart-summarizer", model_dir)
    gen = json.loads((model_dir / "generation_config.json").read_text())
    gen["min_length"] = 56
    (model_dir / "generation_config.json").write_text(json.dumps(gen))
    summarizer = _summarizer(tiny_overrides, str(model_dir))
    records = generate_spy(summarizer)
    summarizer.summarize(TEXTS[:2], 6)
    assert records[0]["out_len"] <= 7


def test_task_prefix_from_manifest_or_config(tiny_overrides, monkeypatch):
    t5 = _summarizer(tiny_overrides, "tiny-t5-summarizer")
    assert t5.prefix == "summarize: "  # from models/manifest.yaml
    assert t5.count_tokens(["Rain in the city."]) == t5.hf.count_tokens(["summarize: Rain in the city."])
    seen = []
    original = t5.hf.generate
    monkeypatch.setattr(t5.hf, "generate", lambda texts, **kw: seen.extend(texts) or original(texts, **kw))
    t5.summarize(["Rain in the city."], 4)
    assert seen == ["summarize: Rain in the city."]
    overridden = _summarizer(tiny_overrides, "tiny-t5-summarizer", "summarize.prefix='Summary: '")
    assert overridden.prefix == "Summary: "
    assert _summarizer(tiny_overrides, "tiny-bart-summarizer").prefix == ""


@pytest.fixture(scope="module")
def tiny_pegasus(tmp_path_factory):
    """A tiny random PEGASUS with a real SentencePiece unigram vocabulary."""
    import sentencepiece as spm
    from transformers import PegasusConfig, PegasusForConditionalGeneration, PegasusTokenizer

    from pipeline.tiny_models import train_sentencepiece

    root = tmp_path_factory.mktemp("pegasus")
    sp = spm.SentencePieceProcessor(model_file=str(train_sentencepiece(root / "sp", 1000, t5_ids=True)))
    # PEGASUS layout: <pad> </s> <mask_1> <mask_2> <unk_2..102> <unk>, then the pieces.
    vocab = [("<pad>", 0.0), ("</s>", 0.0), ("<mask_1>", 0.0), ("<mask_2>", 0.0)]
    vocab += [(f"<unk_{i}>", 0.0) for i in range(2, 103)] + [("<unk>", 0.0)]
    vocab += [(sp.id_to_piece(i), sp.get_score(i)) for i in range(3, sp.get_piece_size())]
    tokenizer = PegasusTokenizer(vocab=vocab)
    out = root / "pegasus"
    tokenizer.save_pretrained(out)
    config = PegasusConfig(
        vocab_size=len(tokenizer), d_model=32, encoder_layers=2, decoder_layers=2, encoder_attention_heads=2,
        decoder_attention_heads=2, encoder_ffn_dim=64, decoder_ffn_dim=64, max_position_embeddings=256,
        pad_token_id=0, eos_token_id=1, decoder_start_token_id=0,
    )
    PegasusForConditionalGeneration(config).save_pretrained(out)
    return out


@pytest.mark.parametrize("ref", ["tiny-bart-summarizer", "tiny-t5-summarizer", "tiny-mt5-summarizer", "pegasus"])
def test_every_architecture_loads_and_summarises(tiny_overrides, tiny_pegasus, ref):
    # Lengths forced (min_new_tokens = the bound): every text must come back with words;
    # an empty string would be a lost output, not a short one.
    summarizer = _summarizer(tiny_overrides, str(tiny_pegasus) if ref == "pegasus" else ref, "summarize.min_new_tokens=1000")
    assert summarizer.max_input_tokens == (256 if ref == "pegasus" else 512)
    texts = ["Уряд оголосив нові заходи.", "The minister met his counterparts."]
    out = summarizer.summarize(texts, 5)
    assert len(out) == 2 and all(isinstance(t, str) and t.strip() for t in out), out
    # Order in = order out: each text gets its own summary, whatever the batch order.
    assert summarizer.summarize(texts[::-1], 5) == out[::-1]


def test_batches_are_capped_in_padded_tokens(tiny_overrides, generate_spy):
    # Short texts share big batches; long ones go in small batches, not padded together.
    short = [f"Rain on day {i}." for i in range(6)]
    long = [TEXTS[-1], TEXTS[-2], TEXTS[-3]]
    capped = _summarizer(tiny_overrides, "tiny-bart-summarizer", "summarize.batch_size=16", "summarize.batch_tokens=600")
    records = generate_spy(capped)
    assert len(capped.summarize(long + short, 4)) == 9
    sizes = [r["batch"][0] for r in records]
    assert sum(sizes) == 9 and 1 < len(sizes) < 9
    assert all(r["batch"][0] * r["batch"][1] <= 600 or r["batch"][0] == 1 for r in records)
    records.clear()
    uncapped = _summarizer(tiny_overrides, "tiny-bart-summarizer", "summarize.batch_size=16", "summarize.batch_tokens=0")
    records = generate_spy(uncapped)
    uncapped.summarize(long + short, 4)
    assert [r["batch"][0] for r in records] == [9]
