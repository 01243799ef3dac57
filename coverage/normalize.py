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


# A snapped ball leaves at 5-8 yd/s; a spotted ball rests (tracking noise stays < 1.5 yd/s).
SNAP_BALL_SPEED = 2.0
# How many frames a charted snap may trail the ball's first move and still be corrected.
MAX_SNAP_LAG = 5
# Frames before the snap whose median ball position is the spot (0.5 s at 10 Hz).
SPOT_FRAMES = 5
# The charted yard line is the official spot to the yard; a tracked ball further from it
# than this was moved (or mis-tracked) and the charted line is used instead.
LOS_TOLERANCE = 0.3


def snap_frames(tracking: pl.LazyFrame) -> pl.LazyFrame:
    """The snap frame of each play: the charted snap, moved back to the ball's first move.

    The charted snap is frameType SNAP, else ``ball_snap``, else an auto snap event
    (2021 data has only events; ``autoevent_ballsnap`` can disagree with the charted
    ``ball_snap`` by a frame, so the charted event wins). In real tracking the ball is
    often already in flight in that frame: every pre-snap feature and the line of
    scrimmage must come from before the ball moved, so when the ball moves at the
    charted frame the snap becomes the first frame of that uninterrupted move (at most
    :data:`MAX_SNAP_LAG` frames back). A charted snap that *leads* the ball (an
    under-centre snap rises before it travels) is kept. ``charted_snap_frame`` keeps the
    charted value for the ingest report.
    """
    ft = pl.col("frameType") == "SNAP"
    charted = pl.col("event") == "ball_snap"
    auto = pl.col("event").is_in(list(SNAP_EVENTS))
    per_play = tracking.group_by("gameId", "playId").agg(
        pl.coalesce(
            pl.col("frameId").filter(ft).min(),
            pl.col("frameId").filter(charted).min(),
            pl.col("frameId").filter(auto).min(),
        ).alias("charted_snap_frame"),
        pl.col("frameId").max().alias("last_frame"),
        pl.col("frameId").min().alias("first_frame"),
    )
    names = tracking.collect_schema().names()
    if "club" not in names or "s" not in names:  # no ball to check against
        return per_play.with_columns(pl.col("charted_snap_frame").alias("snap_frame"))
    window = (pl.col("frameId") <= pl.col("charted_snap_frame")) & (
        pl.col("frameId") >= pl.col("charted_snap_frame") - MAX_SNAP_LAG)
    moving = pl.col("s").fill_nan(0.0).fill_null(0.0) >= SNAP_BALL_SPEED
    at_snap = pl.col("frameId") == pl.col("charted_snap_frame")
    ball = (
        tracking.filter(pl.col("club") == "football")
        .select("gameId", "playId", "frameId", "s")
        .join(per_play.select("gameId", "playId", "charted_snap_frame"), on=PLAY_KEYS)
        .filter(window)
        .group_by("gameId", "playId")
        .agg(
            (moving & at_snap).any().alias("_moving_at_snap"),
            pl.col("frameId").filter(~moving).max().alias("_last_still"),
        )
    )
    onset = pl.max_horizontal(
        pl.coalesce(pl.col("_last_still") + 1,
                    pl.col("charted_snap_frame") - MAX_SNAP_LAG),
        pl.col("first_frame"),
    )
    return (
        per_play.join(ball, on=PLAY_KEYS, how="left")
        .with_columns(
            pl.when(pl.col("_moving_at_snap").fill_null(False)).then(onset)
            .otherwise(pl.col("charted_snap_frame")).alias("snap_frame"))
        .drop("_moving_at_snap", "_last_still")
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
    """frameType from the snap anchor (:func:`snap_frames`), for 2021 data (which has none)
    and for 2022 plays whose charted SNAP frame trails the ball: the label must agree with
    ``secs_from_snap``."""
    return (
        pl.when(pl.col("frameId") < pl.col("snap_frame")).then(pl.lit("BEFORE_SNAP"))
        .when(pl.col("frameId") == pl.col("snap_frame")).then(pl.lit("SNAP"))
        .otherwise(pl.lit("AFTER_SNAP"))
        .alias("frameType")
    )


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


def charted_los(direction: pl.Expr, yardline: pl.Expr) -> pl.Expr:
    """The charted line of scrimmage in the normalised frame.

    ``absoluteYardlineNumber`` is the spot in raw field x (0-120, end zones included), for
    plays run either way, so a left play's line rotates with the tracking.
    """
    return pl.when(direction == "left").then(FIELD_LENGTH - yardline).otherwise(yardline)


def play_geometry(tracking_norm: pl.LazyFrame, charted: pl.LazyFrame) -> pl.LazyFrame:
    """Per play: line of scrimmage, ball lateral position, first-down line, frame counts.

    The line is where the ball rests before the snap (median over the last
    :data:`SPOT_FRAMES` frames before it moves; the snap frame itself when the play has no
    earlier frame). ``charted`` gives each play's ``los_charted`` (see :func:`charted_los`)
    and ``yardsToGo``; where the tracked spot is more than :data:`LOS_TOLERANCE` from the
    charted line (a ball moved or mis-tracked before the snap) the charted line is used
    and ``los_source`` says so.
    """
    ball = pl.col("side") == "ball"
    spot = ball & (pl.col("secs_from_snap") < 0) & (
        pl.col("secs_from_snap") >= -SPOT_FRAMES / FRAME_RATE_HZ - 1e-3)
    at_snap = ball & (pl.col("secs_from_snap") == 0)
    geom = tracking_norm.group_by("gameId", "playId").agg(
        pl.coalesce(pl.col("x").filter(spot).median(), pl.col("x").filter(at_snap).first())
        .alias("los_tracked"),
        pl.coalesce(pl.col("y").filter(spot).median(), pl.col("y").filter(at_snap).first())
        .alias("ball_y"),
        pl.col("frameId").filter(pl.col("secs_from_snap") == 0).first().alias("snap_frame"),
        pl.col("frameId").n_unique().alias("n_frames"),
        pl.col("frameId").filter(pl.col("secs_from_snap") < 0).n_unique()
        .alias("n_pre_snap_frames"),
    )
    off = (pl.col("los_tracked") - pl.col("los_charted")).abs()
    use_charted = pl.col("los_charted").is_not_null() & (
        pl.col("los_tracked").is_null() | (off > LOS_TOLERANCE))
    return (
        geom.join(charted.select("gameId", "playId", "los_charted", "yardsToGo"),
                  on=PLAY_KEYS, how="left")
        .with_columns(
            pl.when(use_charted).then(pl.col("los_charted"))
            .otherwise(pl.col("los_tracked")).alias("los_x"),
            pl.when(use_charted).then(pl.lit("charted")).otherwise(pl.lit("tracking"))
            .alias("los_source"),
        )
        .with_columns((pl.col("los_x") + pl.col("yardsToGo")).alias("first_down_x"))
        .drop("yardsToGo")
    )
