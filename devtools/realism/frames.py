"""One tidy table per play and player: where each player stands relative to the ball.

Everything downstream (alignments, motion) reads this table, so the conventions are set
once: ``depth`` is yards past the line of scrimmage (``x - los_x``; defenders positive,
offense negative), ``width`` yards from the ball across the field (``y - ball_y``), and
``moved_1s`` how far a player travelled over the last second (what tells a set player
from one still walking into place).
"""

from __future__ import annotations

import polars as pl

from coverage.schema import FRAME_RATE_HZ, LINESET_EVENTS, PLAY_KEYS
from coverage.vocab import family_expr

KEYS = ["gameId", "playId", "moment"]
COLUMNS = ("gameId", "playId", "frameId", "secs_from_snap", "nflId", "side", "group",
           "depth", "width", "s", "a", "o", "moved_1s", "lineset_secs", "coverage", "family")


def lineset_secs(tracking: pl.LazyFrame) -> pl.LazyFrame:
    """Per play, the (negative) time of its first pre-snap ``line_set`` event."""
    return (tracking.filter(pl.col("event").is_in(list(LINESET_EVENTS))
                            & (pl.col("secs_from_snap") <= 0))
            .group_by(PLAY_KEYS).agg(pl.col("secs_from_snap").min().alias("lineset_secs")))


def player_frames(tracking: pl.LazyFrame, plays: pl.DataFrame,
                  positions: pl.DataFrame) -> pl.LazyFrame:
    """Pre-snap rows of every player (no ball) with depth, width, group and labels."""
    rate = int(FRAME_RATE_HZ)
    idx = plays.lazy().select(
        pl.col("gameId").cast(pl.Int64), pl.col("playId").cast(pl.Int64),
        pl.col("los_x").cast(pl.Float64), pl.col("ball_y").cast(pl.Float64),
        pl.col("pff_manZone").cast(pl.String).alias("coverage"), family_expr())
    pre = tracking.filter((pl.col("side") != "ball") & (pl.col("secs_from_snap") <= 0))
    over = dict(partition_by=["gameId", "playId", "nflId"], order_by="frameId")
    # over the last second, or since the first frame when there is less (as the
    # models' dx_1s): the 2021 sample holds only ~0.6 s before the snap
    dx = pl.col("x") - pl.col("x").shift(rate).over(**over).fill_null(
        pl.col("x").first().over(**over))
    dy = pl.col("y") - pl.col("y").shift(rate).over(**over).fill_null(
        pl.col("y").first().over(**over))
    return (pre.join(idx, on=PLAY_KEYS, how="inner")
            .join(lineset_secs(tracking), on=PLAY_KEYS, how="left")
            .join(positions.lazy(), on="nflId", how="left")
            .with_columns(
                (pl.col("x") - pl.col("los_x")).alias("depth"),
                (pl.col("y") - pl.col("ball_y")).alias("width"),
                (dx.pow(2) + dy.pow(2)).sqrt().alias("moved_1s"),
                pl.col("group").fill_null("UNK"),
                pl.col("s").cast(pl.Float64), pl.col("a").cast(pl.Float64),
                pl.col("o").cast(pl.Float64))
            .select(COLUMNS))


def moments(frames: pl.LazyFrame) -> pl.DataFrame:
    """The rows at line set and at the snap, tagged ``moment``."""
    secs = pl.col("secs_from_snap")
    at_set = frames.filter((secs - pl.col("lineset_secs")).abs() < 1e-3)
    at_snap = frames.filter(secs.abs() < 1e-3)
    return pl.concat([at_set.with_columns(pl.lit("line set").alias("moment")),
                      at_snap.with_columns(pl.lit("snap").alias("moment"))]).collect()
