"""Which players give the call away: occlusion attribution of P(man), per player and frame.

To ask "how much did this player tell the model", we *remove* him and look at the change
in P(man): his features are replaced in every frame by the mean of his own side in that
frame (a neutral team-mate standing at the centroid, moving with the average), and the
attribution is ``P(man) - P(man | player removed)``. Positive = he pushes the call toward
man. Occlusion needs no gradients and is faithful by construction for the removed
feature set; ``benchmarks/faithfulness.py`` checks that it ranks players usefully.

Cost: the frame encoder runs once per (frame, removed player), i.e. 23 x T encodings of
22 tokens for a T-frame play, and the GRU reads those pooled embeddings for every
history window, so a 100-frame play is one batched pass, not 2,200 model calls.

Per week, :func:`attribution_week` keeps each player's mean |attribution| and signed peak
per play (the store's attribution output), which the Teams page aggregates by defense and
position (``coverage.app.team_data.position_giveaway_table``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import torch

from coverage.errors import DataError
from coverage.family.data import ExplainFrames, build_explain_frames
from coverage.family.predict import load_explainer
from coverage.models.transformer import ENCODE_BATCH
from coverage.schema import ATTRIBUTION_SUMMARY_SCHEMA, PLAYERS_PER_SIDE
from coverage.store import Store

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


def _player_slots(nfl: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Players of a play (sorted nflIds, offense first) and their slot per frame ``[T, Q]``."""
    first = nfl[0]
    ids = np.concatenate([np.sort(first[:PLAYERS_PER_SIDE]), np.sort(first[PLAYERS_PER_SIDE:])])
    match = nfl[:, :, None] == ids[None, None, :]         # [T, 22, Q]
    if not match.any(1).all():
        raise DataError("a player joins or leaves mid-play; occlusion needs a fixed 22")
    return ids, match.argmax(1)


@torch.inference_mode()
def p_man_removed(model: torch.nn.Module, cfg: dict[str, Any], x: np.ndarray,
                  slots: np.ndarray, remove: np.ndarray) -> np.ndarray:
    """P(man) per frame with sets of players removed: ``remove`` ``[M, Q]`` -> ``[M, T]``.

    ``x`` is one play's ``[T, 22, F]``; ``slots`` ``[T, Q]`` maps player q to his token slot.
    """
    t_len = x.shape[0]
    half = PLAYERS_PER_SIDE
    neutral = np.concatenate([np.repeat(x[:, :half].mean(1, keepdims=True), half, 1),
                              np.repeat(x[:, half:].mean(1, keepdims=True), half, 1)], axis=1)
    xs = np.repeat(x[None], remove.shape[0], 0)          # [M, T, 22, F]
    m_idx, q_idx = np.nonzero(remove)
    for t in range(t_len):
        s = slots[t, q_idx]
        xs[m_idx, t, s] = neutral[t, s]
    flat = torch.from_numpy(xs.reshape(-1, *x.shape[1:]))
    pooled = torch.cat([model.encode_frames(flat[i:i + ENCODE_BATCH])[1]  # cache-sized
                        for i in range(0, flat.shape[0], ENCODE_BATCH)])
    pooled = pooled.reshape(remove.shape[0], t_len, -1)
    k, stride = int(cfg["history"]), int(cfg["stride"])
    back = stride * np.arange(k - 1, -1, -1)
    hist = np.maximum(np.arange(t_len)[:, None] - back[None, :], 0)      # [T, k]
    state = model.play_state(pooled[:, hist].reshape(-1, k, pooled.shape[-1]))
    p = model.p_man(model.family_logits(state), float(cfg.get("temperature", 1.0)))
    return p.reshape(remove.shape[0], t_len).numpy()


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


def attribute_play(model: torch.nn.Module, cfg: dict[str, Any], frames: pl.DataFrame,
                   play: dict[str, Any]) -> PlayAttribution:
    """Occlusion attribution of P(man) for every pre-snap frame and player of one play."""
    ef = play_frames_tensors(frames, play)
    if len(ef) == 0:
        raise DataError("no pre-snap frame with 11 v 11 players to explain",
                        play=(play.get("gameId"), play.get("playId")))
    ids, slots = _player_slots(ef.nfl)
    q = ids.size
    remove = np.vstack([np.zeros((1, q), bool), np.eye(q, dtype=bool)])
    p = p_man_removed(model, cfg, ef.ft.x, slots, remove)
    return PlayAttribution(ids, ef.ft.frame_id.astype(np.int64), ef.ft.secs, p[0],
                           (p[0][None, :] - p[1:]).T, ef.ft.x, slots)


# ------------------------------------------------ week summaries (Teams page)
def attribution_week(model_dir: str | Path, store: Store, week: int, *,
                     name: str | None = None, write: bool = True,
                     max_plays: int | None = None) -> pl.DataFrame:
    """Per play and player: mean |attribution| over pre-snap frames, the signed peak and when.

    Written to ``attribution/week_N.parquet``; the Teams page aggregates it by position.
    """
    if not store.has_tracking:
        raise DataError("attribution summaries are written into a store", file=str(store.path))
    model, cfg = load_explainer(model_dir)
    name = name or Path(model_dir).name
    plays = store.plays().filter(pl.col("week") == week)
    if max_plays is not None:
        plays = plays.head(max_plays)
    by_play = store.tracking(week).collect().partition_by("gameId", "playId", as_dict=True)
    parts = []
    for play in plays.iter_rows(named=True):
        frames = by_play.get((play["gameId"], play["playId"]))
        if frames is None:
            continue
        try:
            a = attribute_play(model, cfg, frames, play)
        except DataError:
            continue
        t = np.abs(a.values).argmax(0)
        q = np.arange(a.nfl_ids.size)
        parts.append(pl.DataFrame({
            "gameId": play["gameId"], "playId": play["playId"], "nflId": a.nfl_ids,
            "side": np.where(q < 11, "offense", "defense"),
            "mean_abs": np.abs(a.values).mean(0), "peak": a.values[t, q],
            "peak_secs": a.secs[t]}))
    df = (pl.concat(parts) if parts else pl.DataFrame()).with_columns(
        pl.lit(name).alias("model")).select(list(ATTRIBUTION_SUMMARY_SCHEMA)).cast(
        ATTRIBUTION_SUMMARY_SCHEMA)
    if write:
        store.write_output("attribution", week, df, name)
    return df
