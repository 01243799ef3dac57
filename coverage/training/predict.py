"""Batched inference over a whole week: every pre-snap frame of every play at once.

The reference filtered the whole week once per frame; here a week becomes one
``[N, 22, F]`` array and the model runs over it in large batches, so a week takes seconds.
Output is the long format of docs/CONTRACTS.md, one file per week shared by all models.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import torch

from coverage.atomic import write_parquet
from coverage.errors import CheckpointError, DataError
from coverage.features import FEATURES, FrameTensors, build_frames
from coverage.models.checkpoint import load_checkpoint, read_config
from coverage.models.context import NUMERIC_FEATURES, context_table
from coverage.training import metrics
from coverage.training.data import open_source
from coverage.training.loop import pick_device
from coverage.training.tracking import model_logits
from coverage.training.train import context_logits

PREDICTION_SCHEMA = {
    "model": pl.String(), "gameId": pl.Int64(), "playId": pl.Int64(), "frameId": pl.Int32(),
    "secs_from_snap": pl.Float32(), "p_man": pl.Float32(),
}


def load_model(model_dir: str | Path) -> tuple[torch.nn.Module, dict[str, Any]]:
    """Load a checkpoint and check it was trained on the features this code builds."""
    cfg = read_config(model_dir)
    if cfg["architecture"] == "context":
        if cfg.get("encoding", {}).get("numeric") != list(NUMERIC_FEATURES):
            raise CheckpointError(f"checkpoint {model_dir}: context feature list differs from "
                                  f"this code's {list(NUMERIC_FEATURES)}; retrain it")
        return load_checkpoint(model_dir)
    return load_checkpoint(model_dir, expected={"features": list(FEATURES)})


def predict_frames(model: torch.nn.Module, cfg: dict[str, Any], ft: FrameTensors,
                   device: str = "auto", batch_size: int = 4096) -> np.ndarray:
    """Calibrated P(man) for every row of ``ft`` (tracking models only)."""
    z = model_logits(model, cfg, ft, pick_device(device), batch_size)
    return metrics.sigmoid(z).astype(np.float32)


def _frame_keys(store, week: int) -> pl.DataFrame:
    return (store.tracking(week)
            .filter(pl.col("secs_from_snap") <= 0)
            .select("gameId", "playId", "frameId", "secs_from_snap").unique()
            .sort("gameId", "playId", "frameId").collect())


def predict_week(model_dir: str | Path, data: str | Path | None, week: int, *,
                 device: str = "auto", batch_size: int = 4096, write: bool = True,
                 name: str | None = None) -> pl.DataFrame:
    """P(man) for every pre-snap frame of ``week``; merged into predictions/week_N.parquet."""
    source = open_source(data)
    if source.store is None:
        raise DataError("predictions are written into a store; pass a store folder",
                        file=str(source.path))
    model, cfg = load_model(model_dir)
    name = name or Path(model_dir).name
    plays = source.plays.filter(pl.col("week") == week)
    if plays.height == 0:
        raise DataError(f"week {week} has no plays in the store", file=str(source.path),
                        expected=f"one of weeks {source.weeks}")
    if cfg["architecture"] == "context":
        table = context_table(plays, source.player_play)
        z = context_logits(model, cfg["encoding"], table, pick_device(device))
        p = metrics.sigmoid((z + cfg["logit_offset"]) / cfg["temperature"])
        per_play = table.select("gameId", "playId").with_columns(
            pl.Series("p_man", p, dtype=pl.Float32))
        out = _frame_keys(source.store, week).join(per_play, on=["gameId", "playId"])
    else:
        ft = build_frames(source.store.tracking(week), plays)
        out = pl.DataFrame({
            "gameId": ft.game_id, "playId": ft.play_id, "frameId": ft.frame_id,
            "secs_from_snap": ft.secs,
            "p_man": predict_frames(model, cfg, ft, device, batch_size),
        })
    out = out.with_columns(pl.lit(name).alias("model")).select(
        [pl.col(c).cast(t) for c, t in PREDICTION_SCHEMA.items()])
    if write:
        path = Path(source.store.path) / "predictions" / f"week_{week}.parquet"
        if path.exists():
            old = pl.read_parquet(path).filter(pl.col("model") != name)
            out_all = pl.concat([old.select(out.columns).cast(PREDICTION_SCHEMA), out])
        else:
            out_all = out
        write_parquet(out_all.sort("model", "gameId", "playId", "frameId"), path)
    return out
