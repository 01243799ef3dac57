"""Batched family / responsibility predictions into the store, and per-play attribution summaries.

Three long tables, one file per week (docs/CONTRACTS.md, "Explain outputs"):

* ``predictions_family/week_N.parquet``: model, gameId, playId, frameId, secs_from_snap,
  family, prob (one row per family per frame; probabilities sum to 1 per frame).
* ``responsibilities/week_N.parquet``: model, gameId, playId, frameId, secs_from_snap,
  nflId, assignment, prob, p_man_assignment, target_nflId, target_prob (one row per
  defender per frame; target only when MAN is his most likely assignment).
* ``predictions/week_N.parquet`` also gets the model's P(man) (the summed man families),
  so every existing page (curves, accuracy, teams) shows the family model too.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl

from coverage.atomic import write_parquet
from coverage.errors import DataError
from coverage.explain.attribution import attribute_play, load_explainer
from coverage.explain.data import load_explain_frames
from coverage.explain.vocab import ASSIGNMENTS, FAMILIES
from coverage.training.data import open_source
from coverage.training.explain_train import explain_outputs
from coverage.training.predict import PREDICTION_SCHEMA

FAMILY_SCHEMA = {"model": pl.String(), "gameId": pl.Int64(), "playId": pl.Int64(),
                 "frameId": pl.Int32(), "secs_from_snap": pl.Float32(), "family": pl.String(),
                 "prob": pl.Float32()}
RESPONSIBILITY_SCHEMA = {"model": pl.String(), "gameId": pl.Int64(), "playId": pl.Int64(),
                         "frameId": pl.Int32(), "secs_from_snap": pl.Float32(),
                         "nflId": pl.Int64(), "assignment": pl.String(), "prob": pl.Float32(),
                         "p_man_assignment": pl.Float32(), "target_nflId": pl.Int64(),
                         "target_prob": pl.Float32()}
ATTRIBUTION_SUMMARY_SCHEMA = {"model": pl.String(), "gameId": pl.Int64(), "playId": pl.Int64(),
                              "nflId": pl.Int64(), "side": pl.String(), "mean_abs": pl.Float32(),
                              "peak": pl.Float32(), "peak_secs": pl.Float32()}


def _merge(path: Path, new: pl.DataFrame, name: str, schema: dict, sort: list[str]) -> None:
    """Replace this model's rows in a per-week file, keeping other models' rows."""
    if path.exists():
        old = pl.read_parquet(path).filter(pl.col("model") != name)
        new = pl.concat([old.select(list(schema)).cast(schema), new])
    write_parquet(new.sort(sort), path)


def predict_family_week(model_dir: str | Path, data: str | Path | None, week: int, *,
                        name: str | None = None, write: bool = True
                        ) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Family probabilities and defender responsibilities for every pre-snap frame."""
    source = open_source(data)
    if source.store is None:
        raise DataError("predictions are written into a store", file=str(source.path))
    model, cfg = load_explainer(model_dir)
    name = name or Path(model_dir).name
    ef = load_explain_frames(source.store, [week], None, source.plays)
    out = explain_outputs(model, ef, cfg["history"], cfg["stride"], cfg.get("temperature", 1.0))
    n, c = len(ef), len(FAMILIES)
    keys = {"gameId": ef.ft.game_id, "playId": ef.ft.play_id, "frameId": ef.ft.frame_id,
            "secs_from_snap": ef.ft.secs}
    fam = pl.DataFrame({**{k: np.repeat(v, c) for k, v in keys.items()},
                        "family": np.tile(np.array(FAMILIES), n),
                        "prob": out.family_probs.ravel()}).with_columns(
        pl.lit(name).alias("model")).select(list(FAMILY_SCHEMA)).cast(FAMILY_SCHEMA)
    a_idx = out.assign.argmax(-1)                                   # [N, 11]
    man = ASSIGNMENTS.index("MAN")
    t_idx = out.pointer.argmax(-1)
    tgt = np.take_along_axis(ef.nfl[:, :11], t_idx, axis=1)
    is_man = a_idx == man
    resp = pl.DataFrame({
        **{k: np.repeat(v, 11) for k, v in keys.items()},
        "nflId": ef.nfl[:, 11:].ravel(),
        "assignment": np.array(ASSIGNMENTS)[a_idx].ravel(),
        "prob": np.take_along_axis(out.assign, a_idx[..., None], -1).ravel(),
        "p_man_assignment": out.assign[..., man].ravel(),
        "target_nflId": np.where(is_man, tgt, -1).ravel(),
        "target_prob": np.where(is_man, out.pointer.max(-1), np.nan).ravel(),
    }).with_columns(pl.lit(name).alias("model"),
                    pl.col("target_nflId").replace(-1, None),
                    pl.col("target_prob").fill_nan(None)).select(
        list(RESPONSIBILITY_SCHEMA)).cast(RESPONSIBILITY_SCHEMA)
    if write:
        root = Path(source.store.path)
        _merge(root / "predictions_family" / f"week_{week}.parquet", fam, name, FAMILY_SCHEMA,
               ["model", "gameId", "playId", "frameId", "family"])
        _merge(root / "responsibilities" / f"week_{week}.parquet", resp, name,
               RESPONSIBILITY_SCHEMA, ["model", "gameId", "playId", "frameId", "nflId"])
        pman = pl.DataFrame({**keys, "p_man": out.p_man}).with_columns(
            pl.lit(name).alias("model")).select(list(PREDICTION_SCHEMA)).cast(PREDICTION_SCHEMA)
        _merge(root / "predictions" / f"week_{week}.parquet", pman, name, PREDICTION_SCHEMA,
               ["model", "gameId", "playId", "frameId"])
    return fam, resp


