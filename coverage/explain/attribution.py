"""Which players give the call away: occlusion attribution of P(man), per player and frame.

To ask "how much did this player tell the model", we *remove* him and look at the change
in P(man): his features are replaced in every frame by the mean of his own side in that
frame (a neutral team-mate standing at the centroid, moving with the average), and the
attribution is ``P(man) - P(man | player removed)``. Positive = he pushes the call toward
man. Occlusion needs no gradients and is faithful by construction for the removed
feature set; ``benchmarks/faithfulness.py`` checks that it ranks players usefully.

Cost: the frame encoder runs once per (frame, removed player), i.e. 23 x T encodings of
22 tokens for a T-frame play, and the GRU reads those pooled embeddings for every
history window, so a 100-frame play is one batched pass, not 2,200 model calls. The
encoder runs as when a week is predicted (``ATTRIBUTION_DTYPE``): in bfloat16 on a CPU with
bf16 matrix units, which moves attributions by bf16 rounding only (top-ranked players
unchanged; ``tests/test_explain.py`` holds it to a bound).

Per week, :func:`attribution_week` builds the week's frames once, slices them per play,
runs one single-threaded worker per core over runs of plays, explains the frames the
model's history windows step through (every ``stride``-th back from the snap), and keeps
each player's mean |attribution| and signed peak per play (the store's attribution
output), which the Teams page aggregates by defense and position
(``coverage.app.team_data.position_giveaway_table``).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import torch

from coverage.errors import DataError
from coverage.family.data import ExplainFrames, build_explain_frames, load_explain_frames
from coverage.family.predict import load_explainer
from coverage.features import history_rows
from coverage.models.transformer import (
    ENCODE_BATCH,
    INFERENCE_DTYPE,
    FrameEncoderFn,
    frame_encoder_fn,
)
from coverage.models.workers import one_thread_per_worker, run_over_plays
from coverage.schema import ATTRIBUTION_SUMMARY_SCHEMA, PLAYERS_PER_SIDE
from coverage.store import Store

# the frame encoder's dtype under occlusion: as when a week is predicted (bfloat16 on a CPU
# with bf16 matrix units, else float32); "float32" runs the module itself
ATTRIBUTION_DTYPE = INFERENCE_DTYPE
ATTRIBUTION_SCHEMA = {"nflId": pl.Int64(), "frameId": pl.Int64(),
                      "secs_from_snap": pl.Float32(), "value": pl.Float32()}


def play_frames_tensors(frames: pl.DataFrame, play: dict[str, Any]) -> ExplainFrames:
    """Explain tensors of one play from its tracking rows and play-index row."""
    cols = ["gameId", "playId", "los_x", "ball_y", "pff_manZone", "pff_passCoverage"]
    row = pl.DataFrame([{c: play.get(c) for c in cols}],
                       schema={"gameId": pl.Int64, "playId": pl.Int64, "los_x": pl.Float32,
                               "ball_y": pl.Float32, "pff_manZone": pl.String,
                               "pff_passCoverage": pl.String})
    return build_explain_frames(frames.lazy(), row)


def player_slots(nfl: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Players of a play (sorted nflIds, offense first) and their slot per frame ``[T, Q]``."""
    first = nfl[0]
    ids = np.concatenate([np.sort(first[:PLAYERS_PER_SIDE]), np.sort(first[PLAYERS_PER_SIDE:])])
    match = nfl[:, :, None] == ids[None, None, :]         # [T, 22, Q]
    if not match.any(1).all():
        raise DataError("a player joins or leaves mid-play; occlusion needs a fixed 22")
    return ids, match.argmax(1)


def occluded_inputs(x: np.ndarray, slots: np.ndarray, remove: np.ndarray) -> np.ndarray:
    """``[M, T, 22, F]``: one play's frames ``x`` once per row of ``remove`` ``[M, Q]``, each
    removed player's features replaced in every frame by his side's mean in that frame."""
    half = PLAYERS_PER_SIDE
    neutral = np.concatenate([np.repeat(x[:, :half].mean(1, keepdims=True), half, 1),
                              np.repeat(x[:, half:].mean(1, keepdims=True), half, 1)], axis=1)
    xs = np.repeat(x[None], remove.shape[0], 0)
    m_idx, q_idx = np.nonzero(remove)
    t_idx = np.arange(x.shape[0])[:, None]
    s = slots[:, q_idx]                                   # [T, K] slot of each removal
    xs[m_idx[None, :], t_idx, s] = neutral[t_idx, s]
    return xs


def play_history(t_len: int, cfg: dict[str, Any]) -> np.ndarray:
    """``[T, k]``: the rows of a T-frame play each frame's history window reads, as the
    model was trained (:func:`coverage.features.history_rows`)."""
    return history_rows(np.arange(t_len), 0, int(cfg["history"]), int(cfg["stride"]))


