"""`newsbridge eval translate --data FILE.jsonl`: chrF and BLEU against references.

The data holds documents as JSONL `{id, src_lang, src: [sentences], ref_lang, ref: [...]}`
(the WMT22 dev files in ../shared/data/wmt22-dev). Every source sentence goes through the
translation engine exactly as in a run (same config, routes, guards), in one batch;
sacrebleu scores the corpus per direction and its signature is printed with each score.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from ..errors import InputError
from ..io.jsonl import json_problem
from .common import ConfigOpt, SetOpt, VerboseOpt, cli_errors, load_cli_config, quiet_libraries

eval_app = typer.Typer(help="Measure quality: translation scores against references.", no_args_is_help=True)


@dataclass
class Pair:
    doc: str
    src_lang: str
    ref_lang: str
    src: str
    ref: str


_PAIR_FIELDS = ("src_lang", "src", "ref_lang", "ref")


def read_pairs(path: Path, limit: int | None = None) -> list[Pair]:
    """Aligned sentence pairs of the documents in `path` (first `limit` documents)."""
    if not path.exists():
        raise InputError(path, "no such file", kind="missing")
    if not path.is_file():
        raise InputError(path, "is not a file (expected JSONL documents {id, src_lang, src[], ref_lang, ref[]})", kind="missing")
    pairs: list[Pair] = []
    docs = 0
    expected = f"expected a JSON object with {', '.join(_PAIR_FIELDS)}"
    try:
        f = path.open("rb")
    except OSError as exc:
        raise InputError(path, f"cannot be read ({exc.strerror or exc})", kind="unreadable") from None
    with f:
        for n, raw in enumerate(f, 1):
            if not raw.strip():
                continue
            if limit is not None and docs >= limit:
                break
            try:
                doc = json.loads(raw.decode("utf-8-sig" if n == 1 else "utf-8"))
            except UnicodeDecodeError as exc:
                raise InputError(path, f"line {n}: not valid UTF-8 ({exc.reason} at byte {exc.start} of the line)", kind="encoding") from None
            except json.JSONDecodeError as exc:
                raise InputError(path, f"line {n}: not valid JSON ({json_problem(exc, line=True)})", kind="record") from None
            if not isinstance(doc, dict):
                raise InputError(path, f"line {n}: a JSON {type(doc).__name__}, {expected}", kind="record")
            missing = [k for k in _PAIR_FIELDS if k not in doc]
            if missing:
                raise InputError(path, f"line {n} (document {doc.get('id')!r}): no {', '.join(missing)}; {expected}", kind="record")
            src, ref = doc["src"], doc["ref"]
            src_lang, ref_lang = doc["src_lang"], doc["ref_lang"]
            if not isinstance(src, list) or not isinstance(ref, list) or len(src) != len(ref):
                raise InputError(path, f"line {n} (document {doc.get('id')!r}): src and ref must be lists of the same length")
            if not all(isinstance(x, str) for x in (*src, *ref, src_lang, ref_lang)):
                raise InputError(path, f"line {n} (document {doc.get('id')!r}): src_lang, ref_lang and every src/ref sentence must be strings")
            docs += 1
            pairs += [Pair(str(doc.get("id", n)), src_lang, ref_lang, s, r) for s, r in zip(src, ref)]
    if not pairs:
        raise InputError(path, "holds no sentence pairs", kind="empty")
    return pairs


def score(hypotheses: list[str], references: list[str]) -> dict[str, Any]:
    from sacrebleu.metrics import BLEU, CHRF

    bleu, chrf = BLEU(), CHRF()
    b = bleu.corpus_score(hypotheses, [references])
    c = chrf.corpus_score(hypotheses, [references])
    return {
        "bleu": round(b.score, 2),
        "chrf": round(c.score, 2),
        "bleu_signature": str(bleu.get_signature()),
        "chrf_signature": str(chrf.get_signature()),
    }


@eval_app.command("translate")
@cli_errors
def eval_translate(
    data: Annotated[Path, typer.Option("--data", "-d", help="JSONL documents {id, src_lang, src[], ref_lang, ref[]}.")],
    limit: Annotated[Optional[int], typer.Option(help="Only the first N documents.", min=1)] = None,
    config: ConfigOpt = None,
    set_: SetOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object instead of the table.")] = False,
    verbose: VerboseOpt = False,
) -> None:
    """Translate every source sentence and score against the references (chrF, BLEU)."""
    quiet_libraries(verbose)
    from ..context import Context
    from ..translation.engine import Request, warning_kind

    cfg = load_cli_config(config, set_)
    pairs = read_pairs(data, limit)
    context = Context(cfg)
    engine = context.translation_engine()
    results = engine.translate([Request(p.src, p.src_lang, p.ref_lang) for p in pairs])

    directions: dict[str, list[int]] = {}
    for i, p in enumerate(pairs):
        directions.setdefault(f"{p.src_lang}-{p.ref_lang}", []).append(i)
    report: dict[str, Any] = {"data": str(data), "config_hash": cfg.config_hash(), "directions": {}}
    for direction, idx in directions.items():
        warned: dict[str, int] = {}
        for i in idx:
            for w in results[i].warnings:
                warned[warning_kind(w)] = warned.get(warning_kind(w), 0) + 1
        entry = {
            "documents": len({pairs[i].doc for i in idx}),
            "sentences": len(idx),
            "route": results[idx[0]].route,
            **score([results[i].text for i in idx], [pairs[i].ref for i in idx]),
            "warnings": warned,
        }
        report["directions"][direction] = entry
    report["models"] = context.signature()["models"]

    if as_json:
        typer.echo(json.dumps(report, ensure_ascii=False, indent=1))
        return
    typer.echo(f"data: {data}  (config {report['config_hash']})")
    for direction, e in report["directions"].items():
        typer.echo(f"{direction}: {e['documents']} documents, {e['sentences']} sentences, route {' -> '.join(e['route']) or '(copied)'}")
        typer.echo(f"  BLEU  {e['bleu']:6.2f}  {e['bleu_signature']}")
        typer.echo(f"  chrF  {e['chrf']:6.2f}  {e['chrf_signature']}")
        if e["warnings"]:
            typer.echo("  sentences with warnings: " + ", ".join(f"{k} {n}" for k, n in sorted(e["warnings"].items())))
