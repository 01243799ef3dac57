"""The per-frame tracking models (transformer, LSTM) at inference: loading a checkpoint,
batched logits over a week's frames, the week's predictions.

Training lives in :mod:`coverage.training.tracking`; validation during training calls the
logits functions here, so a checkpoint is selected on exactly what it will predict.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import torch
from torch import nn

from coverage import evaluation
from coverage.features import FEATURES, FrameTensors
from coverage.frame_cache import week_frames
from coverage.models.checkpoint import (
    check_calibration,
    load_checkpoint,
    read_config,
)
from coverage.models.transformer import (
    ENCODE_BATCH,
    INFERENCE_DTYPE,
    frame_encoder_fn,
)
from coverage.models.workers import run_over_plays
from coverage.store import Store
from coverage.training.loop import pick_device


@torch.inference_mode()
def window_outputs(norm: nn.Module, encoder: nn.Module, head: Callable[[torch.Tensor],
                   torch.Tensor], ft: FrameTensors, k: int, stride: int, width: int = 0,
                   batch_size: int = 4096, device: torch.device | str = "cpu",
                   rows: np.ndarray | None = None, dtype: str = "float32") -> np.ndarray:
    """``head`` over each frame's (or ``rows``') window of k pooled frame embeddings.

    Each frame is embedded once; the k-frame windows then gather those embeddings,
    which makes inference k times cheaper than encoding every window from scratch.
    ``dtype`` is the frame encoder's (see :func:`~coverage.models.transformer.frame_encoder_fn`);
    the embeddings ([N, dim] float32) are the only per-week buffer. ``head`` maps
    ``[B, k, dim]`` to ``[B]`` (``width`` 0) or ``[B, width]``. Each core works through
    its own run of plays (:mod:`coverage.models.workers`).
    """
    hist = ft.history_index(k, stride)
    # every frame is the newest of its own window: all rows need every frame
    needed = np.arange(len(ft)) if rows is None else np.unique(hist[rows])
    rows = np.arange(len(ft)) if rows is None else rows
    encode = frame_encoder_fn(norm, encoder, dtype)
    dim = encoder.pool[-1].out_features
    emb = torch.empty((len(ft), dim), dtype=torch.float32)
    out = np.empty((rows.size, width) if width else rows.size, dtype=np.float32)
    step = min(batch_size, ENCODE_BATCH)

    def plays(a: int, b: int) -> None:  # rows [a, b): whole plays, so their windows too
        todo = needed[(needed >= a) & (needed < b)]
        contiguous = todo.size == b - a  # every row: slices, not gathers
        for i in range(0, todo.size, step):
            if contiguous:
                j = min(b, a + i + step)
                emb[a + i:j] = encode(torch.from_numpy(ft.x[a + i:j]).to(device))[1].cpu()
                continue
            r = todo[i:i + step]
            emb[torch.from_numpy(r)] = encode(torch.from_numpy(ft.x[r]).to(device))[1].cpu()
        pos = np.flatnonzero((rows >= a) & (rows < b))
        for i in range(0, pos.size, batch_size):
            p = pos[i:i + batch_size]
            e = emb[torch.from_numpy(hist[rows[p]])].to(device)
            out[p] = head(e).float().cpu().numpy()

    run_over_plays(ft.play_start, plays, device)
    return out


def transformer_logits(model: nn.Module, ft: FrameTensors, k: int, stride: int,
                       batch_size: int = 4096, device: torch.device | str = "cpu",
                       rows: np.ndarray | None = None, dtype: str = "float32") -> np.ndarray:
    """Raw logits for every frame (or ``rows``), in large batches (:func:`window_outputs`)."""
    model.eval().to(device)
    return window_outputs(model.norm, model.frame_encoder, model.from_embeddings, ft, k,
                          stride, batch_size=batch_size, device=device, rows=rows,
                          dtype=dtype).astype(np.float64)


# ----------------------------------------------------------------------- lstm
def padded_sequences(ft: FrameTensors, starts: np.ndarray, lengths: np.ndarray
            ) -> tuple[np.ndarray, np.ndarray]:
    """Right-padded ``[B, T, 22, F]`` sequences plus their row indices (-1 = padding)."""
    t = int(lengths.max())
    steps = np.arange(t)
    idx = starts[:, None] + steps[None, :]
    valid = steps[None, :] < lengths[:, None]
    idx = np.where(valid, idx, -1)
    return ft.x[np.where(valid, idx, 0)], idx


@torch.inference_mode()
def lstm_logits(model: nn.Module, ft: FrameTensors, batch_plays: int = 256,
                device: torch.device | str = "cpu") -> np.ndarray:
    """One causal pass per play gives every frame's logit; each core runs its own plays
    (:mod:`coverage.models.workers`: the LSTM's many small steps lose to the barrier
    between threads when every step is split across the cores)."""
    model.eval().to(device)
    starts, lengths = ft.play_bounds()
    out = np.empty(len(ft), dtype=np.float64)

    def plays(a: int, b: int) -> None:
        mine = np.flatnonzero((starts >= a) & (starts < b))
        order = mine[np.argsort(lengths[mine], kind="stable")]  # similar lengths: little padding
        for i in range(0, order.size, batch_plays):
            j = order[i:i + batch_plays]
            x, idx = padded_sequences(ft, starts[j], lengths[j])
            z = model(torch.from_numpy(x).to(device)).float().cpu().numpy()
            valid = idx >= 0
            out[idx[valid]] = z[valid]

    run_over_plays(ft.play_start, plays, device)
    return out


def model_logits(model: nn.Module, cfg: dict[str, Any], ft: FrameTensors,
                 device: torch.device | str = "cpu", batch_size: int = 4096,
                 dtype: str = INFERENCE_DTYPE) -> np.ndarray:
    """Calibrated logits (offset + temperature applied) for every frame of ``ft``, as
    ``predict`` serves them: training calibrates and scores on these too.

    ``dtype`` applies to the transformer's frame encoder (the LSTM runs in float32)."""
    if cfg["architecture"] == "lstm":
        z = lstm_logits(model, ft, max(1, batch_size // 64), device)
    else:
        z = transformer_logits(model, ft, cfg["history"], cfg["stride"], batch_size, device,
                               dtype=dtype)
    return (z + cfg.get("logit_offset", 0.0)) / cfg.get("temperature", 1.0)


# ------------------------------------------------------------------- training
# ------------------------------------------------------------------ inference
def load_frame_model(model_dir: str | Path) -> tuple[nn.Module, dict[str, Any]]:
    """Load a transformer / LSTM checkpoint trained on the features this code builds."""
    check_calibration(read_config(model_dir), model_dir, ("logit_offset", "temperature"))
    return load_checkpoint(model_dir, expected={"features": list(FEATURES)})


def predict_frame_model(model: nn.Module, cfg: dict[str, Any], store: Store, week: int,
                        plays: pl.DataFrame, *, device: str = "auto",
                        batch_size: int = 4096, dtype: str = INFERENCE_DTYPE,
                        frames: FrameTensors | None = None) -> pl.DataFrame:
    """P(man) of every pre-snap 11 v 11 frame of ``week`` (the transformer's and the LSTM's
    predictor in coverage.pipelines); ``frames``: that week's frames, built already
    (:func:`coverage.frame_cache.week_frames`)."""
    ft = frames if frames is not None else week_frames(store, week)
    z = model_logits(model, cfg, ft, pick_device(device), batch_size, dtype)
    return pl.DataFrame({**ft.frame_keys(), "p_man": evaluation.sigmoid(z).astype(np.float32)})
