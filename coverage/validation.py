"""Which plays of a staged tracking week can be used, and why the others cannot.

Ingest never drops a play silently: each unusable play gets exactly one reason (the
first that applies, in the order of :data:`SKIP_REASONS`) and is counted in the
ingest report. Broken values (a row cut short, NaN or absurd numbers, an unknown play
direction, a fractional frameId) make the whole play unusable, wherever in the play
they occur: a model fed one corrupt frame, or a play left unrotated, is worse than a
play missing from the store.
"""

from __future__ import annotations

import polars as pl

from coverage.normalize import snap_frames
from coverage.schema import PLAY_KEYS, PLAYERS_PER_SIDE

SKIP_REASONS = {
    "not_in_plays": "tracking has a play that plays.csv does not list",
    "incomplete_rows": "a row lacks x, y, frameId or club, or a player row lacks nflId "
                       "(e.g. a file cut mid-row)",
    "bad_frame_id": "a frameId is not a whole number",
    "non_finite": "NaN or infinite x / y / s / a / dis / o / dir",
    "out_of_range": "a position far off the field, or up to the snap a speed over "
                    "50 yd/s or another absurd value",
    "bad_direction": "playDirection is missing, not left/right, or differs between rows",
    "no_snap": "no SNAP frame and no ball_snap/autoevent_ballsnap event",
    "unknown_club": "a player's club is neither possessionTeam nor defensiveTeam",
    "players_per_frame": "a frame up to the snap does not have 11 offense + 11 defense players",
    "no_ball_at_snap": "no football row at the snap frame (line of scrimmage unknown)",
}

KINEMATICS = ("x", "y", "s", "a", "dis", "o", "dir")
# Generous bounds (raw field coordinates, yards and yd/s): players stand on the
# sideline and the ball flies past the end line, but nothing tracked is 20 yards
# beyond the field, and before the snap nothing runs faster than 50 yd/s.
# a / dis / o / dir only catch absurdities such as 1e308. Positions are checked in
# every row (the app draws them); the rest only up to the snap, since a ball's speed
# and acceleration spike at a catch or a bounce.
POSITIONS = ("x", "y")
RANGES: dict[str, tuple[float, float]] = {
    "x": (-20.0, 140.0), "y": (-20.0, 75.0), "s": (0.0, 50.0),
    "a": (-1000.0, 1000.0), "dis": (-100.0, 100.0),
    "o": (-720.0, 720.0), "dir": (-720.0, 720.0),
}
DIRECTIONS = ("left", "right")


def _any(exprs) -> pl.Expr:
    """True where any expression is true; a null (missing value) counts as false."""
    return pl.any_horizontal([e.fill_null(False) for e in exprs])


def _row_checks() -> list[pl.Expr]:
    """Per-play flags for broken values (rows carry the play's ``snap_frame``)."""
    missing = _any([*(pl.col(c).is_null() for c in ("frameId", "club", "x", "y")),
                    pl.col("nflId").is_null() & (pl.col("club") != "football")])
    frame = pl.col("frameId")
    fractional = frame.is_not_null() & ~(frame.is_finite() & (frame == frame.floor()))
    non_finite = _any([pl.col(c).is_nan() | pl.col(c).is_infinite() for c in KINEMATICS])
    upto_snap = (pl.col("frameId") <= pl.col("snap_frame")).fill_null(True)
    outside = _any([pl.col(c).is_finite() & ~pl.col(c).is_between(lo, hi)
                    & (upto_snap if c not in POSITIONS else pl.lit(True))
                    for c, (lo, hi) in RANGES.items()])
    direction = pl.col("playDirection")
    return [
        missing.any().alias("incomplete_rows"),
        fractional.fill_null(False).any().alias("bad_frame_id"),
        non_finite.any().alias("non_finite"),
        outside.any().alias("out_of_range"),
        ((~direction.is_in(list(DIRECTIONS))).fill_null(True).any()
         | (direction.n_unique() > 1)).alias("bad_direction"),
    ]


def _first_reason() -> pl.Expr:
    """The first flag that is set, in :data:`SKIP_REASONS` order (null = usable)."""
    expr = pl.lit(None, pl.String)
    for reason in reversed(SKIP_REASONS):
        # every reason is a flag column of its name, but for no_snap
        flag = pl.col("snap_frame").is_null() if reason == "no_snap" else pl.col(reason)
        expr = pl.when(flag.fill_null(False)).then(pl.lit(reason)).otherwise(expr)
    return expr.alias("skip_reason")


def play_status(stage: pl.LazyFrame, teams: pl.LazyFrame) -> pl.DataFrame:
    """One row per play with the first reason it cannot be used (null = usable)."""
    snaps = snap_frames(stage)
    joined = stage.join(teams, on=PLAY_KEYS, how="left")
    with_snap = joined.join(snaps.select(*PLAY_KEYS, "snap_frame"), on=PLAY_KEYS, how="left")
    club_ok = (
        (pl.col("club") == "football")
        | (pl.col("club") == pl.col("possessionTeam"))
        | (pl.col("club") == pl.col("defensiveTeam"))
    )
    per_play = with_snap.group_by("gameId", "playId").agg(
        pl.col("possessionTeam").is_null().all().alias("not_in_plays"),
        (~club_ok).any().alias("unknown_club"),
        *_row_checks(),
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
    # frameId is staged as a float (so 1.5 is seen, not cut to 1): whole again here
    frame_cols = [pl.col(c).cast(pl.Int64, strict=False)
                  for c in ("snap_frame", "charted_snap_frame")
                  if c in snaps.collect_schema()]
    out = (
        per_play.join(snaps, on=PLAY_KEYS, how="left")
        .join(frame_ok, on=PLAY_KEYS, how="left")
        .with_columns(_first_reason())
        .select("gameId", "playId", *frame_cols, "skip_reason")
        .sort("gameId", "playId")
    )
    return out.collect()
