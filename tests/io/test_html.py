import codecs

import pytest

from pipeline.config import load_config
from pipeline.context import Context
from pipeline.errors import InputError
from pipeline.io.readers import read_path
from pipeline.stages.clean import CleanStage

from ..conftest import REPO

FIXTURES = REPO / "tests" / "fixtures"
HTML = FIXTURES / "mali-rebels-en.html"


@pytest.fixture(scope="module")
def config():
    return load_config(None)


def _clean(path, config):
    article = read_path(path, config.read)[0]
    CleanStage(Context(config))([article])
    assert article.ok, article.error
    return article


def _structure(article):
    return {
        "title": article.title.text,
        "sections": [(s.heading.text if s.heading else None, [p.text for p in s.paragraphs]) for s in article.sections],
        "caption": article.metadata.get("caption"),
        "credit": article.metadata.get("credit"),
        "tags": [t.text for t in article.tags],
    }


def test_html_page_gives_the_same_structure_as_the_text_page(config):
    html = _clean(HTML, config)
    text = _clean(FIXTURES / "mali-rebels-en.txt", config)
    assert _structure(html) == _structure(text)
    assert len(html.sections) == 6 and html.sections[0].heading is None
    removed = html.metadata["removed"]
    assert "Search" in removed and "Close this search box." in removed
    # Menus, share buttons, cookie notice and footer were dropped and are listed.
    for chrome in ("Menu", "Share this article", "Facebook", "Privacy policy"):
        assert chrome in removed
    body = " ".join(b.text for b in html.body_blocks())
    for kept_out in ("Photo:", "Source: reuters", "НОВИНИ", "Facebook", "By Newsroom Staff"):
        assert kept_out not in body
    assert html.metadata["byline"] == "By Newsroom Staff"
    assert html.metadata["date"] == "2024-08-12"
    assert html.source.format == "html" and html.source.url.endswith("/malian-rebels-deny-support-to-ukraine/")


@pytest.mark.parametrize("declare", [True, False])
def test_cp1251_html_page(tmp_path, config, declare):
    page = HTML.read_text(encoding="utf-8")
    page = page.replace('<meta charset="utf-8">', '<meta charset="windows-1251">' if declare else "")
    page = page.replace("“", '"').replace("”", '"').replace("’", "'")  # cp1251 has them, but keep it plain
    path = tmp_path / "page.html"
    path.write_bytes(page.encode("cp1251"))
    article = _clean(path, config)
    assert codecs.lookup(article.source.encoding).name == "cp1251"
    assert [t.text for t in article.tags] == ["НОВИНИ"]
    assert len(article.sections) == 6


def test_boilerplate_only_html_is_a_named_error(tmp_path, config):
    path = tmp_path / "empty.html"
    path.write_text("<html><body><nav><a href='/'>Home</a><a href='/s'>Search</a></nav></body></html>", encoding="utf-8")
    with pytest.raises(InputError) as exc:
        read_path(path, config.read)
    assert exc.value.kind == "boilerplate" and str(path) in str(exc.value)


def test_ukrainian_html_with_lists_and_figcaption(tmp_path, config):
    page = """<html lang="uk"><head><meta charset="utf-8"><title>Уряд ухвалив програму</title></head>
<body><nav><ul><li><a href="/">Головна</a></li><li><a href="/p">Політика</a></li></ul></nav>
<article><h1>Уряд ухвалив програму відновлення енергетики</h1>
<figure><img src="a.jpg"><figcaption>Засідання уряду в Києві</figcaption></figure>
<p>Кабінет міністрів ухвалив програму відновлення енергетичної інфраструктури, яка має запрацювати до зими. Про це повідомив прем'єр-міністр.</p>
<h2>Що передбачає програма</h2>
<p>Документ передбачає ремонт підстанцій у дванадцяти областях та будівництво нових електростанцій до кінця року.</p>
<ul><li>ремонт підстанцій у дванадцяти областях країни найближчими місяцями;</li><li>нові газові електростанції у великих містах до наступної зими.</li></ul>
<p>Джерело: Укрінформ</p></article><footer>© 2026 Новини</footer></body></html>"""
    path = tmp_path / "uk.html"
    path.write_text(page, encoding="utf-8")
    article = _clean(path, config)
    assert article.title.text == "Уряд ухвалив програму відновлення енергетики"
    assert article.metadata["caption"] == "Засідання уряду в Києві"
    assert article.metadata["credit"] == "Джерело: Укрінформ"
    assert [s.heading.text if s.heading else None for s in article.sections] == [None, "Що передбачає програма"]
    assert len(article.sections[1].paragraphs) == 3  # the paragraph and two list items
    assert "Головна" in article.metadata["removed"]


