"""Prefetch: the next batch's CPU stages run in one background thread while the model
stages run; outputs are byte for byte those of a run without it."""

from __future__ import annotations

import re
import threading

from pipeline import registry
from pipeline.batch.engine import BatchJob
from pipeline.batch.local import run_local
from pipeline.config import load_config
from pipeline.stages.base import BatchStage

from .helpers import jsonl, read_outputs, write_jsonl, write_txt_articles

SEEN: list[tuple[str, list[str], list[str]]] = []


class _Probe(BatchStage):
    """A stand-in model stage: records its thread and which articles the CPU stages had
    already prepared (segmented) when it ran."""

    name = "probe"

    def prepare(self, batch):
        return batch

    def predict(self, work):
        return None

    def apply(self, batch, work, predictions):
        done = sum(len(ids) for _, ids, _ in SEEN) + len(batch)
        overlapped = None
        if WAIT_FOR_NEXT and done < TOTAL:
            # With prefetch the next batch is segmented while this stage still runs: wait for
            # that (bounded by progress; the timeout only guards against a hang).
            overlapped = NEXT_PREPARED.wait(timeout=60)
            NEXT_PREPARED.clear()
        SEEN.append((threading.current_thread().name, [a.id for a in batch], overlapped))


TOTAL = 15  # articles written (9 txt + 6 records; the seventh record is a duplicate)
WAIT_FOR_NEXT = False
NEXT_PREPARED = threading.Event()


def _unhashed(outputs: dict[str, bytes]) -> dict[str, bytes]:
    return {k: re.sub(rb'"config_hash":"[0-9a-f]+"', b"", v) for k, v in outputs.items()}


def _archive(root):
    write_txt_articles(root / "txt", 9, seed=3)
    records = [{"id": f"r{i}", "text": f"Record {i}. It has two sentences."} for i in range(6)]
    records.append({"id": "r1", "text": "Same id as a record of an earlier batch."})
    write_jsonl(root / "records.jsonl", records)


def _run(root, out, prefetch, stages="[clean,segment,probe]"):
    cfg = load_config(None, [f"pipeline.stages={stages}", "batch.batch_size=3", "batch.outputs=[parquet,tsv,tmx]",
                             f"runtime.prefetch_batches={prefetch}"])
    return run_local(BatchJob(inputs=[root], out=out, config=cfg))


def test_prefetch_overlaps_and_changes_nothing(tmp_path, monkeypatch):
    monkeypatch.setitem(registry.stages._entries, "probe", _Probe)
    seg = registry.stages.get("segment")
    orig = seg.__call__

    def call(self, batch):
        out = orig(self, batch)
        NEXT_PREPARED.set()
        return out

    monkeypatch.setattr(seg, "__call__", call)
    root = tmp_path / "in"
    _archive(root)
    SEEN.clear()
    _run(root, tmp_path / "off", 0)
    assert all(thread == "MainThread" for thread, *_ in SEEN) and len(SEEN) >= 3
    SEEN.clear()
    global WAIT_FOR_NEXT
    WAIT_FOR_NEXT = True
    try:
        _, final = _run(root, tmp_path / "on", 1)
    finally:
        WAIT_FOR_NEXT = False
    # The model stage stays on the main thread; while it ran on each batch but the last,
    # the next batch was segmented (in the prefetch thread).
    assert all(thread == "MainThread" for thread, *_ in SEEN)
    assert [o for *_, o in SEEN] == [True] * (len(SEEN) - 1) + [None]
    # Byte for byte, but for the config hash in each record's signature (the knob is config).
    assert _unhashed(read_outputs(tmp_path / "off")) == _unhashed(read_outputs(tmp_path / "on"))
    # The duplicate id in a later batch is caught although its first batch was not committed yet.
    assert [d["id"] for d in jsonl(tmp_path / "on" / "duplicates.jsonl")] == ["r1"]
    assert final.totals["duplicates"] == 1
