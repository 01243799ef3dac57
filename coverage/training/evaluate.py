"""Test-week report: accuracy at the snap and 3/2/1 s before it, and the full curve.

Every number comes with its play count, a Wilson interval and the majority-class
baseline beside it (the training majority, zone), so a reader can see at a glance whether
a difference between models or between seconds is larger than the noise.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl

from coverage import evaluation
from coverage.schema import PLAY_KEYS
from coverage.vocab import MAN_ZONE, label_expr, man_zone_name

OFFSETS = (-3.0, -2.0, -1.0, 0.0)


def evaluate_predictions(preds: pl.DataFrame, plays: pl.DataFrame, majority_class: int = 0,
                         max_secs: float = 10.0) -> tuple[dict[str, Any], pl.DataFrame]:
    """Metrics dict and accuracy-by-time table for one model's long-format predictions."""
    lab = plays.select(pl.col("gameId").cast(pl.Int64), pl.col("playId").cast(pl.Int64),
                       "pff_manZone", label_expr())
    counts = lab["pff_manZone"].fill_null("missing").value_counts()
    excluded = {str(k): int(v) for k, v in counts.iter_rows() if k not in MAN_ZONE}
    df = (preds.join(lab, on=PLAY_KEYS, how="inner")
          .filter(pl.col("label").is_not_null())
          # a per-play prediction of a play without tracking is the model's call at the snap
          .with_columns(pl.col("secs_from_snap").fill_null(0.0).round(1)))
    y = df["label"].to_numpy().astype(np.float64)
    p = df["p_man"].to_numpy().astype(np.float64)
    secs = df["secs_from_snap"].to_numpy()
    at: dict[str, Any] = {}
    for off in OFFSETS:
        sel = np.isclose(secs, off)
        at[f"{off:+.0f}s" if off else "snap"] = evaluation.summary(y[sel], p[sel], majority_class)
    n_labelled = lab.filter(pl.col("label").is_not_null()).height
    report = {
        "at_snap": at["snap"], "at_offsets": at,
        "plays": {"labelled": n_labelled,
                  "with_predictions": df.select("gameId", "playId").n_unique() if df.height else 0,
                  "excluded": excluded},
        "majority_class": man_zone_name(bool(majority_class)),
    }
    curve = evaluation.accuracy_by_time(df.rename({"label": "y"}), max_secs=max_secs,
                                        majority_class=majority_class)
    return report, curve.drop("model")
