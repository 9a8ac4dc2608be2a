"""Named models: the manifest, resolving a name to a local directory, and pulling from a hub.

A model reference in a config is one of
  - a name in the manifest (pipeline/resources/manifest.yaml, shipped inside the
    package so an installed wheel has it too): role, hub id + revision, local dir;
  - a path to a local model directory;
  - a hub id ("org/name"), looked up in the Hugging Face cache.
Resolution never downloads unless `models.offline` is false; `newsbridge models pull`
is the explicit way to fetch. A miss raises `ModelUnavailable` saying what was looked
for, where, and which command gets it.
"""

from __future__ import annotations

import difflib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .config import ModelsConfig, yaml_problem
from .errors import ConfigError, ModelDamaged, ModelError, ModelUnavailable, exception_brief

# The checkout newsbridge runs from, when it runs from one (an editable install or
# PYTHONPATH); an installed wheel has none.
_CHECKOUT = Path(__file__).resolve().parent.parent
_SAFE_WEIGHTS = ("model.safetensors", "model.safetensors.index.json")
_PICKLE_WEIGHTS = ("pytorch_model.bin", "pytorch_model.bin.index.json")
# What `pull` fetches: weights in safetensors, configs and tokenizer files.
_PULL_PATTERNS = ["*.json", "*.safetensors", "*.spm", "*.model", "*.txt", "*.vocab"]


@dataclass(frozen=True)
class ModelSpec:
    name: str
    role: str  # translate | summarize
    hub_id: str | None = None
    revision: str = "main"
    local_dir: str | None = None
    src: str | None = None  # translation source language ("mul" for multilingual)
    tgt: str | None = None
    # Target-language token a multi-target Marian model wants before the text (">>ukr<<").
    target_token: str | None = None
    # Task prefix for T5-style models ("summarize: ").
    prefix: str | None = None
    # How it is built when it is one of ours: "tiny" models come from `models build-tiny`.
    build: str | None = None
    format: str = "transformers"  # transformers | ctranslate2
    notes: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ResolvedModel:
    spec: ModelSpec
    path: Path

    def signature(self) -> dict[str, Any]:
        sig: dict[str, Any] = {"path": str(self.path)}
        if self.spec.hub_id:
            sig["hub_id"] = self.spec.hub_id
            sig["revision"] = self.spec.revision
        commit = _snapshot_commit(self.path)
        if commit:
            sig["commit"] = commit
        return sig


def default_manifest_path() -> Path:
    """The manifest inside the package (package data, found from a wheel as well)."""
    from importlib import resources

    return Path(str(resources.files("pipeline.resources").joinpath("manifest.yaml")))


def default_models_root() -> Path:
    """Where model weights live when `models.root` is not set: the checkout's `models/`
    folder when newsbridge runs from a checkout, else the user's data folder
    ($XDG_DATA_HOME/newsbridge/models, by default ~/.local/share/newsbridge/models)."""
    if (_CHECKOUT / "pyproject.toml").is_file() and (_CHECKOUT / "models").is_dir():
        return _CHECKOUT / "models"
    data_home = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return Path(data_home) / "newsbridge" / "models"


