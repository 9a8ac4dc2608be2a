"""Splitting over-long inputs: pieces fit, nothing is lost or reordered."""

import pytest

from pipeline.text.chunking import join_pieces, split_to_fit


def words(texts):
    return [len(t.split()) + 1 for t in texts]  # words + </s>


def chars(texts):
    return [len(t) // 4 + 1 for t in texts]


def test_fitting_text_is_one_piece():
    assert [p.text for p in split_to_fit("A short sentence.", words, 10)] == ["A short sentence."]


@pytest.mark.parametrize("limit", [4, 6, 9, 15])
def test_pieces_fit_and_rejoin_to_the_source(limit):
    text = " ".join(
        f"Sentence {i} has a clause, then another one; and a third part — with a dash and more words." for i in range(8)
    )
    pieces = split_to_fit(text, words, limit)
    assert len(pieces) > 1
    assert all(n <= limit for n in words([p.text for p in pieces]))
    assert join_pieces(pieces) == text


def test_sentence_boundaries_win_over_commas():
    text = "First sentence, with a comma. Second sentence, also with a comma."
    assert [p.text for p in split_to_fit(text, words, 8)] == ["First sentence, with a comma.", "Second sentence, also with a comma."]


def test_closing_quote_stays_with_its_sentence():
    text = '"He left." Then she came back home again.'
    assert split_to_fit(text, words, 7)[0].text == '"He left."'


def test_run_without_spaces_is_cut_inside_and_rejoined_without_spaces():
    url = "https://example.org/" + "abcdefghij" * 12
    text = f"Read {url} now"
    pieces = split_to_fit(text, chars, 8)
    assert all(n <= 8 for n in chars([p.text for p in pieces]))
    assert join_pieces(pieces) == text
    assert any(p.sep == "" for p in pieces)


def test_limit_without_room_is_an_error():
    with pytest.raises(ValueError):
        split_to_fit("some text", words, 1)
