"""Batches by token budget: sorted by length, bounded by rows and by padded tokens.

A count-only batch of long segments can take many times the memory of one of short
segments; bounding rows x longest (what the padded tensor really holds) keeps memory flat
and lets short segments go in large, efficient batches.
"""

from __future__ import annotations

# Padded source tokens per batch on CPU: past ~64 rows of news sentences throughput stops
# growing while memory keeps growing (scripts/bench_translate.py).
CPU_BATCH_TOKENS = 2048
# On CUDA: padded source tokens per GiB of device memory, and the ceiling (about 1,000
# rows of 64 tokens, where an H100 stops gaining).
CUDA_TOKENS_PER_GIB = 1024
CUDA_MAX_BATCH_TOKENS = 65_536


def plan_batches(lengths: list[int], *, max_rows: int, max_tokens: int) -> list[list[int]]:
    """Group indices into batches, longest first (memory peaks at once, not at the end).

    Each batch holds at most `max_rows` rows and `rows x longest <= max_tokens` padded
    tokens; an input longer than the budget on its own still gets a batch of one.
    """
    if max_rows < 1 or max_tokens < 1:
        raise ValueError("max_rows and max_tokens must be positive")
    order = sorted(range(len(lengths)), key=lambda i: (-lengths[i], i))
    batches: list[list[int]] = []
    current: list[int] = []
    longest = 0
    for i in order:
        n = max(1, lengths[i])
        # Sorted longest first, so the batch's longest is its first row.
        width = max(longest, n)
        if current and (len(current) + 1 > max_rows or (len(current) + 1) * width > max_tokens):
            batches.append(current)
            current, width = [], n
        current.append(i)
        longest = width
    if current:
        batches.append(current)
    return batches


def balanced_budget(lengths: list[int], workers: int, max_tokens: int) -> int:
    """A padded-token budget that gives each of `workers` parallel workers a share of
    this call: at most `max_tokens`, and no more than an even split of the call's tokens
    (never below the longest input, which needs a batch of its own anyway). With one
    worker the budget is `max_tokens` unchanged."""
    if workers <= 1 or not lengths:
        return max_tokens
    share = -(-sum(max(1, n) for n in lengths) // workers)
    return max(1, min(max_tokens, max(share, max(lengths))))


def auto_batch_tokens(device: str, total_memory_bytes: int | None = None) -> int:
    """The padded-token budget for `translate.batch_tokens: 0` on this device."""
    if device.startswith("cuda") and total_memory_bytes:
        gib = total_memory_bytes / 2**30
        return int(min(CUDA_MAX_BATCH_TOKENS, max(CPU_BATCH_TOKENS, gib * CUDA_TOKENS_PER_GIB)))
    return CPU_BATCH_TOKENS
