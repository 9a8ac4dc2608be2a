"""`newsbridge batch INPUT... --out DIR`: an archive through the pipeline, resumably.

Thin: options -> BatchJob -> engine.run_worker -> finalize; this module only turns the
results into a progress bar, a summary table and an exit code.
"""

from __future__ import annotations

import functools
import json
import shlex
import signal
import sys
import time
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from .common import ConfigOpt, SetOpt, VerboseOpt, cli_errors, fail, load_cli_config, output_dir, quiet_libraries


@cli_errors
def batch_command(
    inputs: Annotated[list[Path], typer.Argument(help="Files, folders (recursive), .jsonl/.json/.csv/.parquet files, saved `datasets` folders.")],
    out: Annotated[Path, typer.Option("--out", "-o", parser=output_dir, metavar="DIR", help="Output folder: articles.jsonl, errors.jsonl, manifest.json, articles.parquet, pairs.tsv, pairs.tmx.")],
    config: ConfigOpt = None,
    set_: SetOpt = None,
    retry_errors: Annotated[bool, typer.Option("--retry-errors", help="Process again the articles that failed before.")] = False,
    force_config: Annotated[bool, typer.Option("--force-config", help="Resume even though the config changed (outputs will mix both configs).")] = False,
    rank: Annotated[int, typer.Option("--rank", help="This worker's index when several share the work (Slurm array task id).", min=0)] = 0,
    world_size: Annotated[int, typer.Option("--world-size", help="How many workers share the work; the last to finish writes the outputs.", min=1)] = 1,
    progress: Annotated[Optional[bool], typer.Option("--progress/--no-progress", help="Progress bar (default: only on a terminal).")] = None,
    digest: Annotated[bool, typer.Option("--digest", help="Also (re)write OUT/digest/: the browsable bilingual site of every article in OUT.")] = False,
    verbose: VerboseOpt = False,
) -> None:
    """Process an archive: stream, write parallel outputs, resume where a run stopped."""
    quiet_libraries(verbose)
    from rich.console import Console

    from ..batch.control import StopFlag
    from ..batch.engine import BatchJob, hold_worker_lock, run_worker
    
    cfg = load_cli_config(config, set_)
    err_console = Console(stderr=True)
    out_console = Console() if sys.stdout.isatty() else Console(width=120)
    show = progress if progress is not None else err_console.is_terminal
    job = BatchJob(inputs=list(inputs), out=out, config=cfg, retry_errors=retry_errors, force_config=force_config)
    resume = _resume_command(inputs, out, config, set_, rank, world_size)
    bar = RichProgress(err_console) if show else None
    stop = StopFlag()
    stop.on_request = lambda signum: err_console.print(
        f"[yellow]{signal.Signals(signum).name}: finishing the current batch, then stopping (Ctrl-C again to stop at once)[/]"
    )
    # The worker's lock is held from the first read until the outputs are in place.
    with hold_worker_lock(out, rank, world_size), stop:
        result = run_worker(job, rank, world_size, stop=stop, progress=bar, locked=True)
        _after_worker(result, err_console, out_console, resume, cfg, inputs, out, rank, world_size, digest)


def _after_worker(result, err_console, out_console, resume, cfg, inputs, out, rank, world_size, digest) -> None:
    from ..batch.finalize import finalize, workers_complete

    for path in result.changed_inputs:
        err_console.print(f"changed since the last run, read again: {path}", soft_wrap=True, highlight=False, markup=False)
    if result.redone:
        err_console.print(f"resumed: {result.redone} committed record(s) were damaged or missing in the worker log; done again",
                          soft_wrap=True, highlight=False)
    if result.dropped_bytes:
        err_console.print(f"resumed: cut {result.dropped_bytes:,} uncommitted bytes from the end of this worker's log")
    if result.status == "interrupted":
        _summary(out_console, result, None)
        raise fail(
            f"stopped by {signal.Signals(result.signal).name if result.signal else 'request'} after {result.batches} batches "
            f"({result.processed} articles this run, all written and committed). Resume with: {resume}",
            128 + (result.signal or signal.SIGINT),
        )
    if not workers_complete(out, world_size):
        _summary(out_console, result, None)
        typer.echo(f"worker {rank} of {world_size} is done; the outputs are written when every worker has finished "
                   f"(the last one writes them; re-run any worker's command to finalise).", err=True)
        return
    plan = result.plan
    final = finalize(out, cfg, world_size, inputs=[str(p) for p in inputs], ignored=plan.ignored if plan else [],
                     session={"written": result.written, "errors": result.errors, "duplicates": result.duplicates,
                              "stats": result.stats, "timings": result.timings})
    _summary(out_console, result, final)
    if plan is not None and not plan.tasks:
        # Exit 0 (an empty inbox in a cron job is normal), but never a silent "ok".
        why = (f"{len(plan.ignored)} file(s) did not match batch.include (e.g. {plan.ignored[0]})"
               if plan.ignored else "they hold no files")
        typer.secho(f"warning: no article files in the inputs: {why}", err=True, fg=typer.colors.YELLOW)
    if final.unbalanced:
        bad = "; ".join(
            f"{c.input}: {c.records} records != {c.written} written + {c.errors} errors + {c.duplicates} duplicates"
            if c.records is not None else
            f"{c.input}: never read to its end ({c.written + c.errors + c.duplicates} records done; no longer among the inputs?)"
            for c in final.unbalanced[:5])
        raise fail(f"accounting does not balance for {len(final.unbalanced)} input(s): {bad}", 1)
    if digest:
        from .digest import report_digest

        # Built from articles.jsonl/errors.jsonl on disk, so resumed sessions are included.
        report_digest(out, cfg.digest)


