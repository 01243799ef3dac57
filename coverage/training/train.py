"""Seeded training with a strict week split: train 1-7, select on 8, test 9 once.

Everything the reference project got wrong is fixed here by construction: the test week
is scored exactly once after model selection, temperature and early stopping use only the
validation week, and every random draw comes from one seeded numpy Generator.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import torch

from coverage.models import build_model, fingerprint, save_checkpoint
from coverage.models.context import available_categoricals, context_table, encode, fit_encoding
from coverage.training import metrics
from coverage.training.data import Source, label_expr, open_source, resolve_split
from coverage.training.loop import fit, pick_device, resolve_pos_weight, seed_everything

REPO_ROOT = Path(__file__).resolve().parents[2]


@dataclass
class TrainOptions:
    model: str = "transformer"
    data: str | None = None
    name: str | None = None
    out_root: Path = REPO_ROOT / "models"
    seed: int = 0
    epochs: int = 30
    batch_size: int = 256
    lr: float = 1e-3
    weight_decay: float = 1e-4
    patience: int = 5
    pos_weight: str | float = "auto"
    device: str = "auto"
    compile: bool = False
    progress: bool = True
    train_weeks: Sequence[int] | None = None
    val_weeks: Sequence[int] | None = None
    test_weeks: Sequence[int] | None = None
    hparams: dict[str, Any] = field(default_factory=dict)
    # tracking models
    history: int = 5
    stride: int = 2
    frames_per_play: int = 8
    max_secs: float | None = None
    formations: bool = False  # context model: add detected formation / shell features
    # experiment tracking and tuning hooks (coverage.experiments); off for library calls,
    # the CLI turns MLflow on when it is installed
    mlflow: bool = False
    tracking_uri: str | None = None
    mlflow_parent: str | None = None
    on_epoch: Callable[[dict[str, float]], None] | None = None
    score_test: bool = True


def label_counts(plays: pl.DataFrame, weeks: Sequence[int]) -> dict[str, int]:
    """Man / Zone / Other / missing counts, so excluded plays are reported, not hidden."""
    sub = plays.filter(pl.col("week").is_in(list(weeks)))
    col = sub["pff_manZone"].fill_null("missing")
    counts = dict(zip(*col.value_counts().to_dict(as_series=False).values(), strict=True))
    return {k: int(counts.get(k, 0)) for k in ("Man", "Zone", "Other", "missing")}


# ---------------------------------------------------------------- context prior
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


def train_context(opts: TrainOptions, source: Source | None = None) -> dict[str, Any]:
    """Fit logistic regression and an MLP, with and without the defense's identity;
    keep whichever has the lowest validation log-loss; score the test week once."""
    source = source or open_source(opts.data)
    split = resolve_split(source.weeks, opts.train_weeks, opts.val_weeks, opts.test_weeks)
    table = context_table(source.plays, source.player_play).with_columns(label_expr())
    part = {k: table.filter(pl.col("week").is_in(list(w)) & pl.col("label").is_not_null())
            for k, w in split.items()}
    device = pick_device(opts.device)
    y_tr = part["train"]["label"].to_numpy().astype(np.float32)
    pw = resolve_pos_weight(y_tr, opts.pos_weight)
    offset = -math.log(pw)

    variants = []
    for use_team in (False, True):
        for hidden in (0, 32):
            cats = available_categoricals(table, use_team=use_team,
                                          use_formations=opts.formations)
            hp = {"emb_dim": 4, "hidden": hidden, "dropout": 0.1, **opts.hparams}
            variants.append((use_team, cats, hp))
    results = []
    for use_team, cats, hp in variants:
        rng = seed_everything(opts.seed)
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

        res = fit(model, _batches(num, cat, y_tr, opts.batch_size), val_fn, rng=rng,
                  epochs=opts.epochs, lr=opts.lr * (3 if hidden == 0 else 1),
                  weight_decay=opts.weight_decay, pos_weight=pw, patience=opts.patience,
                  device=device, progress=opts.progress,
                  desc=f"context hidden={hidden} team={use_team}", on_epoch=opts.on_epoch)
        results.append((res.best_val_loss, use_team, cats, hparams, enc, model, res))
    results.sort(key=lambda r: r[0])
    val_loss, use_team, cats, hparams, enc, model, res = results[0]

    zv = context_logits(model, enc, part["val"], device) + offset
    yv = part["val"]["label"].to_numpy()
    temp = metrics.fit_temperature(zv, yv)
    majority = int(np.mean(y_tr) >= 0.5)
    val_metrics = metrics.summary(yv, metrics.sigmoid(zv / temp), majority)
    # --- the one and only look at the test week
    zt = context_logits(model, enc, part["test"], device) + offset
    yt = part["test"]["label"].to_numpy()
    test_metrics = metrics.summary(yt, metrics.sigmoid(zt / temp), majority)

    name = opts.name or "context"
    tr = part["train"]
    config = {
        "architecture": "context",
        "hparams": hparams,
        "features": list(enc["numeric"]) + list(enc["categorical"]),
        "encoding": enc,
        "logit_offset": offset,
        "temperature": temp,
        "pos_weight": pw,
        "seed": opts.seed,
        "split": {k: list(v) for k, v in split.items()},
        "data": {"path": str(source.path), "source": source.source},
        "fingerprint": fingerprint(tr["gameId"].to_numpy(), tr["playId"].to_numpy(),
                                   tr["pff_manZone"].to_list()),
        "selected": {"hidden": hparams["hidden"], "defensive_team": use_team,
                     "formations": opts.formations},
    }
    report = {
        "model": name,
        "val": val_metrics,
        "test": test_metrics,
        "labels": {k: label_counts(source.plays, w) for k, w in split.items()},
        "variants": [{"hidden": r[3]["hidden"], "defensive_team": r[1], "val_loss": r[0],
                      "best_epoch": r[6].best_epoch} for r in results],
        "history": res.history,
        "majority_class": "Man" if majority else "Zone",
    }
    out = Path(opts.out_root) / name
    save_checkpoint(out, model.cpu(), config, report)
    return {"dir": str(out), "config": config, "metrics": report}


def train(opts: TrainOptions) -> dict[str, Any]:
    """Dispatch on ``opts.model``; returns the checkpoint dir, config and metrics.

    With ``opts.mlflow`` the run (params, per-epoch validation metrics, final metrics,
    accuracy-by-time curve, checkpoint JSON) is recorded in MLflow as it happens.
    """
    t0 = time.perf_counter()
    run = None
    if opts.mlflow:
        from coverage.experiments.tracking import TrainingRun

        run = TrainingRun.start(opts)
        opts = replace(opts, on_epoch=run.epoch_callback(opts.on_epoch))
    try:
        if opts.model == "context":
            out = train_context(opts)
        elif opts.model in ("transformer", "lstm"):
            from coverage.training.tracking import train_tracking

            out = train_tracking(opts)
        else:
            raise ValueError(f"unknown model '{opts.model}' (context, transformer, lstm)")
    except BaseException:
        if run is not None:
            run.fail()
        raise
    out["seconds"] = time.perf_counter() - t0
    if run is not None:
        out["mlflow_run_id"] = run.finish(out)
    return out
