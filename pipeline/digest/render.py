"""Write the static digest: OUT_DIR/digest/index.html, one page per article, one CSS file.

Records stream through: each article page is rendered and written as soon as its record
is read, and only a small `IndexEntry` (titles, summaries, tags) is kept for the index,
which is written last so it never links to a page that is not there yet. Jinja2 escapes
every value (autoescape on, StrictUndefined so a template typo fails loudly).
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Iterable

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from ..config import DigestConfig
from ..errors import InputError
from ..io.atomic import atomic_output
from ..io.writers import write_atomic
from .filenames import PageNames, page_path
from .records import LocatedRecord, RecordProblem, iter_errors, iter_out_dir
from .views import (
    FailedView,
    NotARecord,
    article_from_record,
    article_view,
    failed_view,
    index_entry,
    lang_name,
)

DIGEST_DIR = "digest"
PAGES_DIR = "articles"
ASSETS_DIR = "assets"
ASSETS = ("digest.css", "digest.js")


@dataclass
class DigestResult:
    index: Path
    articles: int
    failed: list[FailedView] = field(default_factory=list)
    problems: list[RecordProblem] = field(default_factory=list)
    stale_removed: int = 0


def build_digest(out_dir: str | Path, config: DigestConfig | None = None) -> DigestResult:
    """The digest of a `run --out` or `batch --out` directory, read from disk (streaming)."""
    out_dir = Path(out_dir)
    records = iter_out_dir(out_dir)
    return write_digest(out_dir, records, config, failed=iter_errors(out_dir))


def write_digest(
    out_dir: str | Path,
    records: Iterable[dict[str, Any] | LocatedRecord | RecordProblem],
    config: DigestConfig | None = None,
    *,
    failed: Iterable[dict[str, Any] | LocatedRecord | RecordProblem] = (),
) -> DigestResult:
    """Render `records` (record dicts, as `Article.to_record()` makes them) into
    `out_dir/digest/`. `failed` are error records (errors.jsonl lines) listed on the index.
    Pages of articles no longer in the records are removed, so the site matches its input.
    """
    config = config or DigestConfig()
    site = Path(out_dir) / DIGEST_DIR
    pages_dir = site / PAGES_DIR
    pages_dir.mkdir(parents=True, exist_ok=True)
    env = _environment()
    names = PageNames()
    failed_views: list[FailedView] = []
    problems: list[RecordProblem] = []
    # Index entries are rendered as their records pass and spooled to a temp file, so
    # memory stays flat however many articles the index lists.
    with tempfile.TemporaryFile("w+", encoding="utf-8") as spool:
        count = _write_pages(env, records, config, pages_dir, names, spool, failed_views, problems)
        for n, item in enumerate(failed, 1):
            if isinstance(item, RecordProblem):
                problems.append(item)
            elif isinstance(item, LocatedRecord):
                failed_views.append(failed_view(item.where, item.record))
            else:
                failed_views.append(failed_view(f"error {n}", item))
        if not count and not failed_views and problems:
            raise InputError(out_dir, f"no record could be read ({len(problems)} problems; first: {problems[0]})", kind="records")

        for name in ASSETS:
            text = resources.files(__package__).joinpath("static", name).read_text(encoding="utf-8")
            write_atomic(site / ASSETS_DIR / name, text)
        # Pages of an earlier digest whose articles are gone would otherwise linger unlisted.
        stale = [p for p in pages_dir.glob("*.html") if p.name not in names]
        for path in stale:
            path.unlink()

        spool.seek(0)
        index = site / "index.html"
        # Streamed to disk, never one string in memory. Markup: each spooled entry is
        # already-escaped output of the autoescaping entry template.
        _write_stream(
            index,
            env.get_template("index.html").generate(
                entries=(Markup(json.loads(line)) for line in spool),
                count=count,
                failed=failed_views,
                problems=problems,
                root="",
                assets=f"{ASSETS_DIR}/",
                pages=f"{PAGES_DIR}/",
                ui_lang=config.languages[0],
            ),
        )
    return DigestResult(index=index, articles=count, failed=failed_views, problems=problems, stale_removed=len(stale))


def _write_pages(env, records, config, pages_dir, names, spool, failed_views, problems) -> int:
    """One page per readable record, written as soon as it is read; returns how many."""
    page_template = env.get_template("article.html")
    entry_template = env.get_template("entry.html")
    count = 0
    for n, item in enumerate(records, 1):
        if isinstance(item, RecordProblem):
            problems.append(item)
            continue
        where, record = (item.where, item.record) if isinstance(item, LocatedRecord) else (f"record {n}", item)
        if not isinstance(record, dict):
            problems.append(RecordProblem(where, f"expected a record (dict), got {type(record).__name__}"))
            continue
        if record.get("error"):
            failed_views.append(failed_view(where, record))
            continue
        try:
            article = article_from_record(record)
        except NotARecord as exc:
            problems.append(RecordProblem(where, str(exc)))
            continue
        name, repeated = names.claim(article.id)
        if repeated:
            problems.append(RecordProblem(where, f"id {article.id!r} appears more than once; this copy is on page {name}"))
        page = page_template.render(
            a=article_view(article, name, config), root="../", assets=f"../{ASSETS_DIR}/", ui_lang=config.languages[0]
        )
        write_atomic(page_path(pages_dir, name), page)
        entry = entry_template.render(e=index_entry(article, name, config), pages=f"{PAGES_DIR}/")
        spool.write(json.dumps(entry, ensure_ascii=False) + "\n")
        count += 1
    return count


def _write_stream(path: Path, chunks: Iterable[str]) -> None:
    """Like `write_atomic`, for text produced piece by piece."""
    with atomic_output(path, "w") as fh:
        for chunk in chunks:
            fh.write(chunk)


def _environment() -> Environment:
    return template_environment(PackageLoader(__package__, "templates"))


def template_environment(loader) -> Environment:
    """The digest's Jinja settings (autoescaping everything, strict undefined), also used by
    the service, whose loader puts its own templates in front of these."""
    env = Environment(
        loader=loader,
        autoescape=True,  # every value, in every template, whatever its file name
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["lang_name"] = lang_name
    return env
