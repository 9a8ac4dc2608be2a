"""Generated records for digest tests: real Article objects -> `to_record()`, so the digest
reads exactly what the pipeline writes. Texts are written by hand (not model output), in
the three languages newsroom archives hold, plus one article full of hostile markup."""

from __future__ import annotations

from typing import Any

from pipeline.data import Article, Block, Section, Segment, Source

TARGETS = ("en", "uk")


def _block(kind: str, lang: str, pairs: list[dict[str, str]], warnings: list[list[str]] | None = None) -> Block:
    """pairs: one {lang: text} per segment, holding the source text under `lang`."""
    segments = []
    for i, pair in enumerate(pairs):
        seg_lang = pair.get("_src", lang)
        segments.append(
            Segment(
                text=pair[seg_lang],
                lang=seg_lang,
                confidence=0.99,
                script="Cyrillic" if seg_lang in ("uk", "ru") else "Latin",
                translations={k: v for k, v in pair.items() if k not in (seg_lang, "_src")},
                warnings=list((warnings or [])[i]) if warnings and i < len(warnings) else [],
            )
        )
    return Block(kind=kind, text=" ".join(s.text for s in segments), lang=lang, segments=segments)


def make_record(
    id: str,
    lang: str,
    title: dict[str, str] | None,
    sections: list[tuple[dict[str, str] | None, list[list[dict[str, str]]], dict[str, str]]],
    summary: dict[str, str],
    *,
    tags: list[dict[str, str]] = (),
    metadata: dict[str, Any] | None = None,
    warnings: list[str] = (),
    url: str | None = None,
    seg_warnings: dict[tuple[int, int], list[list[str]]] | None = None,
    summary_info: dict[int, dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """sections: (heading pair or None, paragraphs as lists of segment pairs, section summary)."""
    built = []
    for s, (heading, paragraphs, sec_summary) in enumerate(sections):
        built.append(
            Section(
                heading=_block("heading", lang, [heading]) if heading else None,
                paragraphs=[
                    _block("paragraph", lang, para, (seg_warnings or {}).get((s, p))) for p, para in enumerate(paragraphs)
                ],
                lang=lang,
                summary=dict(sec_summary),
                summary_info=dict((summary_info or {}).get(s, {"strategy": "en_then_translate"})),
            )
        )
    tag_blocks = []
    for tag in tags:
        block = _block("tag", tag["_lang"], [{k: v for k, v in tag.items() if k != "_lang"} | {"_src": tag["_lang"]}])
        block.is_tag = True
        tag_blocks.append(block)
    article = Article(
        id=id,
        source=Source(path=f"archive/{id[:40]}.txt", lang=lang, url=url),
        title=_block("title", lang, [title]) if title else None,
        sections=built,
        tags=tag_blocks,
        metadata=dict(metadata or {}),
        summary=dict(summary),
        warnings=list(warnings),
        signature={"newsbridge": "0.1.0", "models": {"tiny-marian-en-uk": {}}, "config_hash": "feedc0ffee"},
    )
    return article.to_record()


def ukrainian_record() -> dict[str, Any]:
    return make_record(
        "kyiv-winter-2024",
        "uk",
        {"uk": "Київ готується до зими", "en": "Kyiv prepares for winter"},
        [
            (
                None,
                [[
                    {"uk": "Міська влада перевіряє котельні.", "en": "The city authorities are inspecting boiler houses."},
                    {"uk": "Роботи триватимуть до жовтня.", "en": "The work will continue until October."},
                ]],
                {"uk": "Котельні перевіряють до жовтня.", "en": "Boiler houses are checked until October."},
            ),
            (
                {"uk": "Генератори для лікарень", "en": "Generators for hospitals"},
                [[{"uk": "Лікарні отримали нові генератори.", "en": "Hospitals received new generators."}]],
                {"uk": "Лікарні мають генератори.", "en": "Hospitals have generators."},
            ),
        ],
        {"uk": "Київ перевіряє котельні та забезпечує лікарні генераторами.", "en": "Kyiv inspects boiler houses and supplies hospitals with generators."},
        tags=[{"_lang": "uk", "uk": "ЕНЕРГЕТИКА", "en": "ENERGY"}],
        metadata={"date": "2024-09-14", "caption": "Фото: КМДА", "credit": "Джерело: kyivcity.gov.ua"},
        url="https://kyivcity.gov.ua/news/example",
    )


def russian_record() -> dict[str, Any]:
    return make_record(
        "ru-port-odesa",
        "ru",
        {"ru": "Порт Одессы возобновил работу", "en": "The port of Odesa resumed work", "uk": "Порт Одеси відновив роботу"},
        [
            (
                None,
                [[{"ru": "Первые суда вышли из порта утром.", "en": "The first ships left the port in the morning.", "uk": "Перші судна вийшли з порту вранці."}]],
                {"en": "Ships left the port.", "uk": "Судна вийшли з порту."},
            )
        ],
        {"en": "The port of Odesa is working again.", "uk": "Порт Одеси знову працює."},
        metadata={"published": "2024-03-02T10:30:00"},
        warnings=["ru->uk pivoted through en"],
    )


HOSTILE_TITLE = "<script>window.__pwned = 1; alert('title')</script> Mayor's <b>bold</b> claim"
HOSTILE_SUMMARY_EN = "Officials said <img src=x onerror=\"window.__pwned=2;alert('img')\"> nothing."
HOSTILE_SEGMENT = "He wrote </span></p><script>window.__pwned=3</script><p> & left."
HOSTILE_ID = "../../etc/passwd"


def hostile_record() -> dict[str, Any]:
    rec = make_record(
        HOSTILE_ID,
        "en",
        {"en": HOSTILE_TITLE, "uk": "<svg onload=\"window.__pwned=4\"></svg> Заява мера"},
        [
            (
                {"en": "Heading <iframe src=\"https://example.com\"></iframe>", "uk": "Заголовок <u>підкреслений</u>"},
                [[{"en": HOSTILE_SEGMENT, "uk": "Він написав <script>window.__pwned=5</script> і пішов."}]],
                {"en": "<a href=\"javascript:alert(1)\">click</a>", "uk": "Підсумок &amp; розділу"},
            )
        ],
        {"en": HOSTILE_SUMMARY_EN, "uk": "Посадовці <img src=x onerror=alert(2)> нічого не сказали."},
        tags=[{"_lang": "en", "en": "\"><svg onload=alert(3)>", "uk": "ТЕГ"}],
        metadata={"caption": "Photo: <img src=x onerror=alert(4)>", "byline": "By <b>Nobody</b>", "removed": ["<script>alert(5)</script>"]},
        warnings=["output-language retry: <script>alert(6)</script>"],
        url="javascript:alert(7)",
        seg_warnings={(0, 0): [["fallback: <em>pivot</em>"]]},
        summary_info={0: {"strategy": "en_then_translate", "fallback": "extractive <b>lead</b>"}},
    )
    # A language code is data too: it must not break out of the lang="" attribute.
    rec["source"]["lang"] = 'en" onmouseover="window.__pwned=6'
    return rec


def generated_records() -> list[dict[str, Any]]:
    return [ukrainian_record(), russian_record(), hostile_record()]
