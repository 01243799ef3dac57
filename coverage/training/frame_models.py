"""The per-frame tracking models (transformer, LSTM): batches, training and batched inference.

Sampling is per play, not per frame: a play with a 30 s lineup would otherwise outweigh
a hurry-up snap thirty to one. Each epoch draws ``frames_per_play`` frames from every
labelled play with the seeded Generator, and mirrors half of them (y, vy and angles
together).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import torch
from torch import nn

from coverage import evaluation
from coverage.config import portable_path
from coverage.errors import CoverageError, DataError
from coverage.features import (
    FEATURES,
    FrameTensors,
    build_frames,
    concat_frames,
    input_hparams,
    mirror,
)
from coverage.models import aot
from coverage.models.checkpoint import (
    check_calibration,
    fingerprint,
    load_checkpoint,
    read_config,
    save_checkpoint,
)
from coverage.models.registry import build_model
from coverage.models.transformer import (
    ENCODE_BATCH,
    INFERENCE_DTYPE,
    frame_encoder_fn,
    runs_own_threads,
    torch_dtype,
)
from coverage.models.workers import run_over_plays
from coverage.spill import Spill
from coverage.store import Store
from coverage.training.data import resolve_split
from coverage.training.loop import (
    Batch,
    FitResult,
    MaskedBCE,
    fit,
    pick_device,
    resolve_pos_weight,
    seed_everything,
)
from coverage.training.options import TrainOptions
from coverage.vocab import man_zone_name

BatchFactory = Callable[[np.random.Generator], Iterator[Batch]]

def load_frames(store: Store, weeks: list[int] | tuple[int, ...],
                max_secs: float | None = None) -> FrameTensors:
    """Build frame tensors week by week (one week in memory as a long table at a time).

    Several weeks (training) are stacked on disk as they are built (:mod:`coverage.spill`):
    the process holds one week's frame tensor, not the season's.
    """
    if not store.has_tracking:
        raise DataError("tracking models need a store with tracking; run "
                        "`coverage ingest RAW_DIR --out STORE` first", file=str(store.path))
    plays = store.plays()
    parts = (build_frames(store.tracking(w), plays.filter(pl.col("week") == w), max_secs)
             for w in weeks)
    return concat_frames(parts, Spill() if len(weeks) > 1 else None)


def sample_frames(ft: FrameTensors, rng: np.random.Generator, per_play: int,
                  labelled: np.ndarray | None = None) -> np.ndarray:
    """``per_play`` frames from every labelled play (with replacement), shuffled;
    ``labelled`` (per row, default: a man/zone label) says which plays are."""
    starts, lengths = ft.play_bounds()
    keep = (~np.isnan(ft.y) if labelled is None else labelled)[starts]
    starts, lengths = starts[keep], lengths[keep]
    offs = np.floor(rng.random((len(starts), per_play)) * lengths[:, None]).astype(np.int64)
    rows = (starts[:, None] + offs).ravel()
    return rows[rng.permutation(rows.size)]


def mirror_half(x: torch.Tensor, rng: np.random.Generator) -> np.ndarray:
    """Mirror a random half of the batch ``x`` in place (a batch is a fresh copy of its
    rows); returns which rows were mirrored."""
    flip = rng.random(x.shape[0]) < 0.5
    x[torch.from_numpy(flip)] = mirror(x[torch.from_numpy(flip)])
    return flip


# ----------------------------------------------------------------- transformer
def transformer_batches(ft: FrameTensors, k: int, stride: int, per_play: int,
                        batch_size: int, augment: bool = True) -> BatchFactory:
    hist = ft.history_index(k, stride)

    def gen(rng: np.random.Generator) -> Iterator:
        rows = sample_frames(ft, rng, per_play)
        for i in range(0, rows.size, batch_size):
            r = rows[i:i + batch_size]
            x = torch.from_numpy(ft.x[hist[r]])
            if augment:
                mirror_half(x, rng)
            yield (x,), torch.from_numpy(ft.y[r]), None
    return gen


@torch.inference_mode()
def transformer_logits(model: nn.Module, ft: FrameTensors, k: int, stride: int,
                       batch_size: int = 4096, device: torch.device | str = "cpu",
                       rows: np.ndarray | None = None, dtype: str = "float32") -> np.ndarray:
    """Raw logits for every frame (or ``rows``), in large batches.

    Each frame is embedded once; the k-frame windows then gather those embeddings,
    which makes inference k times cheaper than encoding every window from scratch.
    ``dtype`` is the frame encoder's (see :func:`~coverage.models.transformer.frame_encoder_fn`);
    the embeddings ([N, dim] float32, 256 bytes a frame) are the only per-week buffer.
    Each core works through its own run of plays (:mod:`coverage.models.workers`).
    """
    model.eval().to(device)
    hist = ft.history_index(k, stride)
    rows = np.arange(len(ft)) if rows is None else rows
    needed = np.unique(hist[rows])
    encode = frame_encoder_fn(model.norm, model.frame_encoder, dtype, frames=needed.size)
    emb = torch.empty((len(ft), model.dim), dtype=torch.float32)
    out = np.empty(rows.size, dtype=np.float64)
    step = min(batch_size, ENCODE_BATCH)

    def plays(a: int, b: int) -> None:  # rows [a, b): whole plays, so their windows too
        todo = needed[(needed >= a) & (needed < b)]
        for i in range(0, todo.size, step):
            r = todo[i:i + step]
            emb[torch.from_numpy(r)] = encode(torch.from_numpy(ft.x[r]).to(device))[1].cpu()
        pos = np.flatnonzero((rows >= a) & (rows < b))
        for i in range(0, pos.size, batch_size):
            p = pos[i:i + batch_size]
            e = emb[torch.from_numpy(hist[rows[p]])].to(device)
            out[p] = model.from_embeddings(e).float().cpu().numpy()

    run_over_plays(ft.play_start, plays, device, per_core=not runs_own_threads(encode))
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


def lstm_batches(ft: FrameTensors, batch_plays: int, augment: bool = True) -> BatchFactory:
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
                mirror_half(xt, rng)
            y = np.broadcast_to(ft.y[starts[j]][:, None], idx.shape).astype(np.float32)
            yield (xt,), torch.from_numpy(y), torch.from_numpy(idx >= 0)
    return gen


@torch.inference_mode()
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
                 device: torch.device | str = "cpu", batch_size: int = 4096,
                 dtype: str = "float32") -> np.ndarray:
    """Calibrated logits (offset + temperature applied) for every frame of ``ft``.

    ``dtype`` applies to the transformer's frame encoder (the LSTM runs in float32)."""
    if cfg["architecture"] == "lstm":
        z = lstm_logits(model, ft, max(1, batch_size // 64), device)
    else:
        z = transformer_logits(model, ft, cfg["history"], cfg["stride"], batch_size, device,
                               dtype=dtype)
    return (z + cfg.get("logit_offset", 0.0)) / cfg.get("temperature", 1.0)


# ------------------------------------------------------------------- training
def _fit(opts: TrainOptions, tr: FrameTensors, va: FrameTensors, pw: float,
         device: torch.device) -> tuple[nn.Module, dict[str, Any], FitResult]:
    """Seed, build the model with the training weeks' normalisation, fit on val loss."""
    norm = input_hparams(tr.x[np.flatnonzero(~np.isnan(tr.y))[::7]], opts.inputs.feature_set)
    rng = seed_everything(opts.run.seed)
    k, stride = opts.inputs.history, opts.inputs.stride
    lab = np.flatnonzero(~np.isnan(va.y))
    if opts.run.model == "lstm":  # whole plays a batch
        defaults = {"hidden": 128, "layers": 1, "dropout": 0.1}
        batches = lstm_batches(tr, max(1, opts.optim.batch_size // 16))

        def val_logits(m: nn.Module) -> tuple[np.ndarray, np.ndarray]:
            return lstm_logits(m, va, 256, device)[lab], va.y[lab]
    else:
        defaults = {"dim": 64, "depth": 2, "heads": 4, "dropout": 0.1}
        batches = transformer_batches(tr, k, stride, opts.inputs.frames_per_play,
                                      opts.optim.batch_size)

        def val_logits(m: nn.Module) -> tuple[np.ndarray, np.ndarray]:
            return transformer_logits(m, va, k, stride, 4096, device, lab), va.y[lab]
    hparams = {"n_features": len(FEATURES), **defaults, **opts.inputs.hparams, **norm}
    model = build_model(opts.run.model, hparams)
    o = opts.optim
    res = fit(model, batches, MaskedBCE(pw, val_logits), rng=rng, epochs=o.epochs, lr=o.lr,
              weight_decay=o.weight_decay, patience=o.patience, device=device,
              progress=o.progress, desc=opts.run.model, compile_model=o.compile,
              on_epoch=opts.hooks.on_epoch, time_budget_s=o.time_budget_s,
              resume_dir=o.resume_dir)
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
                majority: int, device: torch.device) -> tuple[dict, pl.DataFrame, FrameTensors]:
    """The one and only look at the test week: metrics and the accuracy-by-time curve."""
    te = load_frames(store, weeks, None)
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

    ``frames`` ({"train", "val"} tensors) lets a tuner build them once and share them
    with every trial; ``opts.hooks.score_test=False`` (tuning trials) never loads the
    test week.
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
    zv = model_logits(model, cfg, va, device)
    cfg["temperature"] = evaluation.fit_temperature(zv[lab], va.y[lab])
    zv = zv / cfg["temperature"]
    majority = int(np.mean(y_plays) >= 0.5)
    test_metrics, curve, n_test, dropped_test = None, None, 0, 0
    if opts.hooks.score_test:
        test_metrics, curve, te = _score_test(model, cfg, store, split["test"], majority, device)
        n_test, dropped_test = len(te), te.dropped_frames
    report = {
        "model": run.name or run.model, "best_epoch": res.best_epoch,
        "val": evaluation.frame_summaries(va.y, evaluation.sigmoid(zv), va.secs, majority),
        "test": test_metrics,
        "frames": {"train": len(tr), "val": len(va), "test": n_test,
                   "dropped_incomplete": tr.dropped_frames + va.dropped_frames
                   + dropped_test},
        "history": res.history, "majority_class": man_zone_name(bool(majority)),
    }
    out = Path(run.out_root) / (run.name or run.model)
    save_checkpoint(out, model.cpu(), cfg, report)
    return {"dir": str(out), "config": cfg, "metrics": report, "accuracy_by_time": curve}


# ------------------------------------------------------------------ inference
def load_frame_model(model_dir: str | Path) -> tuple[nn.Module, dict[str, Any]]:
    """Load a transformer / LSTM checkpoint trained on the features this code builds."""
    check_calibration(read_config(model_dir), model_dir, ("logit_offset", "temperature"))
    return load_checkpoint(model_dir, expected={"features": list(FEATURES)})


def compile_frame_model(model: nn.Module, cfg: dict[str, Any]) -> list[Path]:
    """Build the transformer's frame encoder compiled for this machine (the week's
    ``predict`` then runs it; :mod:`coverage.models.aot`). The LSTM has nothing to build."""
    encoder = getattr(model, "frame_encoder", None)
    if encoder is None:
        raise CoverageError(f"a '{cfg['architecture']}' model has no frame encoder to compile")
    return [aot.build_encoder(model.norm, encoder, torch_dtype(INFERENCE_DTYPE, model))]


def predict_frame_model(model: nn.Module, cfg: dict[str, Any], store: Store, week: int,
                        plays: pl.DataFrame, *, device: str = "auto",
                        batch_size: int = 4096, dtype: str = INFERENCE_DTYPE) -> pl.DataFrame:
    """P(man) of every pre-snap 11 v 11 frame of ``week`` (the transformer's and the LSTM's
    predictor in coverage.pipelines)."""
    ft = build_frames(store.tracking(week), plays)
    z = model_logits(model, cfg, ft, pick_device(device), batch_size, dtype)
    return pl.DataFrame({**ft.frame_keys(), "p_man": evaluation.sigmoid(z).astype(np.float32)})
