"""`newsbridge models list|pull|build-tiny`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from .common import ConfigOpt, SetOpt, cli_errors, load_cli_config, quiet_libraries

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
        typer.echo(f"pulling {name} ...", err=True)
        path = catalog.pull(name)
        typer.echo(f"{name}: {path}")


@models_app.command("build-tiny")
@cli_errors
def build_tiny(
    out_dir: Annotated[Optional[Path], typer.Argument(help="Where to build (default: models/tiny).")] = None,
    seed: Annotated[int, typer.Option(help="Random seed for the weights.")] = 0,
    config: ConfigOpt = None,
    set_: SetOpt = None,
) -> None:
    """Build tiny random-weight Marian and T5 models with real tokenizers (offline, seconds)."""
    quiet_libraries()
    from ..models import ModelCatalog
    from ..tiny_models import build_tiny_models

    catalog = ModelCatalog(load_cli_config(config, set_).models)
    target = out_dir or catalog.root / "tiny"
    for path in build_tiny_models(target, seed=seed):
        typer.echo(f"built {path}")
    if target.resolve() != (catalog.root / "tiny").resolve():
        typer.echo(f"note: configs/tiny.yaml looks in {catalog.root / 'tiny'}; add --set models.root={target.parent}", err=True)
