"""Team tendencies: who plays man, how early each defense gives its coverage away, and
which positions give it away."""

from __future__ import annotations

import math

import polars as pl

from coverage.app.result_data import scored_predictions, share_by
from coverage.schema import PLAY_KEYS
from coverage.serving import deferred_outputs
from coverage.store import Store
from coverage.vocab import is_man, labelled, man_zone_expr


def man_rate_by_defense(plays: pl.DataFrame) -> tuple[pl.DataFrame, float]:
    """Man share (of Man+Zone plays) per defense with Wilson CIs, and the league rate."""
    lab = labelled(plays)
    league = float(lab.select(is_man().mean()).item()) if lab.height else math.nan
    df = share_by(lab.with_columns(pl.col("defensiveTeam").alias("team")), ("team",), is_man(),
                  "man_rate")
    return df.sort("man_rate", descending=True), league


def giveaway_times(preds: pl.DataFrame | None, plays: pl.DataFrame, model: str,
                   man_threshold: float = 0.8, zone_threshold: float = 0.2) -> pl.DataFrame:
    """Per labelled play: how many seconds before the snap the model "knew" the coverage.

    A man play is given away at the first frame from which P(man) stays >= 0.8
    through the snap (zone: stays <= 0.2). "Stays" rather than "first touches"
    so a brief spike does not count as the defense showing its hand.
    Columns: gameId, playId, defense, family, given_away (bool), secs_before_snap.
    """
    sub = scored_predictions(preds, plays).filter(pl.col("model") == model)
    teams = plays.select(pl.col("gameId").cast(pl.Int64), pl.col("playId").cast(pl.Int64),
                         pl.col("defensiveTeam").alias("defense"))
    if sub.height == 0:
        return pl.DataFrame(schema={"gameId": pl.Int64, "playId": pl.Int64,
                                    "defense": pl.String, "family": pl.String,
                                    "given_away": pl.Boolean, "secs_before_snap": pl.Float64})
    past = (pl.when(pl.col("y") == 1).then(pl.col("p_man") >= man_threshold)
            .otherwise(pl.col("p_man") <= zone_threshold))
    secs = pl.col("secs_from_snap")
    per = (sub.sort("secs_from_snap")
           .with_columns(past.alias("past"))
           .group_by("gameId", "playId", maintain_order=True)
           .agg(pl.col("y").first(),
                # first frame after the last frame that was not past the threshold
                secs.filter(secs > secs.filter(~pl.col("past")).max().fill_null(-1e9))
                .min().alias("t_cross"),
                pl.col("past").last().alias("at_snap"))
           .with_columns(pl.when(pl.col("at_snap")).then(pl.col("t_cross")).alias("t_cross"))
           .with_columns(pl.col("at_snap").alias("given_away"),
                         (-pl.col("t_cross")).clip(0.0, None).round(1).alias("secs_before_snap"),
                         man_zone_expr(pl.col("y") == 1)
                         .alias("family")))
    return (per.join(teams, on=PLAY_KEYS, how="left")
            .select("gameId", "playId", "defense", "family", "given_away", "secs_before_snap"))


def giveaway_by_defense(times: pl.DataFrame) -> pl.DataFrame:
    """Median seconds-before-snap of the give-away per defense and family, and how often.

    Columns: team, family, median_secs, share_given_away, n_given_away, n_plays.
    """
    return (times.group_by(pl.col("defense").alias("team"), "family")
            .agg(pl.col("secs_before_snap").filter(pl.col("given_away")).median()
                 .alias("median_secs"),
                 pl.col("given_away").mean().alias("share_given_away"),
                 pl.col("given_away").sum().cast(pl.Int64).alias("n_given_away"),
                 pl.len().cast(pl.Int64).alias("n_plays"))
            .sort("team", "family"))


def attribution_models(summary: pl.DataFrame | None) -> list[str]:
    """The models whose attributions the store holds (checkpoint names, e.g. the shipped
    ``family`` and ``coverage init``'s real-trained one): what the Teams page must label,
    never a name it assumes."""
    if summary is None or summary.height == 0 or "model" not in summary.columns:
        return []
    return sorted(str(m) for m in summary["model"].drop_nulls().unique().to_list())


def position_giveaway_table(summary: pl.DataFrame | None, plays: pl.DataFrame,
                            players: pl.DataFrame, model: str | None = None,
                            side: str = "defense") -> pl.DataFrame:
    """Mean |attribution| by defense and position, largest first: which positions give the
    coverage away (of the defense's own players for ``side="defense"``, of the offenses it
    faced for ``side="offense"``). ``summary``: the store's attribution summaries."""
    if summary is None or summary.height == 0:
        return pl.DataFrame()
    if model is not None:
        summary = summary.filter(pl.col("model") == model)
    team = plays.select("gameId", "playId", "defensiveTeam", "possessionTeam")
    pos = players.select(pl.col("nflId").cast(pl.Int64), "position")
    df = (summary.filter(pl.col("side") == side).join(team, on=PLAY_KEYS)
          .join(pos, on="nflId", how="left"))
    return (df.group_by("defensiveTeam", "position")
            .agg(pl.col("mean_abs").mean().alias("mean_abs_attribution"),
                 pl.col("gameId").len().alias("n"))
            .filter(pl.col("position").is_not_null())
            .sort("defensiveTeam", "mean_abs_attribution", descending=[False, True]))


def attribution_pending(store: Store) -> list[str]:
    """The models whose attribution summaries ``coverage init`` left to the background
    ``coverage finish-training`` (written within minutes of the app opening)."""
    return sorted(deferred_outputs(store.manifest()))