_TAG_LISTS = {
    "labelled-paragraph": '<p>Tags: <a href="/tag/mali">Mali</a>, <a href="/tag/africa">Africa</a></p>',
    "class-list": '<ul class="tags"><li><a href="/tag/mali">Mali</a></li><li><a href="/tag/africa">Africa</a></li></ul>',
    "class-paragraph": '<p class="tags"><a href="/tag/mali">Mali</a>, <a href="/tag/africa">Africa</a></p>',
    "label-then-list": '<div class="post-tags"><span>Tags:</span><ul><li><a href="/t/mali">Mali</a></li><li><a href="/t/africa">Africa</a></li></ul></div>',
    "strong-label": '<div><strong>Tags:</strong> <a href="/t/mali">Mali</a> <a href="/t/africa">Africa</a></div>',
    "rel-tag": '<div>Filed under <a href="/t/mali" rel="tag">Mali</a> and <a href="/t/africa" rel="tag">Africa</a>.</div>',
}


@pytest.mark.parametrize("where", ["content", "footer"])
@pytest.mark.parametrize("variant", sorted(_TAG_LISTS))
def test_a_tag_list_gives_separate_tags(tmp_path, config, variant, where):
    page = HTML.read_text(encoding="utf-8")
    anchor = "<p>Source: reuters</p>" if where == "content" else "</footer>\n    </article>"
    assert anchor in page
    path = tmp_path / "tags.html"
    path.write_text(page.replace(anchor, _TAG_LISTS[variant] + anchor if where == "footer" else anchor + _TAG_LISTS[variant], 1), encoding="utf-8")
    article = _clean(path, config)
    tags = [t.text for t in article.tags]
    assert sorted(tags) == ["Africa", "Mali", "НОВИНИ"], tags
    # Not body text, not one "Mali, Africa" tag, and the rest of the page as before.
    structure = _structure(article)
    structure["tags"] = ["НОВИНИ"]
    assert structure == _structure(_clean(HTML, config))
    assert not any(t in ("Mali", "Africa") for t in article.metadata["removed"])


def test_site_wide_tag_lists_and_wordpress_classes_are_not_article_tags(tmp_path, config):
    page = HTML.read_text(encoding="utf-8")
    # WordPress puts "tag-<slug>" classes on the article element itself; a tag cloud widget
    # lists the whole site's tags.
    page = page.replace('<article class="post">', '<article class="post tag-mali tag-africa">')
    page = page.replace(
        '<aside class="related">',
        '<div class="widget_tag_cloud"><a href="/t/economy">Economy</a> <a href="/t/sport">Sport</a></div>'
        '<aside class="related"><ul class="tags"><li><a href="/t/war">War</a></li></ul>',
    )
    path = tmp_path / "wp.html"
    path.write_text(page, encoding="utf-8")
    article = _clean(path, config)
    assert [t.text for t in article.tags] == ["НОВИНИ"]
    assert _structure(article) == _structure(_clean(HTML, config))


def test_menus_and_a_cookie_notice_only_is_a_named_error(tmp_path, config):
    # The extractor glues the menu links and the notice into one "paragraph"
    # ("Home News We use cookies. Accept"); it is split back into the page's lines, the
    # links and the notice are chrome, and the page title alone is no article.
    path = tmp_path / "nav.html"
    path.write_text(
        "<html><head><title>Site</title></head><body><nav><ul><li><a href='/'>Home</a></li><li><a href='/n'>News</a></li></ul></nav>"
        "<div class='cookie'>We use cookies. <button>Accept</button></div>"
        "<footer><p>© 2024 Site</p><a href='/privacy'>Privacy</a></footer></body></html>",
        encoding="utf-8",
    )
    article = read_path(path, config.read)[0]
    assert not any(b.kind == "paragraph" and "Home" in b.text for b in article.blocks)
    with pytest.raises(InputError) as exc:
        CleanStage(Context(config)).process(article)
    assert exc.value.kind == "boilerplate" and "We use cookies" in str(exc.value)


def test_a_paragraph_with_line_breaks_stays_whole(tmp_path, config):
    page = HTML.read_text(encoding="utf-8")
    old = "<p>Source: reuters</p>"
    path = tmp_path / "br.html"
    path.write_text(page.replace(old, "<p>Kyiv residents said the night was quiet.<br>Shops opened as usual in the morning.</p>" + old), encoding="utf-8")
    article = _clean(path, config)
    assert article.sections[-1].paragraphs[-1].text == "Kyiv residents said the night was quiet. Shops opened as usual in the morning."


def test_page_state_classes_do_not_hide_the_tag_list(tmp_path, config):
    # "has-sidebar"/"menu-open" on <body> describe the page, not a sidebar holding the tags.
    page = HTML.read_text(encoding="utf-8").replace('<body class="post-template-default single single-post">', '<body class="single has-sidebar menu-open">')
    anchor = "</footer>\n    </article>"
    path = tmp_path / "state.html"
    path.write_text(page.replace(anchor, _TAG_LISTS["class-list"] + anchor), encoding="utf-8")
    assert sorted(t.text for t in _clean(path, config).tags) == ["Africa", "Mali", "НОВИНИ"]
