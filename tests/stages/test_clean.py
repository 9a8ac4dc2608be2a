import pytest

from pipeline.config import load_config
from pipeline.context import Context
from pipeline.data import Block
from pipeline.errors import InputError
from pipeline.stages.clean import CleanStage
from pipeline.text.blocks import split_blocks

from ..conftest import make_article


@pytest.fixture
def clean():
    return CleanStage(Context(load_config(None)))


def test_sample_article_structure(clean, sample_text):
    art = make_article(sample_text)
    clean.process(art)
    assert art.title.text == "Malian rebels deny support to Ukraine: break in diplomatic relations"
    assert len(art.sections) == 6
    assert art.sections[0].heading is None and len(art.sections[0].paragraphs) == 1
    assert [s.heading.text.split(":")[0] for s in art.sections[1:]] == [
        "Tinzaouatene Conflict",
        "Allegations of Ukrainian Support",
        "Rebel Alliance Statements",
        "Losses on Both Sides",
        "Regional Political Situation",
    ]
    assert [t.text for t in art.tags] == ["НОВИНИ"] and art.tags[0].is_tag
    assert art.metadata["caption"] == "Photo: Inside Africa"
    assert art.metadata["credit"] == "Source: reuters"
    assert art.metadata["removed"] == ["Search", "Close this search box."]
    body = " ".join(b.text for b in art.body_blocks())
    for kept_out in ("НОВИНИ", "Photo:", "Source: reuters", "Close this search box"):
        assert kept_out not in body


def test_only_boilerplate_is_an_error(clean):
    art = make_article("Search\n\nClose this search box.\n\nMenu\n")
    with pytest.raises(InputError, match="no article text"):
        clean.process(art)


def test_markdown_hints_win(clean):
    art = make_article("")
    art.blocks = [Block("title", "Title here"), Block("paragraph", "Lead text."), Block("heading", "Part two"), Block("paragraph", "More text.")]
    clean.process(art)
    assert art.title.text == "Title here"
    assert [s.heading.text if s.heading else None for s in art.sections] == [None, "Part two"]


def test_hard_wrapped_lines_are_joined_and_list_lines_kept():
    wrapped = "This is a long line of prose that was wrapped by an\neditor at a fixed width and continues here\nand ends here."
    assert split_blocks(wrapped) == [wrapped.replace("\n", " ")]
    assert split_blocks("Search\nClose this search box.\n\nTitle") == ["Search", "Close this search box.", "Title"]


def test_heading_needs_following_paragraph(clean):
    art = make_article("A title\n\nSome lead text that is a full sentence.\n\nClosing words without stop")
    clean.process(art)
    # The last short line is not followed by a paragraph: it stays body text.
    assert len(art.sections) == 1
    assert art.sections[0].paragraphs[-1].text == "Closing words without stop"


FIXTURES = __import__("pathlib").Path(__file__).resolve().parent.parent / "fixtures"


def test_ukrainian_page_metadata_rubric_and_related_links(clean):
    art = make_article((FIXTURES / "uk-news.txt").read_text(encoding="utf-8"))
    clean.process(art)
    assert art.title.text == "Уряд ухвалив програму відновлення енергетики до зими"
    assert [s.heading.text if s.heading else None for s in art.sections] == [None, "Що передбачає програма", "Скільки це коштуватиме"]
    assert art.metadata["date"] == "24 листопада 2026, 14:05"
    assert art.metadata["byline"] == "Автор: Олена Коваленко"
    assert art.metadata["caption"] == "Фото: Укрінформ"
    assert art.metadata["credit"] == "Джерело: Укрінформ"
    assert [t.text for t in art.tags] == ["ПОЛІТИКА", "енергетика", "уряд", "зима"]
    assert "Читайте також: Як підготуватися до відключень світла взимку" in art.metadata["removed"]
    assert {"Пошук", "Меню"} <= set(art.metadata["removed"])
    body = " ".join(b.text for b in art.body_blocks())
    assert "Читайте також" not in body and "Фото" not in body and "Автор" not in body


