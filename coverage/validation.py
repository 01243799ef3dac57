"""Which plays of a staged tracking week can be used, and why the others cannot.

Ingest never drops a play silently: each unusable play gets exactly one reason (the
first that applies, in the order of :data:`SKIP_REASONS`) and is counted in the
ingest report.
"""

from __future__ import annotations

import polars as pl

from coverage.normalize import snap_frames
from coverage.schema import PLAY_KEYS, PLAYERS_PER_SIDE

SKIP_REASONS = {
    "not_in_plays": "tracking has a play that plays.csv does not list",
    "no_snap": "no SNAP frame and no ball_snap/autoevent_ballsnap event",
    "unknown_club": "a player's club is neither possessionTeam nor defensiveTeam",
    "players_per_frame": "a frame up to the snap does not have 11 offense + 11 defense players",
    "no_ball_at_snap": "no football row at the snap frame (line of scrimmage unknown)",
}


def play_status(stage: pl.LazyFrame, teams: pl.LazyFrame) -> pl.DataFrame:
    """One row per play with the first reason it cannot be used (null = usable)."""
    snaps = snap_frames(stage)
    joined = stage.join(teams, on=PLAY_KEYS, how="left")
    club_ok = (
        (pl.col("club") == "football")
        | (pl.col("club") == pl.col("possessionTeam"))
        | (pl.col("club") == pl.col("defensiveTeam"))
    )
    per_play = joined.group_by("gameId", "playId").agg(
        pl.col("possessionTeam").is_null().all().alias("not_in_plays"),
        (~club_ok).any().alias("unknown_club"),
    )
    upto_snap = joined.join(snaps, on=PLAY_KEYS).filter(
        pl.col("frameId") <= pl.col("snap_frame")
    )
    counts = upto_snap.group_by("gameId", "playId", "frameId").agg(
        (pl.col("club") == pl.col("possessionTeam")).sum().alias("n_off"),
        (pl.col("club") == pl.col("defensiveTeam")).sum().alias("n_def"),
        ((pl.col("club") == "football") & (pl.col("frameId") == pl.col("snap_frame")))
        .sum().alias("n_ball_snap"),
    )
    frame_ok = counts.group_by("gameId", "playId").agg(
        ((pl.col("n_off") != PLAYERS_PER_SIDE) | (pl.col("n_def") != PLAYERS_PER_SIDE))
        .any().alias("players_per_frame"),
        (pl.col("n_ball_snap").sum() == 0).alias("no_ball_at_snap"),
    )
    out = (
        per_play.join(snaps, on=PLAY_KEYS, how="left")
        .join(frame_ok, on=PLAY_KEYS, how="left")
        .with_columns(
            pl.when(pl.col("not_in_plays")).then(pl.lit("not_in_plays"))
            .when(pl.col("snap_frame").is_null()).then(pl.lit("no_snap"))
            .when(pl.col("unknown_club")).then(pl.lit("unknown_club"))
            .when(pl.col("players_per_frame")).then(pl.lit("players_per_frame"))
            .when(pl.col("no_ball_at_snap")).then(pl.lit("no_ball_at_snap"))
            .otherwise(pl.lit(None, pl.String))
            .alias("skip_reason")
        )
        .select("gameId", "playId", "snap_frame", "skip_reason")
        .sort("gameId", "playId")
    )
    return out.collect()
