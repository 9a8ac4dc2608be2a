"""The CTranslate2 summariser on the tiny BART, T5 and mT5 (converted here once per
session): conversion, tokenisation parity with transformers, batching and length
bounds, long inputs, errors, and that its pipeline never imports torch. Structure and
behaviour only; tiny-model wording is gibberish."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections import Counter

import pytest

from pipeline.backends.ct2 import convert_model, converted_name
from pipeline.config import SummarizeConfig, load_config
from pipeline.context import Context
from pipeline.errors import ConfigError, ModelDamaged, ModelError, ModelUnavailable
from pipeline.models import ModelCatalog
from pipeline.summarization.mapreduce import SummaryCache, SummaryJob, run_jobs

from ..conftest import REPO, SAMPLE_ARTICLE, TINY_CONFIG
from ..translation_fixtures import ct2_converted  # noqa: F401

SUMMARIZERS = ["tiny-bart-summarizer", "tiny-t5-summarizer", "tiny-mt5-summarizer"]
TEXTS = [" ".join(["The council approved the budget for schools and roads."] * n) for n in (1, 5, 2, 9, 3, 7, 4, 6, 8, 10)]


@pytest.fixture(scope="session")
def ct2_summarizers(models_root) -> list[str]:
    """The tiny summarisers converted to CTranslate2 (int8) under <models root>/ct2, as
    `newsbridge models convert` would."""
    catalog = ModelCatalog(load_config(TINY_CONFIG, [f"models.root={models_root}"]).models)
    for name in SUMMARIZERS:
        convert_model(catalog.resolve(name).path, models_root / "ct2" / converted_name(name), "int8", force=True, name=name)
    return SUMMARIZERS


def _ct2(tiny_overrides, ref: str, *overrides: str):
    cfg = load_config(TINY_CONFIG, [*tiny_overrides, "summarize.backend=ctranslate2", *overrides])
    return Context(cfg).summarizer(ref)


@pytest.fixture
def batch_spy(monkeypatch):
    """Records each translate_batch call of a summariser's CTranslate2 model."""

    def install(summarizer):
        calls: list[dict] = []
        original = summarizer.generator.translate_batch

        class Spy:
            def translate_batch(self, source, **kwargs):
                calls.append({"rows": [len(s) for s in source], **kwargs})
                return original(source, **kwargs)

        monkeypatch.setattr(summarizer, "generator", Spy())
        return calls

    return install


@pytest.mark.parametrize("name", SUMMARIZERS)
def test_tokenizer_pieces_match_transformers(ct2_summarizers, models_root, name):
    from transformers import AutoTokenizer

    from pipeline.backends.fast_pieces import TokenizerPieces

    pieces = TokenizerPieces(models_root / "ct2" / converted_name(name))
    hf = AutoTokenizer.from_pretrained(models_root / "tiny" / name.removeprefix("tiny-"))
    texts = ["summarize: " + TEXTS[1], "Київ — столиця України, 3 млн людей.", "", "Mixed ' quotes , and n't spaces ."]
    assert pieces.count(texts) == [len(ids) for ids in hf(texts)["input_ids"]]
    for text in texts:
        ids = hf(text)["input_ids"]
        assert pieces.encode(text) == hf.convert_ids_to_tokens(ids)
        assert pieces.decode(pieces.encode(text)) == hf.decode(ids, skip_special_tokens=True).strip()


