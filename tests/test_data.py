import json

from pipeline.data import Article, Block, Section, Segment, Source


def _article() -> Article:
    title = Block(kind="title", text="Rebels deny support", lang="en", segments=[Segment("Rebels deny support", "en", 0.9, "Latin", {"uk": "Повстанці заперечують"})])
    lead = Block(
        kind="paragraph",
        text="First. Second.",
        lang="en",
        segments=[
            Segment("First.", "en", 0.99, "Latin", {"uk": "Перше."}),
            Segment("Second.", "en", 0.98, "Latin", {"uk": "Друге."}, warnings=["w"]),
        ],
    )
    para2 = Block(kind="paragraph", text="Третє.", lang="uk", segments=[Segment("Третє.", "uk", 1.0, "Cyrillic", {"en": "Third."})])
    heading = Block(kind="heading", text="Heading", lang="en", segments=[Segment("Heading", "en", 0.7, "Latin", {"uk": "Заголовок"})])
    tag = Block(kind="tag", text="НОВИНИ", lang="uk", confidence=0.8, is_tag=True, segments=[Segment("НОВИНИ", "uk", 0.8, "Cyrillic", {"en": "NEWS"})])
    return Article(
        id="x1",
        source=Source(path="x.txt", lang="en", encoding="utf-8"),
        title=title,
        sections=[
            Section(heading=None, paragraphs=[lead], lang="en", summary={"en": "S", "uk": "С"}),
            Section(heading=heading, paragraphs=[para2, lead], lang="en", summary={"en": "T", "uk": "Т"}, summary_info={"strategy": "en_then_translate"}),
        ],
        tags=[tag],
        metadata={"caption": "Photo: X", "credit": "Source: Y", "removed": ["Search"]},
        summary={"en": "All", "uk": "Все"},
        warnings=["careful"],
        signature={"newsbridge": "0.1.0", "models": {}, "config_hash": "abc"},
    )


def test_record_has_design_shape():
    rec = _article().to_record()
    assert rec["title"] == {"en": "Rebels deny support", "uk": "Повстанці заперечують"}
    assert rec["sections"][0]["heading"] is None
    assert rec["sections"][1]["heading"] == {"en": "Heading", "uk": "Заголовок"}
    assert rec["sections"][0]["text"] == {"en": "First. Second.", "uk": "Перше. Друге."}
    # Paragraphs are joined by blank lines, in each language.
    assert rec["sections"][1]["text"]["en"] == "Third.\n\nFirst. Second."
    seg = rec["sections"][0]["segments"][1]
    assert (seg["en"], seg["uk"], seg["src"]) == ("Second.", "Друге.", "en")
    assert rec["tags"][0]["text"] == "НОВИНИ" and rec["tags"][0]["lang"] == "uk"
    assert rec["tags"][0]["translation"] == "NEWS"
    assert rec["metadata"]["removed"] == ["Search"]
    assert rec["summary"] == {"en": "All", "uk": "Все"}
    assert set(rec["signature"]) >= {"newsbridge", "models", "config_hash"}


def test_record_round_trip_is_exact():
    rec = _article().to_record()
    again = Article.from_record(json.loads(json.dumps(rec, ensure_ascii=False))).to_record()
    assert again == rec


def test_round_trip_keeps_paragraph_boundaries_and_languages():
    art = Article.from_record(_article().to_record())
    sec = art.sections[1]
    assert [p.lang for p in sec.paragraphs] == ["uk", "en"]
    assert [len(p.segments) for p in sec.paragraphs] == [1, 2]
    assert sec.paragraphs[1].segments[1].warnings == ["w"]


def test_untranslated_block_has_no_text_in_other_language():
    block = Block(kind="paragraph", text="A. B.", lang="en", segments=[Segment("A.", "en", translations={"uk": "А."}), Segment("B.", "en")])
    assert block.in_lang("en") == "A. B."
    assert block.in_lang("uk") is None  # never a partial translation passed off as whole


def test_error_is_first_cause():
    art = Article(id="e")
    art.fail("read", "empty", "file is empty")
    art.fail("clean", "x", "later")
    assert art.error.stage == "read" and not art.ok
    assert art.to_record()["error"]["message"] == "file is empty"
