"""The rendered site, read as files: content, language tags, escaping, offline-ness."""

from __future__ import annotations

import json

import pytest

from pipeline.config import DigestConfig
from pipeline.digest import build_digest, write_digest
from pipeline.digest.filenames import page_name
from pipeline.digest.records import LocatedRecord, RecordProblem
from pipeline.errors import ConfigError, InputError

from .conftest import page_of
from .html_checks import bad_lang_values, parse, resource_refs, unlabelled_text
from .samples import HOSTILE_ID, hostile_record, make_record, russian_record, ukrainian_record


def _pages(result):
    return sorted((result.index.parent / "articles").glob("*.html"))


def test_index_lists_every_article_with_both_summaries(site, all_records):
    out, result = site
    assert result.articles == len(all_records)
    doc = parse(result.index)
    entries = doc.cssselect("li.entry")
    assert len(entries) == len(all_records)
    for entry, rec in zip(entries, all_records):
        link = entry.cssselect("h2.entry-title a")[0]
        assert (result.index.parent / link.get("href")).is_file()
        # Title in every language the record has, each tagged with its language.
        for lang in ("en", "uk"):
            texts = [e.text_content() for e in entry.cssselect(f'h2 [lang="{lang}"], .title-alt [lang="{lang}"]')]
            assert rec["title"][lang] in texts, (lang, texts)
            summary = entry.cssselect(f'.summaries [lang="{lang}"]')
            assert [s.text_content() for s in summary] == [rec["summary"][lang]]
    assert len(_pages(result)) == len(all_records)


def test_index_shows_language_date_tags_and_failures(site):
    _, result = site
    doc = parse(result.index)
    entries = {e.cssselect("h2.entry-title a")[0].get("href").split("/")[-1]: e for e in doc.cssselect("li.entry")}
    uk = entries[page_name("kyiv-winter-2024")]
    assert uk.cssselect(".badge")[0].text_content() == "UK"
    assert uk.cssselect("time")[0].get("datetime") == "2024-09-14"
    assert [t.text_content() for t in uk.cssselect(".tag [lang]")] == ["ЕНЕРГЕТИКА", "ENERGY"]
    ru = entries[page_name("ru-port-odesa")]
    assert ru.cssselect(".badge")[0].text_content() == "RU"
    assert ru.cssselect("time")[0].text_content() == "2024-03-02 10:30"
    failed = doc.cssselect("#failed li")
    assert len(failed) == 1 and "broken-1" in failed[0].text_content() and "binary" in failed[0].text_content()
    assert doc.cssselect("#failed details")[0].get("open") is None  # quiet: collapsed


def test_every_page_is_utf8_offline_and_language_tagged(site):
    _, result = site
    site_dir = result.index.parent
    for path in [result.index, *_pages(result)]:
        raw = path.read_text(encoding="utf-8")
        assert raw.startswith("<!DOCTYPE html>")
        doc = parse(path)
        assert doc.cssselect("head meta")[0].get("charset") == "utf-8", path
        assert unlabelled_text(doc) == [], path
        assert bad_lang_values(doc) == [], path
        stylesheets = doc.cssselect('link[rel="stylesheet"]')
        scripts = doc.cssselect("script")
        assert len(stylesheets) == 1 and len(scripts) == 1
        assert not (scripts[0].text or "").strip()  # no inline code
        assert not doc.cssselect("[style], style, img, iframe, object, embed")
        for tag, attr, value, rel in resource_refs(doc):
            if tag == "a" and value.startswith(("http://", "https://")):
                assert rel == "noopener noreferrer"  # a source link the reader may follow
                continue
            assert "://" not in value and not value.startswith(("//", "/", "javascript:", "data:")), (path, tag, value)
            if value.startswith("#"):
                assert doc.get_element_by_id(value[1:]) is not None
                continue
            target = (path.parent / value.split("#")[0]).resolve()
            assert target.is_file() and site_dir.resolve() in target.parents, (path, value)
    css = (site_dir / "assets" / "digest.css").read_text(encoding="utf-8")
    assert "@import" not in css and "url(" not in css and "@font-face" not in css
    assert len(css) < 12_000  # one small stylesheet


