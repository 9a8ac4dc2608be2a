import random

from pipeline.batch.ledger import Ledger
from pipeline.lru import LRUCache


def _replay(cache: LRUCache, ops) -> None:
    for op, key in ops:
        if op == "get":
            cache.get(key)
        else:
            cache.put(key, {"text": f"v{key[1]}", "n": key[1]})


def _random_ops(rng: random.Random, n: int):
    return [(rng.choice(["get", "put", "put"]), ("m", rng.randrange(40))) for _ in range(n)]


def test_lru_bound_and_recency():
    cache: LRUCache = LRUCache(2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1  # a is now the newest
    cache.put("c", 3)
    assert cache.keys() == ["a", "c"] and cache.get("b") is None
    off: LRUCache = LRUCache(0)
    off.put("a", 1)
    assert len(off) == 0


def test_saved_and_restored_cache_has_the_same_entries_in_the_same_order(tmp_path):
    """Save after every 'batch' through the ledger, restore at a random point: the restored
    cache equals the live one at that commit, entries and LRU order both."""
    rng = random.Random(7)
    ledger = Ledger(tmp_path / "ledger.sqlite")
    live: LRUCache = LRUCache(12)
    live.start_journal()
    for batch in range(1, 30):
        _replay(live, _random_ops(rng, rng.randrange(0, 15)))
        ledger.commit_batch(batch, [], [], 0, {"translate": live.drain()})
        restored: LRUCache = LRUCache(12)
        restored.restore(ledger.cache_rows("translate"))
        assert restored.keys() == live.keys(), batch
        assert all(restored.get(k) == live._data[k] for k in live.keys())
    assert ledger.db.execute("SELECT COUNT(*) FROM caches").fetchone()[0] == len(live) == 12
    ledger.close()


def test_restored_cache_then_behaves_like_the_uninterrupted_one(tmp_path):
    rng = random.Random(11)
    batches = [_random_ops(rng, 10) for _ in range(8)]
    whole: LRUCache = LRUCache(10)
    for ops in batches:
        _replay(whole, ops)

    ledger = Ledger(tmp_path / "ledger.sqlite")
    first: LRUCache = LRUCache(10)
    first.start_journal()
    for n, ops in enumerate(batches[:5], 1):
        _replay(first, ops)
        ledger.commit_batch(n, [], [], 0, {"summarize": first.drain()})
    _replay(first, batches[5])  # work of a batch that never committed (killed)
    resumed: LRUCache = LRUCache(10)
    resumed.restore(ledger.cache_rows("summarize"))
    resumed.start_journal()
    for ops in batches[5:]:
        _replay(resumed, ops)
    assert resumed.keys() == whole.keys()
    ledger.close()


def test_restore_into_a_smaller_cache_keeps_the_newest():
    big: LRUCache = LRUCache(5)
    big.start_journal()
    for k in "abcde":
        big.put(k, k.upper())
    upserts, deletes = big.drain()
    assert [LRUCache.load_key(k) for k, _ in upserts] == list("abcde") and deletes == []
    small: LRUCache = LRUCache(2)
    small.restore(upserts)
    assert small.keys() == ["d", "e"] and small.get("e") == "E"


def test_clear_caches_empties_every_saved_cache(tmp_path):
    ledger = Ledger(tmp_path / "ledger.sqlite")
    cache: LRUCache = LRUCache(3)
    cache.start_journal()
    cache.put(("m", "uk", "a"), {"text": "б"})
    ledger.commit_batch(1, [], [], 0, {"translate": cache.drain(), "summarize": ([(LRUCache.dump_key("x"), '"y"')], [])})
    assert ledger.db.execute("SELECT COUNT(*) FROM caches").fetchone()[0] == 2
    ledger.clear_caches()
    assert list(ledger.cache_rows("translate")) == [] and list(ledger.cache_rows("summarize")) == []
    ledger.close()


def test_byte_bound_evicts_oldest_and_keeps_the_count_right():
    # Values from a two-word tag to a long section: the byte bound, not the count, decides.
    cache: LRUCache = LRUCache(1000, max_bytes=20_000)
    for i in range(200):
        cache.put(("m", str(i)), "x" * (50 if i % 2 else 2_000))
    assert 0 < cache.bytes <= 20_000
    assert cache.bytes == sum(cache._weights.values())
    assert len(cache) < 200 and cache.keys()[-1] == ("m", "199")
    # The survivors are the newest, in order.
    kept = [int(k[1]) for k in cache.keys()]
    assert kept == list(range(200 - len(kept), 200))
    # Replacing a value re-weighs it rather than counting it twice.
    before = cache.bytes
    cache.put(("m", "199"), "x" * 50)
    assert cache.bytes == before


def test_one_entry_larger_than_the_bound_is_still_kept():
    cache: LRUCache = LRUCache(10, max_bytes=1_000)
    cache.put("small", "a")
    cache.put("huge", "y" * 5_000)
    assert cache.keys() == ["huge"] and cache.get("huge") == "y" * 5_000


def test_byte_bounded_cache_saves_and_restores_through_evictions(tmp_path):
    rng = random.Random(3)
    ledger = Ledger(tmp_path / "ledger.sqlite")
    live: LRUCache = LRUCache(100, max_bytes=3_000)
    live.start_journal()
    for batch in range(1, 20):
        for _ in range(rng.randrange(1, 10)):
            key = ("m", rng.randrange(60))
            if rng.random() < 0.3:
                live.get(key)
            else:
                live.put(key, {"text": "v" * rng.randrange(1, 200)})
        ledger.commit_batch(batch, [], [], 0, {"translate": live.drain()})
        restored: LRUCache = LRUCache(100, max_bytes=3_000)
        restored.restore(ledger.cache_rows("translate"))
        assert restored.keys() == live.keys(), batch
        assert restored.bytes == live.bytes
    ledger.close()


def test_clear_forgets_everything_and_the_journal_records_the_evictions():
    cache = LRUCache(10, max_bytes=10_000)
    cache.put("a", "1")
    cache.start_journal()
    cache.put("b", "2")
    cache.clear()
    assert len(cache) == 0 and cache.get("a") is None and cache.bytes == 0
    upserts, deleted = cache.drain()
    assert upserts == [] and sorted(deleted) == [LRUCache.dump_key("a"), LRUCache.dump_key("b")]
