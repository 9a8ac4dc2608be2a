"""`newsbridge models list|pull|build-tiny|convert`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from .common import ConfigOpt, SetOpt, cli_errors, load_cli_config, output_dir, quiet_libraries

models_app = typer.Typer(help="List, fetch and build the models newsbridge uses.", no_args_is_help=True)


@models_app.command("list")
@cli_errors
def list_models(config: ConfigOpt = None, set_: SetOpt = None) -> None:
    """Every model in the manifest, and whether it is available here."""
    from ..errors import NewsbridgeError
    from ..models import ModelCatalog

    catalog = ModelCatalog(load_cli_config(config, set_).models)
    typer.echo(f"manifest: {catalog.manifest_path}")
    for name, spec in sorted(catalog.specs.items()):
        try:
            status = f"ok   {catalog.resolve(name).path}"
        except NewsbridgeError as exc:
            status = f"--   missing: {catalog.how_to_get(spec)}" if exc.kind == "model_unavailable" else f"!!   {exc}"
        direction = f"{spec.src}->{spec.tgt}" if spec.tgt else (spec.src or "")
        typer.echo(f"{name:22} {spec.role:10} {direction:8} {spec.hub_id or '(local build)':40} {status}")


@models_app.command("pull")
@cli_errors
def pull_models(
    names: Annotated[Optional[list[str]], typer.Argument(help="Manifest names (default: every model the config uses).")] = None,
    force: Annotated[bool, typer.Option("--force", help="Download every file again, even one already there (mends a damaged copy).")] = False,
    config: ConfigOpt = None,
    set_: SetOpt = None,
) -> None:
    """Download models from the hub into models/ (needs the hub to be reachable)."""
    quiet_libraries()
    from ..models import ModelCatalog

    cfg = load_cli_config(config, set_)
    catalog = ModelCatalog(cfg.models)
    wanted = names or sorted({*cfg.translate.models.values(), cfg.summarize.model})
    for name in wanted:
        catalog.pullable(name)  # every name checked before the first download
    for name in wanted:
        typer.echo(f"pulling {name} ...", err=True)
        path = catalog.pull(name, force=force)
        typer.echo(f"{name}: {path}")


@models_app.command("build-tiny")
@cli_errors
def build_tiny(
    out_dir: Annotated[Optional[Path], typer.Argument(parser=output_dir, metavar="DIR", help="Where to build (default: models/tiny).")] = None,
    seed: Annotated[int, typer.Option(help="Random seed for the weights.")] = 0,
    config: ConfigOpt = None,
    set_: SetOpt = None,
) -> None:
    """Build tiny random-weight Marian and T5 models with real tokenizers (offline, seconds)."""
    quiet_libraries()
    from ..models import ModelCatalog
    from ..tiny_models import build_tiny_models

    from ..io.writers import make_out_dir

    catalog = ModelCatalog(load_cli_config(config, set_).models)
    target = out_dir or catalog.root / "tiny"
    make_out_dir(target, option="")
    for path in build_tiny_models(target, seed=seed):
        typer.echo(f"built {path}")
    if target.resolve() != (catalog.root / "tiny").resolve():
        typer.echo(f"note: the tiny config looks in {catalog.root / 'tiny'}; add --set models.root={target.parent}", err=True)


@models_app.command("convert")
@cli_errors
def convert_models(
    names: Annotated[Optional[list[str]], typer.Argument(help="Manifest names or model directories (default: every translation model the config uses, and its summarisers when summarize.backend is ctranslate2).")] = None,
    out: Annotated[Optional[Path], typer.Option("--out", "-o", parser=output_dir, metavar="DIR", help="Output directory (one model only); default <models root>/ct2/<name>.")] = None,
    quantization: Annotated[Optional[str], typer.Option(help="Weight type: int8, int8_float16, int8_bfloat16, float16, bfloat16, float32 (default: translate.ctranslate2.quantization for translators, summarize.ctranslate2.quantization for summarisers).")] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing converted model.")] = False,
    config: ConfigOpt = None,
    set_: SetOpt = None,
) -> None:
    """Convert Marian translators and seq2seq summarisers (BART, PEGASUS, T5, mT5) to
    CTranslate2, for `translate.backend: ctranslate2` and `summarize.backend: ctranslate2`."""
    quiet_libraries()
    from ..backends.ct2 import SUMMARIZER_TYPES, convert_model, converted_name, ct2_models_dir, source_model_type
    from ..errors import ConfigError, ModelDamaged
    from ..models import ModelCatalog
    from ..summarization.strategies import summarizer_models

    cfg = load_cli_config(config, set_)
    catalog = ModelCatalog(cfg.models)
    if names:
        wanted = list(names)
    else:
        wanted = sorted(set(cfg.translate.models.values()))
        if cfg.summarize.backend == "ctranslate2":
            wanted += sorted(set(summarizer_models(cfg.summarize)) - set(wanted))
    if out is not None and len(wanted) != 1:
        raise ConfigError(f"--out takes one model; {len(wanted)} were named")
    allowed = ("int8", "int8_float16", "int8_bfloat16", "float16", "bfloat16", "float32")
    if quantization is not None and quantization not in allowed:
        raise ConfigError(f"--quantization {quantization}: expected one of {', '.join(allowed)}")
    for name in wanted:
        resolved = catalog.resolve(name)
        target = out or ct2_models_dir(cfg, catalog) / converted_name(resolved.spec.name)
        try:
            model_type = source_model_type(resolved.path, resolved.spec.name)
            summarizer = model_type in SUMMARIZER_TYPES
            qtype = quantization or (cfg.summarize.ctranslate2.quantization if summarizer else cfg.translate.ctranslate2.quantization)
            typer.echo(f"converting {name} ({resolved.path}) to CTranslate2 {qtype} ...", err=True)
            path = convert_model(resolved.path, target, qtype, force=force, name=resolved.spec.name)
        except ModelDamaged as exc:
            raise exc.with_hint(catalog.how_to_repair(resolved.spec)) from None
        typer.echo(f"{name}: {path}")
