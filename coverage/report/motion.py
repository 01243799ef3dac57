"""Against motion: does a defender travel with the man in motion, and what the model's
P(man) does across the motion.

A play "has motion" when its tracking marks a ``man_in_motion`` event before the snap.
Over the stretch from that event to the snap, the man in motion is the offensive player
who moved farthest across the field (|change of y|); a defender "travels" with him when
one moved the same way at least :data:`TRAVEL_SHARE` of that distance (and at least
:data:`MIN_TRAVEL_YARDS`). That is a geometric reading of the tracking, not a charted
label and not a model output: man defenders travel, but a rotating zone safety can too.

Only four frames' worth of columns are read per week (the event scan, then the motion
and snap frames), so the whole league fits the report's time budget.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from coverage.evaluation import with_wilson
from coverage.report.giveaway import LEAGUE, SCOPE
from coverage.store import PlayTables

MOTION_EVENT = "man_in_motion"
MIN_MOTION_YARDS = 2.0  # less lateral travel than this is no motion a defender can follow
TRAVEL_SHARE = 0.5
MIN_TRAVEL_YARDS = 1.5
TRAVEL_WORDS = {True: "a defender travels", False: "nobody travels"}
MOMENT_WORDS = ("before the motion", "at the snap")
MOTION_DEFINITION = (
    "A play has motion when its tracking marks a man_in_motion event before the snap; a "
    "defender travels when, between that event and the snap, one moved across the field "
    f"the same way as the man in motion, at least {TRAVEL_SHARE:.0%} of his distance and "
    f"{MIN_TRAVEL_YARDS} yd (geometry of the tracking, not a label: a rotating zone safety "
    "can travel too).")


def _moments(store: PlayTables, week: int) -> pl.DataFrame:
    """Per play with motion: the first motion event's frame and the snap frame."""
    ev = (store.tracking(week)
          .filter(pl.col("event").is_not_null() | (pl.col("secs_from_snap").abs() < 1e-3))
          .select("gameId", "playId", "frameId", "event", "secs_from_snap")
          .unique(["gameId", "playId", "frameId"]).collect())
    snap = (ev.filter(pl.col("secs_from_snap").abs() < 1e-3)
            .group_by("gameId", "playId").agg(pl.col("frameId").min().alias("snap_frame")))
    motion = (ev.filter((pl.col("event") == MOTION_EVENT) & (pl.col("secs_from_snap") < 0))
              .group_by("gameId", "playId")
              .agg(pl.col("frameId").min().alias("motion_frame"),
                   pl.col("secs_from_snap").min().alias("motion_secs")))
    return motion.join(snap, on=["gameId", "playId"])


def _travel(store: PlayTables, week: int, moments: pl.DataFrame) -> pl.DataFrame:
    """``moments`` plus ``motion_yards`` and ``traveled`` from the players' y at both frames."""
    frames = pl.concat([
        moments.select("gameId", "playId", pl.col("motion_frame").alias("frameId"),
                       pl.lit(0).alias("at")),
        moments.select("gameId", "playId", pl.col("snap_frame").alias("frameId"),
                       pl.lit(1).alias("at"))])
    rows = (store.tracking(week).select("gameId", "playId", "frameId", "nflId", "side", "y")
            .filter(pl.col("side").is_in(["offense", "defense"]))
            .join(frames.lazy(), on=["gameId", "playId", "frameId"]).collect())
    dy = (rows.group_by("gameId", "playId", "nflId", "side")
          .agg((pl.col("y").sort_by("at").last() - pl.col("y").sort_by("at").first())
               .alias("dy"), pl.len().alias("n"))
          .filter(pl.col("n") == 2))
    mover = (dy.filter(pl.col("side") == "offense").sort(pl.col("dy").abs(), descending=True)
             .group_by("gameId", "playId", maintain_order=True).first()
             .select("gameId", "playId", pl.col("dy").alias("motion_dy"))
             .filter(pl.col("motion_dy").abs() >= MIN_MOTION_YARDS))
    need = pl.max_horizontal(pl.col("motion_dy").abs() * TRAVEL_SHARE, pl.lit(MIN_TRAVEL_YARDS))
    follows = (dy.filter(pl.col("side") == "defense").join(mover, on=["gameId", "playId"])
               .with_columns(((pl.col("dy") * pl.col("motion_dy").sign()) >= need)
                             .alias("follows"))
               .group_by("gameId", "playId").agg(pl.col("follows").any().alias("traveled")))
    return (moments.join(mover, on=["gameId", "playId"])
            .join(follows, on=["gameId", "playId"], how="left")
            .with_columns(pl.col("traveled").fill_null(False),
                          pl.col("motion_dy").abs().alias("motion_yards")).drop("motion_dy"))