@torch.inference_mode()
def p_man_removed(model: torch.nn.Module, cfg: dict[str, Any], x: np.ndarray,
                  slots: np.ndarray, remove: np.ndarray,
                  encode: FrameEncoderFn | None = None,
                  hist: np.ndarray | None = None) -> np.ndarray:
    """P(man) per frame with sets of players removed: ``remove`` ``[M, Q]`` -> ``[M, T]``.

    ``x`` is one play's ``[T, 22, F]``; ``slots`` ``[T, Q]`` maps player q to his token slot.
    ``encode``: the frame encoder to run (:func:`encoder_for`); the module in float32 if None.
    ``hist`` ``[W, k]``: the windows to score, as rows of ``x`` (default: every frame's,
    :func:`play_history`); the result is then ``[M, W]``.
    """
    encode = encode or model.encode_frames
    t_len = x.shape[0]
    flat = torch.from_numpy(occluded_inputs(x, slots, remove).reshape(-1, *x.shape[1:]))
    pooled = torch.cat([encode(flat[i:i + ENCODE_BATCH])[1]  # cache-sized
                        for i in range(0, flat.shape[0], ENCODE_BATCH)])
    pooled = pooled.reshape(remove.shape[0], t_len, -1)
    hist = play_history(t_len, cfg) if hist is None else hist             # [W, k]
    state = model.play_state(pooled[:, hist].reshape(-1, hist.shape[1], pooled.shape[-1]))
    p = model.p_man(model.family_logits(state), float(cfg.get("temperature", 1.0)))
    return p.reshape(remove.shape[0], hist.shape[0]).numpy()


def encoder_for(model: torch.nn.Module, dtype: str | torch.dtype = ATTRIBUTION_DTYPE
                ) -> FrameEncoderFn:
    """The family model's frame encoder as occlusion runs it (see ``ATTRIBUTION_DTYPE``)."""
    return frame_encoder_fn(model.norm, model.frame_encoder, dtype)


@dataclass
class PlayAttribution:
    """Occlusion attribution of one play."""

    nfl_ids: np.ndarray      # [Q] players, offense first
    frame_ids: np.ndarray    # [T]
    secs: np.ndarray         # [T]
    p_man: np.ndarray        # [T] unperturbed P(man)
    values: np.ndarray       # [T, Q] P(man) - P(man | player removed)
    x: np.ndarray            # [T, 22, F] features (for deletion tests)
    slots: np.ndarray        # [T, Q]

    def frame(self) -> pl.DataFrame:
        """Long table (nflId, frameId, secs_from_snap, value): the views' attribution input."""
        t, q = self.values.shape
        return pl.DataFrame({
            "nflId": np.tile(self.nfl_ids, t), "frameId": np.repeat(self.frame_ids, q),
            "secs_from_snap": np.repeat(self.secs, q), "value": self.values.ravel(),
        }, schema=ATTRIBUTION_SCHEMA)


def _p_man_over_cores(model: torch.nn.Module, cfg: dict[str, Any], x: np.ndarray,
                      slots: np.ndarray, remove: np.ndarray,
                      encode: FrameEncoderFn | None, hist: np.ndarray | None = None
                      ) -> np.ndarray:
    """:func:`p_man_removed` with the rows of ``remove`` split over one single-threaded
    worker per core (one play, as the app explains it): the encoder's operators are too
    small to split across cores without each paying a fork/join barrier. Inside a
    week's workers (one thread already) it is one call."""
    parts = min(torch.get_num_threads(), remove.shape[0])
    if parts < 2:
        return p_man_removed(model, cfg, x, slots, remove, encode, hist)
    groups = np.array_split(np.arange(remove.shape[0]), parts)
    with one_thread_per_worker(), ThreadPoolExecutor(
            parts, thread_name_prefix="coverage-occlude") as pool:
        got = list(pool.map(lambda g: p_man_removed(model, cfg, x, slots, remove[g], encode,
                                                    hist), groups))
    return np.concatenate(got)


def attribute_rows(model: torch.nn.Module, cfg: dict[str, Any], ef: ExplainFrames,
                   rows: slice, encode: FrameEncoderFn | None = None, every: int = 1
                   ) -> PlayAttribution:
    """Occlusion attribution of the play whose frames are ``rows`` of ``ef``.

    ``every`` > 1 explains every ``every``-th frame counted back from the last (the snap)
    and encodes only the frames their windows read: with ``every`` equal to the model's
    history stride those are the same frames, so the cost falls by that factor, and each
    explained frame's values are exactly those of the full attribution."""
    x, nfl = ef.ft.x[rows], ef.nfl[rows]
    ids, slots = player_slots(nfl)
    q = ids.size
    remove = np.vstack([np.zeros((1, q), bool), np.eye(q, dtype=bool)])
    moments = np.arange(x.shape[0])[::-1][::every][::-1]
    hist = play_history(x.shape[0], cfg)[moments]
    needed = np.unique(hist)
    p = _p_man_over_cores(model, cfg, x[needed], slots[needed], remove, encode,
                          np.searchsorted(needed, hist))
    return PlayAttribution(ids, ef.ft.frame_id[rows][moments].astype(np.int64),
                           ef.ft.secs[rows][moments], p[0], (p[0][None, :] - p[1:]).T,
                           x[moments], slots[moments])


