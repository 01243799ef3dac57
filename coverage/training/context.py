"""The context prior's training and inference: one P(man) per play from the situation alone.

Four small variants (logistic regression or an MLP, with or without the defense's
identity) are fitted with the shared loop and the one with the lowest validation-week
log-loss is kept; the test week is scored once, after that choice.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import torch

from coverage import evaluation
from coverage.errors import CheckpointError
from coverage.models import build_model, fingerprint, load_checkpoint, save_checkpoint
from coverage.models.checkpoint import check_calibration, read_config
from coverage.models.context import (
    NUMERIC_FEATURES,
    available_categoricals,
    context_table,
    encode,
    fit_encoding,
)
from coverage.schema import PLAY_KEYS
from coverage.store import Store
from coverage.training import loop
from coverage.training.data import label_expr, resolve_split
from coverage.training.options import TrainOptions


def label_counts(plays: pl.DataFrame, weeks: Sequence[int]) -> dict[str, int]:
    """Man / Zone / Other / missing counts, so excluded plays are reported, not hidden."""
    sub = plays.filter(pl.col("week").is_in(list(weeks)))
    col = sub["pff_manZone"].fill_null("missing")
    counts = dict(zip(*col.value_counts().to_dict(as_series=False).values(), strict=True))
    return {k: int(counts.get(k, 0)) for k in ("Man", "Zone", "Other", "missing")}


def context_logits(model: torch.nn.Module, enc: dict, table: pl.DataFrame,
                   device: torch.device | str = "cpu") -> np.ndarray:
    num, cats = encode(table, enc)
    model = model.to(device).eval()
    with torch.no_grad():
        z = model(torch.from_numpy(num).to(device), torch.from_numpy(cats).to(device))
    return z.cpu().numpy().astype(np.float64)


def _batches(num: np.ndarray, cats: np.ndarray, y: np.ndarray, batch_size: int):
    def gen(rng: np.random.Generator) -> Iterator:
        order = rng.permutation(len(y))
        for i in range(0, len(order), batch_size):
            j = order[i:i + batch_size]
            yield ((torch.from_numpy(num[j]), torch.from_numpy(cats[j])),
                   torch.from_numpy(y[j]), None)
    return gen


def _fit_variants(opts: TrainOptions, table: pl.DataFrame, part: dict[str, pl.DataFrame],
                  y_tr: np.ndarray, pw: float, device: torch.device) -> list[tuple]:
    """Every variant, each from the same seed: (val loss, team?, cats, hparams, encoding,
    model, fit result), best first."""
    variants = []
    for use_team in (False, True):
        for hidden in (0, 32):
            cats = available_categoricals(table, use_team=use_team,
                                          use_formations=opts.inputs.formations)
            hp = {"emb_dim": 4, "hidden": hidden, "dropout": 0.1, **opts.inputs.hparams}
            variants.append((use_team, cats, hp))
    o = opts.optim
    results = []
    for use_team, cats, hp in variants:
        rng = loop.seed_everything(opts.run.seed)
        enc = fit_encoding(part["train"], cats)
        hparams = {"n_numeric": len(enc["numeric"]),
                   "cardinalities": [len(enc["vocab"][c]) for c in cats], **hp}
        model = build_model("context", hparams)
        num, cat = encode(part["train"], enc)
        vnum, vcat = encode(part["val"], enc)
        yv = part["val"]["label"].to_numpy()

        def val_fn(m, vnum=vnum, vcat=vcat, yv=yv):
            z = m(torch.from_numpy(vnum).to(device), torch.from_numpy(vcat).to(device))
            return z.cpu().numpy().astype(np.float64), yv

        # Every variant trains at ``lr``. (An intended 3x rate for the logistic regression
        # never took effect: it read a loop variable left at 32. Kept, so retraining
        # reproduces the shipped checkpoint; changing it is a modelling decision.)
        res: loop.FitResult = loop.fit(
            model, _batches(num, cat, y_tr, o.batch_size), loop.MaskedBCE(pw, val_fn), rng=rng,
            epochs=o.epochs, lr=o.lr, weight_decay=o.weight_decay, patience=o.patience,
            device=device, progress=o.progress,
            desc=f"context hidden={hp['hidden']} team={use_team}", on_epoch=opts.hooks.on_epoch,
            time_budget_s=o.time_budget_s and o.time_budget_s / len(variants))
        results.append((res.best_val_loss, use_team, cats, hparams, enc, model, res))
    results.sort(key=lambda r: r[0])
    return results


def train_context(opts: TrainOptions, store: Store | None = None) -> dict[str, Any]:
    """Fit logistic regression and an MLP, with and without the defense's identity;
    keep whichever has the lowest validation log-loss; score the test week once."""
    run = opts.run
    store = store or Store.open(run.data)
    # every labelled play, tracked or not: the context needs no tracking
    split = resolve_split(store.label_weeks, run.train_weeks, run.val_weeks, run.test_weeks)
    table = context_table(store.plays_with_formations(every_play=True),
                          store.player_play()).with_columns(label_expr())
    part = {k: table.filter(pl.col("week").is_in(list(w)) & pl.col("label").is_not_null())
            for k, w in split.items()}
    device = loop.pick_device(opts.optim.device)
    y_tr = part["train"]["label"].to_numpy().astype(np.float32)
    pw = loop.resolve_pos_weight(y_tr, opts.optim.pos_weight)
    offset = -math.log(pw)
    results = _fit_variants(opts, table, part, y_tr, pw, device)
    val_loss, use_team, cats, hparams, enc, model, res = results[0]

    zv = context_logits(model, enc, part["val"], device) + offset
    yv = part["val"]["label"].to_numpy()
    temp = evaluation.fit_temperature(zv, yv)
    majority = int(np.mean(y_tr) >= 0.5)
    val_metrics = evaluation.summary(yv, evaluation.sigmoid(zv / temp), majority)
    # --- the one and only look at the test week
    zt = context_logits(model, enc, part["test"], device) + offset
    yt = part["test"]["label"].to_numpy()
    test_metrics = evaluation.summary(yt, evaluation.sigmoid(zt / temp), majority)

    name = run.name or "context"
    tr = part["train"]
    config = {
        "architecture": "context",
        "hparams": hparams,
        "features": list(enc["numeric"]) + list(enc["categorical"]),
        "encoding": enc,
        "logit_offset": offset,
        "temperature": temp,
        "pos_weight": pw,
        "seed": run.seed,
        "split": {k: list(v) for k, v in split.items()},
        "data": {"path": str(store.path), "source": store.source},
        "fingerprint": fingerprint(tr["gameId"].to_numpy(), tr["playId"].to_numpy(),
                                   tr["pff_manZone"].to_list()),
        "selected": {"hidden": hparams["hidden"], "defensive_team": use_team,
                     "formations": opts.inputs.formations},
    }
    report = {
        "model": name,
        "val": val_metrics,
        "test": test_metrics,
        "labels": {k: label_counts(store.all_plays(), w) for k, w in split.items()},
        "variants": [{"hidden": r[3]["hidden"], "defensive_team": r[1], "val_loss": r[0],
                      "best_epoch": r[6].best_epoch} for r in results],
        "history": res.history,
        "majority_class": "Man" if majority else "Zone",
    }
    out = Path(run.out_root) / name
    save_checkpoint(out, model.cpu(), config, report)
    return {"dir": str(out), "config": config, "metrics": report}


# ------------------------------------------------------------------ inference
def load_context(model_dir: str | Path) -> tuple[torch.nn.Module, dict[str, Any]]:
    """Load a context checkpoint whose numeric features are the ones this code encodes."""
    cfg = read_config(model_dir)
    check_calibration(cfg, model_dir, ("logit_offset", "temperature"))
    if cfg.get("encoding", {}).get("numeric") != list(NUMERIC_FEATURES):
        raise CheckpointError(f"checkpoint {model_dir}: context feature list differs from "
                              f"this code's {list(NUMERIC_FEATURES)}; retrain it")
    return load_checkpoint(model_dir)


def _frame_keys(store: Store, week: int) -> pl.DataFrame:
    if not store.has_tracking or week not in store.weeks:
        return pl.DataFrame(schema={"gameId": pl.Int64, "playId": pl.Int64,
                                    "frameId": pl.Int32, "secs_from_snap": pl.Float32})
    return (store.tracking(week)
            .filter(pl.col("secs_from_snap") <= 0)
            .select("gameId", "playId", "frameId", "secs_from_snap").unique()
            .sort("gameId", "playId", "frameId").collect())


def predict_context_frames(model: torch.nn.Module, cfg: dict[str, Any], store: Store,
                           week: int, plays: pl.DataFrame, *, device: str = "auto",
                           batch_size: int = 4096) -> pl.DataFrame:
    """The play's calibrated P(man) on every pre-snap frame of it (the context pipeline's
    predictor); one row with null frame columns for a play without tracking."""
    table = context_table(plays, store.player_play())
    z = context_logits(model, cfg["encoding"], table, loop.pick_device(device))
    p = evaluation.sigmoid((z + cfg["logit_offset"]) / cfg["temperature"])
    per_play = table.select("gameId", "playId").with_columns(
        pl.Series("p_man", p, dtype=pl.Float32))
    return per_play.join(_frame_keys(store, week), on=PLAY_KEYS, how="left")
