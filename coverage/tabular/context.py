"""A play's context before any tracking is read: one row per play of the plays table.

Down, distance, clock, score, field position, formation and whether the offense
motioned already move the man rate a lot (e.g. third-and-long vs. red zone); the tabular
model's features start from this table.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import polars as pl

from coverage.schema import PLAY_KEYS
from coverage.vocab import MAN_ZONE, OTHER

CATEGORICAL_FEATURES = ("down", "quarter", "offenseFormation", "receiverAlignment")
OPTIONAL_CATEGORICAL = ("personnelO", "personnelD", "defensiveTeam")
_MOTION = ("inMotionAtBallSnap", "shiftSinceLineset", "motionSinceLineset")
_MOTION_NAMES = ("in_motion_at_snap", "shift_since_lineset", "motion_since_lineset")


def _clock_secs() -> pl.Expr:
    parts = pl.col("gameClock").cast(pl.String).str.split_exact(":", 1)
    return (parts.struct.field("field_0").cast(pl.Float32, strict=False) * 60
            + parts.struct.field("field_1").cast(pl.Float32, strict=False))


def _yards_to_goal(schema: Mapping[str, pl.DataType]) -> pl.Expr:
    """Distance to the opponent's goal line, from whichever field-position columns exist.

    Raw plays.csv has no playDirection, so ``absoluteYardlineNumber`` alone is ambiguous;
    ``yardlineSide`` + ``yardlineNumber`` are not. A store's normalised ``los_x`` is used
    when those are missing (offense moves toward +x, goal line at x=110).
    """
    exprs = []
    if "yardlineSide" in schema and "yardlineNumber" in schema:
        num = pl.col("yardlineNumber").cast(pl.Float32)
        exprs.append(pl.when(pl.col("yardlineNumber") == 50).then(pl.lit(50.0))
                     .when(pl.col("yardlineSide") == pl.col("possessionTeam")).then(100 - num)
                     .otherwise(num))
    if "los_x" in schema:
        exprs.append(110.0 - pl.col("los_x").cast(pl.Float32))
    if not exprs:
        return pl.lit(None, pl.Float32)
    return pl.coalesce(exprs).cast(pl.Float32)


def motion_flags(player_play: pl.DataFrame | None, plays: pl.DataFrame) -> pl.DataFrame:
    """Per-play counts of offensive players flagged in motion / shifted since line-set
    (null without player_play's flags)."""
    keys = plays.select(pl.col("gameId").cast(pl.Int64), pl.col("playId").cast(pl.Int64),
                        pl.col("possessionTeam").cast(pl.String))
    if player_play is None or not all(c in player_play.columns for c in _MOTION):
        return keys.select("gameId", "playId", *[pl.lit(None, pl.Float32).alias(f"n_{n}")
                                                 for n in _MOTION_NAMES],
                           pl.lit(None, pl.Float32).alias("has_player_play"))
    off = (player_play.lazy()
           .select(pl.col("gameId").cast(pl.Int64), pl.col("playId").cast(pl.Int64),
                   pl.col("teamAbbr").cast(pl.String),
                   *[pl.col(c).cast(pl.Boolean, strict=False) for c in _MOTION])
           .join(keys.lazy(), on=PLAY_KEYS, how="inner")
           .filter(pl.col("teamAbbr") == pl.col("possessionTeam")))
    return (off.group_by("gameId", "playId")
            .agg(*[pl.col(c).fill_null(False).sum().cast(pl.Float32).alias(f"n_{n}")
                   for c, n in zip(_MOTION, _MOTION_NAMES, strict=True)],
                 pl.lit(1.0, pl.Float32).alias("has_player_play"))
            .collect())


def context_table(plays: pl.DataFrame, player_play: pl.DataFrame | None = None
                  ) -> pl.DataFrame:
    """One row per play: keys, week, label source and every context feature (raw scale)."""
    schema = plays.schema
    home = (pl.col("possessionTeam") == pl.col("homeTeamAbbr")) if "homeTeamAbbr" in schema \
        else pl.lit(None, pl.Boolean)
    hs = pl.col("preSnapHomeScore").cast(pl.Float32)
    vs = pl.col("preSnapVisitorScore").cast(pl.Float32)
    q = pl.col("quarter").cast(pl.Float32)
    clock = _clock_secs()
    base = plays.with_columns(
        pl.col("gameId").cast(pl.Int64), pl.col("playId").cast(pl.Int64),
        pl.col("yardsToGo").cast(pl.Float32),
        pl.col("yardsToGo").cast(pl.Float32).log1p().alias("log_yards_to_go"),
        _yards_to_goal(schema).alias("yards_to_goal"),
        pl.when(home).then(hs - vs).otherwise(vs - hs).alias("score_diff"),
        (pl.when(q <= 4).then((4 - q) * 900 + clock).otherwise(clock)).alias("game_secs_left"),
        (pl.when(q.is_in([1.0, 3.0])).then(900 + clock).otherwise(clock)).alias("half_secs_left"),
        *[pl.col(c).cast(pl.String) for c in (*CATEGORICAL_FEATURES, *OPTIONAL_CATEGORICAL)
          if c in schema],
    )
    out = base.join(motion_flags(player_play, plays), on=PLAY_KEYS, how="left")
    # joins give no row-order guarantee; batches are drawn by row index, so the order is
    # part of what makes a seeded run reproducible
    return out.with_columns(
        *[(pl.col(f"n_{n}") > 0).cast(pl.Float32).alias(f"any_{n}") for n in _MOTION_NAMES],
        pl.col("has_player_play").fill_null(0.0)).sort(PLAY_KEYS)


def label_counts(plays: pl.DataFrame, weeks: Sequence[int]) -> dict[str, int]:
    """Man / Zone / Other / missing counts, so excluded plays are reported, not hidden."""
    sub = plays.filter(pl.col("week").is_in(list(weeks)))
    col = sub["pff_manZone"].fill_null("missing")
    counts = dict(zip(*col.value_counts().to_dict(as_series=False).values(), strict=True))
    return {k: int(counts.get(k, 0)) for k in (*MAN_ZONE, OTHER, "missing")}