def test_float32_conversion_writes_what_transformers_writes(ct2_summarizers, models_root, tiny_overrides, tmp_path):
    """Same weights in float32: the same tokens, greedy and beam search, each summary as
    long as generate() makes it (BART's forced end token takes the bound's last place)."""
    name = "tiny-bart-summarizer"
    convert_model(models_root / "tiny" / "bart-summarizer", tmp_path / converted_name(name), "float32", name=name)
    for beams in (1, 3):
        common = [*tiny_overrides, f"summarize.num_beams={beams}", "summarize.min_new_tokens=12"]
        hf = Context(load_config(TINY_CONFIG, common)).summarizer(name)
        ct2 = Context(load_config(TINY_CONFIG, [*common, "summarize.backend=ctranslate2", f"translate.ctranslate2.models_dir={tmp_path}",
                                                "summarize.ctranslate2.compute_type=float32"])).summarizer(name)
        assert ct2.count_tokens(TEXTS) == hf.count_tokens(TEXTS)
        assert ct2.summarize(TEXTS[:6], [12, 7, 12, 7, 12, 7]) == hf.summarize(TEXTS[:6], [12, 7, 12, 7, 12, 7])


def test_batches_follow_the_length_plan_and_bounds(ct2_summarizers, tiny_overrides, batch_spy):
    summarizer = _ct2(tiny_overrides, "tiny-bart-summarizer", "summarize.batch_size=3", "summarize.batch_tokens=200",
                      "summarize.min_new_tokens=1000")
    calls = batch_spy(summarizer)
    targets = [8, 16] * 5
    out = summarizer.summarize(TEXTS, targets)
    assert len(out) == len(TEXTS) and all(isinstance(t, str) for t in out)
    # One decoding length per call, both bounds seen; BART's forced end token takes the last place.
    assert sorted({c["max_decoding_length"] for c in calls}) == [7, 15]
    assert all(c["min_decoding_length"] == c["max_decoding_length"] for c in calls)
    for c in calls:
        assert len(c["rows"]) <= 3 and len(c["rows"]) * max(c["rows"]) <= 200 or len(c["rows"]) == 1
        assert c["rows"] == sorted(c["rows"], reverse=True) and c["max_input_length"] == 0
    assert sum(len(c["rows"]) for c in calls) == len(TEXTS)


def test_t5_bound_is_its_own_and_prefix_is_added(ct2_summarizers, tiny_overrides, batch_spy):
    summarizer = _ct2(tiny_overrides, "tiny-t5-summarizer")
    assert summarizer.prefix == "summarize: " and not summarizer.forced_eos
    calls = batch_spy(summarizer)
    summarizer.summarize(TEXTS[:2], 9)
    assert [c["max_decoding_length"] for c in calls] == [9]
    assert summarizer.count_tokens(["x"]) == summarizer.pieces.count(["summarize: x"])


@pytest.mark.parametrize("name", SUMMARIZERS)
def test_batched_results_equal_one_at_a_time(ct2_summarizers, tiny_overrides, name):
    summarizer = _ct2(tiny_overrides, name, "summarize.batch_size=4", "summarize.min_new_tokens=6")
    targets = [6, 10, 6, 10, 6, 10, 6, 10, 6, 10]
    together = summarizer.summarize(TEXTS, targets)
    alone = [summarizer.summarize([t], b)[0] for t, b in zip(TEXTS, targets)]
    assert together == alone


def test_input_over_the_limit_is_refused_not_truncated(ct2_summarizers, tiny_overrides, batch_spy):
    summarizer = _ct2(tiny_overrides, "tiny-bart-summarizer")
    calls = batch_spy(summarizer)
    long = " ".join(TEXTS * 4)
    assert summarizer.count_tokens([long])[0] > summarizer.max_input_tokens
    with pytest.raises(ModelError, match="exceeds the limit"):
        summarizer.summarize([TEXTS[0], long], 8)
    assert calls == []


def test_long_text_is_summarised_in_chunks_every_one_within_the_limit(ct2_summarizers, tiny_overrides, batch_spy):
    summarizer = _ct2(tiny_overrides, "tiny-bart-summarizer")
    calls = batch_spy(summarizer)
    sentences = [f"Sentence number {i} says the council met about roads, schools and the budget." for i in range(120)]
    assert summarizer.count_tokens([" ".join(sentences)])[0] > 2 * summarizer.max_input_tokens
    job = SummaryJob(sentences, "tiny-bart-summarizer", lambda n: 16)
    run_jobs([job], summarizer, SummarizeConfig(), SummaryCache(100), Counter())
    assert job.chunks >= 3 and job.levels >= 2
    # Every sentence reached the model (nothing cut): the first level's inputs hold them all.
    assert sum(calls[0]["rows"]) >= summarizer.count_tokens([" ".join(sentences)])[0] - job.chunks
    assert max(r for c in calls for r in c["rows"]) <= summarizer.max_input_tokens