def test_sample_article_page(site, sample_record):
    _, result = site
    doc = parse(page_of(result, sample_record["id"]))
    assert doc.cssselect("html")[0].get("lang") == "uk"
    sections = doc.cssselect("section.section")
    assert len(sections) == len(sample_record["sections"]) == 6
    for sec_el, sec in zip(sections, sample_record["sections"]):
        h2 = sec_el.cssselect("h2")[0]
        if sec["heading"]:
            assert h2.cssselect(".original")[0].text_content() == sec["heading"]["en"]
            assert h2.cssselect(".original")[0].get("lang") == "en"
            assert h2.cssselect('.translation[lang="uk"]')[0].text_content() == sec["heading"]["uk"]
        # Section summary in both languages, above the text.
        aside = sec_el.cssselect("aside.section-summary")[0]
        for lang in ("en", "uk"):
            assert aside.cssselect(f'.summary [lang="{lang}"]')[0].text_content() == sec["summary"][lang]
        first_row = sec_el.cssselect(".row")[0]
        assert list(sec_el).index(aside) < list(sec_el).index(first_row)
        # Aligned segment by segment, in record order.
        rows = sec_el.cssselect(".row")
        got_en = [s.text_content() for r in rows for s in r.cssselect(".original .seg")]
        got_uk = [s.text_content() for r in rows for s in r.cssselect(".translation .seg")]
        assert got_en == [s["en"] for s in sec["segments"]]
        assert got_uk == [s["uk"] for s in sec["segments"]]
        for row in rows:
            cells = row.cssselect(".cell")
            assert [c.get("lang") for c in cells] == ["en", "uk"]
            assert len({len(c.cssselect(".seg")) for c in cells}) == 1
    facts = doc.cssselect("dl.facts")[0]
    assert facts.cssselect(".meta-caption dd")[0].text_content() == "Photo: Inside Africa"
    assert facts.cssselect(".meta-credit dd")[0].text_content() == "Source: reuters"
    assert "НОВИНИ" in [t.text_content() for t in facts.cssselect('.tag [lang="uk"]')]
    removed = doc.cssselect("footer details li")
    assert [r.text_content() for r in removed] == ["Search", "Close this search box."]


def test_russian_original_gets_ru_and_both_translations(site):
    _, result = site
    doc = parse(page_of(result, "ru-port-odesa"))
    row = doc.cssselect(".row")[0]
    assert [c.get("lang") for c in row.cssselect(".cell")] == ["ru", "uk", "en"]
    assert row.cssselect(".original .seg")[0].get("lang") == "ru"
    assert doc.cssselect(".colheads")[0].get("class").split()[-1] == "cols-3"
    warnings = doc.cssselect("details.warnings")[0]
    assert warnings.get("open") is None and "pivoted" in warnings.text_content()


def test_hostile_text_is_escaped_everywhere(site):
    _, result = site
    page = page_of(result, HOSTILE_ID)
    assert page.parent == result.index.parent / "articles"
    for path in (result.index, page):
        raw = path.read_text(encoding="utf-8")
        for needle in ("<script>window", "<img src=x", "<svg", "<iframe", "<b>bold", "<a href=\"javascript"):
            assert needle not in raw, (path.name, needle)
        doc = parse(path)
        assert [s.get("src") for s in doc.cssselect("script")] in (["assets/digest.js"], ["../assets/digest.js"])
        assert not doc.cssselect("img, svg, iframe, b, u, em")
        for el in doc.iter():
            if isinstance(el.tag, str):
                assert not [a for a in el.attrib if a.lower().startswith("on")], (path.name, el.tag, dict(el.attrib))
                assert not (el.get("href") or "").lower().startswith("javascript:")
    doc = parse(page)
    text = doc.text_content()
    assert "<script>window.__pwned = 1; alert('title')</script> Mayor's <b>bold</b> claim" in text
    assert "</span></p><script>window.__pwned=3</script><p> & left." in text
    assert "javascript:alert(7)" in text  # shown as text, not a link
    assert doc.cssselect("html")[0].get("lang") == "uk"
    # A hostile language code falls back to "und" instead of breaking the attribute.
    assert doc.cssselect(".facts .badge")[0].text_content() == "UND"
    warned = doc.cssselect(".seg.warned")[0]
    assert warned.get("title") == "fallback: <em>pivot</em>"
    notes = doc.cssselect("aside.section-summary details li")
    assert "extractive <b>lead</b>" in notes[-1].text_content()


