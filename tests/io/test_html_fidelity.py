"""HTML shapes seen on real news pages that must read right: whole sentences, main text
kept, chrome (teasers, players) out in any language, the page's title, no invented date."""

import pytest

from pipeline.config import load_config
from pipeline.context import Context
from pipeline.io.readers import read_path
from pipeline.stages.clean import CleanStage

from ..conftest import REPO

HTML = REPO / "tests" / "fixtures" / "mali-rebels-en.html"
ANCHOR = "<p>Source: reuters</p>"


@pytest.fixture(scope="module")
def config():
    return load_config(None)


def _read(tmp_path, config, page, name="page.html"):
    path = tmp_path / name
    path.write_text(page, encoding="utf-8")
    article = read_path(path, config.read)[0]
    CleanStage(Context(config))([article])
    assert article.ok, article.error
    return article


def _with(tmp_path, config, inserted):
    page = HTML.read_text(encoding="utf-8")
    assert ANCHOR in page
    return _read(tmp_path, config, page.replace(ANCHOR, inserted + ANCHOR, 1))


def _paragraphs(article):
    return [p.text for s in article.sections for p in s.paragraphs]


def _body(article):
    return "\n".join(
        [s.heading.text for s in article.sections if s.heading] + _paragraphs(article)
    )


@pytest.mark.parametrize(
    "markup",
    [
        "<span><a href='/people/biden'>Joe Biden</a></span>",
        "<span class='x'><strong><a href='/people/biden'>Joe Biden</a></strong></span>",
        "<custom-ref><a href='/people/biden'>Joe Biden</a></custom-ref>",
    ],
)
def test_a_link_wrapped_in_inline_elements_stays_in_its_sentence(tmp_path, config, markup):
    sentence = f"<p>Approval ratings were especially high for {markup}.</p>"
    # The same name as a standalone link elsewhere on the page (a menu) must not matter.
    page = HTML.read_text(encoding="utf-8").replace(
        '<li><a href="/about/">About us</a></li>', '<li><a href="/about/">About us</a></li><li><a href="/p/b">Joe Biden</a></li>'
    )
    article = _read(tmp_path, config, page.replace(ANCHOR, sentence + ANCHOR, 1))
    assert "Approval ratings were especially high for Joe Biden." in _paragraphs(article)
    assert "Joe Biden" not in [p for p in _paragraphs(article)]


def test_a_citation_link_in_parentheses_stays_in_its_sentence(tmp_path, config):
    sentence = "<p>Binge eating is the most common eating disorder in the country (<cite-src><a href='/s1'>1</a></cite-src>).</p>"
    article = _with(tmp_path, config, sentence)
    assert "Binge eating is the most common eating disorder in the country (1)." in _paragraphs(article)


def test_a_named_anchor_paragraph_is_text(tmp_path, config):
    article = _with(tmp_path, config, "<p><a name='q1'>Why did the rebels refuse any talks with the government in Bamako?</a></p>")
    assert "Why did the rebels refuse any talks with the government in Bamako?" in _paragraphs(article)


def test_text_left_loose_after_a_heading_is_kept(tmp_path, config):
    article = _with(
        tmp_path, config,
        "<h2>Aid on the Way</h2>Humanitarian convoys reached the northern towns on Tuesday, officials said, after a week of delays."
        "<p>More convoys are expected before the rainy season closes the roads.</p>",
    )
    paragraphs = _paragraphs(article)
    assert "Humanitarian convoys reached the northern towns on Tuesday, officials said, after a week of delays." in paragraphs
    assert "More convoys are expected before the rainy season closes the roads." in paragraphs
    assert "Aid on the Way" in [s.heading.text for s in article.sections if s.heading]


_TEASERS = {
    "es": ("Lea también:", "El Gobierno aprueba el plan de energía para el invierno"),
    "es2": ("Le puede interesar:", "Las claves del acuerdo con la Unión Europea"),
    "pl": ("Czytaj też:", "Rząd przyjął plan odbudowy energetyki"),
    "de": ("Lesen Sie auch:", "Regierung beschließt Energieplan für den Winter"),
    "fr": ("À lire aussi :", "Le gouvernement adopte un plan pour l'énergie"),
    "it": ("Leggi anche:", "Il governo approva il piano energetico"),
    "pt": ("Leia também:", "Governo aprova plano de energia para o inverno"),
    "nl": ("Lees ook:", "Kabinet keurt energieplan goed"),
    # No pattern knows this label: the shape (short label ending in ':' + link) decides.
    "lv": ("Lasi arī:", "Valdība apstiprina enerģētikas plānu ziemai"),
}


