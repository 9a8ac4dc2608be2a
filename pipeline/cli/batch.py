"""`newsbridge batch INPUT... --out DIR`: an archive through the pipeline, resumably.

Thin: options -> BatchJob + an executor (local or Ray) -> batch.executor.run_job, which
runs the workers and merges their outputs; this module only turns the outcome into a
progress display, a summary table and an exit code.
"""

from __future__ import annotations

import enum
import functools
import json
import shlex
import signal
import sys
import time
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from ..errors import ConfigError
from .common import ConfigOpt, SetOpt, VerboseOpt, cli_errors, fail, load_cli_config, output_dir, quiet_libraries


class ExecutorName(str, enum.Enum):
    local = "local"
    ray = "ray"


@cli_errors
def batch_command(
    inputs: Annotated[list[Path], typer.Argument(help="Files, folders (recursive), .jsonl/.json/.csv/.parquet files, saved `datasets` folders.")],
    out: Annotated[Path, typer.Option("--out", "-o", parser=output_dir, metavar="DIR", help="Output folder: articles.jsonl, errors.jsonl, manifest.json, articles.parquet, pairs.tsv, pairs.tmx.")],
    config: ConfigOpt = None,
    set_: SetOpt = None,
    retry_errors: Annotated[bool, typer.Option("--retry-errors", help="Process again the articles that failed before.")] = False,
    force_config: Annotated[bool, typer.Option("--force-config", help="Resume even though the config changed (outputs will mix both configs).")] = False,
    executor: Annotated[ExecutorName, typer.Option("--executor", help="Where the workers run: in this process (local) or as Ray tasks (ray; pip install 'newsbridge[ray]').")] = ExecutorName.local,
    workers: Annotated[Optional[int], typer.Option("--workers", "-w", help="How many workers share the work (default 1). Local: run one after another here; ray: at once.", min=1)] = None,
    ray_address: Annotated[Optional[str], typer.Option("--ray-address", metavar="ADDR|auto", help="A running Ray cluster (host:port, or auto); default: start one on this machine for the job.")] = None,
    worker_cpus: Annotated[float, typer.Option("--worker-cpus", help="CPUs Ray reserves for each worker (its torch threads follow unless runtime.threads is set).", min=0.01)] = 1.0,
    worker_gpus: Annotated[float, typer.Option("--worker-gpus", help="GPUs Ray reserves for each worker (fractions share one).", min=0.0)] = 0.0,
    max_retries: Annotated[int, typer.Option("--max-retries", help="Times Ray restarts a worker whose process or node died; it resumes from its ledger.", min=0)] = 3,
    rank: Annotated[Optional[int], typer.Option("--rank", help="Run only this worker (local executor; a Slurm array task id); the last one to finish writes the outputs.", min=0)] = None,
    world_size: Annotated[Optional[int], typer.Option("--world-size", help="Same as --workers (for --rank R --world-size W).", min=1)] = None,
    progress: Annotated[Optional[bool], typer.Option("--progress/--no-progress", help="Progress bar (default: only on a terminal).")] = None,
    digest: Annotated[bool, typer.Option("--digest", help="Also (re)write OUT/digest/: the browsable bilingual site of every article in OUT.")] = False,
    verbose: VerboseOpt = False,
) -> None:
    """Process an archive: stream, write parallel outputs, resume where a run stopped."""
    quiet_libraries(verbose)
    from rich.console import Console

    from ..batch.control import StopFlag
    from ..batch.engine import BatchJob
    from ..batch.executor import run_job

    n = _world_size(workers, world_size)
    runner = _executor(executor, rank, ray_address, worker_cpus, worker_gpus, max_retries)
    cfg = load_cli_config(config, set_)
    err_console = Console(stderr=True) if sys.stderr.isatty() else Console(stderr=True, width=160)
    out_console = Console() if sys.stdout.isatty() else Console(width=120)
    show = progress if progress is not None else err_console.is_terminal
    job = BatchJob(inputs=list(inputs), out=out, config=cfg, retry_errors=retry_errors, force_config=force_config)
    resume = _resume_command(inputs, out, config, set_, rank, n, executor, ray_address, worker_cpus, worker_gpus, max_retries)
    bar = RichProgress(err_console) if show else None
    stop = StopFlag()
    stop.on_request = lambda signum: err_console.print(
        f"[yellow]{signal.Signals(signum).name}: finishing the current batch, then stopping (Ctrl-C again to stop at once)[/]"
    )
    try:
        with stop:
            outcome = run_job(job, runner, world_size=n, ranks=None if rank is None else [rank], stop=stop,
                              on_progress=bar.update if bar else None)
    finally:
        if bar is not None:
            bar.finish()
    result, final = outcome.combined, outcome.final
    for path in result.changed_inputs:
        err_console.print(f"changed since the last run, read again: {path}", soft_wrap=True, highlight=False, markup=False)
    if result.redone:
        err_console.print(f"resumed: {result.redone} committed record(s) were damaged or missing in the workers' logs; done again",
                          soft_wrap=True, highlight=False)
    if result.dropped_bytes:
        err_console.print(f"resumed: cut {result.dropped_bytes:,} uncommitted bytes from the end of the workers' logs")
    if outcome.status == "interrupted":
        _summary(out_console, result, None)
        raise fail(
            f"stopped by {signal.Signals(result.signal).name if result.signal else 'request'} after {result.batches} batches "
            f"({result.processed} articles this run, all written and committed). Resume with: {resume}",
            128 + (result.signal or signal.SIGINT),
        )
    if outcome.status == "waiting":
        _summary(out_console, result, None)
        typer.echo(f"worker {rank} of {n} is done; the outputs are written when every worker has finished "
                   f"(the last one writes them; re-run any worker's command to finalise).", err=True)
        return
    _summary(out_console, result, final)
    _check_final(outcome.plan, final)
    if digest:
        from .digest import report_digest

        # Built from articles.jsonl/errors.jsonl on disk, so resumed sessions are included.
        report_digest(out, cfg.digest)