def _rec(id, **kw):
    return make_record(id, "en", {"en": f"Title {id}", "uk": f"Заголовок {id}"}, [(None, [[{"en": "A.", "uk": "А."}]], {"en": "s", "uk": "п"})], {"en": "S", "uk": "П"}, **kw)


def test_repeated_ids_and_stale_pages(tmp_path):
    first = write_digest(tmp_path, [_rec("a/b"), _rec("a/b"), _rec("c")])
    assert first.articles == 3 and len(_pages(first)) == 3
    assert any("appears more than once" in str(p) for p in first.problems)
    second = write_digest(tmp_path, [_rec("c")])
    assert second.stale_removed == 2
    assert [p.name for p in _pages(second)] == [page_name("c")]
    assert len(parse(second.index).cssselect("li.entry")) == 1


def test_records_stream_one_page_at_a_time(tmp_path):
    pages = tmp_path / "digest" / "articles"
    seen = []

    def records():
        for i in range(5):
            if seen:
                # The previous article's page is already on disk before the next is read.
                assert (pages / page_name(seen[-1])).is_file()
            seen.append(f"id-{i}")
            yield _rec(f"id-{i}")

    result = write_digest(tmp_path, records())
    assert result.articles == 5 and len(seen) == 5


def test_unreadable_records_are_listed_not_lost(tmp_path):
    good = _rec("good")
    lines = [json.dumps(good), "{not json", "[1, 2]", json.dumps({"title": "no id"}), json.dumps({"id": "x", "sections": [{"segments": [{"en": "no src"}]}]})]
    (tmp_path / "articles.jsonl").write_text("\n".join(lines) + "\n\n", encoding="utf-8")
    result = build_digest(tmp_path)
    assert result.articles == 1
    where = [p.where for p in result.problems]
    assert where == ["articles.jsonl line 2", "articles.jsonl line 3", "articles.jsonl line 4", "articles.jsonl line 5"]
    assert "not valid JSON" in result.problems[0].problem and "expected a JSON object" in result.problems[1].problem
    assert "no string 'id'" in result.problems[2].problem
    listed = [li.text_content() for li in parse(result.index).cssselect("#problems li")]
    assert len(listed) == 4 and listed[0].startswith("articles.jsonl line 2")


def test_run_layout_reads_json_files_and_skips_manifest(tmp_path):
    for rec in (ukrainian_record(), russian_record()):
        (tmp_path / f"{rec['id']}.json").write_text(json.dumps(rec, ensure_ascii=False, indent=2), encoding="utf-8")
    (tmp_path / "manifest.json").write_text("{}", encoding="utf-8")
    (tmp_path / "broken.json").write_bytes(b"\xff\xfe\x00garbage")
    result = build_digest(tmp_path)
    assert result.articles == 2
    assert [str(p) for p in result.problems] == ["broken.json: not UTF-8 (invalid start byte at byte 0)"]


def test_jsonl_wins_over_json_files(tmp_path):
    (tmp_path / "articles.jsonl").write_text(json.dumps(ukrainian_record(), ensure_ascii=False) + "\n", encoding="utf-8")
    (tmp_path / "other.json").write_text(json.dumps(russian_record(), ensure_ascii=False), encoding="utf-8")
    result = build_digest(tmp_path)
    assert result.articles == 1 and not result.problems