def attribute_play(model: torch.nn.Module, cfg: dict[str, Any], frames: pl.DataFrame,
                   play: dict[str, Any], *,
                   dtype: str | torch.dtype = ATTRIBUTION_DTYPE) -> PlayAttribution:
    """Occlusion attribution of P(man) for every pre-snap frame and player of one play."""
    ef = play_frames_tensors(frames, play)
    if len(ef) == 0:
        raise DataError("no pre-snap frame with 11 v 11 players to explain",
                        play=(play.get("gameId"), play.get("playId")))
    return attribute_rows(model, cfg, ef, slice(0, len(ef)), encoder_for(model, dtype))


# ------------------------------------------------ week summaries (Teams page)
def play_summary(game_id: int, play_id: int, a: PlayAttribution) -> pl.DataFrame:
    """Per player of one play: mean |attribution|, the signed peak and when."""
    t = np.abs(a.values).argmax(0)
    q = np.arange(a.nfl_ids.size)
    return pl.DataFrame({
        "gameId": game_id, "playId": play_id, "nflId": a.nfl_ids,
        "side": np.where(q < PLAYERS_PER_SIDE, "offense", "defense"),
        "mean_abs": np.abs(a.values).mean(0), "peak": a.values[t, q],
        "peak_secs": a.secs[t]})


def summarise_frames(model: torch.nn.Module, cfg: dict[str, Any], ef: ExplainFrames, *,
                     dtype: str | torch.dtype = ATTRIBUTION_DTYPE, every: int = 1
                     ) -> list[pl.DataFrame]:
    """:func:`play_summary` of every play of ``ef`` that occlusion can explain, in play order.

    The frames are built once for the whole week and each play is a slice of them; each
    core works through its own run of plays with one thread
    (:mod:`coverage.models.workers`): a play's 23 x T encodings are batches big enough
    for one core, and split across both each operator would pay a fork/join barrier.
    """
    model.eval()
    encode = encoder_for(model, dtype)
    starts, lengths = ef.ft.play_bounds()
    out: list[pl.DataFrame | None] = [None] * starts.size

    def plays(a: int, b: int) -> None:  # rows [a, b): whole plays
        for i in np.flatnonzero((starts >= a) & (starts < b)):
            s = int(starts[i])
            try:
                attr = attribute_rows(model, cfg, ef, slice(s, s + int(lengths[i])), encode,
                                      every)
            except DataError:  # a player joins or leaves mid-play
                continue
            out[i] = play_summary(int(ef.ft.game_id[s]), int(ef.ft.play_id[s]), attr)

    run_over_plays(ef.ft.play_start, plays)
    return [df for df in out if df is not None]


def attribution_week(model_dir: str | Path, store: Store, week: int, *,
                     name: str | None = None, write: bool = True,
                     max_plays: int | None = None,
                     dtype: str | torch.dtype = ATTRIBUTION_DTYPE,
                     every: int | None = None) -> pl.DataFrame:
    """Per play and player: mean |attribution| over pre-snap frames, the signed peak and when.

    Written to ``attribution/week_N.parquet``; the Teams page aggregates it by position.
    The frames explained are every ``every``-th back from the snap, by default the model's
    history stride: the frames its windows step through, which halves the cost of a week
    (with the default stride) and leaves each explained frame's values exact.
    """
    if not store.has_tracking:
        raise DataError("attribution summaries are written into a store", file=str(store.path))
    model, cfg = load_explainer(model_dir)
    name = name or Path(model_dir).name
    plays = None if max_plays is None else \
        store.plays().filter(pl.col("week") == week).head(max_plays)
    ef = load_explain_frames(store, [week], None, plays, labelled=False, keep=write)
    every = int(cfg["stride"]) if every is None else every
    parts = summarise_frames(model, cfg, ef, dtype=dtype, every=every)
    df = (pl.concat(parts) if parts else pl.DataFrame()).with_columns(
        pl.lit(name).alias("model")).select(list(ATTRIBUTION_SUMMARY_SCHEMA)).cast(
        ATTRIBUTION_SUMMARY_SCHEMA)
    if write:
        store.write_output("attribution", week, df, name)
    return df
