"""Alignment at one moment (line set or the snap): depths, cushions, splits, spacing.

Each function takes the player rows of :func:`devtools.realism.frames.moments` and
returns long rows ``(gameId, playId, moment, coverage, family, metric, value)``, one per
player (or per play for play-level figures), so every figure can be summarised the same
way and broken down by coverage.
"""

from __future__ import annotations

import polars as pl

from devtools.realism.frames import KEYS
from devtools.realism.positions import RECEIVER_GROUPS

LABELS = ["coverage", "family"]
OUT = [*KEYS, *LABELS, "metric", "value"]


def _long(df: pl.DataFrame, metric: str | pl.Expr, value: pl.Expr) -> pl.DataFrame:
    m = pl.lit(metric) if isinstance(metric, str) else metric
    return df.select(*KEYS, *LABELS, m.alias("metric"),
                     value.cast(pl.Float64).alias("value"))


def depths(snap: pl.DataFrame) -> pl.DataFrame:
    """Depth from the line of every CB, S, LB and DL, and each safety's split (yards
    from the ball across the field): the soft-or-tight and 1-or-2-high cues."""
    d = snap.filter((pl.col("side") == "defense")
                    & pl.col("group").is_in(["CB", "S", "LB", "DL"]))
    s = d.filter(pl.col("group") == "S")
    return pl.concat([_long(d, pl.col("group") + " depth", pl.col("depth")),
                      _long(s, "S split", pl.col("width").abs())])


def depth_ranks(snap: pl.DataFrame, ranks: tuple[int, ...] = (3, 5, 7)) -> pl.DataFrame:
    """Depth of the k-th shallowest defender per play, whatever his roster position: how
    many defenders crowd the line (press, walk-ups, blitz looks) without trusting roles
    that a borrowed roster may have wrong."""
    d = snap.filter(pl.col("side") == "defense").sort("depth")
    per_play = d.group_by([*KEYS, *LABELS]).agg(
        pl.col("depth").get(k - 1, null_on_oob=True).alias(f"r{k}") for k in ranks)
    return pl.concat([_long(per_play, f"defender depth, {_ordinal(k)} shallowest",
                            pl.col(f"r{k}")) for k in ranks]).drop_nulls("value")


def _ordinal(k: int) -> str:
    return f"{k}{ {1: 'st', 2: 'nd', 3: 'rd'}.get(k if k < 20 else k % 10, 'th')}"


def cushions(snap: pl.DataFrame) -> pl.DataFrame:
    """Each corner against his nearest receiver: cushion (yards off him, downfield) and
    lateral leverage (yards inside him, toward the ball; negative = outside).

    A corner 7 yd straight off his receiver has cushion 7 and leverage 0.
    """
    cb = snap.filter((pl.col("side") == "defense") & (pl.col("group") == "CB"))
    rec = snap.filter((pl.col("side") == "offense")
                      & pl.col("group").is_in(list(RECEIVER_GROUPS))).select(
        *KEYS, pl.col("depth").alias("r_depth"), pl.col("width").alias("r_width"))
    pairs = cb.join(rec, on=KEYS, how="inner").with_columns(
        ((pl.col("depth") - pl.col("r_depth")).pow(2)
         + (pl.col("width") - pl.col("r_width")).pow(2)).sqrt().alias("dist"))
    near = pairs.filter(pl.col("dist") == pl.col("dist").min().over([*KEYS, "nflId"])) \
        .unique([*KEYS, "nflId"], keep="first")
    lev = pl.col("r_width").sign() * (pl.col("r_width") - pl.col("width"))
    return pl.concat([_long(near, "CB cushion", pl.col("depth") - pl.col("r_depth")),
                      _long(near, "CB leverage (inside +)", lev)])


def spacing(snap: pl.DataFrame) -> pl.DataFrame:
    """Offensive spacing per play: the spread of the WR/TE (widest left to widest right)
    and how far the widest receiver stands from the ball."""
    off = snap.filter(pl.col("side") == "offense")
    per_play = off.group_by([*KEYS, *LABELS]).agg(
        (pl.col("width").filter(pl.col("group").is_in(["WR", "TE"])).max()
         - pl.col("width").filter(pl.col("group").is_in(["WR", "TE"])).min())
        .alias("spread"),
        pl.col("width").filter(pl.col("group").is_in(list(RECEIVER_GROUPS))).abs().max()
        .alias("widest"))
    return pl.concat([_long(per_play, "receiver spread", pl.col("spread")),
                      _long(per_play, "widest receiver from ball", pl.col("widest"))]) \
        .drop_nulls("value")


def speeds(snap: pl.DataFrame, set_yards: float = 0.5) -> pl.DataFrame:
    """Speed and acceleration per group, for everyone and for *set* players (moved under
    ``set_yards`` over the last second): a set real player reads ~0 yd/s, so speed
    jitter on set players is a tell of simulated tracking."""
    p = snap.filter(pl.col("group") != "UNK")
    is_set = p.filter(pl.col("moved_1s") < set_yards)
    return pl.concat([
        _long(p, pl.col("group") + " speed", pl.col("s")),
        _long(is_set, pl.col("group") + " speed (set)", pl.col("s")),
        _long(is_set, pl.col("group") + " accel (set)", pl.col("a")),
    ])


def facing(snap: pl.DataFrame) -> pl.DataFrame:
    """How far (degrees) each player's body turns away from facing the other side (the
    offense faces +x, ``o = 90``; the defense faces -x, ``o = 270``): pre-snap players
    square up, so a wide spread here is orientation noise the models can key on."""
    toward = pl.when(pl.col("side") == "offense").then(90.0).otherwise(270.0)
    off_axis = ((pl.col("o") - toward + 180.0) % 360.0 - 180.0).abs()
    p = snap.filter((pl.col("group") != "UNK") & pl.col("o").is_not_null()
                    & pl.col("o").is_not_nan())
    return _long(p, pl.col("group") + " facing off-axis (deg)", off_axis)


def alignment_metrics(snap: pl.DataFrame) -> pl.DataFrame:
    """Every alignment figure at every moment, long."""
    return pl.concat([depths(snap), depth_ranks(snap), cushions(snap), spacing(snap), speeds(snap),
                      facing(snap)]).select(OUT)
