"""Who gives the coverage away: the positions of one defense whose players the model
leans on most (mean |change of P(man)| when the player is occluded, from the store's
attribution summaries), against the same positions league-wide.

The per-position means are :func:`coverage.app.team_data.position_giveaway_table`'s, the
Teams page's; the league is that table with every play counted as one defense.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from coverage.app.provenance import provenance
from coverage.app.team_data import attribution_models, position_giveaway_table
from coverage.store import PlayTables

LEAGUE = "league"  # the scope of every play, all defenses together
SCOPE = "scope"  # the report's column saying whose figure a row is
MAX_POSITIONS = 8  # most positions one printed figure shows


def attribution_summaries(store: PlayTables, weeks: Sequence[int]) -> pl.DataFrame | None:
    """The store's per-play attribution summaries of ``weeks`` (None: none stored)."""
    read = getattr(store, "read_output", None)
    if read is None:
        return None
    frames = [f for w in weeks if (f := read("attribution", w)) is not None and f.height]
    return pl.concat(frames, how="diagonal_relaxed") if frames else None


def giveaway_by_position(summary: pl.DataFrame, plays: pl.DataFrame, players: pl.DataFrame,
                         defense: str, model: str) -> pl.DataFrame:
    """Mean |attribution| per position for ``defense`` and the league (``scope``,
    ``position``, ``mean_abs_attribution``, ``n_plays`` = player-plays), the defense's
    :data:`MAX_POSITIONS` largest positions only. No interval: a mean of magnitudes, not
    a rate."""
    mine = position_giveaway_table(summary, plays.filter(pl.col("defensiveTeam") == defense),
                                   players, model=model)
    league = position_giveaway_table(
        summary, plays.with_columns(pl.lit(LEAGUE).alias("defensiveTeam")), players,
        model=model)
    if mine.is_empty():
        return pl.DataFrame()
    top = mine.sort("mean_abs_attribution", descending=True).head(MAX_POSITIONS)["position"]
    out = pl.concat([mine, league]).filter(pl.col("position").is_in(top.to_list()))
    return out.select(pl.col("defensiveTeam").alias(SCOPE), "position",
                      "mean_abs_attribution", pl.col("n").cast(pl.Int64).alias("n_plays"),
                      pl.lit(float("nan")).alias("ci_low"),
                      pl.lit(float("nan")).alias("ci_high"))


def giveaway(store: PlayTables, plays: pl.DataFrame, defense: str, weeks: Sequence[int]
             ) -> tuple[pl.DataFrame | None, str | None]:
    """The defense's giveaway positions under the best attribution model, with its label
    (None, None: no summaries, or none for this defense's plays)."""
    summary = attribution_summaries(store, weeks)
    if summary is None or not store.has("players"):
        return None, None
    prov = provenance(store, attribution_models(summary))
    model = prov.default(prov.visible() or prov.models)
    if model is None:
        return None, None
    out = giveaway_by_position(summary, plays, store.players(), defense, model)
    return (out, prov.label(model)) if out.height else (None, None)
