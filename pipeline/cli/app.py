"""The typer application: commands are registered here, implemented in sibling modules."""

from __future__ import annotations

import typer

from .detect import detect_command
from .digest import digest_command
from .batch import batch_command
from .eval import eval_app
from .models import models_app
from .run import run_command
from .serve import serve_app
from .translate import translate_command
from .summarize import summarize_command

app = typer.Typer(
    name="newsbridge",
    help="Turn news articles into bilingual Ukrainian/English records: clean, detect, translate, summarise.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.command("run")(run_command)
app.command("detect")(detect_command)
app.command("digest")(digest_command)
app.command("batch")(batch_command)
app.command("summarize")(summarize_command)
app.add_typer(models_app, name="models")
app.command("translate")(translate_command)
app.add_typer(eval_app, name="eval")
app.add_typer(serve_app, name="serve")


@app.callback()
def _root() -> None:
    """newsbridge: news archives -> Ukrainian/English reading material."""


def main() -> None:
    app()
