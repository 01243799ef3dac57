"""Pure polars expressions that put every play in one frame of reference.

Models and views assume the offense moves toward +x; plays run to the left
are rotated 180 degrees (x and y both flip, angles turn by 180), and velocity
components are derived *after* the rotation so they agree with the positions.
"""

from __future__ import annotations

import polars as pl

from coverage.schema import (
    FIELD_LENGTH,
    FIELD_WIDTH,
    FRAME_RATE_HZ,
    PLAY_KEYS,
    SNAP_EVENTS,
    TRACKING_SCHEMA,
)


def rotate_180(left: pl.Expr) -> list[pl.Expr]:
    """Rotate x, y, o, dir by 180 degrees where ``left`` is true (an involution)."""
    return [
        pl.when(left).then(FIELD_LENGTH - pl.col("x")).otherwise(pl.col("x")).alias("x"),
        pl.when(left).then(FIELD_WIDTH - pl.col("y")).otherwise(pl.col("y")).alias("y"),
        pl.when(left).then((pl.col("o") + 180.0) % 360.0).otherwise(pl.col("o")).alias("o"),
        pl.when(left).then((pl.col("dir") + 180.0) % 360.0).otherwise(pl.col("dir")).alias("dir"),
    ]


def velocity() -> list[pl.Expr]:
    """vx, vy in yd/s from speed and direction (NGS: degrees clockwise from +y)."""
    rad = pl.col("dir").radians()
    return [
        (pl.col("s") * rad.sin()).fill_nan(0.0).fill_null(0.0).alias("vx"),
        (pl.col("s") * rad.cos()).fill_nan(0.0).fill_null(0.0).alias("vy"),
    ]


def snap_frames(tracking: pl.LazyFrame) -> pl.LazyFrame:
    """The snap frame of each play: frameType SNAP, else ball_snap, else an auto snap event.

    The 2022 data marks the snap with frameType; the 2021 data only has events,
    where ``autoevent_ballsnap`` can disagree with the charted ``ball_snap`` by a
    frame, so the charted event wins.
    """
    ft = pl.col("frameType") == "SNAP"
    charted = pl.col("event") == "ball_snap"
    auto = pl.col("event").is_in(list(SNAP_EVENTS))
    return tracking.group_by("gameId", "playId").agg(
        pl.coalesce(
            pl.col("frameId").filter(ft).min(),
            pl.col("frameId").filter(charted).min(),
            pl.col("frameId").filter(auto).min(),
        ).alias("snap_frame"),
        pl.col("frameId").max().alias("last_frame"),
        pl.col("frameId").min().alias("first_frame"),
    )


def side_expr() -> pl.Expr:
    """offense / defense / ball from the club column and the play's teams."""
    return (
        pl.when(pl.col("club") == "football").then(pl.lit("ball"))
        .when(pl.col("club") == pl.col("possessionTeam")).then(pl.lit("offense"))
        .when(pl.col("club") == pl.col("defensiveTeam")).then(pl.lit("defense"))
        .otherwise(pl.lit(None, pl.String))
        .alias("side")
    )


def frame_type_expr() -> pl.Expr:
    """Derive frameType for 2021 data, which has none, from the snap frame."""
    derived = (
        pl.when(pl.col("frameId") < pl.col("snap_frame")).then(pl.lit("BEFORE_SNAP"))
        .when(pl.col("frameId") == pl.col("snap_frame")).then(pl.lit("SNAP"))
        .otherwise(pl.lit("AFTER_SNAP"))
    )
    return pl.coalesce(pl.col("frameType"), derived).alias("frameType")


def normalize_tracking(tracking: pl.LazyFrame, play_info: pl.LazyFrame) -> pl.LazyFrame:
    """Raw tracking (2025 column names) -> normalised store rows.

    ``play_info`` needs gameId, playId, possessionTeam, defensiveTeam and
    snap_frame (see :func:`snap_frames`).
    """
    left = pl.col("playDirection") == "left"
    return (
        tracking.join(play_info, on=PLAY_KEYS, how="inner")
        .with_columns(
            *rotate_180(left),
            side_expr(),
            frame_type_expr(),
            ((pl.col("frameId") - pl.col("snap_frame")) / FRAME_RATE_HZ).alias("secs_from_snap"),
        )
        .with_columns(*velocity())
        .select([pl.col(c).cast(t) for c, t in TRACKING_SCHEMA.items()])
    )


def play_geometry(tracking_norm: pl.LazyFrame) -> pl.LazyFrame:
    """Per play: line of scrimmage and ball lateral position at the snap, frame counts."""
    ball_at_snap = (pl.col("side") == "ball") & (pl.col("secs_from_snap") == 0)
    return tracking_norm.group_by("gameId", "playId").agg(
        pl.col("x").filter(ball_at_snap).first().alias("los_x"),
        pl.col("y").filter(ball_at_snap).first().alias("ball_y"),
        pl.col("frameId").filter(pl.col("secs_from_snap") == 0).first().alias("snap_frame"),
        pl.col("frameId").n_unique().alias("n_frames"),
        pl.col("frameId").filter(pl.col("secs_from_snap") < 0).n_unique()
        .alias("n_pre_snap_frames"),
    )