def attribution_week(model_dir: str | Path, data: str | Path | None, week: int, *,
                     name: str | None = None, write: bool = True,
                     max_plays: int | None = None) -> pl.DataFrame:
    """Per play and player: mean |attribution| over pre-snap frames, the signed peak and when.

    Written to ``attribution/week_N.parquet``; the Teams page aggregates it by position.
    """
    source = open_source(data)
    store = source.store
    if store is None:
        raise DataError("attribution summaries are written into a store", file=str(source.path))
    model, cfg = load_explainer(model_dir)
    name = name or Path(model_dir).name
    plays = source.plays.filter(pl.col("week") == week)
    if max_plays is not None:
        plays = plays.head(max_plays)
    by_play = store.tracking(week).collect().partition_by("gameId", "playId", as_dict=True)
    parts = []
    for play in plays.iter_rows(named=True):
        frames = by_play.get((play["gameId"], play["playId"]))
        if frames is None:
            continue
        try:
            a = attribute_play(model, cfg, frames, play)
        except DataError:
            continue
        t = np.abs(a.values).argmax(0)
        q = np.arange(a.nfl_ids.size)
        parts.append(pl.DataFrame({
            "gameId": play["gameId"], "playId": play["playId"], "nflId": a.nfl_ids,
            "side": np.where(q < 11, "offense", "defense"),
            "mean_abs": np.abs(a.values).mean(0), "peak": a.values[t, q],
            "peak_secs": a.secs[t]}))
    df = (pl.concat(parts) if parts else pl.DataFrame()).with_columns(
        pl.lit(name).alias("model")).select(list(ATTRIBUTION_SUMMARY_SCHEMA)).cast(
        ATTRIBUTION_SUMMARY_SCHEMA)
    if write:
        _merge(Path(store.path) / "attribution" / f"week_{week}.parquet", df, name,
               ATTRIBUTION_SUMMARY_SCHEMA, ["model", "gameId", "playId", "nflId"])
    return df


def read_week_tables(store_path: str | Path, folder: str) -> pl.DataFrame | None:
    """All weeks of one of the explain tables (None when absent)."""
    files = sorted((Path(store_path) / folder).glob("week_*.parquet"))
    return pl.read_parquet(files) if files else None


def position_giveaway(summary: pl.DataFrame, plays: pl.DataFrame, players: pl.DataFrame,
                      side: str = "defense") -> pl.DataFrame:
    """Mean |attribution| by defense and position (of its own players for ``side="defense"``,
    of the offenses it faced for ``side="offense"``)."""
    team = plays.select("gameId", "playId", "defensiveTeam", "possessionTeam")
    pos = players.select(pl.col("nflId").cast(pl.Int64), "position")
    df = (summary.filter(pl.col("side") == side).join(team, on=["gameId", "playId"])
          .join(pos, on="nflId", how="left"))
    return (df.group_by("defensiveTeam", "position")
            .agg(pl.col("mean_abs").mean().alias("mean_abs_attribution"),
                 pl.col("gameId").len().alias("n"))
            .filter(pl.col("position").is_not_null())
            .sort("defensiveTeam", "mean_abs_attribution", descending=[False, True]))
