"""Page names from untrusted article ids stay inside the pages directory and never collide."""

import re

import pytest

from pipeline.digest.filenames import PageNames, page_name, page_path

HOSTILE_IDS = [
    "../../etc/passwd",
    "a/b",
    "a\\b",
    "..",
    ".",
    "",
    "/abs/path",
    ".hidden",
    "x" * 5000,
    "Київ: новини/2024",
    "東京ニュース",
    "name\x00with-nul",
    "con",
    "id with spaces & <html>",
]


@pytest.mark.parametrize("article_id", HOSTILE_IDS)
def test_names_are_one_safe_component(tmp_path, article_id):
    name = page_name(article_id)
    assert re.fullmatch(r"[A-Za-z0-9_-]+-[0-9a-f]{12}\.html", name), name
    assert len(name.encode()) <= 100
    pages = tmp_path / "articles"
    pages.mkdir()
    path = page_path(pages, name)
    path.write_text("x", encoding="utf-8")
    assert path.resolve().parent == pages.resolve()
    assert [p.name for p in pages.iterdir()] == [name]


def test_readable_stem_is_kept():
    assert page_name("mali-rebels-en-34c158bc9b").startswith("mali-rebels-en-34c158bc9b-")
    assert page_name("../../etc/passwd").startswith("etc-passwd-")


def test_ids_that_sanitise_alike_get_different_names():
    ids = ["a/b", "a\\b", "a b", "a?b", "a-b", "Київ a-b", "x" * 5000, "x" * 5001]
    names = [page_name(i) for i in ids]
    assert len(set(names)) == len(ids)


def test_names_are_deterministic():
    assert page_name("Київ/1") == page_name("Київ/1")


def test_repeated_ids_get_their_own_page():
    names = PageNames()
    first, rep1 = names.claim("same")
    second, rep2 = names.claim("same")
    third, rep3 = names.claim("same")
    assert (rep1, rep2, rep3) == (False, True, True)
    assert len({first, second, third}) == 3
    assert all(n in names for n in (first, second, third))


@pytest.mark.parametrize("name", ["../x.html", "a/b.html", "..", ""])
def test_page_path_refuses_unsafe_names(tmp_path, name):
    with pytest.raises(ValueError):
        page_path(tmp_path, name)
