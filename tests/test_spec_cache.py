"""The explorer's spec cache: neighbours in list order, LRU eviction, prefetch that waits
instead of building twice and never breaks the page."""

from __future__ import annotations

import threading
import time

from coverage.app.spec_cache import SpecCache, neighbours


def test_neighbours_wrap_like_the_buttons() -> None:
    keys = [(1, 1), (1, 2), (1, 3), (1, 4)]
    assert neighbours(keys, (1, 2)) == [(1, 3), (1, 1)]
    assert neighbours(keys, (1, 4)) == [(1, 1), (1, 3)]
    assert neighbours(keys, (9, 9)) == []
    assert neighbours([(1, 1)], (1, 1)) == []


def test_lru_keeps_the_recent_ones() -> None:
    cache = SpecCache(max_items=2)
    cache.put("a", "A")
    cache.put("b", "B")
    assert cache.get("a") == "A"  # a is now the most recent
    cache.put("c", "C")
    assert cache.get("b") is None and cache.get("a") == "A" and len(cache) == 2


def test_a_prefetched_spec_is_built_once() -> None:
    cache = SpecCache()
    calls = []
    started = threading.Event()

    def slow() -> str:
        calls.append(1)
        started.set()
        time.sleep(0.2)
        return "spec"

    cache.prefetch([("k", slow)])
    started.wait(5)
    assert cache.get_or_build("k", slow) == "spec"  # waits for the prefetch
    assert len(calls) == 1


def test_a_failing_prefetch_is_dropped() -> None:
    cache = SpecCache()

    def broken() -> str:
        raise ValueError("bad play")

    cache.prefetch([("k", broken)])
    for _ in range(50):
        if not cache._pending:
            break
        time.sleep(0.01)
    assert cache.get("k") is None
    assert cache.get_or_build("k", lambda: "rebuilt") == "rebuilt"
