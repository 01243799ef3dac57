"""Every architecture's pipeline — train, load, predict, write its store outputs — and the
entry points that dispatch on a checkpoint's architecture.

Which models exist, and which functions train, load and run each, is the one table in
:mod:`coverage.models.registry`; this module resolves a row into callables
(:func:`pipeline`) and runs them, so adding a model is one row there.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
from torch import nn

from coverage import prior, vocab
from coverage.errors import CheckpointError, CoverageError, DataError
from coverage.family.predict import predict_family_week
from coverage.features import FrameTensors
from coverage.frame_cache import week_frames
from coverage.models import registry
from coverage.models.checkpoint import Checkpoint, predicted_by, read_config
from coverage.schema import PREDICTION_SCHEMA
from coverage.store import PlayTables, Store
from coverage.training.data import held_out
from coverage.training.evaluate import evaluate_predictions
from coverage.training.options import TrainOptions

# (model_dir, store, week, *, name) -> writes this checkpoint's rows of one week
WeekWriter = Callable[..., Any]


@dataclass(frozen=True)
class Pipeline:
    """A row of :data:`coverage.models.registry.MODELS` resolved into callables (see
    :class:`coverage.models.registry.ModelSpec` for their signatures); a tracking model's
    predictor starts from its checkpoint's context prior."""

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


def prediction_weeks(architecture: str, store: Store) -> list[int]:
    """The weeks a checkpoint of ``architecture`` can predict in ``store``."""
    return store.weeks if registry.spec(architecture).needs_tracking else store.label_weeks


def train(opts: TrainOptions, store: PlayTables, frames: Mapping[str, Any] | None = None
          ) -> dict[str, Any]:
    """Train ``opts.run.model``; returns the checkpoint dir, config and metrics (plus
    whatever ``opts.hooks.on_finish`` adds, e.g. an MLflow run id).

    ``frames``: a tracking model's weeks' frames, built once by the caller for several
    models (:class:`coverage.family.week_frames.WeekFrames`).

    Experiment tooling (MLflow, Ray Tune) plugs in through ``opts.hooks``; nothing here
    imports it.
    """
    run = pipeline(opts.run.model, error=ValueError)
    if opts.inputs.prior:  # refuse a wrong prior now, not after the training it follows
        if not run.takes_prior:
            raise CoverageError(f"--prior applies to the tracking models "
                                f"({', '.join(registry.TAKES_PRIOR)}), not to "
                                f"'{opts.run.model}'")
        prior.per_play_pipeline(opts.inputs.prior)
    t0 = time.perf_counter()
    hooks = opts.hooks
    if hooks.on_start is not None:
        hooks.on_start(opts)
    try:
        out = run.trainer(opts, store, **({} if frames is None else {"frames": frames}))
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
                 name: str | None = None,
                 loaded: tuple[nn.Module, dict[str, Any]] | None = None,
                 frames: FrameTensors | None = None) -> pl.DataFrame:
    """P(man) for every pre-snap frame of ``week`` (batched: a week is a few large
    tensors); this model's rows of the store's predictions are replaced with them.

    ``loaded``: the checkpoint's (model, config), loaded once for several weeks;
    ``frames``: a tracking model's frames of the week, built already
    (:func:`coverage.frame_cache.week_frames`, while torch loads)."""
    if not store.has_tracking:
        raise DataError("predictions are written into a store; pass a store folder",
                        file=str(store.path))
    model, cfg = loaded or load_model(model_dir)
    name = name or Path(model_dir).name
    run = pipeline(cfg["architecture"])
    plays = store.plays_with_formations(every_play=run.per_play).filter(pl.col("week") == week)
    if plays.height == 0:
        raise DataError(f"week {week} has no plays in the store", file=str(store.path),
                        expected=f"one of weeks {prediction_weeks(cfg['architecture'], store)}")
    out = run.predictor(model, cfg, store, week, plays, device=device, batch_size=batch_size,
                        **({} if frames is None or run.per_play else {"frames": frames}))
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


def record_predictions(store: Store, name: str, weeks: Sequence[int], digest: str, *,
                       replace: bool = False) -> None:
    """Note in the store's manifest that checkpoint ``digest`` wrote ``name``'s P(man) rows
    of ``weeks`` (``replace``: of exactly these weeks), so whoever reads them later can tell
    them from another checkpoint's."""
    def change(manifest: dict[str, dict]) -> None:
        entry = manifest.setdefault(name, {})
        entry["weeks"] = {**({} if replace else entry.get("weeks", {})),
                          **{str(w): digest for w in weeks}}
    store.update_manifest(change)  # under the store's lock: no other writer's entry lost


