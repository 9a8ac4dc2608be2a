import pytest

from pipeline.config import ReadConfig
from pipeline.errors import InputError
import json

from pipeline.io.readers import read_path
from pipeline.text.ids import article_id

TEXT = "Новини України\n\nУряд оголосив нові заходи підтримки фермерів після посушливого літа. Він сказав, що їх буде більше.\n"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "cp1251", "koi8_u"])
def test_encodings_decode_to_the_same_text(tmp_path, encoding):
    path = tmp_path / f"a-{encoding}.txt"
    path.write_bytes(TEXT.encode(encoding))
    art = read_path(path, ReadConfig())[0]
    assert art.raw == TEXT


@pytest.mark.parametrize(
    "content,kind",
    [(b"", "empty"), (b"  \n\n ", "empty"), (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary")],
)
def test_bad_inputs_are_named(tmp_path, content, kind):
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    with pytest.raises(InputError) as exc:
        read_path(path, ReadConfig())
    assert exc.value.kind == kind and str(path) in str(exc.value)


def test_missing_and_unsupported(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        read_path(tmp_path / "nope.txt", ReadConfig())
    other = tmp_path / "a.docx"
    other.write_bytes(b"x")
    with pytest.raises(InputError, match="unsupported"):
        read_path(other, ReadConfig())


def test_too_large_is_refused(tmp_path):
    path = tmp_path / "big.txt"
    path.write_text("x" * 2000)
    with pytest.raises(InputError, match="max_bytes"):
        read_path(path, ReadConfig(max_bytes=1000))


def test_ids_are_stable_and_content_based(tmp_path):
    assert article_id("My Article! Body.") == article_id("My Article! Body.")
    assert article_id("My Article! Body.") != article_id("My Article! Body!")
    assert article_id("My Article! Body.").startswith("my-article-body-")
    # Where a file lives and what it is called do not matter; its text does.
    (tmp_path / "a").mkdir()
    one, two = tmp_path / "a" / "x.txt", tmp_path / "y.txt"
    one.write_bytes("Title\r\n\r\nBody text.\r\n".encode("utf-8"))
    two.write_text("Title\n\nBody text.", encoding="utf-8")
    assert read_path(one, ReadConfig())[0].id == read_path(two, ReadConfig())[0].id == article_id("Body text.", "Title")


def test_same_article_as_text_file_and_as_record_has_one_id(tmp_path):
    from pipeline.io.records import iter_records

    body = "Rebels denied the claims.\n\nThe army said it would respond."
    txt = tmp_path / "mali.txt"
    txt.write_text(f"Malian rebels deny support\n\n{body}\n", encoding="utf-8")
    jsonl = tmp_path / "archive.jsonl"
    jsonl.write_text(json.dumps({"title": "Malian rebels deny support", "text": body}) + "\n", encoding="utf-8")
    (record,) = [item.article for item in iter_records(jsonl, ReadConfig())]
    assert read_path(txt, ReadConfig())[0].id == record.id == article_id(body, "Malian rebels deny support")
    assert record.id.startswith("malian-rebels-deny-support-")


def test_markdown_headings(tmp_path):
    path = tmp_path / "a.md"
    path.write_text("# The title\n\nLead **bold** [link](http://x).\n\n## Part\n\nText.\n", encoding="utf-8")
    art = read_path(path, ReadConfig())[0]
    assert [(b.kind, b.text) for b in art.blocks] == [
        ("title", "The title"),
        ("paragraph", "Lead bold link."),
        ("heading", "Part"),
        ("paragraph", "Text."),
    ]


def test_a_text_file_with_nul_bytes_is_still_binary(tmp_path):
    path = tmp_path / "doc.txt"
    path.write_bytes(b"Looks like text at first\x00\x00\x01\x02" + bytes(range(256)) * 4)
    with pytest.raises(InputError) as exc:
        read_path(path, ReadConfig())
    assert exc.value.kind == "binary"


def _md(tmp_path, text, name="a.md"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return read_path(path, ReadConfig())[0]


def _cleaned(article):
    from pipeline.config import load_config
    from pipeline.context import Context
    from pipeline.stages.clean import CleanStage

    CleanStage(Context(load_config(None))).process(article)
    return article


def test_markdown_setext_headings_lists_quotes_code_and_tables(tmp_path):
    art = _md(tmp_path, (
        "Big title\n=========\n\nLead with `code`, ~~struck~~ &amp; an <https://auto.link>.\n\n"
        "Part one\n--------\n\n- first *item*\n- second [item](http://x)\n  continued\n\n"
        "1. numbered\n\n> A quoted\n> paragraph.\n\n    indented code\n\n```\nfenced code\nline two\n```\n\n"
        "| Year | Deaths |\n|---|---|\n| 2012 | 84 |\n\n# Second H1\n\nEnd.\n"
    ))
    assert [(b.kind, b.text) for b in art.blocks] == [
        ("title", "Big title"),
        ("paragraph", "Lead with code, struck & an https://auto.link."),
        ("heading", "Part one"),
        ("paragraph", "first item"),
        ("paragraph", "second item continued"),
        ("paragraph", "numbered"),
        ("paragraph", "A quoted paragraph."),
        ("paragraph", "indented code"),
        ("paragraph", "fenced code\nline two"),
        ("paragraph", "Year | Deaths"),
        ("paragraph", "2012 | 84"),
        ("heading", "Second H1"),
        ("paragraph", "End."),
    ]
    assert art.raw is None  # the Markdown source is never split as plain text


def test_markdown_images_give_captions_and_raw_html_never_reaches_text(tmp_path):
    art = _md(tmp_path, (
        "# Title\n\n"
        '![Rebels near Kidal](a.jpg "Photo: Reuters") Text <span class="x">inside</span> a <b>tag</b>'
        "<script>alert(1)</script> here.<br>Next line\\\nthird line\n\n"
        '<div class="embed"><p>Raw block text</p><script>var x = "<p>no</p>";</script>\n'
        '<figure><img src="b.jpg" alt="Map of Mali"><figcaption>Photo: AP</figcaption></figure></div>\n\n'
        "<!-- a comment -->\n\nLast paragraph.\n"
    ))
    kinds = [(b.kind, b.text) for b in art.blocks]
    assert kinds == [
        ("title", "Title"),
        ("caption", "Rebels near Kidal"),
        ("caption", "Photo: Reuters"),
        ("paragraph", "Text inside a tag here."),
        ("paragraph", "Next line"),
        ("paragraph", "third line"),
        ("caption", "Map of Mali"),
        ("caption", "Photo: AP"),
        ("paragraph", "Raw block text"),
        ("paragraph", "Last paragraph."),
    ]
    assert not any("<" in b.text or "alert" in b.text or "var x" in b.text for b in art.blocks)


def test_markdown_byline_bar_is_not_a_heading(tmp_path):
    art = _cleaned(_md(tmp_path, (
        "# Rebels deny support\n\n*By Jane Doe* | [Share](https://x.test/share)\n\n"
        "The alliance said it received no help.\n\n## Losses\n\nBoth sides lost men.\n"
    )))
    assert [s.heading.text if s.heading else None for s in art.sections] == [None, "Losses"]
    assert [p.text for p in art.sections[0].paragraphs] == ["The alliance said it received no help."]
    assert art.metadata["byline"] == "By Jane Doe" and art.metadata["removed"] == ["Share"]


def test_markdown_without_heading_marks_finds_sections_as_text_does(tmp_path):
    art = _cleaned(_md(tmp_path, (
        "Plain title\n\nA lead paragraph that says what happened, long enough to be prose.\n\n"
        "A subheading\n\nThe paragraph under it, again a full sentence of prose.\n"
    )))
    assert art.title.text == "Plain title"
    assert [s.heading.text if s.heading else None for s in art.sections] == [None, "A subheading"]


def test_markdown_front_matter(tmp_path):
    art = _md(tmp_path, (
        "---\ntitle: Front title\ndate: 2024-08-05 10:30:00\nbyline: Jane Doe\ntags: Mali, Africa\n"
        "category: World\nlink: https://x.test/a\nlanguage: uk_UA\ndescription: Short.\nextra:\n  n: 1\n---\n"
        "# Front title\n\nBody.\n"
    ))
    assert [(b.kind, b.text) for b in art.blocks] == [
        ("title", "Front title"), ("paragraph", "Body."), ("tag", "Mali"), ("tag", "Africa"),
    ]
    assert art.source.url == "https://x.test/a" and art.source.declared_lang == "uk"
    assert art.metadata == {
        "date": "2024-08-05T10:30:00", "author": "Jane Doe", "categories": ["World"],
        "description": "Short.", "front_matter": {"extra": {"n": 1}},
    }
    # A different H1 under a front-matter title is a section heading.
    art = _md(tmp_path, "---\ntitle: Front title\ntags: [Mali]\n---\n# Other\n\nBody.\n", "b.md")
    assert [(b.kind, b.text) for b in art.blocks] == [("title", "Front title"), ("heading", "Other"), ("paragraph", "Body."), ("tag", "Mali")]


def test_markdown_leading_rule_is_not_front_matter_and_bad_yaml_is_reported(tmp_path):
    art = _md(tmp_path, "---\nJust a paragraph between rules.\n---\n\nBody.\n")
    assert [(b.kind, b.text) for b in art.blocks] == [("heading", "Just a paragraph between rules."), ("paragraph", "Body.")]
    assert not art.warnings
    art = _md(tmp_path, "---\ntitle: [unclosed\n---\n# T\n\nBody.\n", "bad.md")
    assert [(b.kind, b.text) for b in art.blocks] == [("title", "T"), ("paragraph", "Body.")]
    assert len(art.warnings) == 1 and "front matter is not valid YAML" in art.warnings[0] and "bad.md" in art.warnings[0]


def test_markdown_toml_front_matter(tmp_path):
    art = _md(tmp_path, '+++\ntitle = "Hugo title"\ndate = 2024-08-05\ntags = ["Mali", "Africa"]\nlang = "uk"\n+++\n\nBody.\n')
    assert [(b.kind, b.text) for b in art.blocks] == [("title", "Hugo title"), ("paragraph", "Body."), ("tag", "Mali"), ("tag", "Africa")]
    assert art.metadata == {"date": "2024-08-05"} and art.source.declared_lang == "uk"
    art = _md(tmp_path, "+++\ntitle = \n+++\n\nBody.\n", "bad.md")
    assert [(b.kind, b.text) for b in art.blocks] == [("paragraph", "Body.")]
    assert "front matter is not valid TOML" in art.warnings[0]
