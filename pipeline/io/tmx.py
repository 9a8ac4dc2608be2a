"""pairs.tmx: the aligned pairs as a TMX 1.4 translation memory that CAT tools import.

Written as a stream (header, one <tu> per pair, footer), so memory stays flat. The header
carries every attribute TMX 1.4 requires (creationtool, creationtoolversion, segtype,
o-tmf, adminlang, srclang, datatype); each <tu> names its own source language and carries
the article id, section and kind as <prop type="x-...">; each <tuv> has xml:lang. Text is
XML-escaped and stripped of characters XML 1.0 forbids (pairs.clean_text).
"""

from __future__ import annotations

from typing import IO
from xml.sax.saxutils import escape, quoteattr

from .. import __version__
from .pairs import Pair, clean_text


class TmxWriter:
    def __init__(self, fh: IO[str], *, srclang: str = "en", adminlang: str = "en"):
        self.fh = fh
        self.count = 0
        self._attrs: dict[str, str] = {}  # language code -> quoted attribute (a handful)
        self._last_id: str | None = None
        self._last_id_xml = ""
        fh.write('<?xml version="1.0" encoding="UTF-8"?>\n')
        fh.write('<tmx version="1.4">\n')
        attrs = {
            "creationtool": "newsbridge",
            "creationtoolversion": __version__,
            "segtype": "sentence",
            "o-tmf": "newsbridge",
            "adminlang": adminlang,
            "srclang": srclang,
            "datatype": "plaintext",
            "o-encoding": "UTF-8",
        }
        fh.write("  <header " + " ".join(f"{k}={quoteattr(v)}" for k, v in attrs.items()) + "/>\n")
        fh.write("  <body>\n")

    def write(self, pair: Pair) -> None:
        section = "" if pair.section is None else str(pair.section)
        tuid = f"{pair.id}:{pair.kind}:{section}:{pair.index}"
        out = [f"    <tu tuid={quoteattr(clean_text(tuid))} srclang={self._attr(pair.src)}>\n"]
        if pair.id != self._last_id:  # an article's pairs come together: its id cleaned once
            self._last_id, self._last_id_xml = pair.id, escape(clean_text(pair.id))
        out.append(f'      <prop type="x-article-id">{self._last_id_xml}</prop>\n')
        out.append(f'      <prop type="x-kind">{pair.kind}</prop>\n')
        if section:
            out.append(f'      <prop type="x-section">{section}</prop>\n')
        # The source first (CAT tools read the first tuv as the source when unsure).
        langs = sorted(pair.texts, key=lambda lang: (lang != pair.src, lang))
        for lang in langs:
            out.append(f"      <tuv xml:lang={self._attr(lang)}><seg>{escape(pair.texts[lang])}</seg></tuv>\n")
        out.append("    </tu>\n")
        self.fh.write("".join(out))
        self.count += 1

    def _attr(self, value: str) -> str:
        quoted = self._attrs.get(value)
        if quoted is None:
            quoted = self._attrs[value] = quoteattr(value)
        return quoted

    def close(self) -> None:
        self.fh.write("  </body>\n</tmx>\n")
