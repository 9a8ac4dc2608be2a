"""pairs.tsv: one aligned en/uk pair per line, with the article id, section and kind.

Columns: id, section (index into the record's sections; empty for title and tags), kind
(title|heading|body|tag), src (the language the text was written in), en, uk. No quoting:
cells never hold tabs or newlines (pairs.clean_text), so any TSV reader splits on tabs.
"""

from __future__ import annotations

from typing import IO

from .pairs import Pair, clean_text

TSV_COLUMNS = ("id", "section", "kind", "src", "en", "uk")


class PairsTsvWriter:
    def __init__(self, fh: IO[str]):
        self.fh = fh
        self.count = 0
        fh.write("\t".join(TSV_COLUMNS) + "\n")

    def write(self, pair: Pair) -> None:
        cells = [clean_text(pair.id), "" if pair.section is None else str(pair.section), pair.kind, pair.src, pair.texts["en"], pair.texts["uk"]]
        self.fh.write("\t".join(cells) + "\n")
        self.count += 1
