"""Record files: JSONL, JSON, CSV, Parquet and saved `datasets` directories -> Articles.

Every reader streams: JSONL line by line, CSV row by row, Parquet and datasets in chunks
of `chunk_rows` rows (`iter_batches` / `Dataset.iter`), so an archive of any size is read
in bounded memory. Each record becomes a `RecordItem` holding an Article or the
`InputError` that says why it could not be one (no text, empty, not an object...);
nothing is dropped silently, so callers can account for every record.

Field names (`text`, `id`, `title`, `url`, `lang`) come from `ReadConfig`. A record's id is
its id field when it has one, else the content id of text/ids.py ("<first words>-<hash
of title and text>"): the same article in two files, or as a record and as a .txt file
of the same text, gets the same id (a batch then skips the second as a duplicate).
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Mapping

from ..config import ReadConfig
from ..data import Article, Block, Source
from ..errors import InputError, exception_brief
from ..text.cleanup import strip_control_chars
from ..text.ids import article_id as content_id
from .files import open_regular, read_bounded
from .jsonl import json_problem

RECORD_SUFFIXES = {".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "json", ".csv": "csv", ".parquet": "parquet"}
# Files a saved `datasets` directory holds (Dataset.save_to_disk / DatasetDict.save_to_disk).
_DATASET_MARKERS = ("state.json", "dataset_info.json")
_DATASET_DICT_MARKER = "dataset_dict.json"
_CSV_SNIFF_BYTES = 1 << 20


@dataclass
class RecordItem:
    """One record of a file: its position, and an Article or the reason there is none."""

    pos: int
    where: str
    article: Article | None = None
    error: InputError | None = None


def record_format(path: Path) -> str | None:
    return RECORD_SUFFIXES.get(Path(path).suffix.lower())


def is_saved_dataset(path: Path) -> bool:
    path = Path(path)
    try:
        return path.is_dir() and (
            (path / _DATASET_DICT_MARKER).is_file() or all((path / m).is_file() for m in _DATASET_MARKERS)
        )
    except OSError:  # a folder we may not look into: the walk reports it
        return False


def dataset_splits(path: Path) -> list[str | None]:
    """[None] for a saved Dataset, the split names for a saved DatasetDict."""
    marker = Path(path) / _DATASET_DICT_MARKER
    if marker.is_file():
        return list(json.loads(marker.read_text(encoding="utf-8"))["splits"])
    return [None]


def iter_records(path: Path, read: ReadConfig, *, fmt: str | None = None, split: str | None = None,
                 chunk_rows: int = 1000, csv_delimiter: str = ",") -> Iterator[RecordItem]:
    """Stream the records of one record file (or one split of a saved dataset)."""
    path = Path(path)
    fmt = fmt or ("dataset" if path.is_dir() else record_format(path))
    readers = {"jsonl": _iter_jsonl, "json": _iter_json, "csv": _iter_csv, "parquet": _iter_parquet, "dataset": _iter_dataset}
    if fmt not in readers:
        raise InputError(path, f"is not a record file (supported: {', '.join(sorted(RECORD_SUFFIXES))}, saved datasets)", kind="unsupported")
    opts = {"chunk_rows": chunk_rows, "csv_delimiter": csv_delimiter, "split": split}
    count = 0
    try:
        for item in readers[fmt](path, read, **opts):
            count += 1
            yield item
    except InputError as exc:
        # The rest of the file cannot be read: one error item stands for it.
        yield RecordItem(pos=count, where=exc.path, error=exc)
        return
    if count == 0:
        yield RecordItem(pos=0, where=str(path), error=InputError(path, "holds no records", kind="empty"))


def count_records(path: Path, *, fmt: str | None = None, split: str | None = None, csv_delimiter: str = ",") -> int | None:
    """A cheap count for progress bars (None when it would cost a full parse)."""
    path = Path(path)
    fmt = fmt or ("dataset" if path.is_dir() else record_format(path))
    try:
        if fmt != "dataset" and not path.is_file():  # never open a FIFO or a device to count it
            return None
        if fmt == "jsonl":
            # Newlines counted in fixed-size chunks: one 200 MB line must not be read whole.
            return max(_count_lines(path), 1)
        if fmt == "parquet":
            import pyarrow.parquet as pq

            return max(pq.ParquetFile(path).metadata.num_rows, 1)
        if fmt == "dataset":
            from datasets import load_from_disk

            ds = load_from_disk(str(path))
            return max((ds[split] if split else ds).num_rows, 1)
        if fmt == "csv":
            return max(_count_lines(path) - 1, 1)
    except Exception:  # noqa: BLE001 - a count is a hint; reading reports the real problem
        return None
    return None


def record_to_article(rec: Mapping[str, Any], *, path: Path, fmt: str, row: int, where: str, read: ReadConfig) -> Article:
    """One record -> an Article with raw text (and a title block when the record has one)."""
    if read.text_field not in rec:
        fields = ", ".join(str(k) for k in list(rec)[:12]) or "none"
        raise InputError(where, f"has no '{read.text_field}' field (fields: {fields}; set read.text_field)", kind="no_text")
    text = rec[read.text_field]
    if text is None:
        raise InputError(where, f"'{read.text_field}' is null", kind="empty")
    if not isinstance(text, str):
        raise InputError(where, f"'{read.text_field}' is a {type(text).__name__}, expected a string", kind="record")
    if not text.strip():
        raise InputError(where, f"'{read.text_field}' is empty", kind="empty")
    if len(text) > read.max_bytes:
        raise InputError(where, f"'{read.text_field}' has {len(text):,} characters, over read.max_bytes={read.max_bytes:,}", kind="too_large")
    if len(text) > read.max_article_chars:
        raise InputError(where, f"'{read.text_field}' has {len(text):,} characters, over read.max_article_chars={read.max_article_chars:,} "
                         "(one article; raise the limit to process it)", kind="too_long")
    if _looks_binary(text):
        raise InputError(where, f"'{read.text_field}' looks like binary data, not text (NUL or control characters)", kind="binary")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    title = _optional_str(rec.get(read.title_field))
    # Fields that go into the record as they are (clean never sees them) lose control
    # characters and lone surrogates here: UTF-8 output cannot hold a lone surrogate.
    stripped: list[str] = []
    raw_id = _field_str(rec.get(read.id_field), read.id_field, stripped)
    article = Article(
        # No id of its own: the content id, as a .txt file of the same text gets (text/ids.py).
        id=raw_id or content_id(text, title),
        source=Source(
            path=str(path),
            format=fmt,
            row=row,
            url=_field_str(rec.get(read.url_field), read.url_field, stripped),
            declared_lang=_field_str(rec.get(read.lang_field), read.lang_field, stripped),
        ),
        raw=text,
    )
    if stripped:
        article.warn(f"{where}: control or non-text characters removed from {', '.join(stripped)}")
    if title:
        # The record says which line is the title; the body is split as clean splits text.
        from ..text.blocks import split_blocks

        article.blocks = [Block(kind="title", text=title)] + [Block(kind="paragraph", text=t) for t in split_blocks(text)]
    return article


def check_article_length(article: Article, where: str, read: ReadConfig) -> None:
    """InputError when one article's text is over read.max_article_chars."""
    n = len(article.raw) if article.raw is not None else sum(len(b.text) for b in article.blocks)
    if n > read.max_article_chars:
        raise InputError(where, f"has {n:,} characters of text, over read.max_article_chars={read.max_article_chars:,} "
                         "(one article; raise the limit to process it)", kind="too_long")