class ModelCatalog:
    """The manifest plus the `models` config section: everything needed to find a model."""

    def __init__(self, config: ModelsConfig):
        self.config = config
        # Absolute, from where the user runs: messages then name the very directory searched.
        self.manifest_path = _absolute(config.manifest) if config.manifest else default_manifest_path()
        if config.root:
            self.root = _absolute(config.root)
        elif config.manifest:
            self.root = self.manifest_path.parent  # a manifest of one's own: local_dirs next to it
        else:
            self.root = default_models_root()
        self._specs: dict[str, ModelSpec] | None = None

    @property
    def specs(self) -> dict[str, ModelSpec]:
        if self._specs is None:
            self._specs = load_manifest(self.manifest_path)
        return self._specs

    def spec(self, ref: str, role: str | None = None) -> ModelSpec:
        if ref in self.specs:
            return self.specs[ref]
        # Not a manifest name: a local directory or a hub id, described on the fly.
        if Path(ref).expanduser().is_dir():
            # Absolute: a directory named in a config is relative to where the user runs,
            # not to the models root that manifest local_dirs are relative to.
            return ModelSpec(name=ref, role=role or "unknown", local_dir=str(Path(ref).expanduser().resolve()))
        if _looks_like_hub_id(ref):
            return ModelSpec(name=ref, role=role or "unknown", hub_id=ref)
        known = ", ".join(sorted(self.specs)) or "none"
        close = difflib.get_close_matches(ref, list(self.specs), n=1)
        guess = f"Did you mean '{close[0]}'? " if close else ""
        raise ModelUnavailable(
            ref,
            [str(self.manifest_path), str(_absolute(ref))],
            f"{guess}It is neither a manifest name (known: {known}), a local directory, nor a hub id.",
        )

    def local_dir(self, spec: ModelSpec) -> Path | None:
        override = self.config.local_dirs.get(spec.name)
        if override:
            return _absolute(override)
        if spec.local_dir:
            path = Path(spec.local_dir).expanduser()
            return path if path.is_absolute() else self.root / path
        return None

    def resolve(self, ref: str, role: str | None = None) -> ResolvedModel:
        spec = self.spec(ref, role)
        looked: list[str] = []
        local = self.local_dir(spec)
        if local is not None:
            looked.append(str(local))
            if _is_model_dir(local):
                return ResolvedModel(spec, self._checked(spec, local))
        if spec.hub_id:
            cached = _hub_snapshot(spec.hub_id, spec.revision, local_only=True)
            looked.append(f"Hugging Face cache ({spec.hub_id}@{spec.revision})")
            if cached is not None:
                return ResolvedModel(spec, self._checked(spec, cached))
            if not self.config.offline:
                fetched = _hub_snapshot(spec.hub_id, spec.revision, local_only=False)
                looked.append(f"hub ({spec.hub_id})")
                if fetched is not None:
                    return ResolvedModel(spec, self._checked(spec, fetched))
        raise ModelUnavailable(spec.name, looked, self.how_to_get(spec))

    def how_to_get(self, spec: ModelSpec) -> str:
        if spec.build == "tiny":
            return self._build_tiny(spec, "Build")
        if spec.hub_id and spec.name in self.specs:
            return (
                f"Fetch it with `{self._pull_command(spec)}` where the hub is reachable, "
                f"or point at a local copy with `--set models.local_dirs.{spec.name}=/path/to/dir`."
            )
        if spec.hub_id:
            return f"Download it where the hub is reachable (`hf download {spec.hub_id}` or set models.offline=false)."
        return "Check the path, or add the model to the manifest."

    def how_to_repair(self, spec: ModelSpec) -> str:
        """How to get a fresh copy of a model whose files are there but damaged."""
        if spec.build == "tiny":
            return self._build_tiny(spec, "Rebuild")
        if spec.hub_id and spec.name in self.specs:
            # --force: the hub client trusts a local file whose download record still matches.
            return f"Download it again with `{self._pull_command(spec)} --force` where the hub is reachable."
        if spec.hub_id:
            return f"Download it again where the hub is reachable (`hf download {spec.hub_id} --force-download`)."
        return "Replace its files with a good copy, or point the config at another directory."

    def _pull_command(self, spec: ModelSpec) -> str:
        # `pull` writes where this run looks: say so when that is not the default place.
        override = self.config.local_dirs.get(spec.name)
        if override:
            return f"newsbridge models pull {spec.name} --set models.local_dirs.{spec.name}={_absolute(override)}"
        return f"newsbridge models pull {spec.name}{self._root_option()}"

    def _build_tiny(self, spec: ModelSpec, verb: str) -> str:
        override = self.config.local_dirs.get(spec.name)
        if override and spec.local_dir:
            # build-tiny makes every tiny model in DIR/<its folder>; the override must be one.
            folder = Path(spec.local_dir).name
            target = _absolute(override)
            if target.name == folder:
                return f"{verb} it with `newsbridge models build-tiny {target.parent}`."
            return f"{verb} it with `newsbridge models build-tiny DIR` and set models.local_dirs.{spec.name}=DIR/{folder}."
        return f"{verb} it with `newsbridge models build-tiny{self._root_option()}`."

    def _root_option(self) -> str:
        return f" --set models.root={self.root}" if self.config.root else ""

    def _checked(self, spec: ModelSpec, path: Path) -> Path:
        """Refuse files that are visibly damaged, and pickle-only weights unless the user opted in."""
        if spec.format != "transformers":
            return path
        problem = damaged_files(path)
        if problem:
            raise ModelDamaged(spec.name, path, problem, self.how_to_repair(spec))
        if self.config.allow_pickle or any((path / f).exists() for f in _SAFE_WEIGHTS):
            return path
        if any((path / f).exists() for f in _PICKLE_WEIGHTS):
            raise ModelError(
                f"model '{spec.name}' at {path} has only pickle weights (pytorch_model.bin), which can run "
                "code when loaded; convert them to safetensors or set models.allow_pickle=true if you trust the source"
            )
        raise ModelError(f"model '{spec.name}' at {path} has no weights (expected model.safetensors)")

    def pullable(self, name: str) -> ModelSpec:
        """The spec of a model `pull` can fetch; else why not (checked before any download)."""
        spec = self.spec(name)
        if spec.hub_id:
            return spec
        # Not "unavailable": it may well be there; it just does not come from a hub.
        if spec.build:
            raise ModelError(f"model '{spec.name}' has no hub id to pull from: it is built here. {self.how_to_get(spec)}")
        raise ModelError(f"model '{spec.name}' is a local directory with no hub id: there is nothing to pull")

    def pull(self, name: str, *, force: bool = False) -> Path:
        """Download a manifest model into its local directory (`force`: every file again,
        whatever is there already)."""
        spec = self.pullable(name)
        target = self.local_dir(spec) or self.root / "hub" / spec.name.replace("/", "--")
        try:
            from huggingface_hub import snapshot_download

            snapshot_download(
                repo_id=spec.hub_id,
                revision=spec.revision,
                local_dir=str(target),
                allow_patterns=_PULL_PATTERNS + (["*.bin"] if self.config.allow_pickle else []),
                force_download=force,
            )
        except Exception as exc:  # noqa: BLE001 - network and hub errors come in many types
            raise ModelUnavailable(
                spec.name,
                [f"hub ({spec.hub_id}@{spec.revision})"],
                f"Download failed ({type(exc).__name__}: {_first_sentence(exc)}). Is the hub reachable from here?",
            ) from None
        return self._checked(spec, target)


