"""`newsbridge digest OUT_DIR`: the static bilingual website of a run or batch output."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .common import ConfigOpt, SetOpt, cli_errors, load_cli_config, output_dir


@cli_errors
def digest_command(
    out_dir: Annotated[Path, typer.Argument(parser=output_dir, metavar="OUT_DIR", help="Output directory of `run --out` or `batch --out`.")],
    config: ConfigOpt = None,
    set_: SetOpt = None,
) -> None:
    """Write OUT_DIR/digest/: index.html (every article, both summaries, search) and one aligned page per article."""
    cfg = load_cli_config(config, set_)
    report_digest(out_dir, cfg.digest)


def report_digest(out_dir: Path, digest_config) -> None:
    """Build the digest of `out_dir` and say what was written (shared with `run --digest`)."""
    from ..digest import build_digest

    result = build_digest(out_dir, digest_config)
    for problem in result.problems:
        typer.secho(f"warning: {problem}", err=True, fg=typer.colors.YELLOW)
    extra = "" if result.articles == 1 else "s"
    extra += f", {len(result.failed)} failed listed" if result.failed else ""
    extra += f", {result.stale_removed} stale pages removed" if result.stale_removed else ""
    typer.echo(f"wrote {result.index} ({result.articles} article{extra})", err=True)
