import hashlib
import json
from pathlib import Path

import pytest

from pipeline.config import ModelsConfig
from pipeline.errors import ModelError, ModelUnavailable
from pipeline.models import ModelCatalog
from pipeline.tiny_models import build_tiny_models

from .conftest import REPO


def test_manifest_lists_real_and_tiny_models():
    catalog = ModelCatalog(ModelsConfig())
    specs = catalog.specs
    assert specs["opus-mt-en-uk"].hub_id == "Helsinki-NLP/opus-mt-en-uk"
    assert specs["tiny-marian-en-uk"].build == "tiny"
    assert {s.role for s in specs.values()} == {"translate", "summarize"}


def test_missing_tiny_model_says_build_tiny(tmp_path):
    catalog = ModelCatalog(ModelsConfig(root=str(tmp_path)))
    with pytest.raises(ModelUnavailable) as exc:
        catalog.resolve("tiny-marian-en-uk")
    msg = str(exc.value)
    assert "tiny-marian-en-uk" in msg and str(tmp_path / "tiny" / "marian-en-uk") in msg
    assert "newsbridge models build-tiny" in msg


def test_missing_hub_model_says_pull_and_local_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hf"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    catalog = ModelCatalog(ModelsConfig(root=str(tmp_path)))
    with pytest.raises(ModelUnavailable) as exc:
        catalog.resolve("opus-mt-en-uk")
    msg = str(exc.value)
    assert "newsbridge models pull opus-mt-en-uk" in msg
    assert "models.local_dirs.opus-mt-en-uk" in msg
    assert "Hugging Face cache" in msg


def test_unknown_reference_lists_known_names(tmp_path):
    catalog = ModelCatalog(ModelsConfig(root=str(tmp_path)))
    with pytest.raises(ModelUnavailable, match="neither a manifest name"):
        catalog.resolve("no-such-model")


def test_local_dir_override_and_direct_path(models_root, tmp_path):
    real = models_root / "tiny" / "marian-en-uk"
    catalog = ModelCatalog(ModelsConfig(root=str(tmp_path), local_dirs={"opus-mt-en-uk": str(real)}))
    assert catalog.resolve("opus-mt-en-uk").path == real
    # A config may also name a directory directly.
    assert catalog.resolve(str(real)).path == real


def test_pickle_weights_refused_unless_opted_in(tmp_path):
    d = tmp_path / "m"
    d.mkdir()
    (d / "config.json").write_text(json.dumps({"model_type": "marian"}))
    (d / "pytorch_model.bin").write_bytes(b"not really")
    with pytest.raises(ModelError, match="pickle"):
        ModelCatalog(ModelsConfig(root=str(tmp_path))).resolve(str(d))
    assert ModelCatalog(ModelsConfig(root=str(tmp_path), allow_pickle=True)).resolve(str(d)).path == d


def test_directory_without_weights_is_refused(tmp_path):
    d = tmp_path / "m"
    d.mkdir()
    (d / "config.json").write_text("{}")
    with pytest.raises(ModelError, match="no weights"):
        ModelCatalog(ModelsConfig()).resolve(str(d))


def _digest(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_build_tiny_is_deterministic_and_loadable(tmp_path, models_root):
    built = build_tiny_models(tmp_path / "tiny")
    assert {p.name for p in built} == {
        "marian-en-uk", "marian-uk-en", "marian-ru-en", "marian-en-zle", "marian-mul-en",
        "t5-summarizer", "bart-summarizer", "mt5-summarizer",
    }
    assert _digest(tmp_path / "tiny") == _digest(models_root / "tiny")
    for p in built:
        assert (p / "model.safetensors").exists() and not (p / "pytorch_model.bin").exists()

    from transformers import AutoConfig, AutoTokenizer

    assert AutoConfig.from_pretrained(built[0]).model_type == "marian"
    tok = AutoTokenizer.from_pretrained(tmp_path / "tiny" / "marian-uk-en")
    ids = tok(["Привіт, світе!"])["input_ids"][0]
    assert len(ids) > 2 and ids[-1] == tok.eos_token_id  # real SentencePiece pieces, not one <unk>


def test_relative_directory_reference_is_relative_to_cwd(models_root, tmp_path, monkeypatch):
    monkeypatch.chdir(models_root)
    catalog = ModelCatalog(ModelsConfig(root=str(tmp_path)))  # a root where it is not
    assert catalog.resolve("tiny/marian-en-uk").path == (models_root / "tiny" / "marian-en-uk").resolve()


def test_manifest_ships_inside_the_package_and_weights_live_outside_it(monkeypatch, tmp_path):
    from pipeline import models
    from pipeline.config import ModelsConfig

    manifest = models.default_manifest_path()
    assert manifest.is_file() and manifest.parent.name == "resources" and manifest.parent.parent.name == "pipeline"
    assert "opus-mt-en-uk" in models.load_manifest(manifest)
    # From a checkout: its models/ folder.
    assert ModelCatalog(ModelsConfig()).root == REPO / "models"
    # Installed (no checkout above the package): the user's data folder.
    monkeypatch.setattr(models, "_CHECKOUT", tmp_path / "site-packages")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert ModelCatalog(ModelsConfig()).root == tmp_path / "data" / "newsbridge" / "models"
