"""What stages share in one run: the config, the model catalog, loaded backends, and the
signature of what was used. Backends load once per run, on first use."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import __version__, registry
from .config import Config
from .errors import ConfigError, ModelDamaged
from .models import ModelCatalog, ResolvedModel

if TYPE_CHECKING:
    from .lru import LRUCache
    from .backends.base import Summarizer, Translator
    from .translation.engine import TranslationEngine


class Context:
    def __init__(self, config: Config):
        from .backends.device import check_device

        check_device(config.runtime.device)
        self.config = config
        self.catalog = ModelCatalog(config.models)
        self._translators: dict[str, "Translator"] = {}
        self._summarizers: dict[str, "Summarizer"] = {}
        self._engine: "TranslationEngine | None" = None
        self.models_used: dict[str, dict[str, Any]] = {}
        # Caches whose hits change what reaches a model: a batch job clears them at each
        # work unit, so a hit never returns what another batch shape decoded (batch/engine.py).
        self.caches: dict[str, "LRUCache[Any, Any]"] = {}

    def translator(self, ref: str) -> "Translator":
        if ref not in self._translators:
            resolved = self.catalog.resolve(ref, role="translate")
            _check_role(resolved, "translate")
            backend = registry.translators.get(self.config.translate.backend)
            self._translators[ref] = self._load(backend, resolved)
            self.models_used[resolved.spec.name] = _model_entry("translate", resolved, self._translators[ref])
        return self._translators[ref]

    def summarizer(self, ref: str) -> "Summarizer":
        if ref not in self._summarizers:
            backend = registry.summarizers.get(self.config.summarize.backend)
            if backend.needs_model:
                resolved = self.catalog.resolve(ref, role="summarize")
                _check_role(resolved, "summarize")
                self._summarizers[ref] = self._load(backend, resolved)
                self.models_used[resolved.spec.name] = _model_entry("summarize", resolved, self._summarizers[ref])
            else:
                self._summarizers[ref] = backend(None, self)
        return self._summarizers[ref]

    def _load(self, backend: Any, resolved: ResolvedModel) -> Any:
        try:
            return backend(resolved, self)
        except ModelDamaged as exc:
            if exc.hint:  # the backend knows better (a converted copy is re-converted)
                raise
            # Backends know what failed to load; the catalog knows where the model came from.
            raise exc.with_hint(self.catalog.how_to_repair(resolved.spec)) from None

    def translation_engine(self) -> "TranslationEngine":
        if self._engine is None:
            from .translation.engine import TranslationEngine

            self._engine = TranslationEngine(self)
        return self._engine

    def signature(self) -> dict[str, Any]:
        return {
            "newsbridge": __version__,
            "models": dict(self.models_used),
            "config_hash": self.config.config_hash(),
        }


def _check_role(resolved: ResolvedModel, role: str) -> None:
    """A summariser named as a translator (or the reverse) loads and runs without a
    complaint, and writes text of the wrong kind: refuse it by the manifest's role."""
    spec = resolved.spec
    if spec.role not in (role, "unknown"):
        raise ConfigError(f"model '{spec.name}' is a {spec.role} model (model manifest), named here as a {role} model")


def _model_entry(role: str, resolved: Any, backend: Any) -> dict[str, Any]:
    """A model's line in the signature; a quantised model says so (its outputs differ)."""
    entry = {"role": role, **resolved.signature()}
    quantize = getattr(backend, "quantize", "none")
    if quantize != "none":
        entry["quantize"] = quantize
    return entry
