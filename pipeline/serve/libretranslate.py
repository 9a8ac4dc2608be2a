"""LibreTranslate's API on newsbridge's models: `/translate`, `/detect`, `/languages`, with
its request fields (`q` a string or a list, `source` a code or "auto", `target`, `format`
text|html, `api_key`) and its response shapes, so its clients and plugins work unchanged.

The work runs on the worker thread (`Worker.call`), which owns the models: each text is
split into sentences, each sentence's language is detected (unless `source` names it),
and all sentences of the request go to the translation engine in one call, as
`newsbridge translate` does for a file. HTML keeps its markup: every text node is
translated on its own and put back in its place.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..data import Block
from ..digest.views import LANG_NAMES

EXTRA_NAMES = {"de": "German", "fr": "French", "pl": "Polish", "be": "Belarusian", "es": "Spanish"}
_SKIP_TAGS = {"script", "style", "code", "pre", "template"}


class LTError(ValueError):
    """A request LibreTranslate would answer with 400 and {"error": message}."""


@dataclass
class _Tools:
    segmenter: Any
    detector: Any
    engine: Any


def _tools(pipeline: Any) -> _Tools:
    """The segment and detect stages of the running pipeline (built once if the config
    leaves them out), and its translation engine."""
    cached = getattr(pipeline, "_libretranslate_tools", None)
    if cached is not None:
        return cached
    from .. import registry

    by_name = {stage.name: stage for stage in pipeline.stages}
    context = pipeline.context
    tools = _Tools(
        segmenter=by_name.get("segment") or registry.stages.get("segment")(context),
        detector=by_name.get("detect") or registry.stages.get("detect")(context),
        engine=context.translation_engine(),
    )
    pipeline._libretranslate_tools = tools
    return tools


def languages(config: Any) -> list[dict[str, Any]]:
    """[{code, name, targets}] for every language detected and every one the models reach."""
    models = config.translate.models
    sources = list(dict.fromkeys([*config.langid.languages, *config.langid.extra_languages,
                                  *(k.split("-")[0] for k in models if not k.startswith("mul-"))]))
    targets = list(dict.fromkeys(k.split("-")[1] for k in models))
    out = []
    for code in sources:
        reach = [t for t in targets if t != code and _routable(config, code, t)]
        out.append({"code": code, "name": _name(code), "targets": reach})
    for code in targets:
        if code not in sources:
            out.append({"code": code, "name": _name(code), "targets": [t for t in targets if t != code and _routable(config, code, t)]})
    return out


def _routable(config: Any, src: str, tgt: str) -> bool:
    models = config.translate.models
    pivot = config.translate.pivot
    if f"{src}-{tgt}" in models or f"mul-{tgt}" in models:
        return True
    to_pivot = f"{src}-{pivot}" in models or f"mul-{pivot}" in models
    return src != pivot and tgt != pivot and to_pivot and f"{pivot}-{tgt}" in models


def _name(code: str) -> str:
    return {"en": "English", "uk": "Ukrainian", "ru": "Russian"}.get(code) or EXTRA_NAMES.get(code) or LANG_NAMES.get(code, code)


def check_request(config: Any, q: Any, source: Any, target: Any, fmt: Any, max_chars: int) -> tuple[list[str], bool, str, str, bool]:
    """(texts, was_a_list, source, target, html) or LTError with LibreTranslate's wording."""
    if q is None:
        raise LTError("Invalid request: missing q parameter")
    was_list = isinstance(q, list)
    texts = q if was_list else [q]
    if not all(isinstance(t, str) for t in texts):
        raise LTError("Invalid request: q must be a string or a list of strings")
    if not source:
        raise LTError("Invalid request: missing source parameter")
    if not target:
        raise LTError("Invalid request: missing target parameter")
    chars = sum(len(t) for t in texts)
    if chars > max_chars:
        raise LTError(f"Invalid request: request ({chars:,} characters) exceeds text limit ({max_chars:,}, serve.translate_max_chars)")
    known = {entry["code"]: entry for entry in languages(config)}
    source = str(source).strip().lower()
    target = str(target).strip().lower()
    if source != "auto" and source not in known:
        raise LTError(f"{source} is not supported")
    if target not in {t for entry in known.values() for t in entry["targets"]} | {source}:
        raise LTError(f"{target} is not supported")
    if fmt not in (None, "", "text", "html"):
        raise LTError(f"Invalid request: format must be text or html, got {str(fmt)[:20]!r}")
    return texts, was_list, source, target, fmt == "html"