def evaluate(model_dir: str | Path, store: Store, week: int | None = None,
             *, write: bool = True, name: str | None = None) -> dict[str, Any]:
    """Score this checkpoint's predictions for ``week`` (default: its config's test week).

    Stored predictions are found by name but trusted by identity: unless the manifest says
    this very checkpoint (weights hash) wrote them, another model that shared the folder
    name did, so the week is predicted again first.
    """
    cfg = read_config(model_dir)
    digest = prior.prediction_digest(model_dir)  # a changed context prior: predict again
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
    majority = int(Checkpoint(Path(model_dir)).metrics.get("majority_class", vocab.ZONE)
                   == vocab.MAN)
    plays = store.all_plays() if pipeline(cfg["architecture"]).per_play else store.plays()
    report, curve = evaluate_predictions(preds, plays.filter(pl.col("week") == week), majority)
    report.update(model=name, week=week, architecture=cfg["architecture"],
                  source=store.source, trained_on=cfg.get("data", {}).get("source", "unknown"),
                  fingerprint=cfg.get("fingerprint"), checkpoint=digest,
                  # False for a week it trained or was selected on (a 2-week download)
                  held_out=held_out(cfg.get("split") or {}) and week in (
                      cfg.get("split") or {}).get("test", [week]))
    if write:
        store.write_evaluation(name, week, report, curve)
    return report


def write_outputs(model_dir: str | Path, store: Store, *, test_weeks: Sequence[int] = (),
                  name: str | None = None) -> None:
    """Everything a checkpoint puts in the store, every week: P(man) for every model, the
    family tables too for the family model, attribution summaries on ``test_weeks``."""
    arch = read_config(model_dir)["architecture"]
    run = pipeline(arch)
    weeks = prediction_weeks(arch, store)
    # a tracking model's P(man) writer: the model loaded once, each next week's frames
    # built (polars, numpy: mostly without the GIL) while this week's are predicted
    shared = predict_week in run.week_writers and not run.per_play
    loaded = load_model(model_dir) if shared else None
    with ThreadPoolExecutor(1, thread_name_prefix="coverage-frames") as pool:
        ahead = (pool.submit(week_frames, store, weeks[0], keep=True) if shared and weeks
                 else None)
        for i, week in enumerate(weeks):
            frames = ahead.result() if ahead is not None else None
            ahead = (pool.submit(week_frames, store, weeks[i + 1], keep=True)
                     if shared and i + 1 < len(weeks) else None)
            for write in run.week_writers:
                kw = {"loaded": loaded, "frames": frames} if write is predict_week else {}
                write(model_dir, store, week, name=name or Path(model_dir).name, **kw)
            if week in test_weeks:
                write_test_outputs(model_dir, store, [week], name=name)


def write_test_outputs(model_dir: str | Path, store: Store, weeks: Sequence[int], *,
                       name: str | None = None) -> None:
    """What a checkpoint writes for its held-out weeks only (the family model's attribution
    summaries): part of :func:`write_outputs`, or written later on its own when ``coverage
    init`` deferred them (:func:`coverage.serving.write_deferred`)."""
    run = pipeline(read_config(model_dir)["architecture"])
    for week in weeks:
        for write in run.test_week_writers:
            write(model_dir, store, week, name=name or Path(model_dir).name)


def family_week(model_dir: str | Path, store: Store, week: int, *, name: str | None = None,
                write: bool = True) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The family model's week writer: its tables with its context prior applied."""
    return predict_family_week(model_dir, store, week, name=name, write=write,
                               adjust=prior.adjust_family_logits)


@functools.cache
def _resolved(architecture: str) -> Pipeline:
    s = registry.MODELS[architecture]
    get = registry.resolve
    predictor = get(s.predictor)
    return Pipeline(get(s.trainer), get(s.loader),
                    prior.with_prior(predictor) if s.takes_prior else predictor,
                    week_writers=(get(s.week_writer),),
                    test_week_writers=(get(s.test_week_writer),) if s.test_week_writer else (),
                    per_play=not s.needs_tracking, takes_prior=s.takes_prior)


def pipeline(architecture: str, *, error: type[Exception] = CheckpointError) -> Pipeline:
    """The pipeline of ``architecture``; anything else cannot be trained or loaded."""
    registry.spec(architecture, error=error)
    return _resolved(architecture)