# -- readers ------------------------------------------------------------------------------


def _item(rec: Any, *, path: Path, fmt: str, pos: int, where: str, read: ReadConfig) -> RecordItem:
    if not isinstance(rec, Mapping):
        err = InputError(where, f"is a JSON {type(rec).__name__}, expected an object with a '{read.text_field}' field", kind="record")
        return RecordItem(pos=pos, where=where, error=err)
    try:
        return RecordItem(pos=pos, where=where, article=record_to_article(rec, path=path, fmt=fmt, row=pos, where=where, read=read))
    except InputError as exc:
        return RecordItem(pos=pos, where=where, error=exc)
    except MemoryError:
        return RecordItem(pos=pos, where=where, error=InputError(where, "did not fit in memory; skipped", kind="too_large"))
    except Exception as exc:  # noqa: BLE001 - one record's failure is its error, the file goes on
        return RecordItem(pos=pos, where=where, error=InputError(where, f"could not be read as an article ({exception_brief(exc)})", kind="internal"))


def _iter_jsonl(path: Path, read: ReadConfig, **_: Any) -> Iterator[RecordItem]:
    pos = 0
    with open_regular(path) as fh:
        for lineno, line, size in _bounded_lines(fh, read.max_bytes):
            if line is not None and not line.strip():
                continue
            where = f"{path} line {lineno}"
            if line is None:
                err = InputError(where, f"is {size:,} bytes, over read.max_bytes={read.max_bytes:,} (skipped without reading it whole)", kind="too_large")
                item = RecordItem(pos=pos, where=where, error=err)
            else:
                item = _parse_json_item(line, read, path=path, pos=pos, where=where, bom_ok=lineno == 1)
            yield item
            pos += 1


