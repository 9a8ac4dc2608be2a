import json

from pipeline.data import Article, Block, Section, Segment, Source
from pipeline.io.writers import article_markdown, write_article


def _article():
    seg = Segment("A | B", "en", translations={"uk": "А | Б"})
    return Article(
        id="x",
        source=Source(path="x.txt", lang="en"),
        title=Block("title", "T", lang="en", segments=[Segment("T", "en", translations={"uk": "Т"})]),
        sections=[Section(paragraphs=[Block("paragraph", "A | B", lang="en", segments=[seg])], lang="en", summary={"en": "s", "uk": "с"})],
    )


def test_markdown_is_side_by_side_and_escaped():
    md = article_markdown(_article())
    assert "| English | Українська |" in md
    assert "| A \\| B | А \\| Б |" in md  # pipes inside cells cannot break the table
    assert md.startswith("# T\n*Т*")


def test_write_article_json_and_md(tmp_path):
    paths = write_article(_article(), tmp_path, "x", ["json", "md"], config={"a": 1})
    assert [p.name for p in paths] == ["x.json", "x.md"]
    rec = json.loads((tmp_path / "x.json").read_text(encoding="utf-8"))
    assert rec["signature"]["config"] == {"a": 1}
    assert not list(tmp_path.glob(".*"))  # no temp files left behind


HOSTILE = '<script>alert(1)</script> <img src=x onerror=alert(2)> &lt;b&gt; AT&T a | b \\| c'


def _hostile_article():
    seg = Segment(HOSTILE, "en", translations={"uk": "Текст " + HOSTILE})
    heading = Block("heading", "Head " + HOSTILE, lang="en", segments=[Segment("Head " + HOSTILE, "en", translations={"uk": "Заг <b>x</b>"})])
    tag = Block("tag", "<i>TAG</i>", lang="en", is_tag=True, segments=[Segment("<i>TAG</i>", "en", translations={"uk": "<u>ТЕГ</u>"})])
    return Article(
        id="x",
        source=Source(path="in/`odd`<b>.txt", lang="en"),
        title=Block("title", "T " + HOSTILE, lang="en", segments=[Segment("T " + HOSTILE, "en", translations={"uk": "Т <script>x()</script>"})]),
        sections=[Section(heading=heading, paragraphs=[Block("paragraph", HOSTILE, lang="en", segments=[seg])], lang="en",
                          summary={"en": "S " + HOSTILE, "uk": "С <iframe src=x>"})],
        summary={"en": "Sum " + HOSTILE, "uk": "Підс <object>"},
        tags=[tag],
        metadata={"caption": "Photo: <img src=y onerror=z>", "byline": "By <a href=javascript:x>Jane</a>"},
        warnings=["odd <script>w()</script> warning"],
    )


def test_markdown_view_shows_raw_html_in_the_text_as_text():
    from lxml import html as lxml_html
    from markdown_it import MarkdownIt

    md = article_markdown(_hostile_article())
    # Rendered as a Markdown renderer with raw HTML allowed (CommonMark) and GFM tables would.
    rendered = MarkdownIt("commonmark").enable("table").render(md)
    tree = lxml_html.fromstring(f"<div>{rendered}</div>")
    allowed = {"div", "h1", "h2", "p", "em", "strong", "code", "table", "thead", "tbody", "tr", "th", "td", "blockquote", "details", "summary", "ul", "li", "br"}
    assert {el.tag for el in tree.iter() if isinstance(el.tag, str)} <= allowed
    text = tree.text_content()
    for shown in ("<script>alert(1)</script>", "<img src=x onerror=alert(2)>", "&lt;b&gt; AT&T a | b \\| c", "Т <script>x()</script>",
                  "С <iframe src=x>", "Підс <object>", "<i>TAG</i>", "<u>ТЕГ</u>", "Photo: <img src=y onerror=z>",
                  "By <a href=javascript:x>Jane</a>", "odd <script>w()</script> warning", "in/`odd`<b>.txt"):
        assert shown in text, shown
    # Every table row keeps its two cells: a "|" in the text does not split a cell.
    rows = tree.findall(".//tr")
    assert rows and all(len(row.findall("td")) + len(row.findall("th")) == 2 for row in rows)
    assert rows[1].findall("td")[0].text_content() == HOSTILE
