"""Batch jobs over article archives: streaming, resumable, nothing lost.

    sources.py   inputs (files, folders, JSONL/JSON/CSV/Parquet, saved datasets) -> sorted tasks -> units;
                 work units (chunks) and which worker does each
    ledger.py    per-worker SQLite ledger: the state of every unit, committed per work unit
    engine.py    one worker's loop: read -> skip done -> stages -> append to its log -> commit
    finalize.py  merge every worker's ledger + log into the outputs, in a fixed order
    control.py   SIGINT/SIGTERM: finish the batch in flight, then stop
    executor.py  run_job: an executor runs the workers, then the one merge; local.py (this
                 process), ray_executor.py (Ray tasks); progress.py adds up every worker's counts

Design (why it is shaped like this). The engine is independent of where batches run:
`engine.run_worker(job, rank, world_size)` reads every input, and does the work units
(`batch.batch_size` consecutive records in input order) whose number is `rank` modulo W;
it writes only its own files (`work/worker-R-of-W/ledger.sqlite` and `articles.jsonl`),
so workers never lock each other and can be processes, Slurm array tasks or Ray tasks on
a shared filesystem, as with datatrove's executors. `finalize.finalize()` is a pure merge:
it reads every worker's ledger and log and writes the outputs in (input path, position)
order, temp file + rename.

Why work units: batched generation is not bit-exact across batch shapes (padding changes
the float sums; small models have near ties), so an article's translation depends on the
articles batched with it, and a cache hit on what another batch decoded. A unit is a
function of the inputs alone, it is always one batch, whole (a unit with anything left
to do is redone whole, only its missing records written), and the model caches live for
one unit; the duplicates are decided from the ids of the whole job (every worker reads
every input). So the outputs do not depend on how many workers there were, how often the
run was killed and resumed, or in what order units finished.

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

Known limit: bit-exact model outputs also need the same kind of machine and the same
torch thread count in every worker (another CPU or thread count may pick other kernels).
"""
