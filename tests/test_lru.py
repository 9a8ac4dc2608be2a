import random
from collections import OrderedDict

from pipeline.lru import LRUCache


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


def test_random_gets_and_puts_match_a_reference_lru():
    rng = random.Random(7)
    cache: LRUCache = LRUCache(12)
    ref: OrderedDict = OrderedDict()
    for _ in range(2_000):
        key = ("m", rng.randrange(40))
        if rng.random() < 0.4:
            got = cache.get(key)
            assert got == ref.get(key)
            if key in ref:
                ref.move_to_end(key)
        else:
            cache.put(key, key[1])
            ref[key] = key[1]
            ref.move_to_end(key)
            while len(ref) > 12:
                ref.popitem(last=False)
        assert cache.keys() == list(ref)


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


def test_clear_forgets_everything():
    cache = LRUCache(10, max_bytes=10_000)
    cache.put("a", "1")
    cache.put("b", "2")
    cache.clear()
    assert len(cache) == 0 and cache.get("a") is None and cache.bytes == 0 and cache._weights == {}