def test_missing_conversion_says_how_to_convert(tmp_path, tiny_overrides):
    with pytest.raises(ModelUnavailable, match="models convert tiny-bart-summarizer"):
        _ct2(tiny_overrides, "tiny-bart-summarizer", f"translate.ctranslate2.models_dir={tmp_path}")


@pytest.mark.parametrize("damage", ["weights", "tokenizer"])
def test_damaged_conversion_says_convert_again(tmp_path, tiny_overrides, models_root, damage):
    name = "tiny-bart-summarizer"
    target = convert_model(models_root / "tiny" / "bart-summarizer", tmp_path / converted_name(name), "int8", name=name)
    if damage == "weights":
        (target / "model.bin").write_bytes((target / "model.bin").read_bytes()[:1000])
    else:
        (target / "tokenizer.json").unlink()
    with pytest.raises(ModelDamaged, match=r"models convert tiny-bart-summarizer --force"):
        _ct2(tiny_overrides, name, f"translate.ctranslate2.models_dir={tmp_path}")


def test_torch_quantize_with_ctranslate2_is_a_config_error(tiny_overrides):
    with pytest.raises(ConfigError, match="summarize.ctranslate2.compute_type"):
        load_config(TINY_CONFIG, [*tiny_overrides, "summarize.backend=ctranslate2", "summarize.quantize=dynamic_int8"])


