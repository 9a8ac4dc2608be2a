"""runtime.device=cuda on a machine without a card: one line, the config error's exit code,
before any model loads (this machine has no GPU; the CUDA path itself is measured by
scripts/bench_gpu.sh on one that has)."""

import pytest
from typer.testing import CliRunner

from pipeline.backends.device import cuda_devices
from pipeline.cli.app import app

from ..conftest import SAMPLE_ARTICLE, TINY_CONFIG

runner = CliRunner()


@pytest.mark.skipif(cuda_devices() > 0, reason="a CUDA card is visible here")
@pytest.mark.parametrize("command", ["run", "batch"])
def test_cuda_without_a_card_is_one_clear_error(tmp_path, command):
    args = [command, str(SAMPLE_ARTICLE), "--config", str(TINY_CONFIG), "--set", "runtime.device=cuda"]
    if command == "batch":
        args += ["--out", str(tmp_path / "out"), "--no-progress"]
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and "runtime.device=cuda" in lines[0] and "no CUDA device" in lines[0]
    assert "Traceback" not in result.output


def test_device_is_validated_in_the_config():
    from pipeline.config import load_config
    from pipeline.errors import ConfigError

    with pytest.raises(ConfigError, match="runtime.device"):
        load_config(None, ["runtime.device=tpu"])
