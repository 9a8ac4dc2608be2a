"""Summary text helpers and map-reduce, with a word-counting stand-in for a model."""

from __future__ import annotations

from collections import Counter

import pytest

from pipeline.backends.base import Summarizer
from pipeline.config import SummarizeConfig
from pipeline.summarization.mapreduce import SummaryCache, SummaryJob, run_jobs
from pipeline.summarization.summary_text import drop_unfinished_sentence, is_degenerate, lead_count, pack_chunks


def words(texts: list[str]) -> list[int]:
    return [len(t.split()) for t in texts]


def test_pack_chunks_fits_the_limit_keeps_everything_and_balances():
    units = [f"Sentence {i} has exactly six words." for i in range(20)]  # 6 words each
    chunks = pack_chunks(units, words, limit=50)
    assert [u for c in chunks for u in c] == units
    sizes = [sum(words(c)) for c in chunks]
    assert all(n <= 50 for n in sizes)
    assert len(chunks) == 3 and max(sizes) - min(sizes) <= 6  # 120 words -> 3 x 40, not 48+48+24


def test_pack_chunks_splits_a_unit_over_the_limit():
    giant = " ".join(f"w{i}" for i in range(130))
    chunks = pack_chunks(["short one.", giant], words, limit=50)
    assert all(sum(words(c)) <= 50 for c in chunks)
    assert " ".join(u for c in chunks for u in c).split() == ("short one. " + giant).split()


@pytest.mark.parametrize(
    "text,why",
    [
        ("", "empty"),
        (" .. !", "empty"),
        ("the the the end", "loops"),
        ("in the city in the city in the city today", "loops"),
        ("стастаста зрос", "loops"),
        ("a b a b a b a b a b a b", "loops"),
    ],
)
def test_degenerate_summaries(text, why):
    assert is_degenerate(text) == why


@pytest.mark.parametrize(
    "text",
    [
        "The council approved the budget. Schools get more money.",
        "Рада ухвалила бюджет: школи отримають 1000000 гривень.",
        "Mali cut ties with Ukraine after a statement in July.",
    ],
)
def test_normal_summaries_pass(text):
    assert is_degenerate(text) is None


def test_drop_unfinished_sentence():
    assert drop_unfinished_sentence("One thing happened. Then another thing") == ("One thing happened.", True)
    assert drop_unfinished_sentence("Complete “quoted.” Cut off") == ("Complete “quoted.”", True)
    assert drop_unfinished_sentence("Only an unfinished one") == ("Only an unfinished one", False)
    assert drop_unfinished_sentence("All done. Both!") == ("All done. Both!", False)


def test_lead_count():
    assert lead_count([10, 10, 10], 25) == 2
    assert lead_count([30, 5], 10) == 1  # at least one sentence
    assert lead_count([3, 3], 100) == 2


class FirstWords(Summarizer):
    """A stand-in model: the first words of its input (at most the bound, and at most
    `cap`); counts words as tokens."""

    name = "first-words"

    def __init__(self, limit: int, cap: int = 10_000):
        self.max_input_tokens = limit
        self.cap = cap
        self.calls: list[list[str]] = []

    def count_tokens(self, texts):
        return words(texts)

    def summarize(self, texts, max_new_tokens):
        self.calls.append(list(texts))
        targets = [max_new_tokens] * len(texts) if isinstance(max_new_tokens, int) else max_new_tokens
        return [" ".join(t.split()[: min(n, self.cap)]) + "." for t, n in zip(texts, targets)]


def unit(i: int) -> str:
    return " ".join(f"w{i}x{j}" for j in range(9)) + " end."  # 10 distinct-ish words


def _run(jobs, backend, **cfg):
    counts: Counter[str] = Counter()
    run_jobs(jobs, backend, SummarizeConfig(**cfg), SummaryCache(100), counts)
    return counts


def test_map_reduce_levels_chunks_and_passthrough():
    backend = FirstWords(limit=40)
    long = SummaryJob([unit(i) for i in range(30)], "m", lambda n: 8)  # 300 words
    short = SummaryJob(["Just five words in here."], "m", lambda n: 8)
    counts = _run([long, short], backend)
    assert short.passthrough and short.summary == "Just five words in here." and short.levels == 0
    # 300 words, limit 40: 8 chunks; their 8 x 8 words = 64 > 40: 2 chunks; 16 > 8: reduce.
    assert long.chunks == len(backend.calls[0]) == 8
    assert [len(c) for c in backend.calls] == [8, 2, 1]
    assert long.levels == 3 and 0 < len(long.summary.split()) <= 8
    assert counts["passthrough"] == 1 and counts["chunked"] == 1 and counts["chunks"] == 8


def test_map_reduce_depth_bound_keeps_the_joined_summaries():
    backend = FirstWords(limit=40)
    job = SummaryJob([unit(i) for i in range(30)], "m", lambda n: 8)
    _run([job], backend, max_reduce_depth=1)
    assert job.levels == 1 and len(backend.calls) == 1
    assert job.summary == " ".join(backend.summarize(backend.calls[0], 8))
    assert "max_reduce_depth" in job.warnings[0]


def test_reduce_is_skipped_when_the_chunk_summaries_are_short_enough():
    backend = FirstWords(limit=40, cap=3)
    job = SummaryJob([unit(i) for i in range(6)], "m", lambda n: 30)  # 60 words: 2 chunks
    counts = _run([job], backend)
    assert job.chunks == 2 and len(backend.calls) == 1
    assert counts["model_inputs_saved"] == 1 and len(job.summary.split()) == 6


def test_repeated_inputs_are_summarised_once():
    backend = FirstWords(limit=100)
    text = "A long enough section about roads and schools for the test here."
    counts = _run([SummaryJob([text], "m", lambda n: 3) for _ in range(3)], backend)
    assert backend.calls == [[text]] and counts["model_inputs"] == 1
    cache = SummaryCache(10)
    for _ in range(2):
        run_jobs([SummaryJob([text], "m", lambda n: 3)], backend, SummarizeConfig(), cache, Counter())
    assert len(backend.calls) == 2  # the second run on the same cache was a hit


def test_pack_chunks_keeps_a_text_that_fits_whole_without_counting_its_units():
    # A tokenizer that counts a capitalised text start as an extra token: units counted
    # apart sum to more than the joined text. The joined text fits: one chunk, and no unit
    # is tokenised on its own.
    asked: list[str] = []

    def count(texts):
        asked.extend(texts)
        return [len(t.split()) + (1 if t[:1].isupper() else 0) for t in texts]

    units = [f"Sentence {i} of five words." for i in range(8)]  # joined: 40 words + 1
    assert pack_chunks(units, count, limit=41) == [units]
    assert not set(units) & set(asked)
    # Over the limit, units are counted and packed as before.
    chunks = pack_chunks(units, count, limit=30)
    assert len(chunks) > 1 and [u for c in chunks for u in c] == units


def test_run_jobs_tokenises_each_text_once():
    class Counting(FirstWords):
        def __init__(self, limit):
            super().__init__(limit)
            self.asked: list[str] = []

        def count_tokens(self, texts):
            self.asked.extend(texts)
            return super().count_tokens(texts)

    backend = Counting(limit=40)
    jobs = [SummaryJob([unit(i) for i in range(3)], "m", lambda n: 8), SummaryJob([unit(i) for i in range(30)], "m", lambda n: 8)]
    _run(jobs, backend)
    assert all(jobs[i].summary for i in range(2))
    assert len(backend.asked) == len(set(backend.asked))  # "" and every joined text once
