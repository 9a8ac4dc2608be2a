"""The batch engine without models (clean + segment): accounting, resume, config changes,
retries, several workers. The full pipeline and the real CLI are in tests/cli/test_batch_cli.py."""

from __future__ import annotations

import json

import pytest

from pipeline import registry
from pipeline.batch.control import StopFlag
from pipeline.batch.engine import BatchJob, ConfigChanged, OutputDirError, run_worker, worker_dir
from pipeline.batch.local import run_local
from pipeline.config import load_config
from pipeline.stages.base import ArticleStage
from pipeline.errors import StageError

from .helpers import assert_same_outputs, jsonl, parquet_rows, read_outputs, write_jsonl, write_txt_articles

FAST = ["pipeline.stages=[clean,segment]", "batch.batch_size=3", "batch.outputs=[parquet,tsv,tmx]"]


def _cfg(*extra):
    return load_config(None, [*FAST, *extra])


def _archive(root):
    """A mixed archive: txt files (nested), JSONL with duplicates and bad lines, CSV,
    Parquet, a saved dataset, a hidden file, an ignored .jpg, an empty and a binary file."""
    import datasets
    import pyarrow as pa
    import pyarrow.parquet as pq

    write_txt_articles(root / "txt", 5, seed=1)
    write_txt_articles(root / "txt" / "deeper", 2, seed=2)
    write_jsonl(root / "feed.jsonl", [
        {"id": "j1", "title": "Kyiv weather", "text": "It will be sunny in Kyiv.\n\nWinds are light."},
        {"id": "j1", "text": "Same id again: a duplicate."},
        {"id": "j2", "text": ""},
        {"id": "j3", "text": "Another article body."},
    ])
    (root / "feed.jsonl").open("a", encoding="utf-8").write("{broken\n")
    (root / "table.csv").write_text('id,text\nc1,"Row one text."\nc2,"Row two text."\n', encoding="utf-8")
    pq.write_table(pa.Table.from_pylist([{"id": f"p{i}", "text": f"Parquet article {i}."} for i in range(4)]), root / "t.parquet", row_group_size=2)
    datasets.Dataset.from_list([{"id": "d1", "text": "Dataset article one."}, {"id": "j3", "text": "Shares an id with the feed."}]).save_to_disk(str(root / "saved"))
    (root / ".hidden.txt").write_text("Hidden file, never read.", encoding="utf-8")
    (root / "photo.jpg").write_bytes(b"\xff\xd8\xff")
    (root / "empty.txt").write_bytes(b"")
    (root / "blob.txt").write_bytes(bytes(range(256)) * 4)
    return root


def test_mixed_archive_every_input_accounted(tmp_path):
    root = _archive(tmp_path / "in")
    out = tmp_path / "out"
    results, final = run_local(BatchJob(inputs=[root], out=out, config=_cfg()))
    assert results[0].status == "complete" and final is not None and not final.unbalanced
    per = {c.input.replace(str(root) + "/", ""): (c.records, c.written, c.errors, c.duplicates) for c in final.inputs}
    assert per["feed.jsonl"] == (5, 2, 2, 1)  # j1, j3 written; empty text + broken line; j1 again
    assert per["table.csv"] == (2, 2, 0, 0) and per["t.parquet"] == (4, 4, 0, 0)
    assert per["saved"] == (2, 1, 0, 1)  # j3 was already claimed by the feed
    assert per["empty.txt"] == (1, 0, 1, 0) and per["blob.txt"] == (1, 0, 1, 0)
    assert ".hidden.txt" not in per and "photo.jpg" not in per
    assert sum(1 for k in per if k.startswith("txt/")) == 7
    tot = final.totals
    assert tot == {"inputs": 22, "written": 16, "errors": 4, "duplicates": 2}
    assert len(jsonl(out / "articles.jsonl")) == 16 and len(jsonl(out / "errors.jsonl")) == 4
    assert len(jsonl(out / "duplicates.jsonl")) == 2 and len(parquet_rows(out)) == 16
    errors = {e["source"]["path"].replace(str(root) + "/", ""): e for e in jsonl(out / "errors.jsonl")}
    assert errors["empty.txt"]["kind"] == "empty" and "empty" in errors["empty.txt"]["message"]
    assert errors["blob.txt"]["kind"] == "binary" and "binary" in errors["blob.txt"]["message"]
    for e in errors.values():
        assert {"id", "source", "stage", "kind", "message"} <= set(e)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["counts"]["balanced"] and manifest["counts"]["inputs"] == 22
    assert manifest["ignored"] == [str(root / "photo.jpg")]
    assert manifest["signature"]["config_hash"] == _cfg().config_hash()
    assert manifest["signature"]["libraries"]["pyarrow"]
    # Output order is (input path, position) whatever the processing order.
    ids = [r["id"] for r in jsonl(out / "articles.jsonl")]
    assert ids.index("j1") < ids.index("j3") < ids.index("p0")


def test_output_dir_inside_input_is_not_read(tmp_path):
    root = tmp_path / "in"
    write_txt_articles(root, 3)
    out = root / "out"
    run_local(BatchJob(inputs=[root], out=out, config=_cfg()))
    _, final = run_local(BatchJob(inputs=[root], out=out, config=_cfg()))
    assert final.totals["inputs"] == 3


