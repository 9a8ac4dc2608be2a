"""Shared fixtures: tiny models built once per test session, configs pointing at them."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pipeline.config import Config, load_config
from pipeline.context import Context
from pipeline.data import Article, Source

REPO = Path(__file__).resolve().parent.parent
# A copy of ../shared/data/articles/mali-rebels-en.txt, so a clean clone tests on its own.
SAMPLE_ARTICLE = REPO / "tests" / "fixtures" / "mali-rebels-en.txt"
# The project's shared data sits beside the checkout (../shared); a checkout elsewhere
# (a git worktree, a CI clone) names it with NEWSBRIDGE_SHARED_DATA=/path/to/shared/data.
WMT_DIR = Path(os.environ.get("NEWSBRIDGE_SHARED_DATA", REPO.parent / "shared" / "data")) / "wmt22-dev"
TINY_CONFIG = REPO / "configs" / "tiny.yaml"


@pytest.fixture(autouse=True)
def _registries_left_as_found(request):
    """A test that registers a stage or backend must take it out again: otherwise every
    later test runs against a registry it did not set up (names, `--set` lookups)."""
    from pipeline import registry

    tables = {name: getattr(registry, name) for name in ("stages", "translators", "summarizers", "segmenters", "detectors")}
    before = {name: set(table.names()) for name, table in tables.items()}
    yield
    leaked = {name: sorted(set(table.names()) - before[name]) for name, table in tables.items()}
    leaked = {name: names for name, names in leaked.items() if names}
    assert not leaked, f"{request.node.nodeid} left entries registered: {leaked}"


@pytest.fixture(scope="session")
def models_root(tmp_path_factory) -> Path:
    """A models root with tiny/ built in it (a few seconds, once per session)."""
    from pipeline.tiny_models import build_tiny_models

    root = tmp_path_factory.mktemp("models")
    build_tiny_models(root / "tiny")
    return root


@pytest.fixture(scope="session")
def tiny_overrides(models_root) -> list[str]:
    return [f"models.root={models_root}", "runtime.threads=1"]


@pytest.fixture
def tiny_config(tiny_overrides) -> Config:
    return load_config(TINY_CONFIG, tiny_overrides)


@pytest.fixture(scope="session")
def tiny_context(tiny_overrides) -> Context:
    """One context (models loaded once) shared by tests that only read from it."""
    return Context(load_config(TINY_CONFIG, tiny_overrides))


@pytest.fixture
def sample_text() -> str:
    return SAMPLE_ARTICLE.read_text(encoding="utf-8")


def make_article(text: str, id: str = "a1", **source) -> Article:
    return Article(id=id, source=Source(path=f"{id}.txt", **source), raw=text)


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the digest's and the service's browser tests."""
    import shutil

    from .digest.browser import start_browser

    driver, profile = start_browser()
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)
