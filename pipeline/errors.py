"""Typed errors. Code inside `pipeline` raises these; only `pipeline.cli` turns them into
messages and exit codes. Each carries a short machine-readable `kind` used in error records.
"""

from __future__ import annotations


class NewsbridgeError(Exception):
    """Base of every error newsbridge raises on purpose."""

    kind = "error"
    exit_code = 1


class ConfigError(NewsbridgeError):
    """A config file or override is missing, malformed, or names unknown keys/values."""

    kind = "config"
    exit_code = 2


class InputError(NewsbridgeError):
    """An input cannot be read as an article: missing, empty, binary, undecodable..."""

    kind = "input"

    def __init__(self, path: object, problem: str, *, kind: str | None = None):
        self.path = str(path)
        self.problem = problem
        if kind:
            self.kind = kind
        super().__init__(f"{self.path}: {problem}")


class ModelUnavailable(NewsbridgeError):
    """A named model cannot be found where it was looked for."""

    kind = "model_unavailable"
    exit_code = 3

    def __init__(self, name: str, looked: list[str], hint: str):
        self.name = name
        self.looked = looked
        self.hint = hint
        where = "; ".join(looked) if looked else "nowhere"
        super().__init__(f"model '{name}' is not available (looked in: {where}). {hint}")


class ModelError(NewsbridgeError):
    """A model was found but could not be loaded or run (bad files, unsafe weights...)."""

    kind = "model"
    exit_code = 3


class StageError(NewsbridgeError):
    """A stage failed on one article; recorded on the article, the batch goes on."""

    kind = "stage"

    def __init__(self, stage: str, message: str, *, kind: str | None = None):
        self.stage = stage
        if kind:
            self.kind = kind
        super().__init__(message)
