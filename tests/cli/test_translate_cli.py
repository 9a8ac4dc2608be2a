"""`newsbridge translate`, `newsbridge eval translate`, `newsbridge models convert`."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from pipeline.cli.app import app

from ..conftest import SAMPLE_ARTICLE, TINY_CONFIG, WMT_DIR
from ..translation_fixtures import ct2_converted, fake_script  # noqa: F401

runner = CliRunner()


def sets(overrides):
    return [x for o in overrides for x in ("--set", o)]


def test_translate_prints_one_line_per_input_line(tiny_overrides):
    result = runner.invoke(app, ["translate", str(SAMPLE_ARTICLE), "--to", "uk", "--config", str(TINY_CONFIG), *sets(tiny_overrides)])
    assert result.exit_code == 0, result.output
    source_lines = SAMPLE_ARTICLE.read_text(encoding="utf-8").rstrip("\n").split("\n")
    out_lines = result.stdout.rstrip("\n").split("\n")
    assert len(out_lines) == len(source_lines)
    for src, out in zip(source_lines, out_lines):
        assert bool(src.strip()) == bool(out.strip())
    assert "НОВИНИ" in out_lines  # already Ukrainian: copied, not translated


def test_translate_json_gives_every_sentence_with_its_route(tiny_overrides, tmp_path, ct2_converted):
    text = tmp_path / "t.txt"
    text.write_text("Привет, мир. Как дела?\n\nДобрий день.\n", encoding="utf-8")
    for backend in ("marian", "ctranslate2"):
        result = runner.invoke(app, ["translate", str(text), "--to", "en", "--json", "--config", str(TINY_CONFIG),
                                     *sets(tiny_overrides), "--set", f"translate.backend={backend}"])
        assert result.exit_code == 0, result.output
        rows = [json.loads(line) for line in result.stdout.splitlines()]
        assert [r["src"] for r in rows] == ["Привет, мир.", "Как дела?", "Добрий день."]
        assert [r["lang"] for r in rows] == ["ru", "ru", "uk"]
        assert rows[0]["route"] == ["tiny-marian-ru-en"] and rows[2]["route"] == ["tiny-marian-uk-en"]
        assert all(r["text"] for r in rows)


def test_translate_from_overrides_detection(tiny_overrides, tmp_path):
    text = tmp_path / "t.txt"
    text.write_text("Привет, мир.\n", encoding="utf-8")
    result = runner.invoke(app, ["translate", str(text), "--to", "uk", "--from", "uk", "--json", "--config", str(TINY_CONFIG), *sets(tiny_overrides)])
    assert result.exit_code == 0, result.output
    [row] = [json.loads(line) for line in result.stdout.splitlines()]
    assert row["lang"] == "uk" and row["text"] == "Привет, мир." and row["route"] == []


@pytest.mark.parametrize(
    "args,needle",
    [
        (["--to", "fr"], "--to fr"),
        (["--to", "uk", "--set", "translate.batch_size=0"], "batch_size"),
    ],
)
def test_translate_errors_are_one_line(tiny_overrides, args, needle):
    result = runner.invoke(app, ["translate", str(SAMPLE_ARTICLE), "--config", str(TINY_CONFIG), *sets(tiny_overrides), *args])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert result.stderr.strip().startswith("error:") and needle in result.stderr


def test_translate_missing_file(tiny_overrides, tmp_path):
    result = runner.invoke(app, ["translate", str(tmp_path / "nope.txt"), "--to", "uk", "--config", str(TINY_CONFIG), *sets(tiny_overrides)])
    assert result.exit_code == 1 and "nope.txt" in result.stderr and "no such file" in result.stderr


def _write_docs(path, n=3):
    with path.open("w", encoding="utf-8") as f:
        for i in range(n):
            f.write(json.dumps({"id": f"d{i}", "src_lang": "en", "ref_lang": "uk",
                                "src": [f"The council met on day {i}.", "Prices rose again."],
                                "ref": [f"Рада зібралася в день {i}.", "Ціни знову зросли."]}, ensure_ascii=False) + "\n")


def test_eval_translate_prints_scores_and_signatures(tiny_overrides, tmp_path):
    data = tmp_path / "docs.jsonl"
    _write_docs(data)
    result = runner.invoke(app, ["eval", "translate", "--data", str(data), "--config", str(TINY_CONFIG), *sets(tiny_overrides)])
    assert result.exit_code == 0, result.output
    assert "en-uk: 3 documents, 6 sentences, route tiny-marian-en-uk" in result.stdout
    assert "BLEU" in result.stdout and "chrF" in result.stdout
    assert "nrefs:1|case:mixed" in result.stdout and "version:" in result.stdout

    result = runner.invoke(app, ["eval", "translate", "--data", str(data), "--json", "--limit", "2", "--config", str(TINY_CONFIG), *sets(tiny_overrides)])
    report = json.loads(result.stdout)
    entry = report["directions"]["en-uk"]
    assert entry["sentences"] == 4 and entry["documents"] == 2
    assert entry["bleu_signature"].startswith("nrefs:1") and "tiny-marian-en-uk" in report["models"]


def test_eval_translate_scores_a_perfect_translation_100(fake_script, tiny_overrides, tmp_path):
    # A backend that answers every source sentence with its own reference: the scores
    # must be exactly 100, so each hypothesis is scored against its own reference.
    data = tmp_path / "docs.jsonl"
    _write_docs(data)
    refs = {}
    for line in data.read_text(encoding="utf-8").splitlines():
        doc = json.loads(line)
        refs.update(zip(doc["src"], doc["ref"]))
    fake_script.respond = lambda text, options, ref: refs[text]
    args = ["eval", "translate", "--data", str(data), "--json", "--config", str(TINY_CONFIG), *sets(tiny_overrides)]
    result = runner.invoke(app, [*args, "--set", "translate.backend=fake"])
    assert result.exit_code == 0, result.output
    entry = json.loads(result.stdout)["directions"]["en-uk"]
    assert (entry["sentences"], entry["bleu"], entry["chrf"], entry["warnings"]) == (6, 100.0, 100.0, {})

    # Answers shifted by one sentence (each hypothesis is another sentence's reference) are far from it.
    order = list(refs)
    fake_script.respond = lambda text, options, ref: refs[order[(order.index(text) + 1) % len(order)]]
    result = runner.invoke(app, [*args, "--set", "translate.backend=fake"])
    assert json.loads(result.stdout)["directions"]["en-uk"]["bleu"] < 50


@pytest.mark.skipif(not (WMT_DIR / "en-uk.jsonl").exists(), reason="needs ../shared/data/wmt22-dev")
def test_eval_translate_on_wmt22_dev(tiny_overrides):
    result = runner.invoke(app, ["eval", "translate", "--data", str(WMT_DIR / "en-uk.jsonl"), "--limit", "2", "--json",
                                 "--config", str(TINY_CONFIG), *sets(tiny_overrides)])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["directions"]["en-uk"]["documents"] == 2


def test_eval_bad_data_is_one_clear_error(tiny_overrides, tmp_path):
    data = tmp_path / "bad.jsonl"
    data.write_text('{"id": "x", "src_lang": "en", "ref_lang": "uk", "src": ["a", "b"], "ref": ["a"]}\n', encoding="utf-8")
    result = runner.invoke(app, ["eval", "translate", "--data", str(data), "--config", str(TINY_CONFIG), *sets(tiny_overrides)])
    assert result.exit_code == 1 and "bad.jsonl" in result.stderr and "same length" in result.stderr


def test_models_convert_writes_a_ctranslate2_model(tiny_overrides, tmp_path):
    out = tmp_path / "ct2"
    args = ["models", "convert", "tiny-marian-en-uk", "--config", str(TINY_CONFIG), *sets(tiny_overrides), "--set", f"translate.ctranslate2.models_dir={out}"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    target = out / "tiny-marian-en-uk"
    assert (target / "model.bin").exists() and (target / "source.spm").exists() and (target / "newsbridge.json").exists()
    again = runner.invoke(app, args)
    assert again.exit_code != 0 and "--force" in again.stderr
    assert runner.invoke(app, [*args, "--force", "--quantization", "float32"]).exit_code == 0
    assert json.loads((target / "newsbridge.json").read_text())["quantization"] == "float32"


def test_models_convert_out_takes_one_model(tiny_overrides, tmp_path):
    result = runner.invoke(app, ["models", "convert", "tiny-marian-en-uk", "tiny-marian-uk-en", "--out", str(tmp_path / "x"),
                                 "--config", str(TINY_CONFIG), *sets(tiny_overrides)])
    assert result.exit_code == 2 and "--out takes one model" in result.stderr
