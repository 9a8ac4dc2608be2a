"""`newsbridge run` on a long article says which stage it is in once it is slow."""

from __future__ import annotations

import io
import time

from rich.console import Console

from pipeline.cli.run import StageProgress
from pipeline.config import load_config
from pipeline.runner import Pipeline
from pipeline.io.readers import read_path

from ..conftest import SAMPLE_ARTICLE


def test_pipeline_reports_each_stage_as_it_starts():
    cfg = load_config(None, ["pipeline.stages=[clean,segment]"])
    seen = []
    Pipeline.from_config(cfg).run(read_path(SAMPLE_ARTICLE, cfg.read), on_stage=lambda *a: seen.append(a))
    assert seen == [("clean", 0, 2), ("segment", 1, 2)]


def _console() -> tuple[Console, io.StringIO]:
    buf = io.StringIO()
    return Console(file=buf, force_terminal=True, width=80), buf


def test_stage_progress_shows_after_the_delay_and_only_on_a_terminal():
    console, buf = _console()
    with StageProgress(console, delay=0.0) as progress:
        deadline = time.monotonic() + 30
        while progress.progress is None and time.monotonic() < deadline:  # the timer thread started it
            time.sleep(0.01)
        progress.stage("translate", 3, 6)
        progress.progress.refresh()
        assert "stage 4/6: translate" in buf.getvalue()
    quiet, quiet_buf = _console()
    with StageProgress(quiet, delay=3600) as progress:  # a quick run: never shown
        progress.stage("translate", 3, 6)
    assert quiet_buf.getvalue() == "" and progress.progress is None
    plain = Console(file=io.StringIO(), force_terminal=False)
    with StageProgress(plain, delay=0.0) as progress:
        progress.stage("clean", 0, 2)
    assert progress.progress is None