def test_russian_page(clean):
    art = make_article((FIXTURES / "ru-news.txt").read_text(encoding="utf-8"))
    clean.process(art)
    assert art.title.text == "Правительство утвердило программу восстановления энергетики"
    assert art.metadata["date"] == "12 августа 2024 г., 10:00"
    assert art.metadata["byline"] == "Автор: Иван Петров"
    assert art.metadata["credit"] == "Источник: ТАСС"
    assert "Читайте также: Как подготовиться к отключениям света зимой" in art.metadata["removed"]
    assert len(art.sections) == 2


def test_a_long_paragraph_starting_like_metadata_stays_body(clean):
    long = "Source: " + "officials said the talks would resume next week in Geneva. " * 10
    art = make_article(f"Title here\n\n{long.strip()}\n\nMore text follows here.")
    clean.process(art)
    assert "credit" not in art.metadata and art.sections[0].paragraphs[0].text.startswith("Source:")


def test_one_huge_line_is_kept_with_a_warning(clean):
    line = "Слово за словом іде розповідь без кінця, " * 3000
    art = make_article(line.strip(), id="huge")
    clean.process(art)
    assert sum(len(p.text) for p in art.body_blocks()) == len(line.strip())
    assert any("huge.txt" in w and "no line breaks" in w for w in art.warnings)


def test_control_and_non_characters_are_removed_and_counted(clean):
    # C0 controls but tab/LF/CR, DEL, C1, lone surrogates and non-characters: none is text,
    # several are illegal in XML 1.0 (pairs.tmx) and a lone surrogate cannot be written as
    # UTF-8 at all. They are removed and counted, never silently. A form feed is a page
    # break between words, so it becomes a space; a terminal colour code goes whole.
    raw = (
        "Title\x00 with a NUL\n\n"
        "First\x07 paragraph\x7f with\x85 odd \ufffe characters\uffff here.\n\n"
        "Second\x0cpage, lone \ud800surrogate and \x1b[1mescape.\n"
    )
    art = make_article(raw)
    art.metadata["author"] = "Jane\x00 Doe"
    clean.process(art)
    texts = [art.title.text] + [p.text for p in art.body_blocks()] + [art.metadata["author"]]
    assert texts == ["Title with a NUL", "First paragraph with odd characters here.", "Second page, lone surrogate and escape.", "Jane Doe"]
    assert art.metadata["removed_chars"] == {
        "U+0000": 2, "U+0007": 1, "U+000C": 1, "U+001B": 1, "U+007F": 1, "U+0085": 1, "U+D800": 1, "U+FFFE": 1, "U+FFFF": 1,
    }
    assert any("10 control or non-text characters" in w for w in art.warnings)
    "".join(texts).encode("utf-8")  # nothing left that UTF-8 cannot hold


def test_clean_text_keeps_tabs_and_newlines_out_of_the_count(clean):
    art = make_article("Title\n\nOne\tparagraph\r\nwith usual whitespace only.\n")
    clean.process(art)
    assert "removed_chars" not in art.metadata and not art.warnings


def test_a_title_without_text_is_an_error(clean):
    art = make_article("")
    art.source.format = "md"
    art.blocks = [Block("title", "Only a title"), Block("heading", "And a heading")]
    with pytest.raises(InputError) as exc:
        clean.process(art)
    assert exc.value.kind == "boilerplate" and "only a title or headings" in str(exc.value)


@pytest.mark.parametrize("raw", ["...\n\n!!!\n\n---\n", "123 456\n\n789\n", "\u2022 \u2022 \u2022\n"])
def test_no_words_at_all_is_an_error(clean, raw):
    with pytest.raises(InputError) as exc:
        clean.process(make_article(raw))
    assert exc.value.kind == "empty" and "no words" in str(exc.value)


def test_a_huge_capitals_token_is_body_text_not_a_tag(clean):
    art = make_article("Title\n\n" + "A" * 200_000 + "\n")
    clean.process(art)
    assert art.tags == [] and art.title.text == "Title"
    assert [len(p.text) for p in art.body_blocks()] == [200_000]
