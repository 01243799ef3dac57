"""Batched inference of the family model, and its week tables in the store.

Three long tables, one file per week (docs/CONTRACTS.md, "Explain outputs"):

* ``predictions_family/week_N.parquet``: model, gameId, playId, frameId, secs_from_snap,
  family, prob (one row per family per frame; probabilities sum to 1 per frame).
* ``responsibilities/week_N.parquet``: model, gameId, playId, frameId, secs_from_snap,
  nflId, assignment, prob, p_man_assignment, target_nflId, target_prob (one row per
  defender per frame; target only when MAN is his most likely assignment).
* ``predictions/week_N.parquet`` also gets the model's P(man) (the summed man families),
  so every existing page (curves, accuracy, teams) shows the family model too.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import torch
from torch import nn

from coverage.errors import CheckpointError, DataError
from coverage.family.data import ExplainFrames, load_explain_frames
from coverage.features import FEATURES, FrameTensors
from coverage.frame_cache import week_frames
from coverage.models.checkpoint import check_calibration, load_checkpoint, read_config
from coverage.models.transformer import (
    ENCODE_BATCH,
    INFERENCE_DTYPE,
    frame_encoder_fn,
    resolve_dtype,
    torch_dtype,
)
from coverage.models.workers import run_over_plays
from coverage.schema import FAMILY_SCHEMA, RESPONSIBILITY_SCHEMA
from coverage.store import Store
from coverage.training.frame_models import window_outputs
from coverage.training.loop import pick_device
from coverage.vocab import ASSIGNMENTS, FAMILIES, MAN_FAMILY_INDEX


def load_explainer(model_dir: str | Path) -> tuple[torch.nn.Module, dict[str, Any]]:
    """Load a ``family`` checkpoint, refusing other architectures or other features."""
    cfg = read_config(model_dir)
    if cfg["architecture"] != "family":
        raise CheckpointError(f"{model_dir} is a '{cfg['architecture']}' checkpoint; "
                              "explanations need a 'family' model (coverage train-family)")
    check_calibration(cfg, model_dir, ("temperature",))
    return load_checkpoint(model_dir, expected={"features": list(FEATURES)})


@dataclass
class ExplainOutputs:
    """Per-frame outputs of the explain model over an :class:`ExplainFrames`."""

    family_logits: np.ndarray   # [N, C] (temperature applied)
    assign: np.ndarray          # [N, 11, A] probabilities
    pointer: np.ndarray         # [N, 11, 11] probabilities over offense slots

    @property
    def family_probs(self) -> np.ndarray:
        return family_probs(self.family_logits)

    @property
    def p_man(self) -> np.ndarray:
        return man_share(self.family_logits)


def family_probs(logits: np.ndarray) -> np.ndarray:
    """Softmax of ``[N, C]`` family logits."""
    e = np.exp(logits - logits.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def man_share(logits: np.ndarray) -> np.ndarray:
    """P(man): the summed man families of ``[N, C]`` family logits."""
    return family_probs(logits)[:, list(MAN_FAMILY_INDEX)].sum(-1)


# (cfg, store, gameId per row, playId per row, family logits [N, C]) -> family logits:
# how a layer above (the context prior, coverage.prior) moves the family call of each frame
LogitAdjust = Callable[[dict[str, Any], Store, np.ndarray, np.ndarray, np.ndarray], np.ndarray]


PlayerHead = Callable[[torch.Tensor, torch.Tensor], tuple[torch.Tensor, torch.Tensor]]


def _player_head(model: nn.Module, dtype: str | torch.dtype) -> PlayerHead:
    """The model's per-defender heads in ``dtype`` (float32 logits out).

    In bfloat16 they run on a bf16 copy of the model: its layer norm over 22 tokens x 128
    and the concatenation are half the bytes. The GRU and the family head stay float32:
    P(man) comes from them, the heads only name each defender's responsibility.
    """
    dt = torch_dtype(dtype, model)
    if dt == torch.float32:
        return model.player_logits
    low = copy.deepcopy(model).to(dt)

    def run(tokens: torch.Tensor, state: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        assign, pointer = low.player_logits(tokens.to(dt), state.to(dt))
        return assign.float(), pointer.float()
    return run


class _Heads(nn.Module):
    """``(newest frame's tokens [B, 22, D], pooled history [B, k, D]) -> (family logits,
    assignment probabilities, pointer probabilities)`` of a week's frames."""

    def __init__(self, model: nn.Module, dtype: str | torch.dtype) -> None:
        super().__init__()
        self.model = model
        self.players = _player_head(model, dtype)

    def forward(self, tokens: torch.Tensor, hist: torch.Tensor
                ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        state = self.model.play_state(hist)
        assign, pointer = self.players(tokens, state)
        return (self.model.family_logits(state), torch.softmax(assign, -1),
                torch.softmax(pointer, -1))


@torch.inference_mode()
def explain_outputs(model: nn.Module, ef: ExplainFrames, k: int, stride: int,
                    temperature: float = 1.0, batch_size: int = 2048,
                    device: torch.device | str = "cpu",
                    dtype: str = INFERENCE_DTYPE) -> ExplainOutputs:
    """Every frame is encoded once, in one streaming pass over the week.

    Rows are ordered by play and frame and a frame's history reaches only back into its
    own play, so when a batch is encoded every pooled embedding its GRU windows need
    exists already. The player tokens are needed only for the batch's own (newest)
    frames: they are used and dropped per batch, so the only per-week buffer is one
    pooled embedding a frame instead of 22 tokens. Each core works through its own run of plays
    (:mod:`coverage.models.workers`).
    """
    model.eval().to(device)
    n = len(ef)
    hist = ef.ft.history_index(k, stride)
    if n and (hist.max(1) > np.arange(n)).any():
        raise DataError("explain frames are not ordered by play and frame",
                        expected="each frame's history rows at or before it")
    dtype = resolve_dtype(dtype, model)
    encode = frame_encoder_fn(model.norm, model.frame_encoder, dtype)
    heads = _Heads(model, dtype)
    pooled = torch.empty((n, model.temporal.hidden_size))
    fam = np.empty((n, len(FAMILIES)), np.float32)
    assign = np.empty((n, 11, len(ASSIGNMENTS)), np.float32)
    pointer = np.empty((n, 11, 11), np.float32)
    step = min(batch_size, ENCODE_BATCH)  # cache-sized encoder batches

    def plays(a: int, b: int) -> None:  # rows [a, b): whole plays, histories inside
        for i in range(a, b, step):
            r = np.arange(i, min(b, i + step))
            tokens, p = encode(torch.from_numpy(ef.ft.x[i:i + r.size]).to(device))
            pooled[i:i + r.size] = p.cpu()
            f, a_, ptr = heads(tokens, pooled[hist[r]].to(device))
            fam[r] = (f / temperature).cpu().numpy()
            assign[r], pointer[r] = a_.cpu().numpy(), ptr.cpu().numpy()

    run_over_plays(ef.ft.play_start, plays, device)
    return ExplainOutputs(fam, assign, pointer)


def predict_family_week(model_dir: str | Path, store: Store, week: int, *,
                        name: str | None = None, write: bool = True,
                        adjust: LogitAdjust | None = None
                        ) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Family probabilities and defender responsibilities for every pre-snap frame
    (``adjust``: what the pipeline layer applies to the family logits, e.g. its prior)."""
    if not store.has_tracking:
        raise DataError("predictions are written into a store", file=str(store.path))
    model, cfg = load_explainer(model_dir)
    name = name or Path(model_dir).name
    ef = load_explain_frames(store, [week], labelled=False, keep=write)
    out = explain_outputs(model, ef, cfg["history"], cfg["stride"], cfg.get("temperature", 1.0))
    if adjust is not None:
        out = ExplainOutputs(adjust(cfg, store, ef.ft.game_id, ef.ft.play_id, out.family_logits),
                             out.assign, out.pointer)
    n, c = len(ef), len(FAMILIES)
    keys = ef.ft.frame_keys()
    fam = pl.DataFrame({**{k: np.repeat(v, c) for k, v in keys.items()},
                        "family": np.tile(np.array(FAMILIES), n),
                        "prob": out.family_probs.ravel()}).with_columns(
        pl.lit(name).alias("model")).select(list(FAMILY_SCHEMA)).cast(FAMILY_SCHEMA)
    a_idx = out.assign.argmax(-1)                                   # [N, 11]
    man = ASSIGNMENTS.index("MAN")
    t_idx = out.pointer.argmax(-1)
    tgt = np.take_along_axis(ef.nfl[:, :11], t_idx, axis=1)
    is_man = a_idx == man
    resp = pl.DataFrame({
        **{k: np.repeat(v, 11) for k, v in keys.items()},
        "nflId": ef.nfl[:, 11:].ravel(),
        "assignment": np.array(ASSIGNMENTS)[a_idx].ravel(),
        "prob": np.take_along_axis(out.assign, a_idx[..., None], -1).ravel(),
        "p_man_assignment": out.assign[..., man].ravel(),
        "target_nflId": np.where(is_man, tgt, -1).ravel(),
        "target_prob": np.where(is_man, out.pointer.max(-1), np.nan).ravel(),
    }).with_columns(pl.lit(name).alias("model"),
                    pl.col("target_nflId").replace(-1, None),
                    pl.col("target_prob").fill_nan(None)).select(
        list(RESPONSIBILITY_SCHEMA)).cast(RESPONSIBILITY_SCHEMA)
    if write:
        store.write_output("predictions_family", week, fam, name)
        store.write_output("responsibilities", week, resp, name)
        # the summed man families, so every page and evaluation shows this model too
        store.write_output("predictions", week, pl.DataFrame({**keys, "p_man": out.p_man}), name)
    return fam, resp


def predict_family_frames(model: nn.Module, cfg: dict[str, Any], store: Store, week: int,
                          plays: pl.DataFrame, *, device: str = "auto",
                          batch_size: int = 4096, dtype: str = INFERENCE_DTYPE,
                          frames: FrameTensors | None = None) -> pl.DataFrame:
    """The family model's P(man) (summed man families) on every pre-snap frame of ``week``:
    its predictor in coverage.pipelines, so ``predict_week`` and evaluation treat it like
    any model. P(man) needs only the frame encoder, the GRU and the family head, so the
    per-defender heads (and the defenders' labels) are not computed. ``frames``: the
    week's frames, built already (:func:`coverage.frame_cache.week_frames`)."""
    ft = frames if frames is not None else week_frames(store, week)
    dev = pick_device(device)
    model.eval().to(dev)
    logits = window_outputs(
        model.norm, model.frame_encoder, lambda e: model.family_logits(model.play_state(e)),
        ft, cfg["history"], cfg["stride"], width=len(FAMILIES), batch_size=batch_size,
        device=dev, dtype=dtype)
    return pl.DataFrame({**ft.frame_keys(),
                         "p_man": man_share(logits / cfg.get("temperature", 1.0))})
