"""Normalisation properties: rotation, velocity, snap detection, sides."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from coverage.normalize import rotate_180, snap_frames, velocity
from tests.builders.fixtures import REAL_PLAY


def _random_frame(n: int = 500, seed: int = 0) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    return pl.DataFrame({
        "x": rng.uniform(0, 120, n), "y": rng.uniform(0, 53.3, n),
        "o": rng.uniform(0, 360, n), "dir": rng.uniform(0, 360, n),
        "s": rng.uniform(0, 9, n),
        "left": rng.random(n) < 0.5,
    })


def test_rotation_is_an_involution() -> None:
    df = _random_frame()
    twice = df.with_columns(rotate_180(pl.col("left"))).with_columns(rotate_180(pl.col("left")))
    for c in ("x", "y", "o", "dir"):
        np.testing.assert_allclose(twice[c].to_numpy(), df[c].to_numpy(), atol=1e-9)


def test_rotation_only_touches_left_plays_and_keeps_the_field() -> None:
    df = _random_frame()
    out = df.with_columns(rotate_180(pl.col("left")))
    right = ~df["left"].to_numpy()
    np.testing.assert_allclose(out["x"].to_numpy()[right], df["x"].to_numpy()[right])
    assert out["x"].min() >= 0 and out["x"].max() <= 120
    assert out["y"].min() >= 0 and out["y"].max() <= 53.3
    left = df["left"].to_numpy()
    np.testing.assert_allclose(out["x"].to_numpy()[left], 120 - df["x"].to_numpy()[left])


def test_rotated_velocity_is_the_negated_velocity() -> None:
    """Rotating a play by 180 degrees must reverse its velocity vectors."""
    df = _random_frame()
    v0 = df.with_columns(velocity())
    v1 = df.with_columns(rotate_180(pl.lit(True))).with_columns(velocity())
    np.testing.assert_allclose(v1["vx"].to_numpy(), -v0["vx"].to_numpy(), atol=1e-9)
    np.testing.assert_allclose(v1["vy"].to_numpy(), -v0["vy"].to_numpy(), atol=1e-9)


def test_velocity_has_speed_magnitude_and_ngs_direction() -> None:
    df = pl.DataFrame({"s": [2.0, 2.0, 2.0, 2.0], "dir": [0.0, 90.0, 180.0, 270.0]})
    v = df.with_columns(velocity())
    np.testing.assert_allclose(v["vx"].to_numpy(), [0, 2, 0, -2], atol=1e-9)
    np.testing.assert_allclose(v["vy"].to_numpy(), [2, 0, -2, 0], atol=1e-9)


def test_snap_priority_frame_type_then_charted_event_then_auto() -> None:
    lf = pl.LazyFrame({
        "gameId": [1, 1, 1, 2, 2, 3, 3],
        "playId": [1, 1, 1, 1, 1, 1, 1],
        "frameId": [5, 6, 7, 6, 7, 3, 4],
        "frameType": ["BEFORE_SNAP", "SNAP", "AFTER_SNAP", None, None, None, None],
        "event": [None, None, "ball_snap", "autoevent_ballsnap", "ball_snap", None, None],
    })
    out = snap_frames(lf).collect().sort("gameId")
    assert out["snap_frame"].to_list() == [6, 7, None]


def test_real_play_is_normalised(real_store) -> None:
    frames = real_store.play_frames(*REAL_PLAY)
    play = real_store.play_row(*REAL_PLAY)
    # 177 pre-snap frames + the snap, 22 players + ball each
    assert play["snap_frame"] == 177 and play["n_pre_snap_frames"] == 176
    assert frames.height == 177 * 23
    per_frame = frames.group_by("frameId", "side").len()
    assert set(per_frame.filter(pl.col("side") != "ball")["len"].to_list()) == {11}
    # the raw play ran left: after normalisation the offense lines up at smaller x than defense
    snap = frames.filter(pl.col("secs_from_snap") == 0)
    off_x = snap.filter(pl.col("side") == "offense")["x"].mean()
    def_x = snap.filter(pl.col("side") == "defense")["x"].mean()
    assert off_x < play["los_x"] < def_x
    assert play["first_down_x"] == pytest.approx(play["los_x"] + play["yardsToGo"])
    assert frames["secs_from_snap"].max() == 0.0
    assert frames["secs_from_snap"].min() == pytest.approx(-17.6)


def test_real_velocity_matches_displacement(real_store) -> None:
    """vx/vy derived after rotation agree with how positions actually change."""
    frames = real_store.play_frames(*REAL_PLAY).filter(pl.col("side") != "ball")
    f = frames.sort("nflId", "frameId").with_columns(
        ((pl.col("x").shift(-1) - pl.col("x").shift(1)) / 0.2).over("nflId").alias("dx"),
        ((pl.col("y").shift(-1) - pl.col("y").shift(1)) / 0.2).over("nflId").alias("dy"),
    ).drop_nulls(["dx", "dy"]).filter(pl.col("s") > 1.0)
    assert f.height > 100
    cx = np.corrcoef(f["vx"].to_numpy(), f["dx"].to_numpy())[0, 1]
    cy = np.corrcoef(f["vy"].to_numpy(), f["dy"].to_numpy())[0, 1]
    assert cx > 0.9 and cy > 0.9