def translate(pipeline: Any, texts: list[str], source: str, target: str, html: bool) -> dict[str, Any]:
    """The response body of /translate with lists (runs on the worker thread); `respond`
    shapes it for a string `q`."""
    from ..translation.engine import Request

    tools = _tools(pipeline)
    # Each text -> its pieces (lines, or HTML text nodes) -> sentences with a language.
    plans = [_html_pieces(t) if html else _line_pieces(t) for t in texts]
    requests: list[Request] = []
    layouts: list[list[list[tuple[str, str]]]] = []
    detected: list[dict[str, Any]] = []
    for text, (pieces, _) in zip(texts, plans):
        if source == "auto":
            found = tools.detector.detect(" ".join(text.split())[:2000]) if text.strip() else None
            detected.append({"confidence": round((found.confidence if found else 0.0) * 100, 1),
                             "language": found.lang if found else "und"})
        layout = []
        for piece in pieces:
            if not piece.strip():
                layout.append([])
                continue
            block = Block(kind="paragraph", text=piece.strip(), lang=source if source != "auto" else "und")
            sentences = [seg.text for seg in tools.segmenter.segments_of(block)]
            layout.append([(s, source if source != "auto" else tools.detector.detect(s).lang) for s in sentences])
            requests += [Request(s, lang, target) for s, lang in layout[-1]]
        layouts.append(layout)
    results = iter(tools.engine.translate(requests))
    outputs = []
    for (pieces, rebuild), layout in zip(plans, layouts):
        translated = []
        for piece, sentences in zip(pieces, layout):
            if not sentences:
                translated.append(piece)
                continue
            text = " ".join(next(results).text for _ in sentences)
            lead = piece[: len(piece) - len(piece.lstrip())]
            trail = piece[len(piece.rstrip()):]
            translated.append(lead + text + trail)
        outputs.append(rebuild(translated))
    body: dict[str, Any] = {"translatedText": outputs}
    if detected:
        body["detectedLanguage"] = detected
    return body


def respond(body: dict[str, Any], was_list: bool) -> dict[str, Any]:
    """LibreTranslate answers a string q with strings and a list q with lists."""
    out = dict(body)
    if not was_list:
        out["translatedText"] = out["translatedText"][0]
        if "detectedLanguage" in out:
            out["detectedLanguage"] = out["detectedLanguage"][0]
    return out


def detect(pipeline: Any, text: str) -> list[dict[str, Any]]:
    """The response body of /detect: the best language first, confidence 0-100."""
    tools = _tools(pipeline)
    found = tools.detector.detect(" ".join(text.split())[:5000])
    return [{"confidence": round(found.confidence * 100, 1), "language": found.lang}]


def _line_pieces(text: str):
    lines = text.split("\n")
    return lines, (lambda done: "\n".join(done))


def _html_pieces(text: str):
    """Text nodes of an HTML fragment, and how to put translations of them back."""
    import lxml.html
    from lxml import etree

    try:
        root = lxml.html.fragment_fromstring(text, create_parent="div")
    except (etree.ParserError, ValueError):
        return _line_pieces(text)
    slots: list[tuple[Any, str]] = []
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue  # comments, processing instructions
        if el.text and el.tag not in _SKIP_TAGS:
            slots.append((el, "text"))
        if el is not root and el.tail:
            slots.append((el, "tail"))
    pieces = [getattr(el, attr) for el, attr in slots]

    def rebuild(done: list[str]) -> str:
        for (el, attr), value in zip(slots, done):
            setattr(el, attr, value)
        inner = lxml.html.tostring(root, encoding="unicode", method="html")
        # Strip the wrapper element the parser added around the fragment.
        return inner[inner.index(">") + 1 : inner.rindex("</div>")]

    return pieces, rebuild
