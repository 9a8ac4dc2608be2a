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


class ModelDamaged(ModelError):
    """A model directory is there but its files do not load: truncated or garbage weights,
    a broken config or tokenizer, tokenizer files missing. Re-getting it is the fix, so
    the message says how (`hint`, filled in by whoever knows where the model came from)."""

    kind = "model_damaged"

    def __init__(self, name: str, path: object, problem: str, hint: str = ""):
        self.name = name
        self.path = str(path)
        self.problem = problem
        self.hint = hint
        super().__init__(f"model '{name}' at {self.path} looks damaged ({problem}). {hint}".rstrip())

    def with_hint(self, hint: str) -> "ModelDamaged":
        return ModelDamaged(self.name, self.path, self.problem, hint)


class OutputDirError(NewsbridgeError):
    """An output directory cannot be used: a file in its place or on its path, not
    writable, or holding someone else's files."""

    kind = "output"
    exit_code = 2


class StageError(NewsbridgeError):
    """A stage failed on one article; recorded on the article, the batch goes on."""

    kind = "stage"

    def __init__(self, stage: str, message: str, *, kind: str | None = None):
        self.stage = stage
        if kind:
            self.kind = kind
        super().__init__(message)


def exception_brief(exc: BaseException, limit: int = 200) -> str:
    """`Type: message` on one line, cut to `limit` characters: a library's failure inside
    one of ours, short enough for a one-line error."""
    text = " ".join(str(exc).split())
    if len(text) > limit:
        text = text[:limit] + "..."
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
