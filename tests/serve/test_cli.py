"""`newsbridge serve` refuses what cannot work with one line and an exit code."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

from ..conftest import REPO, TINY_CONFIG


def _serve(*args, timeout=300):
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-c", "from pipeline.cli.app import main; main()", "serve", *args],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout)


def test_missing_models_stop_the_server_with_exit_3(tmp_path):
    result = _serve("--port", "0", "--data", str(tmp_path / "d"), "--set", f"models.root={tmp_path / 'no-models'}")
    assert result.returncode == 3, result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("error: models failed to load: model ") and "not available" in last
    assert "Traceback" not in result.stderr


def test_unusable_data_dir_and_busy_port(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = _serve("--config", str(TINY_CONFIG), "--port", "0", "--data", str(blocker / "sub"))
    assert result.returncode == 1 and "cannot open the job database" in result.stderr and "Traceback" not in result.stderr
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        busy = _serve("--config", str(TINY_CONFIG), "--port", str(port), "--data", str(tmp_path / "d"))
    assert busy.returncode == 1 and f"cannot listen on 127.0.0.1:{port}" in busy.stderr
