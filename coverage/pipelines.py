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

from coverage import prior
from coverage.errors import CheckpointError, CoverageError, DataError, brief
from coverage.explain.attribution import attribution_week
from coverage.family.predict import (
    compile_explainer,
    load_explainer,
    predict_family_frames,
    predict_family_week,
)
from coverage.family.train import train_family
from coverage.models.checkpoint import checkpoint_hash, predicted_by, read_config
from coverage.schema import PREDICTION_SCHEMA
from coverage.store import PlayTables, Store
from coverage.tabular.pipeline import load_tabular, predict_tabular_frames, train_tabular
from coverage.training.context import load_context, predict_context_frames, train_context
from coverage.training.evaluate import evaluate_predictions
from coverage.training.frame_models import (
    compile_frame_model,
    load_frame_model,
    predict_frame_model,
    train_tracking,
)
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
    # predicts every play of plays.csv (null frame columns without tracking), not only
    # the tracked ones
    per_play: bool = False
    # a tracking model that may start from a per-play context prior (coverage.prior)
    takes_prior: bool = False
    # (model, config) -> package paths: its inference graphs compiled for this machine
    # (coverage.models.aot), which `predict` runs once they are built
    compiler: Callable[[nn.Module, dict[str, Any]], list[Path]] | None = None


def prediction_weeks(architecture: str, store: Store) -> list[int]:
    """The weeks a checkpoint of ``architecture`` can predict in ``store``."""
    return store.label_weeks if pipeline(architecture).per_play else store.weeks


def train(opts: TrainOptions, store: PlayTables) -> dict[str, Any]:
    """Train ``opts.run.model``; returns the checkpoint dir, config and metrics (plus
    whatever ``opts.hooks.on_finish`` adds, e.g. an MLflow run id).

    Experiment tooling (MLflow, Ray Tune) plugs in through ``opts.hooks``; nothing here
    imports it.
    """
    run = pipeline(opts.run.model, error=ValueError)
    if opts.inputs.prior:  # refuse a wrong prior now, not after the training it follows
        if not run.takes_prior:
            raise CoverageError(f"--prior applies to the tracking models (transformer, lstm, "
                                f"family), not to '{opts.run.model}'")
        prior.per_play_pipeline(opts.inputs.prior)
    t0 = time.perf_counter()
    hooks = opts.hooks
    if hooks.on_start is not None:
        hooks.on_start(opts)
    try:
        out = run.trainer(opts, store)
        if opts.inputs.prior and run.takes_prior:
            out = prior.attach(out, opts.inputs.prior, store,
                               load=run.loader, predict=run.predictor)
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
    run = pipeline(cfg["architecture"])
    plays = store.plays_with_formations(every_play=run.per_play).filter(pl.col("week") == week)
    if plays.height == 0:
        raise DataError(f"week {week} has no plays in the store", file=str(store.path),
                        expected=f"one of weeks {prediction_weeks(cfg['architecture'], store)}")
    out = run.predictor(model, cfg, store, week, plays, device=device, batch_size=batch_size)
    out = out.with_columns(pl.lit(name).alias("model")).select(
        [pl.col(c).cast(t) for c, t in PREDICTION_SCHEMA.items()])
    bad = out.filter(~pl.col("p_man").is_finite() | pl.col("p_man").is_null())
    if bad.height:
        g, p = bad.row(0, named=True)["gameId"], bad.row(0, named=True)["playId"]
        raise DataError(f"model {name} gave no finite P(man) on {bad.height} rows of week "
                        f"{week} (non-finite inputs?); nothing was written",
                        file=str(store.path), play=(g, p))
    if write:
        store.write_output("predictions", week, out, name)
    return out


def compile_model(model_dir: str | Path) -> list[Path]:
    """Compile a checkpoint's inference graphs for this machine into the package cache
    (``coverage compile``); ``CoverageError`` when its architecture has none or the
    machine cannot compile (no C++ compiler)."""
    model, cfg = load_model(model_dir)
    run = pipeline(cfg["architecture"])
    if run.compiler is None:
        raise CoverageError(f"{model_dir}: a '{cfg['architecture']}' model has nothing to "
                            "compile (only the transformer and the family model)")
    try:
        return run.compiler(model, cfg)
    except Exception as e:  # noqa: BLE001 - export / C++ toolchain failures of any kind
        raise CoverageError(f"{model_dir}: cannot compile on this machine ({brief(e)}); "
                            "predict runs the eager path instead") from e


def compilable_models(root: str | Path) -> list[Path]:
    """Checkpoint folders under ``root`` whose architecture has graphs to compile."""
    out = []
    for d in sorted(Path(root).iterdir()):
        try:
            arch = read_config(d)["architecture"]
        except (CoverageError, OSError):
            continue
        if arch in PIPELINES and PIPELINES[arch].compiler is not None:
            out.append(d)
    return out


