"""The prepare pass runs the CPU stages of every waiting job together; an unexpected error
in that pass must fail only the job at fault, not the whole group (a unit test: a bug in
a stage cannot be provoked through the real server's API)."""

from __future__ import annotations

from pipeline.config import load_config
from pipeline.runner import Pipeline
from pipeline.serve.inputs import pasted
from pipeline.serve.store import JobStore
from pipeline.serve.worker import Worker

from ..conftest import TINY_CONFIG

POISON = "Zebra crossings were repainted"


def test_a_fault_in_the_group_pass_fails_only_the_article_that_causes_it(tmp_path, tiny_overrides):
    config = load_config(TINY_CONFIG, [*tiny_overrides, "pipeline.stages=[clean,segment,detect]"])
    store = JobStore(tmp_path / "data")
    worker = Worker(config, store)
    worker.pipeline = Pipeline.from_config(config)
    segment = next(s for s in worker.pipeline.stages if s.name == "segment")
    orig = type(segment).__call__
    calls: list[int] = []

    def faulty(self, batch):
        calls.append(len(batch))
        # A bug (not an input error) that only this article's text sets off.
        if any(POISON in s.source_text() for a in batch for s in a.sections):
            raise RuntimeError("segmenter bug")
        return orig(self, batch)

    segment.__class__ = type("FaultySegment", (type(segment),), {"__call__": faulty})
    texts = [
        "Rebels cut ties\n\nThe rebel coalition said on Monday that it had ended all contact.",
        f"Roads\n\n{POISON} in the town centre on Tuesday.",
        "Уряд ухвалив програму\n\nКабінет міністрів у вівторок ухвалив програму підтримки громад.",
    ]
    ids = [store.add(pasted(t, max_chars=10_000).input, None, None, {}) for t in texts]
    try:
        prepared = worker._prepare_group(ids)
    finally:
        store.close()
    store = JobStore(tmp_path / "data")
    try:
        # Tried together first (one pass of three), then one by one.
        assert calls[0] == 3 and calls[1:] == [1, 1, 1]
        assert [job.id for job in prepared] == [ids[0], ids[2]]
        assert all(job.article.ok and job.article.sections for job in prepared)
        assert store.status_of(ids[1]) == "failed"
        error = store.get(ids[1]).error
        assert error["kind"] == "internal" and "segmenter bug" in error["message"]
        # The good ones are checkpointed past the CPU stages, ready for the model stages.
        for job_id in (ids[0], ids[2]):
            assert store.status_of(job_id) != "failed"
            assert store.checkpoint_of(job_id)[0] == len(worker.pipeline.cpu_stages) + 1
    finally:
        store.close()
