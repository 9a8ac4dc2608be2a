"""`newsbridge translate FILE --to uk|en`: a quick translation of one text.

No cleaning and no summaries: every non-empty line of the file is translated (split into
sentences, each sentence's language detected unless --from names it) and printed in the
file's layout. Warnings go to stderr; --json prints one object per sentence instead.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Annotated, Optional

import typer

from ..errors import ConfigError, InputError
from .common import ConfigOpt, SetOpt, VerboseOpt, cli_errors, load_cli_config, quiet_libraries


@cli_errors
def translate_command(
    file: Annotated[Path, typer.Argument(help="Text file (.txt, .md).")],
    to: Annotated[str, typer.Option("--to", "-t", help="Target language: uk or en (any language translate.models reaches).")],
    src: Annotated[Optional[str], typer.Option("--from", "-f", help="Source language of the whole text (default: detected per sentence).")] = None,
    config: ConfigOpt = None,
    set_: SetOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per sentence: source, language, translation, route, warnings.")] = False,
    verbose: VerboseOpt = False,
) -> None:
    """Translate a text file and print the translation."""
    quiet_libraries(verbose)
    from ..context import Context
    from ..data import Block
    from ..io.readers import read_path
    from ..registry import stages
    from ..translation.engine import Request

    cfg = load_cli_config(config, set_)
    to = _language_code("--to", to)
    src = _language_code("--from", src) if src is not None else None
    if not any(key.endswith(f"-{to}") for key in cfg.translate.models):
        raise ConfigError(f"--to {to}: no model in translate.models translates into '{to}'")
    articles = read_path(file, cfg.read)
    if len(articles) != 1:
        raise InputError(file, f"holds {len(articles)} articles; translate takes one text")
    article = articles[0]
    lines = [b.text for b in article.blocks] if article.blocks else (article.raw or "").split("\n")
    if not any(line.strip() for line in lines):
        raise InputError(file, "has no text to translate", kind="empty")

    context = Context(cfg)
    segmenter = stages.get("segment")(context)
    detector = None if src else stages.get("detect")(context)
    engine = context.translation_engine()

    layout: list[list[tuple[str, str]]] = []  # per line: (sentence, language)
    for line in lines:
        if not line.strip():
            layout.append([])
            continue
        block = Block(kind="paragraph", text=line.strip(), lang=src or "und")
        sentences = [seg.text for seg in segmenter.segments_of(block)]
        layout.append([(s, src or detector.detect(s).lang) for s in sentences])

    requests = [Request(text, lang, to) for sentences in layout for text, lang in sentences]
    results = iter(engine.translate(requests))
    for sentences in layout:
        done = [(text, lang, next(results)) for text, lang in sentences]
        if as_json:
            for text, lang, result in done:
                typer.echo(json.dumps(
                    {"src": text, "lang": lang, "tgt": to, "text": result.text, "route": result.route, "warnings": result.warnings},
                    ensure_ascii=False,
                ))
            continue
        typer.echo(" ".join(result.text for _, _, result in done))
        for text, _, result in done:
            for warning in result.warnings:
                typer.secho(f"warning: {_short(text)}: {warning}", err=True, fg=typer.colors.YELLOW)


def _language_code(option: str, value: str) -> str:
    """An ISO 639 code, any case ("UK" is uk); a name ("english") would otherwise pass
    --from unchecked and be sent through the multilingual model as an unknown language."""
    code = value.strip().lower()
    if not re.fullmatch(r"[a-z]{2,3}", code):
        raise ConfigError(f"{option} {value!r}: expected an ISO 639 language code such as uk, en, ru")
    return code


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