def test_failed_records_inside_articles_are_listed(tmp_path):
    rec = _rec("bad")
    rec["error"] = {"stage": "translate", "kind": "model", "message": "model exploded"}
    result = write_digest(tmp_path, [LocatedRecord("articles.jsonl line 1", rec), _rec("ok")])
    assert result.articles == 1 and [f.id for f in result.failed] == ["bad"]
    assert "model exploded" in parse(result.index).cssselect("#failed li")[0].text_content()


@pytest.mark.parametrize(
    "setup,needle",
    [
        (lambda p: None, "no such directory"),
        (lambda p: p.mkdir(), "no articles.jsonl and no *.json"),
        (lambda p: (p.mkdir(), (p / "articles.jsonl").write_text("nope\n")), "no record could be read"),
    ],
)
def test_bad_out_dirs_are_clear_errors(tmp_path, setup, needle):
    out = tmp_path / "out"
    setup(out)
    with pytest.raises(InputError) as exc:
        build_digest(out)
    assert str(out) in str(exc.value) and needle in str(exc.value)
    assert not (out / "digest" / "index.html").exists()


def test_problem_items_pass_through(tmp_path):
    result = write_digest(tmp_path, [RecordProblem("x.jsonl line 9", "torn line"), _rec("ok")])
    assert [str(p) for p in result.problems] == ["x.jsonl line 9: torn line"]


def test_languages_knob_orders_summaries(tmp_path):
    result = write_digest(tmp_path, [_rec("k")], DigestConfig(languages=["en", "uk"]))
    doc = parse(result.index)
    assert [s.get("lang") for s in doc.cssselect(".summaries [lang]")] == ["en", "uk"]
    assert doc.cssselect("html")[0].get("lang") == "en"
    with pytest.raises(ConfigError, match="digest.languages"):
        from pipeline.config import load_config

        load_config(None, ["digest.languages=[english]"])


def test_missing_translations_and_summaries_are_marked_not_blank(tmp_path):
    rec = make_record(
        "half", "en", {"en": "Only English"}, [({"en": "Heading"}, [[{"en": "One."}, {"en": "Two.", "uk": "Два."}]], {"en": "Sum."})], {"en": "All."}
    )
    result = write_digest(tmp_path, [rec])
    doc = parse(page_of(result, "half"))
    row = doc.cssselect(".row")[0]
    assert [s.text_content() for s in row.cssselect(".original .seg")] == ["One.", "Two."]
    uk = row.cssselect(".translation .seg")
    assert "missing" in uk[0].get("class") and "немає перекладу" in uk[0].text_content() and uk[1].text_content() == "Два."
    assert "missing" in doc.cssselect("h2 .translation .seg")[0].get("class")
    assert doc.cssselect('aside .summary')[1].cssselect(".missing")
    entry = parse(result.index).cssselect("li.entry")[0]
    assert len(entry.cssselect(".summaries .missing")) == 1 and len(entry.cssselect(".title-alt .missing")) == 1


def test_package_data_ships_every_template_and_asset():
    from pathlib import Path

    tomllib = pytest.importorskip("tomllib")  # Python 3.11+

    import pipeline

    root = Path(pipeline.__file__).parent
    pyproject = tomllib.loads((root.parent / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = pyproject["tool"]["setuptools"]["package-data"]["pipeline"]
    shipped = {p for pattern in patterns for p in root.glob(pattern)}
    needed = {p for sub in ("templates", "static") for p in (root / "digest" / sub).iterdir() if p.is_file()}
    assert needed and needed <= shipped


def test_untitled_article_is_listed_by_its_first_sentence(tmp_path):
    rec = make_record("untitled", "uk", None, [(None, [[{"uk": "Перше речення.", "en": "First sentence."}, {"uk": "Друге.", "en": "Second."}]], {})], {})
    result = write_digest(tmp_path, [rec])
    entry = parse(result.index).cssselect("li.entry")[0]
    assert entry.cssselect("h2 a [lang]")[0].text_content() == "Перше речення."
    assert entry.cssselect('.title-alt [lang="en"]')[0].text_content() == "First sentence."
    page = parse(page_of(result, "untitled"))
    assert "untitled" in page.cssselect("h1")[0].text_content()
