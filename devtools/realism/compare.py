"""Side-by-side summaries: one row per figure, synthetic | real | difference | n plays.

Medians, not means (rates excepted: their mean is the rate): with a handful of real
plays one odd player would move a mean, and the question is where the typical player
stands. ``n real plays`` is printed beside
every figure because most rest on very few real plays (effect sizes, not tests).
"""

from __future__ import annotations

import polars as pl

from coverage.vocab import MAN_ZONE, is_man_or_zone

COVERAGES = ("All", *MAN_ZONE)
_BY = ["moment", "metric", "split"]


def _with_split(long: pl.DataFrame, by_family: bool) -> pl.DataFrame:
    if by_family:
        return long.filter(pl.col("family").is_not_null()).with_columns(
            pl.col("family").alias("split"))
    labelled = long.filter(is_man_or_zone("coverage")).with_columns(
        pl.col("coverage").alias("split"))
    return pl.concat([long.with_columns(pl.lit("All").alias("split")), labelled])


def _summary(long: pl.DataFrame, side: str, by_family: bool) -> pl.DataFrame:
    """Median per group; a 0/1 ``(rate)`` metric is averaged (its median says nothing)."""
    is_rate = pl.col("metric").str.ends_with("(rate)")
    return (_with_split(long, by_family).group_by(_BY).agg(
        pl.col("value").median().alias("_median"), pl.col("value").mean().alias("_mean"),
        pl.struct("gameId", "playId").n_unique().alias(f"n {side} plays"))
        .with_columns(pl.when(is_rate).then("_mean").otherwise("_median").alias(side))
        .drop("_median", "_mean"))


def side_by_side(synthetic: pl.DataFrame, real: pl.DataFrame, *,
                 by_family: bool = False) -> pl.DataFrame:
    """Median per (moment, metric, split) on each side, their difference (synthetic −
    real) and the plays behind each; ``split`` is All/Man/Zone or the coverage family."""
    s = _summary(synthetic, "synthetic", by_family)
    r = _summary(real, "real", by_family)
    out = s.join(r, on=_BY, how="full", coalesce=True).with_columns(
        (pl.col("synthetic") - pl.col("real")).alias("difference"),
        pl.col("n real plays").fill_null(0), pl.col("n synthetic plays").fill_null(0))
    order = pl.col("split").replace_strict(list(COVERAGES), [0, 1, 2], default=3,
                                           return_dtype=pl.Int32)
    return out.sort(["moment", "metric", order, "split"]).select(
        "moment", "metric", "split", "synthetic", "real", "difference", "n real plays",
        "n synthetic plays")