@pytest.mark.parametrize("lang", sorted(_TEASERS))
@pytest.mark.parametrize("shape", ["one-line", "label-then-link"])
def test_read_also_teasers_are_chrome_in_any_language(tmp_path, config, lang, shape):
    label, title = _TEASERS[lang]
    if shape == "one-line":
        markup = f"<p>{label} <a href='/other-story'>{title}</a></p>"
    else:
        markup = f"<p><strong>{label}</strong></p><p><a href='/other-story'>{title}</a></p>"
    article = _with(tmp_path, config, markup)
    body = _body(article)
    assert title not in body and label.rstrip(" :") not in body
    assert any(title in r for r in article.metadata["removed"])
    # The article itself is intact.
    assert len(_paragraphs(article)) == len(_paragraphs(_read(tmp_path, config, HTML.read_text(encoding="utf-8"), "plain.html")))


@pytest.mark.parametrize(
    "line",
    ["Beiträge aus dem Forum", "Te puede interesar", "Czytaj także", "Sur le même sujet", "Hace una hora", "vor 3 Stunden"],
)
def test_teaser_and_time_lines_in_european_languages_are_chrome(tmp_path, config, line):
    article = _with(tmp_path, config, f"<p>{line}</p>")
    assert line not in _body(article) and line in article.metadata["removed"]


def test_a_sentence_that_ends_after_its_link_is_not_a_teaser(tmp_path, config):
    article = _with(tmp_path, config, "<p>Tip: <a href='/guide'>read the full guide to the region here</a>!</p>")
    assert "Tip: read the full guide to the region here !" in _paragraphs(article) or "Tip: read the full guide to the region here!" in _paragraphs(article)


def test_video_player_chrome_is_not_body_text(tmp_path, config):
    player = (
        "<div class='video-js vjs-paused'><div class='vjs-modal-dialog'><p>This is a modal window.</p>"
        "<p>Beginning of dialog window. Escape will cancel and close the window.</p></div>"
        "<div class='vjs-control-bar'><button>Play</button><span>Current Time 0:00</span><span>Duration 2:31</span></div></div>"
        "<div class='now-playing'><p>Now watching</p></div>"
    )
    article = _with(tmp_path, config, player)
    body = _body(article)
    for text in ("modal window", "dialog window", "Current Time", "Now watching", "Duration"):
        assert text not in body


def test_the_title_comes_from_the_page_not_from_a_chrome_heading(tmp_path, config):
    page = HTML.read_text(encoding="utf-8")
    # The body's first heading is chrome, not the article's title.
    page = page.replace('<h1 class="entry-title">Malian rebels deny support to Ukraine: break in diplomatic relations</h1>', "<h1>Read more</h1>")
    article = _read(tmp_path, config, page)
    assert article.title.text == "Malian rebels deny support to Ukraine: break in diplomatic relations"
    assert "Read more" not in _body(article)


def test_the_first_heading_is_the_title_when_it_matches_the_page_title_better(tmp_path, config):
    page = HTML.read_text(encoding="utf-8").replace(
        '<meta property="og:title" content="Malian rebels deny support to Ukraine: break in diplomatic relations">', ""
    )
    article = _read(tmp_path, config, page)
    # <title> carries the site name; the body's <h1> is the headline itself.
    assert article.title.text == "Malian rebels deny support to Ukraine: break in diplomatic relations"


def test_a_different_first_heading_stays_a_section_heading(tmp_path, config):
    page = HTML.read_text(encoding="utf-8").replace(
        '<h1 class="entry-title">Malian rebels deny support to Ukraine: break in diplomatic relations</h1>',
        "<h2>Background of the conflict</h2>",
    )
    article = _read(tmp_path, config, page)
    assert article.title.text == "Malian rebels deny support to Ukraine: break in diplomatic relations"
    assert "Background of the conflict" in [s.heading.text for s in article.sections if s.heading]


def test_a_copyright_year_is_not_a_date(tmp_path, config):
    page = """<html><head><meta charset="utf-8"><title>Harbour reopens after the storm</title></head><body>
<article><h1>Harbour reopens after the storm</h1>
<p>The harbour reopened on Monday after the storm damaged two piers and sank several fishing boats, the port authority said.</p>
<p>Repairs to the northern pier will take at least three months, according to engineers who inspected the site on Sunday.</p>
<p>Fishermen said they would use the southern pier until then, although it is too small for the larger trawlers.</p></article>
<footer><p>© 2024 Coastal News. All rights reserved.</p></footer></body></html>"""
    article = _read(tmp_path, config, page)
    assert "date" not in article.metadata
    assert "© 2024 Coastal News. All rights reserved." in article.metadata["removed"]
    # A date the page states for the article is still read.
    dated = page.replace("<title>", '<meta property="article:published_time" content="2024-03-05T10:00:00Z"><title>')
    assert _read(tmp_path, config, dated, "dated.html").metadata["date"] == "2024-03-05"
