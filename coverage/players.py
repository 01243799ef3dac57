"""How a player is named on screen: ``#24`` from the tracking's jersey number, else the
name (some copies of the real tracking have no jersey numbers), else the NGS id."""

from __future__ import annotations

import polars as pl


def tag_expr(jersey: str = "jerseyNumber", name: str = "displayName",
             nfl_id: str = "nflId") -> pl.Expr:
    """``#24`` / ``J. Smith``-style last name / ``id 53532``, never ``#?``."""
    j = pl.col(jersey).cast(pl.Int64, strict=False).cast(pl.String)
    last = pl.col(name).cast(pl.String).str.split(" ").list.last()
    return (pl.when(j.is_not_null()).then(pl.concat_str(pl.lit("#"), j))
            .when(last.is_not_null() & (last != "")).then(last)
            .otherwise(pl.concat_str(pl.lit("id "), pl.col(nfl_id).cast(pl.String))))
