"""What every command shares: option types, config loading, and the error boundary.

Inside `pipeline`, failures are typed exceptions; here, and only here, they become one
line on stderr and a non-zero exit code, with no traceback for user errors.
"""

from __future__ import annotations

import functools
import logging
import os
import sys
from pathlib import Path
from typing import Annotated, Any, Callable, Optional

import typer

from ..config import Config, load_config
from ..errors import NewsbridgeError

ConfigOpt = Annotated[
    Optional[Path],
    typer.Option("--config", "-c", help="YAML config file, or a built-in one by name: default, tiny (default: the built-in defaults)."),
]
SetOpt = Annotated[
    Optional[list[str]],
    typer.Option("--set", "-s", help="Override a config value: --set translate.num_beams=1 (repeatable)."),
]
VerboseOpt = Annotated[bool, typer.Option("--verbose", "-v", help="Log progress and library messages.")]


def output_dir(value: str) -> Path:
    """An output directory option/argument: an empty one (an unset shell variable in
    `--out "$OUT"`) would otherwise become "." and fill the working directory."""
    if not value.strip():
        raise typer.BadParameter("is empty (an unset variable?); name the output directory, '.' for this one")
    return Path(value)


def quiet_libraries(verbose: bool = False) -> None:
    """Keep library chatter (progress bars, advisory warnings) off the terminal."""
    if verbose:
        logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
        return
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    if "transformers" in sys.modules:
        # Already imported (commands run in-process: tests, notebooks): it read the
        # environment then, so tell it directly. Not imported: the variables above do.
        from transformers.utils import logging as hf_logging

        hf_logging.set_verbosity_error()
        hf_logging.disable_progress_bar()
    import warnings

    warnings.filterwarnings("ignore", category=UserWarning)
    warnings.filterwarnings("ignore", category=FutureWarning)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    # HTML extraction logs its own ERROR/WARNING lines ("empty HTML tree", "discarding data:
    # None") for a page without text, just before newsbridge's one-line error names it.
    logging.getLogger("trafilatura").setLevel(logging.CRITICAL)
    for name in ("htmldate", "courlan"):
        logging.getLogger(name).setLevel(logging.ERROR)


def load_cli_config(config: Path | None, overrides: list[str] | None) -> Config:
    from ..runner import check_stage_order

    cfg = load_config(config, overrides or [])
    # Before any input is read: a stage list that cannot work is a config error.
    check_stage_order(cfg.pipeline.stages)
    return cfg


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
