"""The store as the app and the models see it: synthetic flag, play loads, formations cache."""

from __future__ import annotations

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
