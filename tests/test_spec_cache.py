"""The explorer's spec cache: neighbours in list order, LRU eviction, prefetch that waits
instead of building twice and never breaks the page."""

from __future__ import annotations

import threading

import pytest

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
    """The page asks for a spec while its prefetch is still building: it waits for that
    build (the prefetch is held until the page is waiting on it) and never builds again."""
    cache = SpecCache()
    started, release = threading.Event(), threading.Event()

    def prefetched() -> str:
        started.set()
        assert release.wait(10), "the page never waited on the running prefetch"
        return "prefetched"

    def second_build() -> str:
        raise AssertionError("built twice")

    cache.prefetch([("k", prefetched)])
    assert started.wait(10)
    running = cache._pending["k"]  # held by `release`, so still pending
    wait_for_it = running.result

    def result(timeout: float | None = None) -> None:
        release.set()  # the page is now waiting on the prefetch: let it finish
        return wait_for_it(timeout)

    running.result = result
    assert cache.get_or_build("k", second_build) == "prefetched"
    assert release.is_set()


def test_a_failing_prefetch_is_dropped() -> None:
    cache = SpecCache()

    go = threading.Event()

    def broken() -> str:
        go.wait(10)
        raise ValueError("bad play")

    cache.prefetch([("k", broken)])
    running = cache._pending["k"]  # held by `go`, so still pending
    go.set()
    assert running.result(timeout=10) is None  # the error is swallowed, not raised
    assert not cache._pending
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
    asked: list[int] = []

    def still(play: int):
        return lambda: asked.append(play) or watching["play"] == play

    def never() -> str:
        raise AssertionError("not prefetched")

    t1 = cache.later(lambda: [("slow-1", lambda: "S1")], still(1), 0.05)
    t2 = cache.later(lambda: [("slow-2", lambda: "S2")], still(2), 0.05)
    t1.join(10)
    t2.join(10)
    assert sorted(asked) == [1, 2]  # both timers fired and asked
    assert cache.get_or_build("slow-1", never) == "S1"  # waits for the running prefetch
    assert "slow-2" not in cache._pending and cache.get("slow-2") is None  # moved on
    with pytest.raises(AssertionError, match="not prefetched"):
        cache.get_or_build("slow-2", never)
