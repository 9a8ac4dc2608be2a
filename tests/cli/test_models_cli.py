from typer.testing import CliRunner

from pipeline.cli.app import app

runner = CliRunner()


def test_models_list_shows_status(models_root):
    result = runner.invoke(app, ["models", "list", "--set", f"models.root={models_root}"])
    assert result.exit_code == 0, result.output
    lines = {line.split()[0]: line for line in result.stdout.splitlines()[1:]}
    assert " ok " in lines["tiny-marian-en-uk"]
    assert "missing" in lines["opus-mt-en-uk"] and "models pull" in lines["opus-mt-en-uk"]


def test_build_tiny_into_dir(tmp_path):
    result = runner.invoke(app, ["models", "build-tiny", str(tmp_path / "t")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "t" / "marian-en-uk" / "model.safetensors").exists()


def test_pull_unreachable_hub_is_one_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hf"))
    result = runner.invoke(app, ["models", "pull", "opus-mt-en-uk", "--set", f"models.root={tmp_path}"])
    assert result.exit_code != 0
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("error:") and "opus-mt-en-uk" in last and "Traceback" not in result.output
