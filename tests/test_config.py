import pytest
import yaml

from pipeline.config import Config, load_config, validate_config
from pipeline.errors import ConfigError

from .conftest import REPO, TINY_CONFIG


def test_defaults_match_default_yaml():
    # configs/default.yaml restates the built-in defaults; regenerate it with
    # scripts/write_default_config.py when a field changes.
    data = yaml.safe_load((REPO / "configs" / "default.yaml").read_text(encoding="utf-8"))
    assert validate_config(data).to_dict() == Config().to_dict()


def test_tiny_config_is_valid():
    cfg = load_config(TINY_CONFIG)
    assert cfg.translate.models["en-uk"] == "tiny-marian-en-uk"


def test_unknown_key_names_key_file_and_suggestion(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("translate:\n  num_beam: 2\n", encoding="utf-8")
    with pytest.raises(ConfigError) as exc:
        load_config(path)
    msg = str(exc.value)
    assert str(path) in msg and "unknown key 'translate.num_beam'" in msg and "num_beams" in msg


def test_unknown_section():
    with pytest.raises(ConfigError, match="unknown key 'translat'"):
        load_config(None, ["translat.num_beams=2"])


def test_bad_value_is_named():
    with pytest.raises(ConfigError, match=r"translate\.num_beams"):
        load_config(None, ["translate.num_beams=zero"])
    with pytest.raises(ConfigError, match=r"translate\.num_beams"):
        load_config(None, ["translate.num_beams=0"])


def test_set_overrides_are_typed_and_nested():
    cfg = load_config(TINY_CONFIG, ["translate.num_beams=3", "langid.languages=[en, uk]", "models.local_dirs.x=/tmp/x"])
    assert cfg.translate.num_beams == 3
    assert cfg.langid.languages == ["en", "uk"]
    assert cfg.models.local_dirs == {"x": "/tmp/x"}
    # The file's other values survive an override in the same section.
    assert cfg.translate.models["en-uk"] == "tiny-marian-en-uk"


@pytest.mark.parametrize("bad", ["novalue", "=3", "a..b=1"])
def test_malformed_set(bad):
    with pytest.raises(ConfigError, match="--set"):
        load_config(None, [bad])


def test_set_into_a_value_is_an_error():
    with pytest.raises(ConfigError, match="is a value"):
        load_config(None, ["translate.num_beams=2", "translate.num_beams.x=1"])


def test_missing_and_malformed_files(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "nope.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("translate: [1, 2\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(bad)
    lst = tmp_path / "list.yaml"
    lst.write_text("- a\n- b\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="mapping"):
        load_config(lst)


def test_hash_is_stable_and_tracks_changes():
    a, b = load_config(TINY_CONFIG), load_config(TINY_CONFIG)
    assert a.config_hash() == b.config_hash()
    c = load_config(TINY_CONFIG, ["translate.num_beams=2"])
    assert c.config_hash() != a.config_hash()


def test_target_languages_are_a_constant_not_a_setting():
    # The key was accepted and ignored by the record, the pairs outputs and the digest.
    from pipeline.data import TARGET_LANGS

    assert TARGET_LANGS == ("en", "uk")
    with pytest.raises(ConfigError, match="translate.targets is not a setting: the target languages are always en and uk"):
        load_config(None, ["translate.targets=[en, de]"])


def test_built_in_configs_by_name_are_the_checkout_ones():
    # From a wheel there is no configs/ folder: `--config tiny` names the packaged copy.
    from pipeline.config import builtin_configs

    assert set(builtin_configs()) >= {"default", "tiny"}
    assert load_config("tiny") == load_config(TINY_CONFIG)
    assert load_config("default") == load_config(None)
    with pytest.raises(ConfigError, match=r"config file not found: tiny2 \(built-in configs: default, tiny"):
        load_config("tiny2")
