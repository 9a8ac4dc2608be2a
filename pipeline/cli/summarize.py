"""`newsbridge summarize FILE --lang uk|en`: the summary of one text, in one language."""

from __future__ import annotations

import json
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from ..errors import ConfigError, InputError, NewsbridgeError
from .common import ConfigOpt, SetOpt, VerboseOpt, cli_errors, load_cli_config, quiet_libraries


class SummaryLang(str, Enum):
    uk = "uk"
    en = "en"


class SummaryFailed(NewsbridgeError):
    kind = "article"


@cli_errors
def summarize_command(
    file: Annotated[Path, typer.Argument(help="Text or article file (any format `newsbridge run` reads).")],
    lang: Annotated[SummaryLang, typer.Option("--lang", "-l", help="Language of the summary.")] = SummaryLang.uk,
    sections: Annotated[bool, typer.Option("--sections", help="Also print each section's summary.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON: summary, sections, how they were made, warnings.")] = False,
    config: ConfigOpt = None,
    set_: SetOpt = None,
    verbose: VerboseOpt = False,
) -> None:
    """Summarise one text (read, clean, translate, summarise) and print the summary in --lang."""
    quiet_libraries(verbose)
    from ..io.readers import read_path
    from ..runner import Pipeline

    cfg = load_cli_config(config, set_)
    if "summarize" not in cfg.pipeline.stages:
        raise ConfigError("pipeline.stages has no summarize stage; summarize needs it")
    articles = read_path(file, cfg.read)
    if len(articles) != 1:
        raise InputError(file, f"holds {len(articles)} articles; summarize takes one text")
    article = Pipeline.from_config(cfg).run(articles)[0]
    if article.error is not None:
        raise SummaryFailed(f"{file}: {article.error.message} (stage: {article.error.stage})")
    code = lang.value
    if as_json:
        typer.echo(json.dumps(summary_record(article, code), ensure_ascii=False, indent=2))
    else:
        typer.echo(article.summary.get(code, ""))
        if sections:
            for n, section in enumerate(article.sections, 1):
                heading = section.heading.in_lang(code) or section.heading.text if section.heading else f"({n})"
                typer.echo(f"\n## {heading}\n{section.summary.get(code, '')}")
    for warning in article.warnings:
        typer.secho(f"warning: {warning}", err=True, fg=typer.colors.YELLOW)


def summary_record(article, lang: str) -> dict:
    """The summaries of `article` in `lang`, with how each was made."""
    return {
        "id": article.id,
        "lang": lang,
        "source_lang": article.source.lang,
        "summary": article.summary.get(lang, ""),
        "summary_info": article.summary_info,
        "sections": [
            {
                "heading": (section.heading.in_lang(lang) or section.heading.text) if section.heading else None,
                "summary": section.summary.get(lang, ""),
                "summary_info": section.summary_info,
            }
            for section in article.sections
        ],
        "warnings": list(article.warnings),
    }
