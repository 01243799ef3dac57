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


def test_published_specs_are_files_the_player_can_fetch(tmp_path) -> None:
    """Every cached spec is also a file (the browser fetches the next / previous one ahead);
    an evicted spec's file goes with it; names are stable per key and never a path."""
    cache = SpecCache(max_items=2)
    cache.put("a", '{"a":1}')  # before publishing: written when publishing starts
    files = cache.publish_to(tmp_path / "specs")
    assert cache.publish_to(tmp_path / "specs") is files
    name_a = cache.published("a")
    assert name_a == files.name("a") and name_a.endswith(".json") and "/" not in name_a
    assert (tmp_path / "specs" / name_a).read_text() == '{"a":1}'
    cache.put("b", '{"b":2}')
    cache.put("c", '{"c":3}')  # evicts a
    assert not (tmp_path / "specs" / name_a).exists()
    assert (tmp_path / "specs" / cache.published("c")).read_text() == '{"c":3}'
    assert cache.published("zz") != name_a  # a name before the spec is built
    assert not list((tmp_path / "specs").glob(".*.tmp"))  # written whole, then renamed


def test_later_builds_only_a_play_still_watched() -> None:
    cache = SpecCache()
    watching = {"play": 1}
    cache.later(lambda: [("slow-1", lambda: "S1")], lambda: watching["play"] == 1, 0.05)
    cache.later(lambda: [("slow-2", lambda: "S2")], lambda: watching["play"] == 2, 0.05)
    deadline = time.time() + 5
    while cache.get("slow-1") is None and time.time() < deadline:
        time.sleep(0.02)
    time.sleep(0.1)
    assert cache.get("slow-1") == "S1"
    assert cache.get("slow-2") is None  # the analyst had moved on
