"""A model-stage archive and its one-worker outputs, built once per session for the tests
that compare worker counts, ranks and resumes against it (test_work_units, test_ray)."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from pipeline.cli.app import app

from ..conftest import TINY_CONFIG
from .helpers import write_jsonl, write_txt_articles

# Work units of 4 records: the 26 records make 7 units, so 2 or 3 workers all get some and
# every model batch holds several articles. The model stages keep their default batch
# sizes and caches, and the sampled sentences repeat across articles (cache hits).
UNIT = "batch.batch_size=4"


def sets(items):
    return [x for item in items for x in ("--set", item)]


@pytest.fixture(scope="session")
def model_archive(tmp_path_factory, tiny_overrides):
    """(archive, CLI options, the outputs of one local worker)."""
    tmp_path = tmp_path_factory.mktemp("model-archive")
    root = tmp_path / "archive"
    write_txt_articles(root, 24, seed=5)
    write_jsonl(root / "feed.jsonl", [{"id": "dup", "text": "Kyiv is sunny today.\n\nWind is light."},
                                      {"id": "dup", "text": "Kyiv is sunny today.\n\nWind is light."}])
    options = ["--config", str(TINY_CONFIG), *sets([*tiny_overrides, UNIT]), "--no-progress"]
    base = tmp_path / "one-local-worker"
    done = CliRunner().invoke(app, ["batch", str(root), "--out", str(base), *options])
    assert done.exit_code == 0, done.output
    return root, options, base
