"""The ``tabular`` pipeline's trainer and predictor (see :mod:`coverage.pipelines`; its
loader is :func:`coverage.tabular.checkpoint.load_tabular_checkpoint`).

A per-play model (no tracking needed): every labelled play of the store (tracked or not)
trains, weeks 1-7 / 8 / 9 by default, the test week is scored once after the validation
week chose the grid point and the calibration, and the predictor gives one P(man) per
play spread over its pre-snap frames (null frame columns for a play without tracking).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
from scipy import special

from coverage import evaluation
from coverage.atomic import write_json, write_parquet
from coverage.config import portable_path
from coverage.family.baselines import fit_family_prior, predict_family_prior
from coverage.models.checkpoint import IMPORTANCE, TENDENCIES, fingerprint
from coverage.schema import PLAY_KEYS
from coverage.store import PlayTables, Store
from coverage.tabular.checkpoint import ARCHITECTURE, save_tabular
from coverage.tabular.context import label_counts
from coverage.tabular.features import play_features, players_table, store_features
from coverage.tabular.importance import group_importance, tendency_table
from coverage.tabular.model import (
    TabularModel,
    family_probabilities,
    fit_tabular,
    man_probability,
    rows_for,
)
from coverage.tabular.refit import refit_tabular
from coverage.tabular.tendencies import defender_rows
from coverage.training.data import resolve_split
from coverage.training.options import TrainOptions
from coverage.vocab import FAMILIES, man_zone_name


def family_summary(probs: np.ndarray, y: np.ndarray) -> dict[str, float | int]:
    """Top-1 (with its Wilson interval), top-2 and log-loss of family probabilities."""
    order = np.argsort(-probs, axis=1)
    top1 = evaluation.rate(order[:, 0] == y)
    p_true = np.clip(probs[np.arange(len(y)), y.astype(int)], 1e-7, 1.0)
    return {"top1": top1["accuracy"], "top1_ci_low": top1["ci_low"],
            "top1_ci_high": top1["ci_high"],
            "top2": evaluation.rate((order[:, :2] == y[:, None]).any(axis=1))["accuracy"],
            "log_loss": float(-np.mean(np.log(p_true))), "n": int(len(y))}


def split_metrics(model: TabularModel, rows: pl.DataFrame, majority: int,
                  family_prior: dict[str, Any] | None = None) -> dict[str, Any]:
    """Man/zone metrics (Wilson CI) and family top-1/top-2 of one week's rows, with the
    family context prior beside them when given."""
    man = rows.filter(pl.col("label").is_not_null())
    out = dict(evaluation.summary(man["label"].to_numpy(), man_probability(model, man),
                                  majority))
    fam = rows.filter(pl.col("family_id").is_not_null())
    y = fam["family_id"].to_numpy()
    out["family"] = family_summary(family_probabilities(model, fam), y)
    if family_prior is not None:
        out["family_prior"] = family_summary(predict_family_prior(family_prior, fam), y)
    return out


def _config(opts: TrainOptions, store: PlayTables, split: dict, model: TabularModel,
            train_rows: pl.DataFrame) -> dict[str, Any]:
    return {
        "hparams": {"man": model.info.get("man_params", {}),
                    "family": model.info.get("family_params", {}), **opts.inputs.hparams},
        "seed": opts.run.seed,
        "split": {k: list(v) for k, v in split.items()},
        "data": {"path": portable_path(store.path), "source": store.source},
        "fingerprint": fingerprint(train_rows["gameId"].to_numpy(),
                                   train_rows["playId"].to_numpy(),
                                   train_rows["pff_manZone"].to_list()),
        "selected": {"man_grid": model.info.get("man_grid", []),
                     "family_grid": model.info.get("family_grid", [])},
    }


def _oof_summary(model: TabularModel) -> dict[str, Any]:
    """Calibrated out-of-fold metrics on the refit weeks (what the calibration was fitted
    on, so an in-sample check of the calibration, not a test)."""
    oof = model.info["oof"]
    man = oof["label"]
    z = man["z0"].to_numpy()
    a, b = model.platt
    out = dict(evaluation.summary(man["y"].to_numpy(), evaluation.sigmoid(a * z + b), 0))
    if "family_id" in oof:
        fam = oof["family_id"]
        zf = fam.select(pl.col("^z\\d+$")).to_numpy() / model.family_temperature
        out["family"] = family_summary(special.softmax(zf, axis=1), fam["y"].to_numpy())
    return out


def train_tabular(opts: TrainOptions, store: PlayTables) -> dict[str, Any]:
    """Fit tendencies + LightGBM (man/zone and families) on the training weeks, choose and
    calibrate on the validation week, score the test week once; save the checkpoint with
    its feature importance and learned tendencies beside it.

    ``hparams["refit"]`` (``coverage train --model tabular --refit``): after the same
    selection, refit on training + validation weeks with the selected settings and
    calibrate out-of-fold (:mod:`coverage.tabular.refit`); the config's split then reads
    ``train`` = both, ``selected_on`` = the validation week."""
    run = opts.run
    split = resolve_split(store.label_weeks, run.train_weeks, run.val_weeks, run.test_weeks)
    table = store_features(store)
    defenders = defender_rows(store.player_play(), players_table(store), table)
    hp = opts.inputs.hparams
    selection = fit_tabular(table, defenders, split["train"], split["val"], seed=run.seed,
                            max_rounds=int(hp.get("max_rounds", 3000)),
                            families=bool(hp.get("families", True)))
    model, fit_split = selection, {k: list(v) for k, v in split.items()}
    if hp.get("refit"):
        model = refit_tabular(table, defenders, selection, split["train"], split["val"],
                              seed=run.seed)
        fit_split = {"train": sorted({*split["train"], *split["val"]}),
                     "selected_on": list(split["val"]), "test": list(split["test"])}
    rows = rows_for(table, defenders, model.tendencies)
    part = {k: rows.filter(pl.col("week").is_in(list(w))) for k, w in fit_split.items()}
    train_lab = part["train"].filter(pl.col("label").is_not_null())
    majority = int(train_lab["label"].mean() >= 0.5)
    prior = fit_family_prior(store.all_plays().filter(
        pl.col("week").is_in(list(fit_split["train"]))))
    sel_rows = rows if model is selection else rows_for(table, defenders, selection.tendencies)
    val_rows = sel_rows.filter(pl.col("week").is_in(list(split["val"])))
    report = {"model": run.name or ARCHITECTURE,
              # the week that chose the settings, scored by the model it chose
              "val": split_metrics(selection, val_rows, majority, prior),
              # --- the one and only look at the test week
              "test": split_metrics(model, part["test"], majority, prior),
              "labels": {k: label_counts(store.all_plays(), w) for k, w in fit_split.items()},
              "majority_class": man_zone_name(bool(majority)),
              "families": list(FAMILIES)}
    out = Path(run.out_root) / (run.name or ARCHITECTURE)
    cfg = _config(opts, store, fit_split, model, train_lab)
    if hp.get("refit"):
        report |= {"out_of_fold": _oof_summary(model), "refit": model.info["refit"]}
        cfg["refit"] = model.info["refit"]
    save_tabular(out, model, cfg, report)
    val = val_rows.filter(pl.col("label").is_not_null())
    # importance needs rows the model never saw: the selection model on its validation week
    imp = group_importance(selection, val, val["label"].to_numpy(), seed=run.seed)
    what = ("" if model is selection else
            " (the weeks-1-7 selection model; the refit has no held-out week)")
    write_json({"metric": "permutation importance per feature group, validation week "
                          f"{list(split['val'])}{what}", "groups": imp.to_dicts()},
               out / IMPORTANCE)
    write_parquet(tendency_table(model.tendencies), out / TENDENCIES)
    return {"dir": str(out), "config": {"architecture": ARCHITECTURE, **cfg}, "metrics": report}


def _frame_keys(store: Store, week: int) -> pl.DataFrame:
    if not store.has_tracking or week not in store.weeks:
        return pl.DataFrame(schema={"gameId": pl.Int64, "playId": pl.Int64,
                                    "frameId": pl.Int32, "secs_from_snap": pl.Float32})
    return (store.tracking(week).filter(pl.col("secs_from_snap") <= 0)
            .select("gameId", "playId", "frameId", "secs_from_snap").unique()
            .sort("gameId", "playId", "frameId").collect())


def predict_plays(model: TabularModel, store: Store, plays: pl.DataFrame) -> pl.DataFrame:
    """(gameId, playId, p_man, p_<family>...) per play: the per-play prior a tracking
    model can take as an input."""
    table = play_features(plays, store.player_play(), players_table(store))
    defenders = defender_rows(store.player_play(), players_table(store), table)
    rows = rows_for(table, defenders, model.tendencies)
    fam = family_probabilities(model, rows)
    return rows.select(PLAY_KEYS).with_columns(
        pl.Series("p_man", man_probability(model, rows), dtype=pl.Float32),
        *[pl.Series(f"p_{f}", fam[:, i], dtype=pl.Float32) for i, f in enumerate(FAMILIES)])


def predict_tabular_frames(model: TabularModel, cfg: dict[str, Any], store: Store, week: int,
                           plays: pl.DataFrame, *, device: str = "auto",
                           batch_size: int = 4096) -> pl.DataFrame:
    """The pipeline's predictor: the play's calibrated P(man) on each pre-snap frame."""
    per_play = predict_plays(model, store, plays).select(*PLAY_KEYS, "p_man")
    return per_play.join(_frame_keys(store, week), on=PLAY_KEYS, how="left")
