"""The store as the app and the models see it: synthetic flag, play loads, formations cache."""

from __future__ import annotations

import shutil
from pathlib import Path

import polars as pl
import pytest

from coverage.store import Store


def test_synthetic_store_is_flagged_everywhere(sim_store: Store) -> None:
    assert sim_store.is_synthetic and sim_store.source == "synthetic"
    plays = sim_store.plays()
    assert plays["source"].unique().to_list() == ["synthetic"]
    assert plays.height == 3 * 2 * 12
    assert sim_store.weeks == [1, 2, 3]


def test_every_synthetic_play_is_complete(sim_store: Store) -> None:
    plays = sim_store.plays()
    assert (plays["n_pre_snap_frames"] > 10).all()
    assert plays["los_x"].is_between(10, 110).all()
    row = plays.row(0, named=True)
    frames = sim_store.play_frames(row["gameId"], row["playId"])
    assert frames.height == row["n_frames"] * 23
    assert frames.filter(pl.col("side") == "ball").height == row["n_frames"]
    assert set(frames["frameType"].unique()) == {"BEFORE_SNAP", "SNAP", "AFTER_SNAP"}


def test_formations_are_detected_and_cached(sim_store: Store) -> None:
    f = sim_store.formations()
    assert (sim_store.path / "formations.parquet").exists()
    assert f.select("gameId", "playId").n_unique() == sim_store.plays().height
    j = f.join(sim_store.plays(), on=["gameId", "playId"])
    agree = (j["off_formation"] == j["offenseFormation"]).mean()
    assert agree >= 0.7, agree
    assert set(f["def_shell"].drop_nulls().unique()) <= {"0-high", "1-high", "2-high"}
    assert sim_store.formations().equals(f)


@pytest.mark.parametrize("text", ["abc", "9,4", "9,0,40", "9,4,x"])
def test_a_bad_default_size_names_the_variable(monkeypatch, text: str) -> None:
    from coverage.config import default_size
    from coverage.errors import CoverageError

    monkeypatch.setenv("COVERAGE_DEFAULT_SIZE", text)
    with pytest.raises(CoverageError, match="COVERAGE_DEFAULT_SIZE"):
        default_size()
    monkeypatch.setenv("COVERAGE_DEFAULT_SIZE", "2,1,3")
    assert default_size() == {"weeks": 2, "games_per_week": 1, "plays_per_game": 3}


def _snapshot(root: Path) -> dict[str, tuple[int, int]]:
    return {str(p.relative_to(root)): (p.stat().st_size, p.stat().st_mtime_ns)
            for p in sorted(root.rglob("*"))}


def test_opening_a_store_folder_writes_nothing(sim_store: Store) -> None:
    """Readers never write: opening and reading every table leaves the folder as it was."""
    from coverage.opener import open_store

    before = _snapshot(sim_store.root)
    for store in (Store(sim_store.root), open_store(sim_store.root)):
        assert isinstance(store, Store) and store.path == sim_store.path
        row = store.plays().row(0, named=True)
        store.all_plays(), store.games(), store.players(), store.player_play()
        store.formations(), store.plays_with_formations(every_play=True)
        store.play_frames(row["gameId"], row["playId"])
        store.tracking().select(pl.len()).collect()
        store.predictions(), store.manifest(), store.evaluation_reports()
        assert store.play_output("predictions", row["week"], row["gameId"], row["playId"]) \
            is None
    assert _snapshot(sim_store.root) == before


@pytest.fixture(scope="module")
def tiny_raw(tmp_path_factory) -> Path:
    from coverage.simulate import simulate_season

    raw = tmp_path_factory.mktemp("tiny_raw")
    simulate_season(raw, seed=3, weeks=2, games_per_week=1, plays_per_game=3)
    return raw


def test_a_raw_folder_opens_as_its_derived_store(tiny_raw: Path, tmp_path: Path,
                                                 monkeypatch) -> None:
    """The opener ingests a raw download once into data/real/<name>-<hash>/store; a second
    open finds it up to date and switches no generation."""
    from coverage.opener import derived_store_dir, open_store

    monkeypatch.setenv("COVERAGE_DATA_DIR", str(tmp_path / "data"))
    raw_before = _snapshot(tiny_raw)
    store = open_store(tiny_raw)
    assert isinstance(store, Store) and store.root == derived_store_dir(tiny_raw)
    assert store.root.is_relative_to(tmp_path / "data" / "real")
    assert store.weeks == [1, 2] and store.plays().height == 2 * 3
    again = open_store(tiny_raw)
    assert again.path == store.path  # same generation: nothing re-ingested
    assert _snapshot(tiny_raw) == raw_before  # the user's folder is never written


def test_a_label_only_folder_is_read_in_place(tiny_raw: Path, tmp_path: Path,
                                              monkeypatch) -> None:
    """plays/games without tracking: the per-play read interface, no store made, no
    writes, and a clear refusal where tracking is needed."""
    from coverage.errors import DataError
    from coverage.labels_only import LabelTables
    from coverage.opener import open_store, open_tracking_store

    monkeypatch.setenv("COVERAGE_DATA_DIR", str(tmp_path / "data"))
    labels = tmp_path / "labels"
    labels.mkdir()
    for name in ("games.csv", "plays.csv", "players.csv", "player_play.csv"):
        if (tiny_raw / name).exists():
            shutil.copy2(tiny_raw / name, labels / name)
    before = _snapshot(labels)
    store = open_store(labels)
    assert isinstance(store, LabelTables) and not store.has_tracking
    assert store.weeks == store.label_weeks == [1, 2]
    assert store.all_plays().height == 2 * 3 and not store.all_plays()["has_tracking"].any()
    assert store.has("players") and store.players().height > 0
    assert store.plays_with_formations(every_play=True).height == 2 * 3
    with pytest.raises(DataError, match="no tracking files"):
        open_tracking_store(labels)
    assert _snapshot(labels) == before and not (tmp_path / "data").exists()
