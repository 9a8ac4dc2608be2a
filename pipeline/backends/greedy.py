"""A lean greedy decoding loop for translation.

Each row stops at its own length bound, and finished rows leave the batch (their cache
rows are dropped), which `generate()` cannot do; transformers' own logits processors keep
the n-gram block and repetition penalty identical to `generate()`. Tested against
`generate()` with a different bound per row (tests/backends/test_translators.py).
"""

from __future__ import annotations

import inspect


def cache_arg(model) -> str:
    """The name forward()/generate() take the cache under: transformers renamed
    `past_key_values` to `cache` within 5.x; use what this one takes."""
    return "cache" if "cache" in inspect.signature(model.forward).parameters else "past_key_values"


def logits_processors(no_repeat_ngram_size: int, repetition_penalty: float):
    """transformers' own processors, so the n-gram block and the penalty are generate()'s."""
    from transformers import LogitsProcessorList, NoRepeatNGramLogitsProcessor, RepetitionPenaltyLogitsProcessor

    processors = LogitsProcessorList()
    if repetition_penalty != 1.0:
        processors.append(RepetitionPenaltyLogitsProcessor(repetition_penalty))
    if no_repeat_ngram_size > 0:
        processors.append(NoRepeatNGramLogitsProcessor(no_repeat_ngram_size))
    return processors


def greedy_decode(
    model,
    input_ids,
    attention_mask,
    min_new: list[int],
    max_new: list[int],
    *,
    suppress_ids=None,
    no_repeat_ngram_size: int = 0,
    repetition_penalty: float = 1.0,
) -> list[tuple[list[int], bool]]:
    """Greedy decoding of one padded batch: per row (generated ids without start/end
    tokens, True when it stopped at max_new instead of at </s>). Call under inference_mode."""
    import torch
    from transformers.cache_utils import DynamicCache, EncoderDecoderCache

    config = model.config
    device = input_ids.device
    eos = config.eos_token_id
    start = config.decoder_start_token_id
    pad = config.pad_token_id
    processors = logits_processors(no_repeat_ngram_size, repetition_penalty)
    cache_name = cache_arg(model)
    rows = input_ids.shape[0]
    hidden = model.get_encoder()(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
    cache = EncoderDecoderCache(DynamicCache(), DynamicCache())
    lo = torch.tensor(min_new, device=device)
    hi = torch.tensor(max_new, device=device)
    alive = torch.arange(rows, device=device)  # original row of each live row
    seqs = torch.full((rows, 1), start, dtype=torch.long, device=device)
    finished = torch.zeros(rows, dtype=torch.bool, device=device)
    results: list[tuple[list[int], bool] | None] = [None] * rows
    mask = attention_mask
    step = 0
    while True:
        logits = _next_token_logits(model, hidden, mask, seqs, cache, cache_name)
        if suppress_ids is not None:
            logits[:, suppress_ids] = float("-inf")
        # No </s> before a row's minimum length.
        logits[step < lo, eos] = float("-inf")
        logits = processors(seqs, logits)
        token = logits.argmax(dim=-1)
        # Rows already finished (kept until the next compaction) just emit padding.
        token = torch.where(finished, torch.full_like(token, pad), token)
        seqs = torch.cat([seqs, token[:, None]], dim=1)
        step += 1
        ended = ~finished & (token == eos)
        at_bound = ~finished & ~ended & (step >= hi)
        newly = ended | at_bound
        if bool(newly.any()):
            _record(results, newly, ended, at_bound, alive, seqs, step)
            finished |= newly
        live = ~finished
        if not bool(live.any()):
            break
        # Drop finished rows once they are a quarter of the batch: copying the cache
        # costs about one step, decoding dead rows costs a share of every step.
        if int(finished.sum()) * 4 >= finished.numel():
            keep = torch.nonzero(live).flatten()
            cache.batch_select_indices(keep)
            hidden, mask, seqs, lo, hi, alive, finished = (t[keep] for t in (hidden, mask, seqs, lo, hi, alive, finished))
    return results  # type: ignore[return-value]


def _next_token_logits(model, hidden, mask, seqs, cache, cache_name: str):
    """One decoder step over the live rows (the cache holds the earlier steps)."""
    from transformers.modeling_outputs import BaseModelOutput

    out = model(
        encoder_outputs=BaseModelOutput(last_hidden_state=hidden),
        attention_mask=mask,
        decoder_input_ids=seqs[:, -1:],
        use_cache=True,
        **{cache_name: cache},
    )
    return out.logits[:, -1, :].float()


def _record(results: list, newly, ended, at_bound, alive, seqs, step: int) -> None:
    """The rows that just finished: their ids without start/end tokens, and whether the
    length bound (not </s>) stopped them, at their original row."""
    import torch

    for j in torch.nonzero(newly).flatten().tolist():
        n = step - 1 if bool(ended[j]) else step
        results[int(alive[j])] = (seqs[j, 1 : 1 + n].tolist(), bool(at_bound[j]))
