"""A model directory that is there but damaged (truncated or garbage weights, a broken
config, a broken or missing tokenizer file) is one line naming the model, its directory,
that it looks damaged and how to get it again; the model exit code (3); no traceback."""

from __future__ import annotations

import os
import shutil

import pytest
from typer.testing import CliRunner

from pipeline.cli.app import app

from ..conftest import SAMPLE_ARTICLE, TINY_CONFIG

runner = CliRunner()


def _truncate(name):
    def damage(d):
        data = (d / name).read_bytes()
        (d / name).write_bytes(data[: len(data) // 2])
    return damage


def _garbage(name):
    def damage(d):
        (d / name).write_bytes(os.urandom(4096))
    return damage


def _remove(*names):
    def damage(d):
        for name in names:
            (d / name).unlink()
    return damage


def _text(name, text):
    def damage(d):
        (d / name).write_text(text, encoding="utf-8")
    return damage


CASES = {
    "truncated-weights": ("marian-en-uk", _truncate("model.safetensors"), "model.safetensors: SafetensorError"),
    "garbage-weights": ("marian-en-uk", _garbage("model.safetensors"), "model.safetensors: SafetensorError"),
    "broken-config": ("marian-en-uk", _text("config.json", '{"model_type": "marian",'), "config.json: JSONDecodeError"),
    "config-not-object": ("marian-en-uk", _text("config.json", "[1, 2]"), "config.json: not a JSON object"),
    "garbage-spm": ("marian-en-uk", _garbage("source.spm"), "source.spm"),
    "broken-tokenizer-config": ("marian-en-uk", _text("tokenizer_config.json", "{"), "JSONDecodeError"),
    "missing-spm": ("marian-en-uk", _remove("source.spm"), "source.spm missing"),
    "missing-vocab": ("marian-en-uk", _remove("vocab.json"), "vocab.json missing"),
    # transformers quietly builds a tokenizer of 5 special tokens out of nothing here.
    "summariser-tokenizer-gone": ("bart-summarizer", _remove("tokenizer.json", "vocab.json", "merges.txt"), "tokenizer files missing"),
    "summariser-truncated": ("bart-summarizer", _truncate("model.safetensors"), "model.safetensors: SafetensorError"),
}


@pytest.fixture
def models_copy(models_root, tmp_path):
    root = tmp_path / "models"
    shutil.copytree(models_root / "tiny", root / "tiny")
    return root


@pytest.mark.parametrize("case", sorted(CASES))
def test_damaged_model_is_one_line_with_the_fix(models_copy, case):
    folder, damage, needle = CASES[case]
    model_dir = models_copy / "tiny" / folder
    damage(model_dir)
    result = runner.invoke(
        app,
        ["run", str(SAMPLE_ARTICLE), "--config", str(TINY_CONFIG), "--set", f"models.root={models_copy}", "--set", "runtime.threads=1"],
    )
    assert result.exit_code == 3, result.output
    assert "Traceback" not in result.output and isinstance(result.exception, SystemExit), result.exception
    err = result.stderr.strip()
    assert err.startswith("error:") and "\n" not in err, err
    name = f"tiny-{folder}"
    assert f"model '{name}' at {model_dir} looks damaged" in err, err
    assert needle in err, err
    # The rebuild goes where this run looks, not into the default models/.
    assert f"`newsbridge models build-tiny --set models.root={models_copy}`" in err, err


def test_damaged_hub_model_says_pull_again_with_force(models_root, tmp_path):
    damaged = tmp_path / "opus-en-uk"
    shutil.copytree(models_root / "tiny" / "marian-en-uk", damaged)
    _truncate("model.safetensors")(damaged)
    result = runner.invoke(
        app,
        [
            "run", str(SAMPLE_ARTICLE), "--config", str(TINY_CONFIG),
            "--set", f"models.root={models_root}",
            "--set", "translate.models.en-uk=opus-mt-en-uk",
            "--set", f"models.local_dirs.opus-mt-en-uk={damaged}",
        ],
    )
    assert result.exit_code == 3, result.output
    err = result.stderr.strip()
    assert "\n" not in err and "Traceback" not in result.output, err
    assert f"model 'opus-mt-en-uk' at {damaged} looks damaged" in err, err
    assert f"`newsbridge models pull opus-mt-en-uk --set models.local_dirs.opus-mt-en-uk={damaged} --force`" in err, err


def test_convert_refuses_a_damaged_source_in_one_line(models_copy):
    pytest.importorskip("ctranslate2")
    _truncate("model.safetensors")(models_copy / "tiny" / "marian-en-uk")
    result = runner.invoke(
        app, ["models", "convert", "tiny-marian-en-uk", "--config", str(TINY_CONFIG), "--set", f"models.root={models_copy}"]
    )
    assert result.exit_code == 3, result.output
    err = result.stderr.strip().splitlines()[-1]
    assert "Traceback" not in result.output
    assert "tiny-marian-en-uk" in err and "looks damaged" in err and "model.safetensors" in err, err
    assert not (models_copy / "ct2" / "tiny-marian-en-uk").exists()


def test_pull_force_downloads_again(models_root, tmp_path, monkeypatch):
    # The hub is not reachable here: stand in for the download, record what was asked.
    import huggingface_hub

    asked = {}

    def fake_snapshot_download(**kwargs):
        asked.update(kwargs)
        shutil.copytree(models_root / "tiny" / "marian-en-uk", kwargs["local_dir"], dirs_exist_ok=True)
        return kwargs["local_dir"]

    monkeypatch.setattr(huggingface_hub, "snapshot_download", fake_snapshot_download)
    result = runner.invoke(app, ["models", "pull", "opus-mt-en-uk", "--force", "--set", f"models.root={tmp_path}"])
    assert result.exit_code == 0, result.output
    assert asked["force_download"] is True and asked["local_dir"] == str(tmp_path / "hub" / "opus-mt-en-uk")
