"""What a hostile (or unlucky) user gives the CLI: one clear line and a non-zero exit,
never a traceback, and a message that says what is wrong with which input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.cli.app import app

from ..conftest import SAMPLE_ARTICLE, TINY_CONFIG

runner = CliRunner()
FAST = ["--set", "pipeline.stages=[clean,segment]"]


def _one_line_error(result, *needles: str, code: int | None = None) -> str:
    assert result.exit_code != 0 and isinstance(result.exception, SystemExit), (result.exception, result.output)
    assert "Traceback" not in result.output
    err = result.stderr.strip()
    assert err.startswith("error:") and "\n" not in err, err
    for needle in needles:
        assert needle in err, err
    if code is not None:
        assert result.exit_code == code, (result.exit_code, err)
    return err


def _unreadable(tmp_path: Path, name: str) -> Path:
    """A path that raises PermissionError when read, even for root where /proc allows."""
    path = tmp_path / name
    path.write_text("Some article text.\n", encoding="utf-8")
    path.chmod(0)
    try:
        path.read_bytes()
    except PermissionError:
        return path
    proc = Path("/proc/1/environ")  # another process's environment: refused to root in a container
    try:
        proc.read_bytes()
    except PermissionError:
        path.unlink()
        path.symlink_to(proc)
        return path
    except OSError:
        pass
    pytest.skip("cannot make a file unreadable here (root, no /proc/1/environ refusal)")


# -- inputs that cannot be read -------------------------------------------------------


@pytest.mark.parametrize(
    "command",
    [["run"], ["detect"], ["translate", "--to", "uk"], ["summarize"]],
    ids=lambda c: c[0],
)
def test_unreadable_article(tmp_path, command, tiny_overrides):
    path = _unreadable(tmp_path, "secret.txt")
    sets = [x for o in tiny_overrides for x in ("--set", o)]
    result = runner.invoke(app, [command[0], str(path), *command[1:], "--config", str(TINY_CONFIG), *sets])
    _one_line_error(result, f"{path}: cannot be read (Permission denied)", code=1)


def test_unreadable_article_in_batch_is_an_error_record(tmp_path):
    path = _unreadable(tmp_path, "secret.txt")
    out = tmp_path / "out"
    result = runner.invoke(app, ["batch", str(path), "--out", str(out), *FAST])
    assert result.exit_code == 0, result.output
    errors = [json.loads(x) for x in (out / "errors.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [(e["kind"], e["message"]) for e in errors] == [("unreadable", f"{path}: cannot be read (Permission denied)")]


def test_unreadable_eval_data(tmp_path):
    path = _unreadable(tmp_path, "dev.jsonl")
    result = runner.invoke(app, ["eval", "translate", "--data", str(path)])
    _one_line_error(result, f"{path}: cannot be read (Permission denied)", code=1)
