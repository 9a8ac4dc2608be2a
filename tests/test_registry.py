import pytest

from pipeline import registry
from pipeline.config import load_config
from pipeline.errors import ConfigError
from pipeline.runner import Pipeline


def test_unknown_stage_lists_known():
    cfg = load_config(None, ["pipeline.stages=[clean, cleen]"])
    with pytest.raises(ConfigError, match="unknown stage 'cleen'.*clean"):
        Pipeline.from_config(cfg)


def test_registered_entries_resolve():
    for name in registry.stages.names():
        assert callable(registry.stages.get(name))
    reg = registry.Registry("thing")

    @reg.register("x")
    class X:
        pass

    assert reg.get("x") is X