def motion_plays(store: PlayTables, weeks: Sequence[int]) -> pl.DataFrame | None:
    """One row per play with motion across the field (gameId, playId, motion_frame,
    motion_secs, snap_frame, motion_yards, traveled); None without tracking."""
    have = set(getattr(store, "weeks", []) or []) if getattr(store, "has_tracking",
                                                              False) else set()
    parts = []
    for week in (w for w in weeks if w in have):
        moments = _moments(store, week)
        if moments.height:
            parts.append(_travel(store, week, moments))
    return pl.concat(parts) if parts else None


def _scoped(df: pl.DataFrame, defense: str) -> pl.DataFrame:
    """The defense's rows (scope = defense) stacked on every row (scope = league)."""
    return pl.concat([df.filter(pl.col("defensiveTeam") == defense)
                      .with_columns(pl.lit(defense).alias(SCOPE)),
                      df.with_columns(pl.lit(LEAGUE).alias(SCOPE))])


def with_motion(store: PlayTables, plays: pl.DataFrame, weeks: Sequence[int]) -> pl.DataFrame:
    """``plays`` with :func:`motion_plays`' columns and ``travel`` (:data:`TRAVEL_WORDS`);
    all null on a play without motion across the field (or without tracking)."""
    motion = motion_plays(store, weeks)
    if motion is None:
        motion = pl.DataFrame(schema={"gameId": pl.Int64, "playId": pl.Int64,
                                      "motion_frame": pl.Int32, "motion_secs": pl.Float32,
                                      "snap_frame": pl.Int32, "traveled": pl.Boolean,
                                      "motion_yards": pl.Float32})
    motion = motion.with_columns(pl.col("traveled").replace_strict(
        TRAVEL_WORDS, return_dtype=pl.String).alias("travel"))
    return plays.join(motion, on=["gameId", "playId"], how="left")


def travel_rates(plays: pl.DataFrame, defense: str) -> pl.DataFrame | None:
    """Share of the motion plays on which a defender travels, per scope (None: the
    defense has no motion play)."""
    df = _scoped(plays.filter(pl.col("traveled").is_not_null()), defense)
    if df.filter(pl.col(SCOPE) == defense).is_empty():
        return None
    out = (df.group_by(SCOPE).agg(pl.len().alias("n_plays"),
                                  pl.col("traveled").sum().cast(pl.Int64).alias("k"))
           .with_columns((pl.col("k") / pl.col("n_plays")).alias("share")).sort(SCOPE))
    return with_wilson(out)


def p_man_across_motion(plays: pl.DataFrame, preds: pl.DataFrame, defense: str, model: str
                        ) -> pl.DataFrame | None:
    """Mean P(man) of ``model`` at the motion event (its last frame at or before it) and
    at the snap, per scope, travel and moment, over the motion plays it scored at both;
    ``k`` is the expected man count, so the interval is the plays' spread only."""
    mp = plays.filter(pl.col("traveled").is_not_null()).select(
        "gameId", "playId", "defensiveTeam", "travel", "motion_frame", "snap_frame")
    p = (preds.filter(pl.col("model") == model)
         .select("gameId", "playId", "frameId", "p_man")
         .join(mp.select("gameId", "playId", "motion_frame", "snap_frame"),
               on=["gameId", "playId"]))
    at = []
    for word, frame in zip(MOMENT_WORDS, ("motion_frame", "snap_frame"), strict=True):
        at.append(p.filter(pl.col("frameId") <= pl.col(frame)).sort("frameId")
                  .group_by("gameId", "playId").agg(pl.col("p_man").last())
                  .with_columns(pl.lit(word).alias("moment")))
    both = (pl.concat(at).filter(pl.len().over("gameId", "playId") == len(MOMENT_WORDS))
            .join(mp, on=["gameId", "playId"]))
    df = _scoped(both, defense)
    if df.filter(pl.col(SCOPE) == defense).is_empty():
        return None
    out = (df.group_by(SCOPE, "travel", "moment")
           .agg(pl.len().alias("n_plays"), pl.col("p_man").sum().alias("k"),
                pl.col("p_man").mean().alias("p_man"))
           .sort(SCOPE, "travel", "moment"))
    return with_wilson(out)
