"""Test-week report: accuracy at the snap and 3/2/1 s before it, and the full curve.

Every number comes with its play count, a Wilson interval and the majority-class
baseline beside it (the training majority, zone), so a reader can see at a glance whether
a difference between models or between seconds is larger than the noise.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from coverage.atomic import write_json, write_parquet
from coverage.errors import DataError
from coverage.training import metrics
from coverage.training.data import label_expr, open_source

OFFSETS = (-3.0, -2.0, -1.0, 0.0)


def evaluate_predictions(preds: pl.DataFrame, plays: pl.DataFrame, majority_class: int = 0,
                         max_secs: float = 10.0) -> tuple[dict[str, Any], pl.DataFrame]:
    """Metrics dict and accuracy-by-time table for one model's long-format predictions."""
    lab = plays.select(pl.col("gameId").cast(pl.Int64), pl.col("playId").cast(pl.Int64),
                       "pff_manZone", label_expr())
    counts = lab["pff_manZone"].fill_null("missing").value_counts()
    excluded = {str(k): int(v) for k, v in counts.iter_rows() if k not in ("Man", "Zone")}
    df = (preds.join(lab, on=["gameId", "playId"], how="inner")
          .filter(pl.col("label").is_not_null())
          .with_columns(pl.col("secs_from_snap").round(1)))
    y = df["label"].to_numpy().astype(np.float64)
    p = df["p_man"].to_numpy().astype(np.float64)
    secs = df["secs_from_snap"].to_numpy()
    at: dict[str, Any] = {}
    for off in OFFSETS:
        sel = np.isclose(secs, off)
        at[f"{off:+.0f}s" if off else "snap"] = metrics.summary(y[sel], p[sel], majority_class)
    n_labelled = lab.filter(pl.col("label").is_not_null()).height
    report = {
        "at_snap": at["snap"], "at_offsets": at,
        "plays": {"labelled": n_labelled,
                  "with_predictions": df.select("gameId", "playId").n_unique() if df.height else 0,
                  "excluded": excluded},
        "majority_class": "Man" if majority_class else "Zone",
    }
    keep = secs >= -max_secs
    curve = metrics.accuracy_by_time(secs[keep], y[keep], p[keep], majority_class=majority_class)
    return report, pl.DataFrame(curve).sort("secs_from_snap")


def evaluate(model_dir: str | Path, data: str | Path | None = None, week: int | None = None,
             *, write: bool = True, name: str | None = None) -> dict[str, Any]:
    """Score a model's stored predictions for ``week`` (default: its config's test week)."""
    cfg = json.loads((Path(model_dir) / "config.json").read_text())
    name = name or Path(model_dir).name
    week = week if week is not None else cfg["split"]["test"][0]
    source = open_source(data)
    if source.store is None:
        raise DataError("evaluation reads predictions from a store", file=str(source.path))
    preds = source.store.predictions(week)
    if preds is None or preds.filter(pl.col("model") == name).height == 0:
        from coverage.training.predict import predict_week

        predict_week(model_dir, source.path, week, name=name)
        preds = source.store.predictions(week)
    preds = preds.filter(pl.col("model") == name)
    mpath = Path(model_dir) / "metrics.json"
    majority = 0
    if mpath.exists():
        majority = int(json.loads(mpath.read_text()).get("majority_class", "Zone") == "Man")
    report, curve = evaluate_predictions(
        preds, source.plays.filter(pl.col("week") == week), majority)
    report.update(model=name, week=week, architecture=cfg["architecture"],
                  source=source.source, fingerprint=cfg.get("fingerprint"))
    if write:
        out = Path(source.store.path) / "evaluation"
        write_json(report, out / f"{name}_week_{week}.json")
        write_parquet(curve.with_columns(pl.lit(name).alias("model"), pl.lit(week).alias("week")),
                      out / f"{name}_week_{week}_accuracy_by_time.parquet")
    return report
