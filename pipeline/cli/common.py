"""What every command shares: option types, config loading, and the error boundary.

Inside `pipeline`, failures are typed exceptions; here, and only here, they become one
line on stderr and a non-zero exit code, with no traceback for user errors.
"""

from __future__ import annotations

import functools
import logging
import os
from pathlib import Path
from typing import Annotated, Any, Callable, Optional

import typer

from ..config import Config, load_config
from ..errors import NewsbridgeError

ConfigOpt = Annotated[
    Optional[Path],
    typer.Option("--config", "-c", help="YAML config (default: built-in defaults = configs/default.yaml)."),
]
SetOpt = Annotated[
    Optional[list[str]],
    typer.Option("--set", "-s", help="Override a config value: --set translate.num_beams=1 (repeatable)."),
]
VerboseOpt = Annotated[bool, typer.Option("--verbose", "-v", help="Log progress and library messages.")]


def quiet_libraries(verbose: bool = False) -> None:
    """Keep library chatter (progress bars, advisory warnings) off the terminal."""
    if verbose:
        logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
        return
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    import warnings

    warnings.filterwarnings("ignore", category=UserWarning)
    warnings.filterwarnings("ignore", category=FutureWarning)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    # trafilatura logs ERROR for an empty or frameset page; newsbridge reports that page
    # itself, with its path, as a boilerplate input error.
    logging.getLogger("trafilatura").setLevel(logging.CRITICAL)


def load_cli_config(config: Path | None, overrides: list[str] | None) -> Config:
    return load_config(config, overrides or [])


def fail(message: str, code: int = 1) -> typer.Exit:
    one_line = " ".join(message.split())  # library messages can span lines
    typer.secho(f"error: {one_line}", err=True, fg=typer.colors.RED)
    return typer.Exit(code)


def cli_errors(func: Callable[..., Any]) -> Callable[..., Any]:
    """Turn newsbridge errors into one clear line and an exit code."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except NewsbridgeError as exc:
            raise fail(str(exc), exc.exit_code) from None
        except KeyboardInterrupt:
            raise fail("interrupted", 130) from None

    return wrapper
