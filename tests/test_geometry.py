"""Line of scrimmage, first-down line and snap anchor on every real play we hold.

In real tracking the ball is often already moving in the charted SNAP frame; the line
must come from where it rested, and pre-snap features from before it moved.
"""

from __future__ import annotations

import polars as pl
import pytest

from coverage.normalize import snap_frames
from tests.builders.fixtures import REAL_PLAY

TOL = 0.3        # the bar: within 0.3 yd of the charted line
ALIGN_TOL = 1.0  # at the snap: a lineman's centre may sit up to ~1 yd into the neutral zone


def _charted_los(play: dict) -> float:
    # absoluteYardlineNumber is in raw field x; the store turns left plays around. The
    # store does not keep the direction, so take whichever reading the offense lines up on.
    a = float(play["absoluteYardlineNumber"])
    return a if abs(play["los_x"] - a) <= abs(play["los_x"] - (120 - a)) else 120 - a


def _check_play(store, game_id: int, play_id: int) -> None:
    play = store.play_row(game_id, play_id)
    assert play["los_x"] == pytest.approx(_charted_los(play), abs=TOL), (game_id, play_id)
    assert play["first_down_x"] == pytest.approx(play["los_x"] + play["yardsToGo"], abs=1e-4)
    frames = store.play_frames(game_id, play_id)
    last_pre = frames.filter(pl.col("secs_from_snap") < 0)["secs_from_snap"].max()
    set_frame = frames.filter((pl.col("secs_from_snap") == last_pre) & (pl.col("side") != "ball"))
    off = set_frame.filter(pl.col("side") == "offense")["x"]
    dfn = set_frame.filter(pl.col("side") == "defense")["x"]
    assert off.max() <= play["los_x"] + ALIGN_TOL, (game_id, play_id, off.max(), play["los_x"])
    assert dfn.min() >= play["los_x"] - ALIGN_TOL, (game_id, play_id, dfn.min(), play["los_x"])
    ball = frames.filter((pl.col("side") == "ball") & (pl.col("secs_from_snap") < 0))
    if ball.height:  # before the snap anchor the ball has not left its spot
        assert (ball["s"] < 2.0).all(), (game_id, play_id)


def test_real_2022_play_geometry(real_store) -> None:
    _check_play(real_store, *REAL_PLAY)


@pytest.fixture(scope="module")
def legacy_store(legacy_raw_dir, tmp_path_factory):
    from coverage.ingest import ingest
    from coverage.store import Store

    out = tmp_path_factory.mktemp("legacy_geometry")
    ingest(legacy_raw_dir, out, progress=False)
    return Store(out)


def test_every_real_2021_play_geometry(legacy_store) -> None:
    plays = legacy_store.plays()
    assert plays.height == 7
    for g, p in plays.select("gameId", "playId").iter_rows():
        _check_play(legacy_store, g, p)


def test_charted_line_wins_where_the_tracked_ball_drifts(legacy_store) -> None:
    # 2021092612/54: the ball creeps ~1 yd before the snap, the charting says the 25
    play = legacy_store.play_row(2021092612, 54)
    assert play["los_source"] == "charted" and play["los_x"] == pytest.approx(35.0)
    report = legacy_store.meta["report"]["weeks"][0]
    assert report["los_from_charting"] >= 1 and report["snap_moved_to_ball"] >= 1


def test_snap_moves_back_only_when_the_charted_frame_trails_the_ball() -> None:
    frames = [1, 2, 3, 4, 5, 6]
    lf = pl.LazyFrame({
        "gameId": [1] * 6 + [2] * 6, "playId": [1] * 12, "frameId": frames * 2,
        "frameType": [None] * 12, "club": ["football"] * 12,
        "event": [None, None, None, None, None, "ball_snap"] * 2,
        # play 1: ball leaves at frame 4, charted at 6; play 2: still at the charted frame
        "s": [0.0, 0, 0, 6.1, 6.3, 6.0] + [0.0, 0, 0, 0, 0, 0.5],
    })
    out = snap_frames(lf).collect().sort("gameId")
    assert out["snap_frame"].to_list() == [4, 6]
    assert out["charted_snap_frame"].to_list() == [6, 6]