def _world_size(workers: int | None, world_size: int | None) -> int:
    if workers is not None and world_size is not None and workers != world_size:
        raise ConfigError(f"--workers {workers} and --world-size {world_size} disagree (they name the same number)")
    return workers or world_size or 1


def _executor(name: ExecutorName, rank, ray_address, worker_cpus, worker_gpus, max_retries):
    if name is ExecutorName.ray:
        if rank is not None:
            raise ConfigError("--rank runs one worker by hand (--executor local); with --executor ray, Ray runs every rank")
        from ..batch.ray_executor import RayExecutor

        return RayExecutor(ray_address, worker_cpus=worker_cpus, worker_gpus=worker_gpus, max_retries=max_retries)
    given = [opt for opt, used in (("--ray-address", ray_address is not None), ("--worker-cpus", worker_cpus != 1.0),
                                   ("--worker-gpus", worker_gpus != 0.0), ("--max-retries", max_retries != 3)) if used]
    if given:
        raise ConfigError(f"{', '.join(given)} only apply to --executor ray")
    from ..batch.local import LocalExecutor

    return LocalExecutor()


def _check_final(plan: Any, final: Any) -> None:
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


def _resume_command(inputs, out, config, set_, rank, world_size, executor, ray_address, worker_cpus, worker_gpus,
                    max_retries) -> str:
    parts = ["newsbridge", "batch", *[str(p) for p in inputs], "--out", str(out)]
    if config is not None:
        parts += ["--config", str(config)]
    for item in set_ or []:
        parts += ["--set", item]
    if executor is ExecutorName.ray:
        parts += ["--executor", "ray", "--workers", str(world_size)]
        if ray_address:
            parts += ["--ray-address", ray_address]
        parts += [x for opt, value, default in (("--worker-cpus", worker_cpus, 1.0), ("--worker-gpus", worker_gpus, 0.0),
                                                ("--max-retries", max_retries, 3)) if value != default
                  for x in (opt, f"{value:g}")]
    elif rank is not None and world_size > 1:
        parts += ["--rank", str(rank), "--world-size", str(world_size)]
    elif world_size > 1:
        parts += ["--workers", str(world_size)]
    return shlex.join(parts)


class RichProgress:
    """Every worker's counts added up (batch.progress.Snapshot): articles done / total,
    articles/s, ETA, errors and duplicates, on stderr."""

    def __init__(self, console: Any):
        self.console = console
        self.progress = None
        self.task = None
        self.start_time = 0.0

    def _start(self) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

        self.progress = Progress(
            TextColumn("[bold]batch"), BarColumn(), MofNCompleteColumn(),
            TextColumn("{task.fields[rate]}"), TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(),
            TextColumn("errors {task.fields[errors]} · duplicates {task.fields[duplicates]}{task.fields[workers]}"),
            console=self.console, transient=False,
        )
        self.progress.start()
        self.task = self.progress.add_task("batch", total=None, rate="-- articles/s", errors=0, duplicates=0, workers="")
        self.start_time = time.perf_counter()

    def update(self, snap: Any) -> None:
        if self.progress is None:
            self._start()
        elapsed = max(time.perf_counter() - self.start_time, 1e-9)
        workers = "" if snap.workers <= 1 else f" · workers {snap.workers_started}/{snap.workers}"
        if snap.attempts > snap.workers_started:
            workers += f" ({snap.attempts - snap.workers_started} restarted)"
        self.progress.update(self.task, total=snap.total, completed=snap.done, errors=snap.errors,
                             duplicates=snap.duplicates, workers=workers,
                             rate=f"{snap.processed / elapsed:.1f} articles/s" if snap.processed else "-- articles/s")

    def finish(self) -> None:
        if self.progress is not None:
            self.progress.stop()
            self.progress = None


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
