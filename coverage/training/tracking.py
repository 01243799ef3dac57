"""Training the per-frame man/zone models (transformer, LSTM): fit on the train weeks,
select on the validation week, score the test week once, save the checkpoint.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import torch
from torch import nn

from coverage import evaluation
from coverage.config import portable_path
from coverage.errors import DataError
from coverage.features import FEATURES, FrameTensors, input_hparams
from coverage.models.checkpoint import fingerprint, save_checkpoint
from coverage.models.registry import build_model
from coverage.models.train_encoder import train_precision
from coverage.models.transformer import INFERENCE_DTYPE
from coverage.store import Store
from coverage.training.data import resolve_split
from coverage.training.frame_models import lstm_logits, model_logits, transformer_logits
from coverage.training.frames import load_frames
from coverage.training.loop import (
    FitResult,
    MaskedBCE,
    fit,
    pick_device,
    resolve_pos_weight,
    seed_everything,
)
from coverage.training.options import NETWORK_DEFAULTS, TrainOptions
from coverage.training.sampling import lstm_batches, window_batches, window_sampling
from coverage.training.windows import WindowedTransformer, train_dropout
from coverage.vocab import man_zone_name


def _fit(opts: TrainOptions, tr: FrameTensors, va: FrameTensors, pw: float,
         device: torch.device) -> tuple[nn.Module, dict[str, Any], FitResult]:
    """Seed, build the model with the training weeks' normalisation, fit on val loss."""
    norm = input_hparams(tr.x[np.flatnonzero(~np.isnan(tr.y))[::7]], opts.inputs.feature_set)
    rng = seed_everything(opts.run.seed)
    k, stride = opts.inputs.history, opts.inputs.stride
    lab = np.flatnonzero(~np.isnan(va.y))
    if opts.run.model == "lstm":  # whole plays a batch
        batches = lstm_batches(tr, max(1, opts.optim.batch_size // 16))

        def val_logits(m: nn.Module) -> tuple[np.ndarray, np.ndarray]:
            return lstm_logits(m, va, 256, device)[lab], va.y[lab]
    else:
        per_play = opts.inputs.frames_per_play
        batches = window_batches(tr, k, stride, per_play,
                                 window_sampling(per_play, opts.inputs.chunk)["chunk"],
                                 opts.optim.batch_size)

        # epochs are compared on the moments a stride apart back from the snap (half the
        # encoding of every moment with the default stride; the whole week after training),
        # in the frame encoder's inference dtype: selected on what `predict` will serve
        grid = np.flatnonzero(~np.isnan(va.y) & va.snap_grid(stride))

        def val_logits(m: nn.Module) -> tuple[np.ndarray, np.ndarray]:
            return (transformer_logits(m, va, k, stride, 4096, device, grid,
                                       dtype=INFERENCE_DTYPE), va.y[grid])
    hparams = {"n_features": len(FEATURES), **NETWORK_DEFAULTS[opts.run.model],
               **opts.inputs.hparams, **norm}
    model = build_model(opts.run.model, hparams)
    o = opts.optim
    windowed = (None if opts.run.model == "lstm"
                else WindowedTransformer(model, k, train_dropout(model, device, rng),
                                        train_precision(o.precision, device)))
    res = fit(model, batches, MaskedBCE(pw, val_logits), rng=rng, epochs=o.epochs, lr=o.lr,
              weight_decay=o.weight_decay, patience=o.patience, device=device,
              progress=o.progress, desc=opts.run.model, compile_model=o.compile,
              train_module=windowed,
              on_epoch=opts.hooks.on_epoch, time_budget_s=o.time_budget_s,
              resume_dir=o.resume_dir, warmup_steps=o.warmup_steps,
              average_epochs=o.average_epochs)
    return model, hparams, res


def run_config(architecture: str, opts: TrainOptions, store: Store,
               split: dict[str, tuple[int, ...]], hparams: dict[str, Any],
               label_column: str) -> dict[str, Any]:
    """What every tracking checkpoint's config records: its network, inputs, seed, week
    split and data (the fingerprint of the training weeks' ``label_column``)."""
    tp = store.plays().filter(pl.col("week").is_in(list(split["train"])))
    return {
        "architecture": architecture, "hparams": hparams, "features": list(FEATURES),
        "feature_set": opts.inputs.feature_set, "history": opts.inputs.history,
        "stride": opts.inputs.stride, "max_secs": opts.inputs.max_secs, "seed": opts.run.seed,
        "split": {s: list(w) for s, w in split.items()},
        "data": {"path": portable_path(store.path), "source": store.source},
        "fingerprint": fingerprint(tp["gameId"].to_numpy(), tp["playId"].to_numpy(),
                                   tp[label_column].to_list()),
    }


def _score_test(model: nn.Module, cfg: dict[str, Any], store: Store, weeks: tuple[int, ...],
                majority: int, device: torch.device, te: FrameTensors | None = None
                ) -> tuple[dict, pl.DataFrame, FrameTensors]:
    """The one and only look at the test week: metrics and the accuracy-by-time curve."""
    te = load_frames(store, weeks, None) if te is None else te
    zt = model_logits(model, cfg, te, device)
    lab_t = ~np.isnan(te.y)
    scored = pl.DataFrame({"gameId": te.game_id[lab_t], "playId": te.play_id[lab_t],
                           "secs_from_snap": te.secs[lab_t], "y": te.y[lab_t],
                           "p_man": evaluation.sigmoid(zt[lab_t])})
    curve = evaluation.accuracy_by_time(scored, max_secs=10.0,
                                        majority_class=majority).drop("model")
    return evaluation.frame_summaries(te.y, evaluation.sigmoid(zt), te.secs, majority), curve, te


def train_tracking(opts: TrainOptions, store: Store,
                   frames: dict[str, FrameTensors] | None = None) -> dict[str, Any]:
    """Train the transformer or LSTM on train weeks, select on val, score test once.

    ``frames`` ({"train", "val"} tensors, and optionally "test") lets a tuner or
    ``coverage init`` build them once and share them with every trial or model;
    ``opts.hooks.score_test=False`` (tuning trials) never loads the test week.
    """
    run = opts.run
    split = resolve_split(store.weeks, run.train_weeks, run.val_weeks, run.test_weeks)
    device = pick_device(opts.optim.device)
    if frames is None:
        frames = {k: load_frames(store, w, opts.inputs.max_secs) for k, w in split.items()
                  if k != "test"}
    tr, va = frames["train"], frames["val"]
    if len(tr) == 0 or len(va) == 0:
        raise DataError("no pre-snap frames with 11 v 11 players in the train/val weeks",
                        file=str(store.path))
    starts, _ = tr.play_bounds()
    y_plays = tr.y[starts][~np.isnan(tr.y[starts])]
    pw = resolve_pos_weight(y_plays, opts.optim.pos_weight)
    model, hparams, res = _fit(opts, tr, va, pw, device)
    cfg = {**run_config(run.model, opts, store, split, hparams, "pff_manZone"),
           "logit_offset": -math.log(pw), "temperature": 1.0, "pos_weight": pw}
    lab = ~np.isnan(va.y)
    zv = model_logits(model, cfg, va, device)  # as predict serves it
    cfg["temperature"] = evaluation.fit_temperature(zv[lab], va.y[lab])
    zv = zv / cfg["temperature"]
    majority = int(np.mean(y_plays) >= 0.5)
    test_metrics, curve, n_test, dropped_test = None, None, 0, 0
    if opts.hooks.score_test:
        test_metrics, curve, te = _score_test(model, cfg, store, split["test"], majority, device,
                                               frames.get("test"))
        n_test, dropped_test = len(te), te.dropped_frames
    report = {
        "model": run.name or run.model, "best_epoch": res.best_epoch,
        "val": evaluation.frame_summaries(va.y, evaluation.sigmoid(zv), va.secs, majority),
        "test": test_metrics,
        "frames": {"train": len(tr), "val": len(va), "test": n_test,
                   "dropped_incomplete": tr.dropped_frames + va.dropped_frames
                   + dropped_test},
        "history": res.history, "training": {**res.summary(), **(
            {} if run.model == "lstm" else
            {"sampling": window_sampling(opts.inputs.frames_per_play, opts.inputs.chunk)})},
        "majority_class": man_zone_name(bool(majority)),
    }
    out = Path(run.out_root) / (run.name or run.model)
    save_checkpoint(out, model.cpu(), cfg, report)
    return {"dir": str(out), "config": cfg, "metrics": report, "accuracy_by_time": curve}
