"""Batch jobs over article archives: streaming, resumable, nothing lost.

    sources.py   inputs (files, folders, JSONL/JSON/CSV/Parquet, saved datasets) -> sorted tasks -> units
    ledger.py    per-worker SQLite ledger: the state of every unit, committed per batch
    engine.py    one worker's loop: read -> skip done -> stages -> append to its log -> commit
    finalize.py  merge every worker's ledger + log into the outputs, in a fixed order
    control.py   SIGINT/SIGTERM: finish the batch in flight, then stop
    executor.py  run_job: an executor runs the workers, then the one merge; local.py (this
                 process), ray_executor.py (Ray tasks); progress.py adds up every worker's counts

Design (why it is shaped like this). The engine is independent of where batches run:
`engine.run_worker(job, rank, world_size)` owns the tasks whose key hashes to its rank and
writes only its own files (`work/worker-R-of-W/ledger.sqlite` and `articles.jsonl`), so
workers never lock each other and can be processes, Slurm array tasks or Ray tasks on a
shared filesystem, as with datatrove's executors. `finalize.finalize()` is a pure merge:
it reads every worker's ledger and log and writes the outputs in (input path, position)
order, temp file + rename, so the result does not depend on how many workers there were,
how often the run was killed and resumed, or in what order batches finished.

Crash safety: a batch's records are appended to the worker's log and fsynced, then one
ledger transaction records every unit of the batch and the log's new length. A kill
between the two leaves bytes past the committed length, which the next run cuts off
(a torn last line included) before it redoes that batch; nothing is taken for done that
is not on disk, and nothing on disk is counted twice. (Belt and braces: the finaliser reads
lines only at offsets the ledger committed, so stray bytes could never reach an output.)

Trust nothing on disk blindly: each committed log line carries a CRC-32 in the ledger, and
a worker checks them all when it starts, so a line damaged or edited since is redone, not
published (the finaliser checks again). Each input has a fingerprint (size, mtime,
SHA-256 of the content); an input whose content changed between runs is read again from
the start, its old units forgotten in the same transaction, so a resume never mixes old
and new positions of one file. Any exception while reading one input is that input's
error record (engine._stream), recorded once.

Known limit: outputs of a resumed run equal an uninterrupted run's when every batch's
results depend on that batch alone. The translation cache is per process, so after a
restart a sentence repeated from an earlier batch is translated again in another batch;
batched generation is not bit-exact across batch shapes, so such a sentence can come out
differently (set translate.cache_size=0 for byte-identical resumes).
"""