def record_predictions(store: Store, name: str, weeks: Sequence[int], digest: str, *,
                       replace: bool = False) -> None:
    """Note in the store's manifest that checkpoint ``digest`` wrote ``name``'s P(man) rows
    of ``weeks`` (``replace``: of exactly these weeks), so whoever reads them later can tell
    them from another checkpoint's."""
    manifest = store.manifest()
    entry = manifest.setdefault(name, {})
    entry["weeks"] = {**({} if replace else entry.get("weeks", {})),
                      **{str(w): digest for w in weeks}}
    store.write_manifest(manifest)


def evaluate(model_dir: str | Path, store: Store, week: int | None = None,
             *, write: bool = True, name: str | None = None) -> dict[str, Any]:
    """Score this checkpoint's predictions for ``week`` (default: its config's test week).

    Stored predictions are found by name but trusted by identity: unless the manifest says
    this very checkpoint (weights hash) wrote them, another model that shared the folder
    name did, so the week is predicted again first.
    """
    cfg = read_config(model_dir)
    digest = checkpoint_hash(model_dir)
    name = name or Path(model_dir).name
    if week is None:
        try:
            week = int(cfg["split"]["test"][0])
        except (KeyError, IndexError, TypeError, ValueError):
            raise CheckpointError(f"checkpoint {model_dir} names no test week in its config "
                                  "('split': {'test': [...]}); pass --week") from None
    if not store.has_tracking:
        raise DataError("evaluation reads predictions from a store", file=str(store.path))
    preds = store.predictions(week)
    preds = preds.filter(pl.col("model") == name) if preds is not None else None
    if (preds is None or preds.height == 0
            or predicted_by(store.manifest().get(name, {}), week) != digest):
        predict_week(model_dir, store, week, name=name)
        record_predictions(store, name, [week], digest)
        preds = store.predictions(week).filter(pl.col("model") == name)
    mpath = Path(model_dir) / "metrics.json"
    majority = 0
    if mpath.exists():
        majority = int(json.loads(mpath.read_text()).get("majority_class", "Zone") == "Man")
    plays = store.all_plays() if pipeline(cfg["architecture"]).per_play else store.plays()
    report, curve = evaluate_predictions(preds, plays.filter(pl.col("week") == week), majority)
    report.update(model=name, week=week, architecture=cfg["architecture"],
                  source=store.source, trained_on=cfg.get("data", {}).get("source", "unknown"),
                  fingerprint=cfg.get("fingerprint"), checkpoint=digest)
    if write:
        store.write_evaluation(name, week, report, curve)
    return report


def write_outputs(model_dir: str | Path, store: Store, *, test_weeks: Sequence[int] = (),
                  name: str | None = None) -> None:
    """Everything a checkpoint puts in the store, every week: P(man) for every model, the
    family tables too for the family model, attribution summaries on its held-out weeks."""
    arch = read_config(model_dir)["architecture"]
    run = pipeline(arch)
    for week in prediction_weeks(arch, store):
        for write in run.week_writers + (run.test_week_writers if week in test_weeks else ()):
            write(model_dir, store, week, name=name or Path(model_dir).name)


def family_week(model_dir: str | Path, store: Store, week: int, *, name: str | None = None,
                write: bool = True) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The family model's week writer: its tables with its context prior applied."""
    return predict_family_week(model_dir, store, week, name=name, write=write,
                               adjust=prior.adjust_family_logits)


PIPELINES: dict[str, Pipeline] = {
    "context": Pipeline(train_context, load_context, predict_context_frames,
                        week_writers=(predict_week,), per_play=True),
    "transformer": Pipeline(train_tracking, load_frame_model,
                            prior.with_prior(predict_frame_model),
                            week_writers=(predict_week,), takes_prior=True,
                            compiler=compile_frame_model),
    "lstm": Pipeline(train_tracking, load_frame_model, prior.with_prior(predict_frame_model),
                     week_writers=(predict_week,), takes_prior=True),
    # family probabilities, responsibilities and the P(man) rows in one pass
    "family": Pipeline(train_family, load_explainer, prior.with_prior(predict_family_frames),
                       week_writers=(family_week,),
                       test_week_writers=(attribution_week,), takes_prior=True,
                       compiler=compile_explainer),
    # LightGBM on play context + personnel + learned tendencies; one P(man) per play
    "tabular": Pipeline(train_tabular, load_tabular, predict_tabular_frames,
                        week_writers=(predict_week,), per_play=True),
}


def pipeline(architecture: str, *, error: type[Exception] = CheckpointError) -> Pipeline:
    """The pipeline of ``architecture``; anything else cannot be trained or loaded."""
    if architecture not in PIPELINES:
        raise error(f"unknown architecture '{architecture}'; known: {', '.join(PIPELINES)}")
    return PIPELINES[architecture]
