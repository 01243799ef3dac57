"""What each defensive package plays, and the shells the defense shows before the snap.

Packages (base, nickel, dime, quarter) are counted from who was on the field
(:func:`coverage.tabular.features.personnel`); shells (0-, 1-, 2-high) and fronts are the
store's detected formations (:mod:`coverage.formations`, run at ingest on the tracking):
detected, not charted, so they exist only for tracked plays.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from coverage.evaluation import with_wilson
from coverage.report.giveaway import LEAGUE, SCOPE
from coverage.store import PlayTables
from coverage.vocab import FAMILIES

MIN_PACKAGE_PLAYS = 5  # fewer of the defense's charted plays in a package: no mix drawn


def shares(plays: pl.DataFrame, defense: str, col: str,
           values: Sequence[str] | None = None) -> pl.DataFrame:
    """Share of each ``col`` value among the plays where it is known, per scope (every
    value in ``values`` listed, zero included, in that order; else the seen values)."""
    known = plays.filter(pl.col(col).is_not_null())
    scoped = pl.concat([known.filter(pl.col("defensiveTeam") == defense)
                        .with_columns(pl.lit(defense).alias(SCOPE)),
                        known.with_columns(pl.lit(LEAGUE).alias(SCOPE))])
    order = list(values) if values is not None else sorted(
        known[col].cast(pl.String).unique().to_list())
    totals = scoped.group_by(SCOPE).agg(pl.len().alias("n_plays"))
    grid = totals.join(pl.DataFrame({col: order}, schema={col: pl.String}), how="cross")
    counts = scoped.group_by(SCOPE, pl.col(col).cast(pl.String)).agg(
        pl.len().cast(pl.Int64).alias("k"))
    out = (grid.join(counts, on=[SCOPE, col], how="left")
           .with_columns(pl.col("k").fill_null(0))
           .with_columns((pl.col("k") / pl.col("n_plays")).alias("share"),
                         pl.col(col).replace_strict(order, list(range(len(order))))
                         .alias("_order"))
           .sort(SCOPE, "_order").drop("_order"))
    return with_wilson(out)


def package_families(plays: pl.DataFrame, defense: str) -> pl.DataFrame | None:
    """The coverage-family mix of each package the defense played at least
    :data:`MIN_PACKAGE_PLAYS` charted plays in, against the league's in the same package
    (``def_package``, ``scope``, ``family``, ``share``, ...); None when there is none."""
    charted = plays.filter(pl.col("family").is_not_null() & pl.col("def_package").is_not_null())
    used = (charted.filter(pl.col("defensiveTeam") == defense).group_by("def_package")
            .len().filter(pl.col("len") >= MIN_PACKAGE_PLAYS)["def_package"].to_list())
    parts = [shares(charted.filter(pl.col("def_package") == p), defense, "family", FAMILIES)
             .with_columns(pl.lit(p).alias("def_package")) for p in used]
    return pl.concat(parts) if parts else None


def with_shells(store: PlayTables, plays: pl.DataFrame) -> pl.DataFrame:
    """``plays`` with the detected ``def_shell`` and ``def_front`` (null where the store
    detected none: label-only plays, or a store with no formations)."""
    if "def_shell" in plays.columns:
        return plays
    has = getattr(store, "has", None)
    if has is None or not has("formations"):
        return plays.with_columns(pl.lit(None, pl.String).alias("def_shell"),
                                  pl.lit(None, pl.String).alias("def_front"))
    f = store.formations().select(pl.col("gameId").cast(pl.Int64),
                                  pl.col("playId").cast(pl.Int64), "def_shell", "def_front")
    return plays.join(f, on=["gameId", "playId"], how="left")
