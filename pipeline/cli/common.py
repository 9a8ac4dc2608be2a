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
from ..errors import NewsbridgeError, exception_brief

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
    from ..threads import prepare_environment

    prepare_environment()  # before torch/CTranslate2 load: thread counts, short OpenMP spin
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

    from ..malloc import configure as configure_malloc

    cfg = load_config(config, overrides or [])
    # Before any input is read: a stage list that cannot work is a config error.
    check_stage_order(cfg.pipeline.stages)
    configure_malloc(cfg)  # before any model loads or thread starts
    return cfg


def fail(message: str, code: int = 1) -> typer.Exit:
    one_line = " ".join(message.split())  # library messages can span lines
    typer.secho(f"error: {one_line}", err=True, fg=typer.colors.RED)
    return typer.Exit(code)


def cli_errors(func: Callable[..., Any]) -> Callable[..., Any]:
    """Turn every failure into one clear line and an exit code: newsbridge's own errors,
    the job's faults (disk full, permission, a damaged state file), and, for anything
    unexpected, a crash report file (traceback, version, config) that the line names."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        import click

        try:
            return func(*args, **kwargs)
        except (typer.Exit, typer.Abort, click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise  # exits already decided (fail() above all)
        except NewsbridgeError as exc:
            raise fail(str(exc), exc.exit_code) from None
        except KeyboardInterrupt:
            raise fail("interrupted", 130) from None
        except OSError as exc:
            raise fail(os_error_message(exc), EXIT_IO) from None
        except Exception as exc:  # noqa: BLE001 - the boundary: nothing escapes as a traceback
            known = sqlite_error_message(exc)
            if known is not None:
                raise fail(known, EXIT_IO) from None
            report = write_crash_report(exc, kwargs)
            where = f"details in {report}" if report else "no crash report could be written"
            raise fail(f"unexpected internal error ({exception_brief(exc)}); this is a newsbridge bug: {where} "
                       "(please attach it to a bug report)", EXIT_SOFTWARE) from None

    return wrapper


EXIT_IO = 74  # sysexits EX_IOERR: the disk, a permission, a damaged file
EXIT_SOFTWARE = 70  # sysexits EX_SOFTWARE: a bug, with a crash report


def os_error_message(exc: OSError) -> str:
    """An OSError that reached the command: what happened to which file, and what to do."""
    import errno

    name = exc.filename or "a file in the output folder"
    reason = exc.strerror or str(exc)
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return (f"no space left on the device writing {name} ({reason}): free some space and run the same command again; "
                "what was committed is kept and the rest is redone")
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return f"permission denied on {name} ({reason}): choose another --out, or fix the folder's permissions"
    return f"{name}: {reason}"


def sqlite_error_message(exc: BaseException) -> str | None:
    import sqlite3

    if not isinstance(exc, sqlite3.Error):
        return None
    code = getattr(exc, "sqlite_errorcode", None)
    if code == sqlite3.SQLITE_FULL:
        return ("no space left on the device writing the batch ledger (work/*/ledger.sqlite): free some space and run "
                "the same command again; what was committed is kept")
    if code in (sqlite3.SQLITE_READONLY, sqlite3.SQLITE_PERM, sqlite3.SQLITE_CANTOPEN):
        return f"the batch ledger cannot be written ({exc}): fix the output folder's permissions or choose another --out"
    if code in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB):
        return (f"a batch ledger (work/*/ledger.sqlite) is damaged ({exc}): move it aside and run the same command again "
                "(that worker's articles are redone), or use a new --out")
    return None


def write_crash_report(exc: BaseException, options: dict[str, Any]) -> Path | None:
    """traceback + versions + command + resolved config, into --out (or the temp folder)."""
    import datetime
    import json
    import platform
    import tempfile
    import traceback

    from .. import __version__

    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    lines = [f"newsbridge {__version__} crash report, {stamp}",
             f"python {platform.python_version()} on {platform.platform()}",
             f"command: {' '.join(sys.argv)}", ""]
    lines += traceback.format_exception(type(exc), exc, exc.__traceback__)
    try:
        cfg = load_config(options.get("config"), options.get("set_") or [])
        lines += ["", "config:", json.dumps(cfg.to_dict(), indent=2, ensure_ascii=False, default=str)]
    except Exception as cfg_exc:  # noqa: BLE001
        lines += ["", f"config: could not be loaded ({cfg_exc})"]
    text = "\n".join(line.rstrip("\n") for line in lines) + "\n"
    out = options.get("out")
    for folder in ([Path(out)] if isinstance(out, Path) else []) + [Path(tempfile.gettempdir())]:
        path = folder / f"newsbridge-crash-{stamp}-{os.getpid()}.txt"
        try:
            folder.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            return path
        except OSError:
            continue
    return None
