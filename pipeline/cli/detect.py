"""`newsbridge detect FILE [--lines]`: the language of every block (or input line), as JSONL.

One object per line: {"text", "lang", "confidence", "script", "is_tag"}; `lang` is an ISO
639-1 code or "und". Blocks come from the same reading and cleaning as `run` (title,
headings, paragraphs, then tags); with --lines every non-empty input line is one object.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from .common import ConfigOpt, SetOpt, VerboseOpt, cli_errors, load_cli_config, quiet_libraries


def detection_record(text: str, found, is_tag: bool) -> dict:
    return {
        "text": text,
        "lang": found.lang,
        "confidence": round(float(found.confidence), 4),
        "script": found.script,
        "is_tag": bool(is_tag),
    }


def detect_blocks(file: Path, cfg) -> list[dict]:
    """Read, clean and segment `file`, then detect each text block in page order (a
block's language is that of most of its sentences)."""
    from ..context import Context
    from ..errors import InputError
    from ..io.readers import read_path
    from ..stages.clean import CleanStage
    from ..stages.langid import DetectStage
    from ..stages.segment import SegmentStage

    articles = read_path(file, cfg.read)
    context = Context(cfg)
    stages = [CleanStage(context), SegmentStage(context)]
    detect = DetectStage(context)
    out = []
    for article in articles:
        for stage in stages:
            stage([article])
        if article.error is not None:
            raise InputError(file, article.error.message.removeprefix(f"{file}: "), kind=article.error.kind)
        detect.process(article)  # as `run` does: short blocks may follow the article's language
        for block in article.text_blocks():
            out.append(detection_record(block.text, block, block.is_tag))
    return out


def detect_lines(file: Path, cfg) -> list[dict]:
    """Every non-empty line of `file` on its own; short all-caps lines are tags."""
    from ..errors import InputError
    from ..io.decode import decode_bytes
    from ..stages.clean import CleanRules, normalize_text
    from ..lang.identifier import LanguageIdentifier

    if not file.is_file():
        raise InputError(file, "no such file", kind="missing")
    size = file.stat().st_size
    if size > cfg.read.max_bytes:
        raise InputError(file, f"is {size:,} bytes, over read.max_bytes={cfg.read.max_bytes:,}", kind="too_large")
    text, _ = decode_bytes(file.read_bytes(), file, list(cfg.read.legacy_encodings))
    lines = [normalize_text(line) for line in text.lstrip("\ufeff").splitlines()]
    lines = [line for line in lines if line]
    rules = CleanRules(cfg.clean)
    identifier = LanguageIdentifier(cfg.langid)
    out = []
    for line in lines:
        # The clean stage's rule: a short line written all in capitals is a rubric tag.
        out.append(detection_record(line, identifier.detect(line), rules.is_tag(line)))
    return out


@cli_errors
def detect_command(
    file: Annotated[Path, typer.Argument(help="Article file (.txt, .md, .html).")],
    lines: Annotated[bool, typer.Option("--lines", help="One object per non-empty input line instead of per block.")] = False,
    config: ConfigOpt = None,
    set_: SetOpt = None,
    verbose: VerboseOpt = False,
) -> None:
    """Print the language of every block (or line) as JSONL: text, lang, confidence, script, is_tag."""
    quiet_libraries(verbose)
    cfg = load_cli_config(config, set_)
    records = detect_lines(file, cfg) if lines else detect_blocks(file, cfg)
    for record in records:
        typer.echo(json.dumps(record, ensure_ascii=False))
