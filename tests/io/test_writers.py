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
