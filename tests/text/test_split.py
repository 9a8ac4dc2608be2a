"""The one boundary ladder: character-budget and token-budget splitting cut at the same places."""

from pipeline.text.chunking import split_to_fit
from pipeline.text.split import split_at_boundary, split_sentences

TEXT = 'He said "We stay." Then they left; the rest, all of it, waited — quietly.'


def _words(texts):
    return [len(t.split()) for t in texts]


def test_sentences_keep_their_closing_quotes():
    assert split_sentences(TEXT) == ['He said "We stay."', "Then they left; the rest, all of it, waited — quietly."]


def test_character_and_token_budgets_use_the_same_ladder():
    # Sentence end first, then the clause (;), then commas, then the dash, then words.
    assert split_at_boundary(TEXT, 30) == ['He said "We stay."', "Then they left;", "the rest, all of it,", "waited — quietly."]
    pieces = [p.text for p in split_to_fit(TEXT, _words, 5)]
    assert pieces[0] == 'He said "We stay."' and pieces[1] == "Then they left;"
    assert " ".join(pieces) == TEXT and all(n <= 5 for n in _words(pieces))


def test_nothing_is_lost_and_runs_without_spaces_are_cut():
    url = "https://example.org/" + "a" * 50
    assert split_at_boundary(url, 20) == [url[i : i + 20] for i in range(0, len(url), 20)]
    assert "".join(split_at_boundary(url, 20)) == url
