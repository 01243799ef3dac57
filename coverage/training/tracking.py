"""Training and batched inference for the per-frame tracking models.

Sampling is per play, not per frame: a play with a 30 s lineup would otherwise outweigh
a hurry-up snap thirty to one. Each epoch draws ``frames_per_play`` frames from every
labelled play with the seeded Generator, and mirrors half of them (y, vy and angles
together).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import torch
from torch import nn

from coverage.errors import DataError
from coverage.features import (
    FEATURES,
    FrameTensors,
    build_frames,
    concat_frames,
    feature_stats,
    mirror,
)
from coverage.models import build_model, fingerprint, save_checkpoint
from coverage.training import metrics
from coverage.training.data import Source, open_source, resolve_split
from coverage.training.loop import fit, pick_device, resolve_pos_weight, seed_everything


def load_frames(source: Source, weeks: list[int] | tuple[int, ...],
                max_secs: float | None = None) -> FrameTensors:
    """Build frame tensors week by week (one week in memory as a long table at a time)."""
    if source.store is None:
        raise DataError("tracking models need a store with tracking; run "
                        "`coverage ingest RAW_DIR --out STORE` first", file=str(source.path))
    plays = source.plays
    parts = [build_frames(source.store.tracking(w), plays.filter(pl.col("week") == w), max_secs)
             for w in weeks]
    return concat_frames(parts)


def sample_frames(ft: FrameTensors, rng: np.random.Generator, per_play: int) -> np.ndarray:
    """``per_play`` frames from every labelled play (with replacement), shuffled."""
    starts, lengths = ft.play_bounds()
    keep = ~np.isnan(ft.y[starts])
    starts, lengths = starts[keep], lengths[keep]
    offs = np.floor(rng.random((len(starts), per_play)) * lengths[:, None]).astype(np.int64)
    rows = (starts[:, None] + offs).ravel()
    return rows[rng.permutation(rows.size)]


def _mirror_half(x: torch.Tensor, rng: np.random.Generator) -> torch.Tensor:
    flip = torch.from_numpy(rng.random(x.shape[0]) < 0.5)
    if flip.any():
        x = x.clone()
        x[flip] = mirror(x[flip])
    return x


# ----------------------------------------------------------------- transformer
def transformer_batches(ft: FrameTensors, k: int, stride: int, per_play: int,
                        batch_size: int, augment: bool = True):
    hist = ft.history_index(k, stride)

    def gen(rng: np.random.Generator) -> Iterator:
        rows = sample_frames(ft, rng, per_play)
        for i in range(0, rows.size, batch_size):
            r = rows[i:i + batch_size]
            x = torch.from_numpy(ft.x[hist[r]])
            if augment:
                x = _mirror_half(x, rng)
            yield (x,), torch.from_numpy(ft.y[r]), None
    return gen


@torch.no_grad()
def transformer_logits(model: nn.Module, ft: FrameTensors, k: int, stride: int,
                       batch_size: int = 4096, device: torch.device | str = "cpu",
                       rows: np.ndarray | None = None) -> np.ndarray:
    """Raw logits for every frame (or ``rows``), in large batches.

    Each frame is embedded once; the k-frame windows then gather those embeddings,
    which makes inference k times cheaper than encoding every window from scratch.
    """
    model.eval().to(device)
    hist = ft.history_index(k, stride)
    rows = np.arange(len(ft)) if rows is None else rows
    needed = np.unique(hist[rows])
    emb = torch.empty((len(ft), model.dim), dtype=torch.float32)
    for i in range(0, needed.size, batch_size):
        r = needed[i:i + batch_size]
        emb[torch.from_numpy(r)] = model.embed_frames(
            torch.from_numpy(ft.x[r]).to(device)).float().cpu()
    out = np.empty(rows.size, dtype=np.float64)
    for i in range(0, rows.size, batch_size):
        r = rows[i:i + batch_size]
        e = emb[torch.from_numpy(hist[r])].to(device)
        out[i:i + r.size] = model.from_embeddings(e).float().cpu().numpy()
    return out


# ----------------------------------------------------------------------- lstm
def _padded(ft: FrameTensors, starts: np.ndarray, lengths: np.ndarray
            ) -> tuple[np.ndarray, np.ndarray]:
    """Right-padded ``[B, T, 22, F]`` sequences plus their row indices (-1 = padding)."""
    t = int(lengths.max())
    steps = np.arange(t)
    idx = starts[:, None] + steps[None, :]
    valid = steps[None, :] < lengths[:, None]
    idx = np.where(valid, idx, -1)
    return ft.x[np.where(valid, idx, 0)], idx


def lstm_batches(ft: FrameTensors, batch_plays: int, augment: bool = True):
    starts, lengths = ft.play_bounds()
    keep = ~np.isnan(ft.y[starts])
    starts, lengths = starts[keep], lengths[keep]

    def gen(rng: np.random.Generator) -> Iterator:
        order = rng.permutation(starts.size)
        for i in range(0, order.size, batch_plays):
            j = order[i:i + batch_plays]
            x, idx = _padded(ft, starts[j], lengths[j])
            xt = torch.from_numpy(x)
            if augment:
                xt = _mirror_half(xt, rng)
            y = np.broadcast_to(ft.y[starts[j]][:, None], idx.shape).astype(np.float32)
            yield (xt,), torch.from_numpy(y), torch.from_numpy(idx >= 0)
    return gen


@torch.no_grad()
def lstm_logits(model: nn.Module, ft: FrameTensors, batch_plays: int = 256,
                device: torch.device | str = "cpu") -> np.ndarray:
    """One causal pass per play gives every frame's logit."""
    model.eval().to(device)
    starts, lengths = ft.play_bounds()
    out = np.empty(len(ft), dtype=np.float64)
    order = np.argsort(lengths)  # similar lengths together -> little padding
    for i in range(0, order.size, batch_plays):
        j = order[i:i + batch_plays]
        x, idx = _padded(ft, starts[j], lengths[j])
        z = model(torch.from_numpy(x).to(device)).float().cpu().numpy()
        valid = idx >= 0
        out[idx[valid]] = z[valid]
    return out