def _resume_command(inputs, out, config, set_, rank, world_size) -> str:
    parts = ["newsbridge", "batch", *[str(p) for p in inputs], "--out", str(out)]
    if config is not None:
        parts += ["--config", str(config)]
    for item in set_ or []:
        parts += ["--set", item]
    if world_size > 1:
        parts += ["--rank", str(rank), "--world-size", str(world_size)]
    return shlex.join(parts)


class RichProgress:
    """articles done / total, articles/s, ETA and error count, on stderr."""

    def __init__(self, console: Any):
        self.console = console
        self.progress = None
        self.task = None
        self.start_time = 0.0
        self.processed = self.errors = self.duplicates = 0

    def start(self, total: int | None, done: int) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

        self.progress = Progress(
            TextColumn("[bold]batch"), BarColumn(), MofNCompleteColumn(),
            TextColumn("{task.fields[rate]}"), TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(),
            TextColumn("errors {task.fields[errors]} · duplicates {task.fields[duplicates]}"),
            console=self.console, transient=False,
        )
        self.progress.start()
        self.task = self.progress.add_task("batch", total=total, completed=done, rate="-- articles/s", errors=0, duplicates=0)
        self.start_time = time.perf_counter()

    def advance(self, units: int, written: int, errors: int, duplicates: int) -> None:
        self.processed += units
        self.errors += errors
        self.duplicates += duplicates
        elapsed = max(time.perf_counter() - self.start_time, 1e-9)
        self.progress.update(self.task, advance=units, rate=f"{self.processed / elapsed:.1f} articles/s",
                             errors=self.errors, duplicates=self.duplicates)

    def finish(self) -> None:
        if self.progress is not None:
            self.progress.stop()


def _summary(console: Any, result: Any, final: Any) -> None:
    from rich.table import Table

    table = Table(title="newsbridge batch: this run", title_justify="left")
    for col in ("stage", "seconds", "articles", "failed", "segments", "tokens", "other"):
        table.add_column(col, justify="left" if col in ("stage", "other") else "right")
    for name, st in result.stats.items():
        counts = {k: v for k, v in st.items() if k not in ("seconds", "articles", "failed")}
        segments = counts.pop("segments", None)
        tokens = sum(v for k, v in counts.items() if "tokens" in k) or None
        other = ", ".join(f"{k} {v}" for k, v in counts.items() if "tokens" not in k)
        table.add_row(name, f"{st['seconds']:.2f}", str(st["articles"]), str(st["failed"]),
                      "" if segments is None else str(segments), "" if tokens is None else str(tokens), other)
    t = result.timings
    machinery = {"load models": t.get("load", 0.0), "read inputs": t.get("read", 0.0),
                 "write log": t.get("write", 0.0), "ledger commits": t.get("ledger", 0.0)}
    if final is not None:
        machinery["finalise outputs"] = final.seconds
    for name, sec in machinery.items():
        table.add_row(f"[dim]{name}[/]", f"{sec:.2f}", "", "", "", "", "")
    console.print(table)
    say = functools.partial(console.print, soft_wrap=True, highlight=False, markup=False)
    say(f"this run: {result.processed} inputs committed in {result.batches} batches: "
        f"{result.written} written, {result.errors} errors, {result.duplicates} duplicates")
    if final is None:
        return
    tot = final.totals
    mark = "ok" if not final.unbalanced else f"DOES NOT BALANCE for {len(final.unbalanced)} input(s)"
    say(f"accounting ({len(final.inputs)} input files): {tot['inputs']} inputs = {tot['written']} written + "
        f"{tot['errors']} errors + {tot['duplicates']} skipped duplicates: {mark}")
    out = Path(final.manifest["out"])
    if tot["errors"]:
        say(f"errors are listed in {out / 'errors.jsonl'}; first ones:")
        with open(out / "errors.jsonl", encoding="utf-8") as fh:
            for _, line in zip(range(5), fh):
                e = json.loads(line)
                say(f"  [{e.get('stage')}/{e.get('kind')}] {e.get('message')}")
    outputs = ", ".join(f"{name} ({n})" for name, n in final.outputs.items())
    say(f"wrote {outputs} and manifest.json in {out}")