def _parse_json_item(line: bytes, read: ReadConfig, *, path: Path, pos: int, where: str, bom_ok: bool) -> RecordItem:
    try:
        text = line.decode("utf-8-sig" if bom_ok else "utf-8")
        rec = json.loads(text)
    except UnicodeDecodeError as exc:
        return RecordItem(pos=pos, where=where, error=InputError(where, f"is not valid UTF-8 ({exc.reason} at byte {exc.start})", kind="encoding"))
    except json.JSONDecodeError as exc:
        return RecordItem(pos=pos, where=where, error=InputError(where, f"is not valid JSON ({json_problem(exc, line=True)})", kind="record"))
    except RecursionError:
        # json's C parser recurses per nesting level: 100,000 "[" exhaust the stack.
        return RecordItem(pos=pos, where=where, error=InputError(where, "is JSON nested too deeply to parse (thousands of levels); not an article record", kind="record"))
    return _item(rec, path=path, fmt="jsonl", pos=pos, where=where, read=read)


def _bounded_lines(fh, limit: int) -> Iterator[tuple[int, bytes | None, int]]:
    """(line number, line or None when over `limit` bytes, its size): a longer line is
    skipped in 1 MB pieces, so no line costs more memory than `limit` plus a constant."""
    lineno = 0
    while True:
        line = fh.readline(limit + 1)
        if not line:
            return
        lineno += 1
        if len(line) > limit and not line.endswith(b"\n"):
            size = len(line)
            del line
            while True:
                rest = fh.readline(1 << 16)
                size += len(rest)
                if not rest or rest.endswith(b"\n"):
                    break
            yield lineno, None, size
            continue
        yield lineno, line, len(line)


def _count_lines(path: Path) -> int:
    n = 0
    last = b"\n"
    with open_regular(path) as fh:
        while block := fh.read(1 << 18):
            n += block.count(b"\n")
            last = block[-1:]
    return n + (last != b"\n")


def _iter_json(path: Path, read: ReadConfig, **_: Any) -> Iterator[RecordItem]:
    # A JSON document is parsed whole, so it is bounded like a text file; archives use JSONL.
    data = read_bounded(path, read.max_bytes, what="read.max_bytes (use JSONL for large archives)")
    try:
        data = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise InputError(path, f"is not valid UTF-8 ({exc.reason} at byte {exc.start})", kind="encoding") from None
    except json.JSONDecodeError as exc:
        raise InputError(path, f"is not valid JSON ({json_problem(exc)})", kind="record") from None
    except RecursionError:
        raise InputError(path, "is JSON nested too deeply to parse (thousands of levels); not an article archive", kind="record") from None
    items = data if isinstance(data, list) else [data]
    for pos, rec in enumerate(items):
        where = f"{path} item {pos}" if isinstance(data, list) else str(path)
        yield _item(rec, path=path, fmt="json", pos=pos, where=where, read=read)