def model_logits(model: nn.Module, cfg: dict[str, Any], ft: FrameTensors,
                 device: torch.device | str = "cpu", batch_size: int = 4096) -> np.ndarray:
    """Calibrated logits (offset + temperature applied) for every frame of ``ft``."""
    if cfg["architecture"] == "transformer":
        z = transformer_logits(model, ft, cfg["history"], cfg["stride"], batch_size, device)
    else:
        z = lstm_logits(model, ft, max(1, batch_size // 64), device)
    return (z + cfg.get("logit_offset", 0.0)) / cfg.get("temperature", 1.0)


def _frame_metrics(ft: FrameTensors, z: np.ndarray, majority: int) -> dict[str, Any]:
    lab = ~np.isnan(ft.y)
    snap = lab & (ft.secs == 0)
    p = metrics.sigmoid(z)
    return {"at_snap": metrics.summary(ft.y[snap], p[snap], majority),
            "all_frames": metrics.summary(ft.y[lab], p[lab], majority)}


def train_tracking(opts: Any, source: Source | None = None,
                   frames: dict[str, FrameTensors] | None = None) -> dict[str, Any]:
    """Train the transformer or LSTM on train weeks, select on val, score test once.

    ``frames`` ({"train", "val"} tensors) lets a tuner build them once and share them
    with every trial; ``opts.score_test=False`` (tuning trials) never loads the test week.
    """
    source = source or open_source(opts.data)
    split = resolve_split(source.weeks, opts.train_weeks, opts.val_weeks, opts.test_weeks)
    device = pick_device(opts.device)
    if frames is None:
        frames = {k: load_frames(source, w, opts.max_secs) for k, w in split.items()
                  if k != "test"}
    tr, va = frames["train"], frames["val"]
    if len(tr) == 0 or len(va) == 0:
        raise DataError("no pre-snap frames with 11 v 11 players in the train/val weeks",
                        file=str(source.path))
    starts, _ = tr.play_bounds()
    y_plays = tr.y[starts][~np.isnan(tr.y[starts])]
    pw = resolve_pos_weight(y_plays, opts.pos_weight)
    mean, std = feature_stats(tr.x[np.flatnonzero(~np.isnan(tr.y))[::7]])
    rng = seed_everything(opts.seed)
    k, stride = opts.history, opts.stride
    if opts.model == "transformer":
        hparams = {"n_features": len(FEATURES), "dim": 64, "depth": 2, "heads": 4,
                   "dropout": 0.1, **opts.hparams, "mean": mean, "std": std}
        batches = transformer_batches(tr, k, stride, opts.frames_per_play, opts.batch_size)
        vrows = np.flatnonzero(~np.isnan(va.y))

        def val_fn(m):
            return (transformer_logits(m, va, k, stride, 4096, device, vrows), va.y[vrows])
    else:
        hparams = {"n_features": len(FEATURES), "hidden": 128, "layers": 1, "dropout": 0.1,
                   **opts.hparams, "mean": mean, "std": std}
        batches = lstm_batches(tr, max(1, opts.batch_size // 16))
        lab = ~np.isnan(va.y)

        def val_fn(m):
            return lstm_logits(m, va, 256, device)[lab], va.y[lab]
    model = build_model(opts.model, hparams)
    res = fit(model, batches, val_fn, rng=rng, epochs=opts.epochs, lr=opts.lr,
              weight_decay=opts.weight_decay, pos_weight=pw, patience=opts.patience,
              device=device, progress=opts.progress, desc=opts.model,
              compile_model=opts.compile, on_epoch=getattr(opts, "on_epoch", None))
    offset = -math.log(pw)
    cfg: dict[str, Any] = {
        "architecture": opts.model, "hparams": hparams, "features": list(FEATURES),
        "history": k, "stride": stride, "max_secs": opts.max_secs,
        "logit_offset": offset, "temperature": 1.0, "pos_weight": pw, "seed": opts.seed,
        "split": {s: list(w) for s, w in split.items()},
        "data": {"path": str(source.path), "source": source.source},
    }
    lab = ~np.isnan(va.y)
    zv = model_logits(model, cfg, va, device)
    cfg["temperature"] = metrics.fit_temperature(zv[lab], va.y[lab])
    zv = zv / cfg["temperature"]
    tp = source.plays.filter(pl.col("week").is_in(list(split["train"])))
    cfg["fingerprint"] = fingerprint(tp["gameId"].to_numpy(), tp["playId"].to_numpy(),
                                     tp["pff_manZone"].to_list())
    majority = int(np.mean(y_plays) >= 0.5)
    test_metrics, curve, n_test, dropped_test = None, None, 0, 0
    if getattr(opts, "score_test", True):
        # --- the one and only look at the test week
        te = load_frames(source, split["test"], None)
        zt = model_logits(model, cfg, te, device)
        test_metrics = _frame_metrics(te, zt, majority)
        n_test, dropped_test = len(te), te.dropped_frames
        lab_t = ~np.isnan(te.y) & (te.secs >= -10.0)
        curve = metrics.accuracy_by_time(te.secs[lab_t], te.y[lab_t],
                                         metrics.sigmoid(zt[lab_t]), majority_class=majority)
    report = {
        "model": opts.name or opts.model, "best_epoch": res.best_epoch,
        "val": _frame_metrics(va, zv, majority), "test": test_metrics,
        "frames": {"train": len(tr), "val": len(va), "test": n_test,
                   "dropped_incomplete": tr.dropped_frames + va.dropped_frames
                   + dropped_test},
        "history": res.history, "majority_class": "Man" if majority else "Zone",
    }
    out = Path(opts.out_root) / (opts.name or opts.model)
    save_checkpoint(out, model.cpu(), cfg, report)
    return {"dir": str(out), "config": cfg, "metrics": report, "accuracy_by_time": curve}