def test_models_convert_converts_the_summariser_the_config_uses(tiny_overrides, models_root, tmp_path):
    from typer.testing import CliRunner

    from pipeline.cli.app import app

    sets = [x for o in tiny_overrides for x in ("--set", o)]
    args = ["models", "convert", "--config", str(TINY_CONFIG), *sets, "--set", f"translate.ctranslate2.models_dir={tmp_path}",
            "--set", "summarize.backend=ctranslate2", "--set", "translate.models={en-uk: tiny-marian-en-uk}"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tiny-bart-summarizer", "tiny-marian-en-uk"]
    marker = json.loads((tmp_path / "tiny-bart-summarizer" / "newsbridge.json").read_text())
    assert marker["role"] == "summarize" and marker["quantization"] == "int8" and marker["forced_eos"] is True


def test_ctranslate2_pipeline_never_imports_torch(ct2_summarizers, ct2_converted, tiny_overrides, tmp_path):  # noqa: F811
    """`newsbridge run` with both CTranslate2 backends, in a fresh process: the sections
    go through the summariser, and neither torch nor transformers is ever imported."""
    out = tmp_path / "out"
    sets = [*tiny_overrides, "translate.backend=ctranslate2", "summarize.backend=ctranslate2", "summarize.max_new_tokens=8"]
    code = (
        "import sys\nfrom pipeline.cli.app import app\n"
        f"args = ['run', {str(SAMPLE_ARTICLE)!r}, '--config', {str(TINY_CONFIG)!r}, '--out', {str(out)!r}]\n"
        f"for s in {sets!r}: args += ['--set', s]\n"
        "try:\n    app(args, standalone_mode=False)\nexcept SystemExit as e:\n    assert e.code in (0, None), e.code\n"
        "print('LOADED', 'torch' in sys.modules, 'transformers' in sys.modules)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "LOADED False False" in proc.stdout
    record = json.loads((out / f"{SAMPLE_ARTICLE.stem}.json").read_text(encoding="utf-8"))
    methods = [s["summary_info"]["summarised"]["en"]["method"] for s in record["sections"] if s.get("summary_info")]
    # The tiny models loop, so their summaries are replaced by lead sentences: either way
    # the model was run on the section (a passthrough would not say so).
    assert methods and set(methods) <= {"model", "lead_fallback"}, methods
    models = record["signature"]["models"]
    assert models["tiny-bart-summarizer"]["quantize"] == "ctranslate2_int8"


def test_converted_summariser_outlives_a_moved_checkout_only_when_unchanged(ct2_summarizers, tiny_overrides, models_root, tmp_path):
    """A conversion whose source changed since is refused with the command that redoes it."""
    name = "tiny-bart-summarizer"
    copy = tmp_path / "ct2"
    shutil.copytree(models_root / "ct2" / converted_name(name), copy / converted_name(name))
    marker = copy / converted_name(name) / "newsbridge.json"
    data = json.loads(marker.read_text())
    data["source_signature"]["model.safetensors"] += 1
    marker.write_text(json.dumps(data))
    with pytest.raises(ModelError, match="--force"):
        _ct2(tiny_overrides, name, f"translate.ctranslate2.models_dir={copy}")


@pytest.mark.parametrize("name", SUMMARIZERS)
def test_parallel_workers_summarise_as_one_worker_does(ct2_summarizers, tiny_overrides, batch_spy, name):
    common = ["summarize.min_new_tokens=6", "summarize.batch_tokens=200"]
    seq = _ct2(tiny_overrides, name, "summarize.ctranslate2.inter_threads=1", *common)
    par = _ct2(tiny_overrides, name, "runtime.threads=2", *common)
    # auto on 2 threads: 2 single-threaded workers, and CTranslate2 got them.
    assert (seq.workers, seq.generator.num_translators) == (1, 1)
    assert (par.workers, par.intra_threads, par.generator.num_translators) == (2, 1, 2)
    calls = batch_spy(par)
    targets = [6, 10] * 5
    together = par.summarize(TEXTS, targets)
    assert together == seq.summarize(TEXTS, targets)
    assert together == [seq.summarize([t], b)[0] for t, b in zip(TEXTS, targets)]  # batches of one
    assert all(c["asynchronous"] for c in calls) and sum(len(c["rows"]) for c in calls) == len(TEXTS)
    assert len(calls) > 2 and max(len(c["rows"]) for c in calls) > 1


def test_a_pair_of_long_texts_goes_to_both_workers(ct2_summarizers, tiny_overrides, batch_spy):
    one = _ct2(tiny_overrides, "tiny-bart-summarizer", "summarize.ctranslate2.inter_threads=1")
    two = _ct2(tiny_overrides, "tiny-bart-summarizer", "runtime.threads=2")
    one_calls, two_calls = batch_spy(one), batch_spy(two)
    texts = [TEXTS[9], TEXTS[3]]
    assert one.summarize(texts, 8) == two.summarize(texts, 8)
    assert [c["rows"] for c in one_calls] == [[len(one.pieces.encode(TEXTS[9])), len(one.pieces.encode(TEXTS[3]))]]
    assert sorted(len(c["rows"]) for c in two_calls) == [1, 1]


def test_parallel_summaries_go_to_their_own_inputs(ct2_summarizers, tiny_overrides):
    """Workers answering each input by its own pieces: every summary is its input's."""
    from .ct2_echo import EchoWorkers

    par = _ct2(tiny_overrides, "tiny-bart-summarizer", "runtime.threads=2", "summarize.batch_tokens=200")
    par.generator = echo = EchoWorkers("</s>", set())
    texts = [f"Report {i} says {t}" for i, t in enumerate(TEXTS)]
    out = par.summarize(texts, 6)
    assert len(echo.calls) > 2 and all(c["asynchronous"] for c in echo.calls) and max(len(c["rows"]) for c in echo.calls) > 1
    assert out == [par.pieces.decode(par.pieces.encode(t)[:par.decode_steps(6)] + ["</s>"]) for t in texts]
