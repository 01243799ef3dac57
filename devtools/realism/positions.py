"""Position groups: the unit every realism table is broken down by.

Real rosters spell one job many ways (SS/FS/S/DB, ILB/MLB/OLB/LB, DE/DT/NT); the
comparison only means something per job, so each spelling maps to one group.
"""

from __future__ import annotations

import polars as pl

GROUP_OF: dict[str, str] = {
    "CB": "CB", "DB": "S", "S": "S", "SS": "S", "FS": "S",
    "LB": "LB", "ILB": "LB", "MLB": "LB", "OLB": "LB",
    "DE": "DL", "DT": "DL", "NT": "DL",
    "WR": "WR", "TE": "TE", "RB": "RB", "FB": "RB", "HB": "RB",
    "QB": "QB", "T": "OL", "G": "OL", "C": "OL", "OT": "OL", "OG": "OL",
}
DEFENSE_GROUPS = ("CB", "S", "LB", "DL")
RECEIVER_GROUPS = ("WR", "TE", "RB")


def group_expr(col: str = "position") -> pl.Expr:
    """Group of a roster position; unknown or missing positions read ``UNK``."""
    c = pl.col(col).cast(pl.String).str.strip_chars().str.to_uppercase()
    return c.replace_strict(GROUP_OF, default="UNK").fill_null("UNK").alias("group")


def position_table(players: list[pl.DataFrame]) -> pl.DataFrame:
    """``nflId -> group`` from several rosters (first one wins), so plays of a season whose
    folder has no players file (the 2021 sample) still find their veterans' positions."""
    frames = [p.select(pl.col("nflId").cast(pl.Int64), pl.col("position").cast(pl.String))
              for p in players if p is not None and "position" in p.columns]
    if not frames:
        return pl.DataFrame(schema={"nflId": pl.Int64, "group": pl.String})
    return (pl.concat(frames).drop_nulls("nflId").unique("nflId", keep="first",
                                                          maintain_order=True)
            .select("nflId", group_expr()))
