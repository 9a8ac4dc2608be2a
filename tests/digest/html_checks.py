"""Static checks on rendered pages (lxml), shared by the render and CLI tests."""

from __future__ import annotations

import re
from pathlib import Path

import lxml.html

_LETTER = re.compile(r"[^\W\d_]", re.UNICODE)
# Elements whose text is not prose in a language: codes, file names, times, counters.
_NOT_PROSE = {"code", "time", "output", "title", "script", "style"}
_NOT_PROSE_CLASSES = {"badge", "lang-label"}
_LANG = re.compile(r"[a-z]{2,3}(-[A-Za-z0-9]{1,8})*")


def parse(path: Path):
    return lxml.html.fromstring(path.read_bytes())


def _exempt(el) -> bool:
    for node in [el, *el.iterancestors()]:
        if node.tag in _NOT_PROSE or _NOT_PROSE_CLASSES & set((node.get("class") or "").split()):
            return True
    return False


def _lang_of(el):
    for node in [el, *el.iterancestors()]:
        if node.get("lang") is not None:
            return node
    return None


def unlabelled_text(doc) -> list[str]:
    """Text in <body> whose nearest lang="" is the <html> element's (or none at all)."""
    bad = []
    body = doc.find("body")
    for el in body.iter():
        if not isinstance(el.tag, str):
            continue
        for text, owner in ((el.text, el), (el.tail, el.getparent())):
            if text and _LETTER.search(text) and owner is not None and not _exempt(owner):
                holder = _lang_of(owner)
                if holder is None or holder.tag == "html":
                    bad.append(text.strip()[:60])
    return bad


def bad_lang_values(doc) -> list[str]:
    return [el.get("lang") for el in doc.iter() if isinstance(el.tag, str) and el.get("lang") is not None and not _LANG.fullmatch(el.get("lang"))]


def resource_refs(doc) -> list[str]:
    refs = []
    for el in doc.iter():
        if not isinstance(el.tag, str):
            continue
        for attr in ("src", "href", "action", "srcset", "poster", "data"):
            if el.get(attr) is not None:
                refs.append((el.tag, attr, el.get(attr), el.get("rel")))
    return refs