def _iter_csv(path: Path, read: ReadConfig, *, csv_delimiter: str = ",", **_: Any) -> Iterator[RecordItem]:
    """Rows of a CSV file. A malformed row (an unterminated quote swallows every row after
    it; a stray character after a closing quote) is an error record naming its line, and
    reading starts again on the line after it: one bad row never hides the others."""
    encoding = _csv_encoding(path)
    limit = max(read.max_bytes, 131072)
    csv.field_size_limit(limit)
    pos = 0
    with io.TextIOWrapper(open_regular(path), encoding=encoding, newline="", errors="strict") as fh:
        lines = _ReplayLines(fh, limit)
        try:
            reader = csv.reader(lines, delimiter=csv_delimiter, strict=True)
            try:
                first = next(reader, None)
            except (csv.Error, _LineTooLong) as exc:
                raise InputError(f"{path} line 1", f"has no readable CSV header ({exc})", kind="record") from None
            # " text" or a stray BOM in a header cell is still the text column.
            header = [(name or "").strip().lstrip("\ufeff").strip() for name in (first or [])]
            if read.text_field not in header:
                hint = "set read.text_field"
                # One column whose name holds another delimiter: the file uses that one.
                other = next((d for d in (";", "\t", "|", ",") if d != csv_delimiter and len(header) == 1 and d in header[0]), None)
                if other is not None:
                    hint = f"the header looks {'tab' if other == chr(9) else repr(other)}-separated: set batch.csv_delimiter"
                raise InputError(path, f"has no '{read.text_field}' column (columns: {', '.join(header[:12]) or 'none'}; {hint})", kind="no_text")
            while True:
                lines.mark()
                try:
                    values = next(reader, None)
                except (csv.Error, _LineTooLong) as exc:
                    start = lines.restart()
                    reader = csv.reader(lines, delimiter=csv_delimiter, strict=True)
                    where = f"{path} row {pos + 1} (line {start})"
                    err = InputError(where, f"is not valid CSV ({exc}); rows from line {start + 1} on were read again", kind="record")
                    yield RecordItem(pos=pos, where=where, error=err)
                    pos += 1
                    continue
                if values is None:
                    break
                if not values:  # a blank line, as DictReader skips it
                    continue
                row = dict(zip(header, values))
                for name in header[len(values):]:
                    row.setdefault(name, None)
                where = f"{path} row {pos + 1} (line {lines.first_line})"
                yield _item(row, path=path, fmt="csv", pos=pos, where=where, read=read)
                pos += 1
        except UnicodeDecodeError as exc:
            raise InputError(f"{path} after row {pos}", f"is not valid {encoding} ({exc.reason}); the rest of the file was not read", kind="encoding") from None


class _LineTooLong(Exception):
    pass


class _ReplayLines:
    """The physical lines of a text file for csv.reader, with a way back: the lines of the
    record being read are kept, and after a malformed record all but its first line are
    read again. Lines longer than `limit` characters are skipped whole (_LineTooLong)."""

    def __init__(self, fh, limit: int):
        self.fh, self.limit = fh, limit
        self.lineno = 0  # physical lines taken from the file
        self.first_line = 1  # first line of the record being read
        self._record: list[tuple[int, str]] = []
        self._replay: list[tuple[int, str]] = []

    def __iter__(self) -> "_ReplayLines":
        return self

    def __next__(self) -> str:
        if self._replay:
            n, line = self._replay.pop(0)
        else:
            line = self.fh.readline(self.limit + 1)
            if not line:
                raise StopIteration
            self.lineno += 1
            n = self.lineno
            if len(line) > self.limit and not line.endswith(("\n", "\r")):
                while (rest := self.fh.readline(1 << 20)) and not rest.endswith(("\n", "\r")):
                    pass
                self._record.append((n, ""))
                raise _LineTooLong(f"line {n} is over read.max_bytes={self.limit:,} characters")
        if not self._record:
            self.first_line = n
        # Bounded: csv.field_size_limit stops a runaway quoted field at `limit` characters.
        self._record.append((n, line))
        return line

    def mark(self) -> None:
        self._record = []
        if self._replay:
            self.first_line = self._replay[0][0]

    def restart(self) -> int:
        """After a malformed record: its first line number; the rest will be read again."""
        first = self._record[0][0] if self._record else self.lineno
        self._replay = [x for x in self._record[1:] if x[1]] + self._replay
        self._record = []
        return first


