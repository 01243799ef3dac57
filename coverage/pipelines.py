"""Every architecture's pipeline — train, load, predict, write its store outputs — and the
entry points that dispatch on a checkpoint's architecture.

This module sits above the code it names (``coverage.training``, ``coverage.family``,
``coverage.explain``) and imports it directly, so adding a model is one row in
:data:`PIPELINES` and no lower layer has to know about the layers above it. The networks
themselves are registered by name in :mod:`coverage.models.registry`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
from torch import nn

from coverage.errors import CheckpointError, DataError
from coverage.explain.attribution import attribution_week
from coverage.family.predict import load_explainer, predict_family_frames, predict_family_week
from coverage.family.train import train_family
from coverage.models.checkpoint import read_config
from coverage.schema import PREDICTION_SCHEMA
from coverage.store import Store
from coverage.training.context import load_context, predict_context_frames, train_context
from coverage.training.evaluate import evaluate_predictions
from coverage.training.frame_models import load_frame_model, predict_frame_model, train_tracking
from coverage.training.options import TrainOptions

# (model_dir, store, week, *, name) -> writes this checkpoint's rows of one week
WeekWriter = Callable[..., Any]


@dataclass(frozen=True)
class Pipeline:
    """What one architecture needs beyond its network.

    * ``trainer(opts, store=None) -> {"dir", "config", "metrics", ...}``
    * ``loader(model_dir) -> (model, config)``: refuses a checkpoint this code cannot feed
    * ``predictor(model, cfg, store, week, plays, *, device, batch_size)``: per-frame P(man)
      (gameId, playId, frameId, secs_from_snap, p_man) of one week
    * ``week_writers`` run for every week to put the checkpoint's outputs in the store;
      ``test_week_writers`` on its held-out week only
    """

    trainer: Callable[..., dict[str, Any]]
    loader: Callable[[str | Path], tuple[nn.Module, dict[str, Any]]]
    predictor: Callable[..., pl.DataFrame]
    week_writers: tuple[WeekWriter, ...] = ()
    test_week_writers: tuple[WeekWriter, ...] = ()


def train(opts: TrainOptions, store: Store | None = None) -> dict[str, Any]:
    """Train ``opts.run.model``; returns the checkpoint dir, config and metrics (plus
    whatever ``opts.hooks.on_finish`` adds, e.g. an MLflow run id).

    Experiment tooling (MLflow, Ray Tune) plugs in through ``opts.hooks``; nothing here
    imports it.
    """
    run = pipeline(opts.run.model, error=ValueError)
    t0 = time.perf_counter()
    hooks = opts.hooks
    if hooks.on_start is not None:
        hooks.on_start(opts)
    try:
        out = run.trainer(opts, store)
    except BaseException:
        if hooks.on_fail is not None:
            hooks.on_fail()
        raise
    out["seconds"] = time.perf_counter() - t0
    if hooks.on_finish is not None:
        out.update(hooks.on_finish(out) or {})
    return out


def load_model(model_dir: str | Path) -> tuple[nn.Module, dict[str, Any]]:
    """Load a checkpoint and check it was trained on the features this code builds."""
    return pipeline(read_config(model_dir)["architecture"]).loader(model_dir)


def predict_week(model_dir: str | Path, store: Store, week: int, *,
                 device: str = "auto", batch_size: int = 4096, write: bool = True,
                 name: str | None = None) -> pl.DataFrame:
    """P(man) for every pre-snap frame of ``week`` (batched: a week is a few large
    tensors); this model's rows of the store's predictions are replaced with them."""
    if not store.has_tracking:
        raise DataError("predictions are written into a store; pass a store folder",
                        file=str(store.path))
    model, cfg = load_model(model_dir)
    name = name or Path(model_dir).name
    plays = store.plays_with_formations().filter(pl.col("week") == week)
    if plays.height == 0:
        raise DataError(f"week {week} has no plays in the store", file=str(store.path),
                        expected=f"one of weeks {store.weeks}")
    out = pipeline(cfg["architecture"]).predictor(model, cfg, store, week, plays,
                                                  device=device, batch_size=batch_size)
    out = out.with_columns(pl.lit(name).alias("model")).select(
        [pl.col(c).cast(t) for c, t in PREDICTION_SCHEMA.items()])
    if write:
        store.write_output("predictions", week, out, name)
    return out


def evaluate(model_dir: str | Path, store: Store, week: int | None = None,
             *, write: bool = True, name: str | None = None) -> dict[str, Any]:
    """Score a model's stored predictions for ``week`` (default: its config's test week),
    predicting first when the store has none of this model's."""
    cfg = read_config(model_dir)
    name = name or Path(model_dir).name
    week = week if week is not None else cfg["split"]["test"][0]
    if not store.has_tracking:
        raise DataError("evaluation reads predictions from a store", file=str(store.path))
    preds = store.predictions(week)
    if preds is None or preds.filter(pl.col("model") == name).height == 0:
        predict_week(model_dir, store, week, name=name)
        preds = store.predictions(week)
    mpath = Path(model_dir) / "metrics.json"
    majority = 0
    if mpath.exists():
        majority = int(json.loads(mpath.read_text()).get("majority_class", "Zone") == "Man")
    report, curve = evaluate_predictions(preds.filter(pl.col("model") == name),
                                         store.plays().filter(pl.col("week") == week), majority)
    report.update(model=name, week=week, architecture=cfg["architecture"],
                  source=store.source, fingerprint=cfg.get("fingerprint"))
    if write:
        store.write_evaluation(name, week, report, curve)
    return report


def write_outputs(model_dir: str | Path, store: Store, *, test_weeks: Sequence[int] = (),
                  name: str | None = None) -> None:
    """Everything a checkpoint puts in the store, every week: P(man) for every model, the
    family tables too for the family model, attribution summaries on its held-out weeks."""
    run = pipeline(read_config(model_dir)["architecture"])
    for week in store.weeks:
        for write in run.week_writers + (run.test_week_writers if week in test_weeks else ()):
            write(model_dir, store, week, name=name or Path(model_dir).name)


PIPELINES: dict[str, Pipeline] = {
    "context": Pipeline(train_context, load_context, predict_context_frames,
                        week_writers=(predict_week,)),
    "transformer": Pipeline(train_tracking, load_frame_model, predict_frame_model,
                            week_writers=(predict_week,)),
    "lstm": Pipeline(train_tracking, load_frame_model, predict_frame_model,
                     week_writers=(predict_week,)),
    # family probabilities, responsibilities and the P(man) rows in one pass
    "family": Pipeline(train_family, load_explainer, predict_family_frames,
                       week_writers=(predict_family_week,),
                       test_week_writers=(attribution_week,)),
}


def pipeline(architecture: str, *, error: type[Exception] = CheckpointError) -> Pipeline:
    """The pipeline of ``architecture``; anything else cannot be trained or loaded."""
    if architecture not in PIPELINES:
        raise error(f"unknown architecture '{architecture}'; known: {', '.join(PIPELINES)}")
    return PIPELINES[architecture]
