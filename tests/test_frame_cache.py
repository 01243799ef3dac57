"""The week frames a writer keeps in the store: read back equal to a fresh build, rebuilt
when torn, never written by a reader, and other feature code's frames removed."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from coverage import frame_cache
from coverage.family.data import build_explain_frames, load_explain_frames, player_labels
from coverage.features import frame_grid
from coverage.store import Store


@pytest.fixture
def store(toy_store) -> Store:
    s = Store(toy_store)
    cache = s.path / frame_cache.FOLDER
    if cache.exists():
        import shutil
        shutil.rmtree(cache)
    return s


def _fresh(store: Store, week: int):
    return frame_grid(store.tracking(week), store.plays().filter(pl.col("week") == week))


def _same(a, b) -> None:
    for k in ("x", "game_id", "play_id", "frame_id", "secs", "y", "play_start"):
        np.testing.assert_array_equal(getattr(a, k), getattr(b, k), err_msg=k)
    assert a.dropped_frames == b.dropped_frames


def test_kept_frames_read_back_equal_to_a_fresh_build(store: Store) -> None:
    week = store.weeks[0]
    ft, nfl = _fresh(store, week)
    assert len(ft) > 0
    assert frame_cache.load_week(store, week) is None
    frame_cache.week_frames(store, week, keep=True)
    got = frame_cache.load_week(store, week)
    assert got is not None
    kept, kept_nfl = got
    assert isinstance(kept.x, np.memmap)  # mapped, not read into memory
    _same(kept, ft)
    np.testing.assert_array_equal(kept_nfl, nfl)
    kept.x[0, 0, 0] += 1.0  # copy-on-write: the caller's copy, not the file
    _same(frame_cache.week_frames(store, week), ft)


def test_a_reader_never_writes(store: Store) -> None:
    frame_cache.week_frames(store, store.weeks[0])
    assert not (store.path / frame_cache.FOLDER).exists()


@pytest.mark.parametrize("damage", ["no_array", "truncated_array", "short_index"])
def test_torn_frames_are_rebuilt(store: Store, damage: str) -> None:
    week = store.weeks[0]
    ft, _ = _fresh(store, week)
    frame_cache.week_frames(store, week, keep=True)
    x_path = frame_cache.cache_dir(store) / f"week_{week}.npy"
    index_path = frame_cache.cache_dir(store) / f"week_{week}_index.npz"
    if damage == "no_array":
        (x_path if week % 2 else x_path.with_name(f"week_{week}_nfl.npy")).unlink()
    elif damage == "truncated_array":
        x_path.write_bytes(x_path.read_bytes()[:200])
    else:
        with np.load(index_path) as z:
            arrays = {k: z[k] for k in z.files}
        arrays["game_id"] = arrays["game_id"][:-1]
        np.savez(index_path, **arrays)
    assert frame_cache.load_week(store, week) is None
    _same(frame_cache.week_frames(store, week, keep=True), ft)
    assert frame_cache.load_week(store, week) is not None  # written whole again


def test_frames_of_other_feature_code_are_removed(store: Store) -> None:
    stale = store.path / frame_cache.FOLDER / "0123456789abcdef"
    stale.mkdir(parents=True)
    (stale / "week_1.npy").write_bytes(b"old")
    frame_cache.week_frames(store, store.weeks[0], keep=True)
    assert not stale.exists()
    assert frame_cache.cache_dir(store).is_dir()


def test_a_store_that_cannot_be_written_still_gets_its_frames(store: Store, monkeypatch
                                                              ) -> None:
    def refuse(*_a, **_k):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(frame_cache, "atomic_path", refuse)
    ft, _ = _fresh(store, store.weeks[0])
    _same(frame_cache.week_frames(store, store.weeks[0], keep=True), ft)


def test_explain_frames_from_kept_frames_equal_a_fresh_build(sim_store: Store, tmp_path
                                                             ) -> None:
    import shutil
    shutil.copytree(sim_store.root, tmp_path / "store", symlinks=True)
    store = Store(tmp_path / "store")
    week = store.weeks[0]
    labels = player_labels(store)
    fresh = build_explain_frames(store.tracking(week),
                                 store.plays().filter(pl.col("week") == week), labels)
    load_explain_frames(store, [week], keep=True)
    assert frame_cache.load_week(store, week) is not None
    kept = load_explain_frames(store, [week])
    _same(kept.ft, fresh.ft)
    for k in ("nfl", "family", "assign", "target"):
        np.testing.assert_array_equal(getattr(kept, k), getattr(fresh, k), err_msg=k)


@pytest.mark.parametrize("raw", ["real_raw_dir", "legacy_raw_dir"])
def test_real_plays_kept_and_read_back_equal(raw: str, request, tmp_path) -> None:
    """The real 2022 play and the 2021 (BDB 2023 schema) plays: kept, mapped back, equal."""
    from coverage.ingest import ingest

    ingest(request.getfixturevalue(raw), tmp_path / "store", progress=False)
    store = Store(tmp_path / "store")
    for week in store.weeks:
        ft, nfl = _fresh(store, week)
        assert len(ft) > 0
        frame_cache.week_frames(store, week, keep=True)
        kept, kept_nfl = frame_cache.load_week(store, week)
        _same(kept, ft)
        np.testing.assert_array_equal(kept_nfl, nfl)
