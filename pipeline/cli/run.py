"""`newsbridge run FILE`: one article through the whole pipeline."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from ..errors import InputError, NewsbridgeError
from .common import ConfigOpt, SetOpt, VerboseOpt, cli_errors, fail, load_cli_config, output_dir, quiet_libraries


class ArticleFailed(NewsbridgeError):
    kind = "article"


@cli_errors
def run_command(
    file: Annotated[Path, typer.Argument(help="Article file (.txt, .md).")],
    config: ConfigOpt = None,
    set_: SetOpt = None,
    out: Annotated[Optional[Path], typer.Option("--out", "-o", parser=output_dir, metavar="DIR", help="Write <stem>.json and <stem>.md here; without it, print Markdown.")] = None,
    digest: Annotated[bool, typer.Option("--digest", help="Also (re)write OUT/digest/: the browsable bilingual site of every record in OUT.")] = False,
    verbose: VerboseOpt = False,
) -> None:
    """Process one article: clean, detect, translate, summarise; write JSON + Markdown."""
    quiet_libraries(verbose)
    from ..io.readers import read_path
    from ..io.writers import article_markdown, make_out_dir, write_article
    from ..runner import Pipeline

    cfg = load_cli_config(config, set_)
    if digest and out is None:
        raise fail("--digest needs --out DIR (the digest is written to DIR/digest/)", 2)
    if digest and "json" not in cfg.output.formats:
        raise fail("--digest is built from the JSON records: output.formats must include json", 2)
    articles = read_path(file, cfg.read)
    if out is not None:
        make_out_dir(out)  # before minutes of work, not after
    if len(articles) != 1:
        raise InputError(file, f"holds {len(articles)} articles; use `newsbridge batch` for archives")
    with StageProgress() as progress:
        progress.stage("load models", -1, 0)
        pipeline = Pipeline.from_config(cfg)
        article = pipeline.run(articles, on_stage=progress.stage)[0]
    if article.error is not None:
        raise ArticleFailed(f"{file}: {article.error.message} (stage: {article.error.stage})")
    if out is None:
        typer.echo(article_markdown(article), nl=False)
        return
    for path in write_article(article, out, file.stem, list(cfg.output.formats), config=cfg.to_dict()):
        typer.echo(f"wrote {path}", err=True)
    for warning in article.warnings:
        typer.secho(f"warning: {warning}", err=True, fg=typer.colors.YELLOW)
    if digest:
        from .digest import report_digest

        report_digest(out, cfg.digest)


class StageProgress:
    """Which stage `run` is in and for how long, on stderr (a terminal only), shown once
    the run has taken more than `delay` seconds: a long article is visibly working."""

    def __init__(self, console=None, delay: float = 3.0):
        from rich.console import Console

        self.console = console or Console(stderr=True)
        self.delay = delay
        self.progress = None
        self.task = None
        self._timer = None
        self._label = "starting"

    def __enter__(self) -> "StageProgress":
        import threading

        if self.console.is_terminal:
            self._timer = threading.Timer(self.delay, self._show)
            self._timer.daemon = True
            self._timer.start()
        return self

    def _show(self) -> None:
        from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        progress = Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                            console=self.console, transient=True)
        self.task = progress.add_task(self._label, total=None)
        progress.start()
        self.progress = progress  # last: stage() uses it from the main thread

    def stage(self, name: str, index: int, count: int) -> None:
        self._label = f"stage {index + 1}/{count}: {name}" if index >= 0 else name
        if self.progress is not None:
            self.progress.update(self.task, description=self._label)

    def __exit__(self, *exc) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer.join()
        if self.progress is not None:
            self.progress.stop()
