"""Token-budget batches: sorted, bounded by rows and by padded tokens, nothing lost."""

import random

import pytest

from pipeline.backends.batching import CPU_BATCH_TOKENS, CUDA_MAX_BATCH_TOKENS, auto_batch_tokens, plan_batches


@pytest.mark.parametrize("max_rows,max_tokens", [(1, 10), (8, 64), (32, 400), (64, 2048)])
def test_every_index_once_longest_first_within_budget(max_rows, max_tokens):
    rng = random.Random(max_rows)
    lengths = [rng.randint(1, 60) for _ in range(300)]
    batches = plan_batches(lengths, max_rows=max_rows, max_tokens=max_tokens)
    assert sorted(i for b in batches for i in b) == list(range(len(lengths)))
    flat = [lengths[i] for b in batches for i in b]
    assert flat == sorted(flat, reverse=True)
    for b in batches:
        assert len(b) <= max_rows
        assert len(b) == 1 or len(b) * max(lengths[i] for i in b) <= max_tokens


def test_short_inputs_go_in_bigger_batches_than_long_ones():
    lengths = [60] * 64 + [10] * 64
    batches = plan_batches(lengths, max_rows=64, max_tokens=1024)
    sizes = {lengths[b[0]]: len(b) for b in batches}
    assert sizes[10] > sizes[60]


def test_input_longer_than_the_budget_gets_its_own_batch():
    assert plan_batches([500, 3, 3], max_rows=8, max_tokens=100) == [[0], [1, 2]]


def test_auto_budget_grows_with_the_card():
    assert auto_batch_tokens("cpu") == CPU_BATCH_TOKENS
    small = auto_batch_tokens("cuda", 16 * 2**30)
    big = auto_batch_tokens("cuda", 80 * 2**30)
    assert CPU_BATCH_TOKENS <= small < big <= CUDA_MAX_BATCH_TOKENS
    assert auto_batch_tokens("cuda", None) == CPU_BATCH_TOKENS


def test_balanced_budget_gives_every_worker_a_share():
    from pipeline.backends.batching import balanced_budget

    lengths = [20] * 10
    assert balanced_budget(lengths, 1, 1024) == 1024  # one worker: the budget as set
    budget = balanced_budget(lengths, 2, 1024)
    assert budget == 100 and len(plan_batches(lengths, max_rows=64, max_tokens=budget)) == 2
    assert balanced_budget(lengths, 2, 60) == 60  # never above the budget
    assert balanced_budget([300, 5], 2, 1024) == 300  # never below the longest input
    assert balanced_budget([], 2, 1024) == 1024
