"""Fixtures for the translation tests: both real backends on the tiny models, and a
pure-Python fake backend whose behaviour a test scripts (to make guard tests sharp).

Import the fixtures a test module needs: `from ..translation_fixtures import ...`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import pytest

from pipeline import registry
from pipeline.backends.base import DecodeOptions, Translation, Translator
from pipeline.config import load_config
from pipeline.context import Context

from .conftest import TINY_CONFIG

BACKENDS = ["marian", "ctranslate2"]


@pytest.fixture(scope="session")
def ct2_converted(models_root) -> list[str]:
    """The tiny Marian models converted to CTranslate2 (int8) under <models root>/ct2."""
    from pipeline.backends.ct2 import convert_marian, converted_name
    from pipeline.models import ModelCatalog

    cfg = load_config(TINY_CONFIG, [f"models.root={models_root}"])
    catalog = ModelCatalog(cfg.models)
    names = sorted(n for n, s in catalog.specs.items() if s.build == "tiny" and s.role == "translate")
    for name in names:
        resolved = catalog.resolve(name)
        convert_marian(resolved.path, models_root / "ct2" / converted_name(name), "int8", force=True)
    return names


@pytest.fixture(params=BACKENDS)
def backend_overrides(request, tiny_overrides) -> list[str]:
    """tiny overrides for each real backend in turn (the same tests run on both)."""
    if request.param == "ctranslate2":
        request.getfixturevalue("ct2_converted")
    return [*tiny_overrides, f"translate.backend={request.param}"]


@pytest.fixture(scope="session")
def backend_contexts(tiny_overrides, ct2_converted) -> dict[str, Context]:
    """One context per backend, models loaded once, for tests that only read."""
    return {b: Context(load_config(TINY_CONFIG, [*tiny_overrides, f"translate.backend={b}"])) for b in BACKENDS}


# -- the fake backend -----------------------------------------------------------------------


@dataclass
class FakeCall:
    ref: str
    texts: list[str]
    options: DecodeOptions


@dataclass
class FakeScript:
    """What the fake backend answers: `respond(text, options, ref) -> Translation | str`."""

    respond: Callable[[str, DecodeOptions, str], "Translation | str"] = lambda text, options, ref: f"[{ref}] {text}"
    max_input_tokens: int = 512
    calls: list[FakeCall] = field(default_factory=list)

    def texts_for(self, ref: str) -> list[str]:
        return [t for c in self.calls if c.ref == ref for t in c.texts]


class FakeTranslator(Translator):
    """Tokens are words (+1 for </s>); output comes from the test's script."""

    script: FakeScript = FakeScript()

    def __init__(self, model, context):
        super().__init__()
        self.ref = model.spec.name
        self.max_input_tokens = self.script.max_input_tokens

    def count_tokens(self, texts):
        return [len(t.split()) + 1 for t in texts]

    def translate(self, texts, options=None):
        options = options or DecodeOptions()
        self.script.calls.append(FakeCall(self.ref, list(texts), options))
        out = []
        for text in texts:
            r = self.script.respond(text, options, self.ref)
            out.append(r if isinstance(r, Translation) else Translation(text=r, tokens=len(r.split())))
        return out


@pytest.fixture
def fake_script(monkeypatch) -> FakeScript:
    script = FakeScript()
    monkeypatch.setattr(FakeTranslator, "script", script)
    # Registered for this test only: a backend left registered changed later tests' registry.
    monkeypatch.setitem(registry.translators._entries, "fake", FakeTranslator)
    return script


@pytest.fixture
def fake_context(fake_script, tiny_overrides) -> Callable[..., Context]:
    """A Context whose translation backend is the fake; extra `--set`s as arguments."""

    def make(*overrides: str) -> Context:
        return Context(load_config(TINY_CONFIG, [*tiny_overrides, "translate.backend=fake", *overrides]))

    return make