def _iter_parquet(path: Path, read: ReadConfig, *, chunk_rows: int = 1000, **_: Any) -> Iterator[RecordItem]:
    import pyarrow.parquet as pq

    try:
        pf = pq.ParquetFile(path)
    except Exception as exc:  # noqa: BLE001 - pyarrow raises several types for bad files
        raise InputError(path, f"is not a readable Parquet file ({exc})", kind="record") from None
    yield from _iter_table_chunks(path, "parquet", read, pf.schema_arrow.names,
                                  lambda cols: (b.to_pylist() for b in pf.iter_batches(batch_size=chunk_rows, columns=cols)))


def _iter_dataset(path: Path, read: ReadConfig, *, chunk_rows: int = 1000, split: str | None = None, **_: Any) -> Iterator[RecordItem]:
    from datasets import load_from_disk

    try:
        ds = load_from_disk(str(path))
    except Exception as exc:  # noqa: BLE001
        raise InputError(path, f"is not a readable saved dataset ({exc})", kind="record") from None
    if split is not None:
        ds = ds[split]

    def chunks(cols: list[str]):
        for batch in ds.select_columns(cols).iter(batch_size=chunk_rows):
            keys = list(batch)
            n = len(batch[keys[0]]) if keys else 0
            yield [{k: batch[k][i] for k in keys} for i in range(n)]

    where_path = Path(f"{path}::{split}") if split else path
    yield from _iter_table_chunks(where_path, "dataset", read, list(ds.column_names), chunks)


def _iter_table_chunks(path: Path, fmt: str, read: ReadConfig, columns: list[str], chunks) -> Iterator[RecordItem]:
    if read.text_field not in columns:
        raise InputError(path, f"has no '{read.text_field}' column (columns: {', '.join(columns[:12]) or 'none'}; set read.text_field)", kind="no_text")
    wanted = [c for c in (read.text_field, read.id_field, read.title_field, read.url_field, read.lang_field) if c in columns]
    wanted = list(dict.fromkeys(wanted))
    pos = 0
    try:
        for rows in chunks(wanted):
            for row in rows:
                yield _item(row, path=path, fmt=fmt, pos=pos, where=f"{path} row {pos}", read=read)
                pos += 1
    except InputError:
        raise
    except Exception as exc:  # noqa: BLE001 - a corrupt row group: the rest is unreadable
        raise InputError(f"{path} row {pos}", f"could not be read ({type(exc).__name__}: {exc}); the rest of the file was not read", kind="record") from None


# -- helpers ------------------------------------------------------------------------------


def _csv_encoding(path: Path) -> str:
    """The encoding of a CSV file, decided on its first MB like a text file's."""
    from .decode import decode_bytes

    with open_regular(path) as fh:
        sample = fh.read(_CSV_SNIFF_BYTES)
        more = fh.read(1)
    if more and b"\n" in sample:
        sample = sample[: sample.rindex(b"\n") + 1]  # never cut a character in half
    _, encoding = decode_bytes(sample, path, stray_nul_ok=True)
    return "utf-8-sig" if encoding in ("utf-8", "utf_8") else encoding


def _field_str(value: Any, name: str, stripped: list[str]) -> str | None:
    value = _optional_str(value)
    if value is None:
        return None
    clean, removed = strip_control_chars(value)
    if removed:
        stripped.append(f"'{name}'")
    return clean.strip() or None


def _optional_str(value: Any) -> str | None:
    if value is None:
        return None
    value = str(value).strip()
    return value or None


def _looks_binary(text: str) -> bool:
    """A field that is mostly control characters (bytes stuffed into a string). A stray
    NUL in real text is an exporter's glitch, not binary data: clean strips and counts it."""
    sample = text[:8192]
    control = len(_BINARY_CHARS.findall(sample))  # one C scan: most text has none
    return control > len(sample) * 0.05


# C0 controls but tab, line feed, form feed, carriage return and ESC.
_BINARY_CHARS = re.compile("[\x00-\x08\x0b\x0e-\x1a\x1c-\x1f]")
