"""pairs.tsv: one aligned en/uk pair per row, with the article id, section and kind.

Columns: id, section (index into the record's sections; empty for title and tags), kind
(title|heading|body|tag), src (the language the text was written in), en, uk.

Written with the csv module's tab dialect (`excel-tab`, minimal quoting, "\\n" line ends):
a cell holding a double quote, a tab or a line break is put in double quotes with inner
quotes doubled, so `csv.reader(fh, delimiter="\\t")` (file opened with newline="") and
`pandas.read_csv(path, sep="\\t", dtype=str, keep_default_na=False)` read every cell back
exactly. A text merely starting with a quote ("Wagner PMC." ...) would otherwise be taken
for a quoted cell by those readers and lose its quotes. Pair texts have their whitespace
collapsed (pairs.clean_text), so in practice only cells with quotes get quoted and rows
stay one per line.
"""

from __future__ import annotations

import csv
from typing import IO

from .pairs import Pair, clean_text

TSV_COLUMNS = ("id", "section", "kind", "src", "en", "uk")


class PairsTsvWriter:
    def __init__(self, fh: IO[str]):
        self.count = 0
        # "\n" whatever the platform: the file is opened with newline="" by its callers.
        self._writer = csv.writer(fh, dialect="excel-tab", quoting=csv.QUOTE_MINIMAL, lineterminator="\n")
        # Minimal quoting only looks for the line terminator's characters, so a lone "\r"
        # would go out bare and split the row for readers; such rows are quoted whole.
        self._quote_all = csv.writer(fh, dialect="excel-tab", quoting=csv.QUOTE_ALL, lineterminator="\n")
        self._writer.writerow(TSV_COLUMNS)

    def write(self, pair: Pair) -> None:
        section = "" if pair.section is None else str(pair.section)
        row = [clean_text(pair.id), section, pair.kind, pair.src, pair.texts["en"], pair.texts["uk"]]
        (self._quote_all if any("\r" in cell for cell in row) else self._writer).writerow(row)
        self.count += 1