def load_manifest(path: Path) -> dict[str, ModelSpec]:
    if not path.is_file():
        raise ConfigError(f"model manifest not found: {path} (set models.manifest)")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML {yaml_problem(exc)}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot be read as a model manifest ({exception_brief(exc)})") from None
    entries = data.get("models", data)
    if not isinstance(entries, dict):
        raise ConfigError(f"{path}: expected a mapping of model names")
    known = set(ModelSpec.__dataclass_fields__) - {"name", "extra"}
    specs = {}
    for name, entry in entries.items():
        if not isinstance(entry, dict) or "role" not in entry:
            raise ConfigError(f"{path}: model '{name}' needs a mapping with at least a 'role'")
        extra = {k: v for k, v in entry.items() if k not in known}
        specs[name] = ModelSpec(name=name, extra=extra, **{k: v for k, v in entry.items() if k in known})
    return specs


def damaged_files(path: Path) -> str | None:
    """What is visibly wrong with a transformers model directory, checked cheaply (the
    config parsed, safetensors headers read and matched to the file sizes); None if nothing.
    Loading finds the rest (tokenizer files)."""
    from safetensors import SafetensorError, safe_open

    try:
        config = json.loads((path / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        return f"config.json: {exception_brief(exc)}"
    if not isinstance(config, dict):
        return "config.json: not a JSON object"
    shards = ["model.safetensors"] if (path / "model.safetensors").exists() else []
    index = path / "model.safetensors.index.json"
    if not shards and index.exists():
        try:
            shards = sorted(set(json.loads(index.read_text(encoding="utf-8"))["weight_map"].values()))
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            return f"{index.name}: {exception_brief(exc)}"
    for shard in shards:
        if not (path / shard).is_file():
            return f"{shard} missing"
        try:
            # Reads the header only; a truncated file no longer covers what it lists.
            with safe_open(str(path / shard), framework="np"):
                pass
        except (OSError, SafetensorError) as exc:
            return f"{shard}: {exception_brief(exc)}"
    return None


def _absolute(path: str) -> Path:
    """A configured path, ~ expanded, relative to the working directory; symlinks kept."""
    return Path(os.path.abspath(Path(path).expanduser()))


def _is_model_dir(path: Path) -> bool:
    return path.is_dir() and (path / "config.json").is_file()


def _looks_like_hub_id(ref: str) -> bool:
    parts = ref.split("/")
    return len(parts) == 2 and all(parts) and not ref.startswith((".", "/", "~"))


def _hub_snapshot(hub_id: str, revision: str, *, local_only: bool) -> Path | None:
    from huggingface_hub import snapshot_download

    offline = local_only or os.environ.get("HF_HUB_OFFLINE") == "1"
    try:
        path = snapshot_download(
            repo_id=hub_id,
            revision=revision,
            local_files_only=offline,
            allow_patterns=_PULL_PATTERNS,
        )
    except Exception:  # noqa: BLE001 - a miss is reported by the caller with what was looked for
        return None
    path = Path(path)
    return path if _is_model_dir(path) else None


def _snapshot_commit(path: Path) -> str | None:
    # Hub cache snapshots live in .../snapshots/<commit>/
    if path.parent.name == "snapshots":
        return path.name
    return None


def _first_sentence(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text if len(text) <= 200 else text[:200] + "..."