class _StopAfter:
    """A progress sink that asks the engine to stop after `n` batches (like a Ctrl-C)."""

    def __init__(self, stop: StopFlag, n: int):
        self.stop, self.n, self.batches = stop, n, 0

    def start(self, total, done):
        pass

    def advance(self, units, written, errors, duplicates):
        self.batches += 1
        if self.batches >= self.n:
            self.stop.request()

    def finish(self):
        pass


def test_interrupted_and_torn_resume_equals_uninterrupted(tmp_path):
    root = _archive(tmp_path / "in")
    cfg = _cfg()
    _, final_a = run_local(BatchJob(inputs=[root], out=tmp_path / "a", config=cfg))
    out = tmp_path / "b"
    for n in (1, 2):
        stop = StopFlag()
        result = run_worker(BatchJob(inputs=[root], out=out, config=cfg), stop=stop, progress=_StopAfter(stop, n))
        assert result.status == "interrupted" and result.batches == n
        assert not (out / "articles.jsonl").exists()  # outputs appear only when complete
    log = worker_dir(out, 0, 1) / "articles.jsonl"
    committed = log.stat().st_size
    # A crash mid-batch: whole lines of an uncommitted batch plus a torn last line.
    extra = b'{"id": "ghost", "sections": []}\n{"id": "torn", "sec'
    with open(log, "ab") as fh:
        fh.write(extra)
    result = run_worker(BatchJob(inputs=[root], out=out, config=cfg))
    assert result.status == "complete" and result.dropped_bytes == len(extra)
    # The worker log itself stays a clean JSONL file (the ledger alone would skip the junk).
    assert b"ghost" not in log.read_bytes() and b'"torn"' not in log.read_bytes()
    assert all(json.loads(line) for line in log.read_bytes().splitlines())
    from pipeline.batch.finalize import finalize

    final_b = finalize(out, cfg, 1, inputs=[str(root)])
    assert read_outputs(tmp_path / "a") == read_outputs(out)
    assert parquet_rows(tmp_path / "a") == parquet_rows(out)
    assert final_a.totals == final_b.totals
    assert b"ghost" not in (out / "articles.jsonl").read_bytes()
    # A run over a complete directory does nothing and changes nothing.
    again = run_worker(BatchJob(inputs=[root], out=out, config=cfg))
    assert again.processed == 0 and again.status == "complete"


def test_changed_config_refused_unless_forced(tmp_path):
    root = tmp_path / "in"
    write_txt_articles(root, 2)
    out = tmp_path / "out"
    run_local(BatchJob(inputs=[root], out=out, config=_cfg()))
    changed = _cfg("segment.max_chars=500")
    with pytest.raises(ConfigChanged) as info:
        run_worker(BatchJob(inputs=[root], out=out, config=changed))
    assert "segment.max_chars (1000 -> 500)" in str(info.value) and "--force-config" in str(info.value)
    result = run_worker(BatchJob(inputs=[root], out=out, config=changed, force_config=True))
    assert result.status == "complete"


def test_resume_under_another_quantisation_is_refused(tmp_path):
    # int8 and float summaries must not mix in one output (nor in the saved caches, which
    # a forced resume clears).
    root = tmp_path / "in"
    write_txt_articles(root, 2)
    out = tmp_path / "out"
    run_local(BatchJob(inputs=[root], out=out, config=_cfg()))
    with pytest.raises(ConfigChanged, match=r"summarize\.quantize \('none' -> 'dynamic_int8'\)"):
        run_worker(BatchJob(inputs=[root], out=out, config=_cfg("summarize.quantize=dynamic_int8")))


def test_out_dir_with_foreign_outputs_or_other_world_size(tmp_path):
    root = tmp_path / "in"
    write_txt_articles(root, 2)
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "articles.jsonl").write_text("{}\n")
    with pytest.raises(OutputDirError, match="no newsbridge batch ledger"):
        run_worker(BatchJob(inputs=[root], out=foreign, config=_cfg()))
    out = tmp_path / "out"
    run_local(BatchJob(inputs=[root], out=out, config=_cfg()), world_size=2)
    with pytest.raises(OutputDirError, match="--world-size 2"):
        run_worker(BatchJob(inputs=[root], out=out, config=_cfg()))


class FlakyStage(ArticleStage):
    """Fails articles whose text mentions FLAKY while `armed` (a model that errs once)."""

    name = "flaky"
    armed = True

    def process(self, article):
        if FlakyStage.armed and "FLAKY" in (article.raw or "") + " ".join(b.text for b in article.body_blocks()):
            raise StageError(self.name, f"{article.id}: the model failed on this article", kind="model")


@pytest.fixture
def flaky_stage():
    registry.stages.add("flaky", FlakyStage)
    FlakyStage.armed = True
    yield FlakyStage
    registry.stages._entries.pop("flaky", None)


