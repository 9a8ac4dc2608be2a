"""The one loop detector (translation guards and summary checks) against a brute-force oracle."""

import random

import pytest

from pipeline.summarization.summary_text import is_degenerate
from pipeline.text.loops import collapse_loops, find_loop, max_repeats
from pipeline.translation import guards

from ..loop_oracle import brute_max_run, loops


def _random_text(rng: random.Random) -> str:
    alphabet = rng.choice(["ab ", "ab. ", "аб ", "a1 -", "xyz "])
    text = "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 40)))
    if rng.random() < 0.5:  # plant a run
        chunk = "".join(rng.choice(alphabet) for _ in range(rng.randrange(1, 6)))
        text += chunk * rng.randrange(2, 7) + "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 8)))
    return text


@pytest.mark.parametrize("seed", range(4))
def test_detector_agrees_with_brute_force(seed):
    rng = random.Random(seed)
    for _ in range(300):
        out, src = _random_text(rng), _random_text(rng) if rng.random() < 0.5 else ""
        min_repeats = rng.choice([2, 3, 4, 5])
        min_chars = rng.choice([1, 2])
        found = find_loop(out, src, min_repeats=min_repeats, max_chars=12, min_chars=min_chars)
        assert (found is not None) == loops(out, src, min_repeats=min_repeats, max_chars=12, min_chars=min_chars), (out, src)
        if found is not None:
            assert found[1] == brute_max_run(out, 12, min_chars), (out, found)
        assert max_repeats(out, 12) == brute_max_run(out, 12)


def test_collapsed_output_no_longer_loops_and_clean_output_is_untouched():
    out = "Рада ухвалила бюджет бюджет бюджет бюджет бюджет, і все."
    cut = collapse_loops(out, "The council passed the budget.", min_repeats=4)
    assert not loops(cut, "The council passed the budget.") and "бюджет" in cut
    assert collapse_loops("Так, так, він прийшов.", "Yes, yes, he came.", min_repeats=4) == "Так, так, він прийшов."


def test_guards_and_summaries_use_the_same_detector():
    assert guards.find_loop is find_loop
    # The summary rule is the shared detector at 3 repeats of a chunk of 2+ characters.
    assert is_degenerate("the the the end") == "loops"
    assert is_degenerate("see www.example.org for details") is None
    assert find_loop("see www.example.org for details", min_repeats=3) is not None  # 1-char chunks count for translations