def test_retry_errors(tmp_path, flaky_stage):
    root = tmp_path / "in"
    write_txt_articles(root, 4)
    (root / "x-flaky.txt").write_text("A title\n\nThis article is FLAKY today.\n", encoding="utf-8")
    cfg = load_config(None, ["pipeline.stages=[clean,flaky,segment]", "batch.batch_size=2"])
    out = tmp_path / "out"
    _, final = run_local(BatchJob(inputs=[root], out=out, config=cfg))
    (err,) = jsonl(out / "errors.jsonl")
    assert err["stage"] == "flaky" and err["kind"] == "model" and "model failed" in err["message"]
    assert final.totals["written"] == 4
    flaky_stage.armed = False
    _, final = run_local(BatchJob(inputs=[root], out=out, config=cfg))
    assert final.totals["errors"] == 1  # without --retry-errors, errors stay errors
    results, final = run_local(BatchJob(inputs=[root], out=out, config=cfg, retry_errors=True))
    assert results[0].processed == 1 and final.totals == {"inputs": 5, "written": 5, "errors": 0, "duplicates": 0}
    assert (out / "errors.jsonl").read_bytes() == b""
    clean = tmp_path / "clean"
    run_local(BatchJob(inputs=[root], out=clean, config=cfg))
    assert read_outputs(clean) == read_outputs(out)  # same order as if it had never failed


def test_two_workers_give_the_same_outputs_as_one(tmp_path):
    root = _archive(tmp_path / "in")
    cfg = _cfg()
    _, one = run_local(BatchJob(inputs=[root], out=tmp_path / "one", config=cfg))
    results, two = run_local(BatchJob(inputs=[root], out=tmp_path / "two", config=cfg), world_size=2)
    assert all(r.processed for r in results)  # both workers had work
    assert_same_outputs(tmp_path / "one", tmp_path / "two")
    assert one.totals == two.totals and not two.unbalanced
    manifest = json.loads((tmp_path / "two" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["executor"] == {"name": "local", "workers": 2}


def _feeds_split_over_two_workers(root):
    """Three JSONL feeds of two records each, both sharing the id "X": with
    batch.batch_size=2 each feed is one work unit, so feeds 0 and 2 go to worker 0 and feed
    1 to worker 1, whose X is a duplicate of worker 0's."""
    root.mkdir(parents=True)
    names = [f"{i:03d}-feed.jsonl" for i in range(3)]
    for k, name in enumerate(names):
        write_jsonl(root / name, [{"id": f"own-{k}", "text": f"An article of feed {k}."},
                                  {"id": "X", "text": "The same story in every feed."}])
    return root / names[0]


def test_cross_worker_duplicates_name_their_first_owner(tmp_path):
    first = _feeds_split_over_two_workers(tmp_path / "in")
    cfg = _cfg("batch.batch_size=2")
    run_local(BatchJob(inputs=[tmp_path / "in"], out=tmp_path / "one", config=cfg))
    results, two = run_local(BatchJob(inputs=[tmp_path / "in"], out=tmp_path / "two", config=cfg), world_size=2)
    # Every worker reads every input, so worker 1 knows its X is worker 0's: it skips it as
    # one worker would (its batch holds what one worker's would), not only at the merge.
    assert [(r.written, r.duplicates) for r in results] == [(3, 1), (1, 1)]
    assert_same_outputs(tmp_path / "one", tmp_path / "two")
    dups = jsonl(tmp_path / "two" / "duplicates.jsonl")
    assert [d["duplicate_of"] for d in dups] == [f"{first.resolve()}#1"] * 2
    assert all(d["id"] == "X" and d["source"]["row"] == 1 for d in dups)
    assert two.totals == {"inputs": 6, "written": 4, "errors": 0, "duplicates": 2}


def test_input_dropped_midway_is_reported_not_hidden(tmp_path):
    root = tmp_path / "in"
    write_txt_articles(root, 2)
    feed = write_jsonl(tmp_path / "feed.jsonl", [{"id": f"f{i}", "text": f"Feed article {i}."} for i in range(10)])
    cfg = _cfg()
    out = tmp_path / "out"
    stop = StopFlag()
    run_worker(BatchJob(inputs=[feed, root], out=out, config=cfg), stop=stop, progress=_StopAfter(stop, 1))
    _, final = run_local(BatchJob(inputs=[root], out=out, config=cfg))  # the feed is gone
    (bad,) = final.unbalanced
    assert bad.input == str(feed.resolve()) and bad.records is None and bad.written == 3
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["counts"]["balanced"] is False


def test_second_process_on_the_same_worker_is_refused(tmp_path):
    import fcntl

    root = tmp_path / "in"
    write_txt_articles(root, 2)
    out = tmp_path / "out"
    folder = worker_dir(out, 0, 1)
    folder.mkdir(parents=True)
    with open(folder / "lock", "a+") as held:
        fcntl.flock(held.fileno(), fcntl.LOCK_EX)
        held.write("pid 4242\n")
        held.flush()
        with pytest.raises(OutputDirError, match=r"another batch is writing .* \(pid 4242\)"):
            run_worker(BatchJob(inputs=[root], out=out, config=_cfg()))
    assert run_worker(BatchJob(inputs=[root], out=out, config=_cfg())).status == "complete"
