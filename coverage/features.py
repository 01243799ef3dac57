"""Per-frame player tensors for the tracking models, built with polars and one reshape.

Each pre-snap frame becomes a ``[22, F]`` block: the 11 offensive players sorted by
``y``, then the 11 defenders sorted by ``y``. Positions are relative to the line of
scrimmage and the ball so the same alignment looks the same anywhere on the field, and
each player carries his displacement over the last second so a defender *travelling*
with a motion man is visible in a single frame.

Nothing here depends on the future: the displacement looks backward only, sorting uses the
current frame, and ``secs_from_snap`` is kept for evaluation, never fed to a model.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl
import torch

from coverage.schema import FRAME_RATE_HZ, PLAY_KEYS, PLAYERS_PER_SIDE
from coverage.spill import Spill
from coverage.vocab import label_expr

FEATURES: tuple[str, ...] = (
    "x_rel",      # x - los_x: depth; negative = offensive backfield
    "y_rel",      # y - ball_y: width from the ball
    "vx",
    "vy",
    "a",
    "sin_o",
    "cos_o",
    "sin_dir",
    "cos_dir",
    "is_offense",
    "dx_1s",      # displacement over the last second (0 on a play's first frame)
    "dy_1s",
)
# What a model may read of the 12 channels. ``motion`` drops what only the tracking
# vendor's smoothing defines (acceleration ``a``, body orientation ``o``, and ``dir``, which
# wanders at random when a player stands still): those channels tell our simulator from
# real tracking on their own (README, realism report), while positions and velocities are
# what a real-trained reference model reads.
FEATURE_SETS: dict[str, tuple[str, ...]] = {
    "full": FEATURES,
    "motion": ("x_rel", "y_rel", "vx", "vy", "is_offense", "dx_1s", "dy_1s"),
}
N_PLAYERS = 2 * PLAYERS_PER_SIDE
# Reflecting y -> -y negates every y-like component. With NGS angles (clockwise from +y,
# vy = s*cos(dir)) that means cos(dir) and cos(o) flip sign while sin() keeps it.
MIRROR_NEGATE: tuple[str, ...] = ("y_rel", "vy", "cos_o", "cos_dir", "dy_1s")
_KEYS = ("gameId", "playId", "nflId")


@dataclass
class FrameTensors:
    """All pre-snap frames of a set of plays, aligned row by row.

    Frames are ordered by (gameId, playId, frameId), so a play's frames are contiguous and
    ``play_start[i]`` is the row of the first frame of row ``i``'s play.
    """

    x: np.ndarray            # [N, 22, F] float32
    game_id: np.ndarray      # [N] int64
    play_id: np.ndarray      # [N] int64
    frame_id: np.ndarray     # [N] int32
    secs: np.ndarray         # [N] float32, secs_from_snap (<= 0)
    y: np.ndarray            # [N] float32, 1 man / 0 zone / nan unlabeled
    play_start: np.ndarray   # [N] int64
    features: tuple[str, ...] = FEATURES
    dropped_frames: int = 0  # frames without exactly 11 + 11 players

    def __len__(self) -> int:
        return int(self.x.shape[0])

    def frame_keys(self) -> dict[str, np.ndarray]:
        """The key columns of a per-frame output table, row by row."""
        return {"gameId": self.game_id, "playId": self.play_id, "frameId": self.frame_id,
                "secs_from_snap": self.secs}

    def history_index(self, k: int, stride: int) -> np.ndarray:
        """``[N, k]`` row indices of the last k frames at ``stride`` (oldest first, the
        frame itself last), clamped to the play's first frame so no play leaks into another."""
        rows = np.arange(len(self), dtype=np.int64)
        back = stride * np.arange(k - 1, -1, -1, dtype=np.int64)
        return np.maximum(rows[:, None] - back[None, :], self.play_start[:, None])

    def play_bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """(start, length) of each play's contiguous block of rows."""
        starts = np.flatnonzero(np.r_[True, self.play_start[1:] != self.play_start[:-1]])
        lengths = np.diff(np.r_[starts, len(self)])
        return starts, lengths

    def select_plays(self, mask_rows: np.ndarray) -> FrameTensors:
        """Subset whole plays (``mask_rows`` must be constant within a play)."""
        idx = np.flatnonzero(mask_rows)
        new_start = np.searchsorted(idx, self.play_start[idx])
        return FrameTensors(self.x[idx], self.game_id[idx], self.play_id[idx],
                            self.frame_id[idx], self.secs[idx], self.y[idx],
                            new_start.astype(np.int64), self.features, self.dropped_frames)


def frame_features(tracking: pl.LazyFrame, plays: pl.DataFrame | pl.LazyFrame,
                   max_secs: float | None = None) -> pl.LazyFrame:
    """Long table: one row per player per pre-snap frame with every feature column.

    Rows are sorted (play, frame, offense first, y, nflId) and only frames with exactly
    11 offensive and 11 defensive players are kept, so 22 consecutive rows are one frame.
    """
    rate = int(FRAME_RATE_HZ)
    idx = plays.lazy().select(
        pl.col("gameId").cast(pl.Int64), pl.col("playId").cast(pl.Int64),
        pl.col("los_x").cast(pl.Float32), pl.col("ball_y").cast(pl.Float32), label_expr())
    lf = tracking.filter((pl.col("side") != "ball") & (pl.col("secs_from_snap") <= 0))
    if max_secs is not None:
        # keep 1 s more so the first kept frame still has a full displacement window
        lf = lf.filter(pl.col("secs_from_snap") >= -(max_secs + 1.0))
    lf = lf.join(idx, on=PLAY_KEYS, how="inner")
    over = dict(partition_by=list(_KEYS), order_by="frameId")
    o = pl.col("o").radians().fill_nan(None)
    d = pl.col("dir").radians().fill_nan(None)
    lf = lf.with_columns(
        (pl.col("x") - pl.col("los_x")).alias("x_rel"),
        (pl.col("y") - pl.col("ball_y")).alias("y_rel"),
        o.sin().fill_null(0.0).alias("sin_o"), o.cos().fill_null(0.0).alias("cos_o"),
        d.sin().fill_null(0.0).alias("sin_dir"), d.cos().fill_null(0.0).alias("cos_dir"),
        (pl.col("side") == "offense").cast(pl.Float32).alias("is_offense"),
        (pl.col("x") - pl.col("x").shift(rate).over(**over)
         .fill_null(pl.col("x").first().over(**over))).alias("dx_1s"),
        (pl.col("y") - pl.col("y").shift(rate).over(**over)
         .fill_null(pl.col("y").first().over(**over))).alias("dy_1s"),
    )
    if max_secs is not None:
        lf = lf.filter(pl.col("secs_from_snap") >= -max_secs)
    frame = ["gameId", "playId", "frameId"]
    lf = lf.with_columns(
        (pl.col("side") == "offense").sum().over(frame).alias("_n_off"),
        (pl.col("side") == "defense").sum().over(frame).alias("_n_def"),
    )
    return lf.select(
        *frame, pl.col("secs_from_snap").cast(pl.Float32), "label", "_n_off", "_n_def",
        "nflId", *[pl.col(f).cast(pl.Float32).fill_nan(0.0).fill_null(0.0) for f in FEATURES],
    ).sort([*frame, "is_offense", "y_rel", "nflId"], descending=[False] * 3 + [True, False, False])


def full_frames(tracking: pl.LazyFrame, plays: pl.DataFrame | pl.LazyFrame,
                max_secs: float | None = None) -> tuple[pl.DataFrame, int]:
    """:func:`frame_features` collected, only its 11 v 11 frames, and how many it dropped."""
    long = frame_features(tracking, plays, max_secs).collect()
    full = (long["_n_off"] == PLAYERS_PER_SIDE) & (long["_n_def"] == PLAYERS_PER_SIDE)
    dropped = long.filter(~full).select("gameId", "playId", "frameId").n_unique()
    return long.filter(full), int(dropped)


def tensors_of(long: pl.DataFrame, dropped: int = 0) -> FrameTensors:
    """Reshape a long table of whole 11 v 11 frames (:func:`full_frames`) to ``[N, 22, F]``."""
    x = long.select(FEATURES).to_numpy().astype(np.float32, copy=False)
    x = x.reshape(-1, N_PLAYERS, len(FEATURES))
    heads = long.gather_every(N_PLAYERS)
    gid = heads["gameId"].to_numpy().astype(np.int64)
    pid = heads["playId"].to_numpy().astype(np.int64)
    new_play = np.r_[True, (gid[1:] != gid[:-1]) | (pid[1:] != pid[:-1])] if len(gid) else \
        np.zeros(0, dtype=bool)
    starts = np.flatnonzero(new_play)
    play_start = starts[np.cumsum(new_play) - 1] if len(gid) else np.zeros(0, np.int64)
    return FrameTensors(
        x=np.ascontiguousarray(x),
        game_id=gid, play_id=pid,
        frame_id=heads["frameId"].to_numpy().astype(np.int32),
        secs=heads["secs_from_snap"].to_numpy().astype(np.float32),
        y=heads["label"].fill_null(float("nan")).to_numpy().astype(np.float32),
        play_start=play_start.astype(np.int64),
        dropped_frames=dropped,
    )


def build_frames(tracking: pl.LazyFrame, plays: pl.DataFrame | pl.LazyFrame,
                 max_secs: float | None = None) -> FrameTensors:
    """The ``[N_frames, 22, F]`` tensors of every 11 v 11 pre-snap frame."""
    return tensors_of(*full_frames(tracking, plays, max_secs))


def mirror(x: torch.Tensor | np.ndarray, features: tuple[str, ...] = FEATURES
           ) -> torch.Tensor | np.ndarray:
    """Reflect ``[..., 22, F]`` player tensors across the ball's y.

    Negates y, y-velocity, y-displacement and the cosines of ``o``/``dir`` together (the
    reference flipped y but not velocity), and reverses each side's player order so the
    "sorted by y" convention still holds. Applying it twice is the identity.
    """
    sign = np.ones(len(features), dtype=np.float32)
    sign[[features.index(f) for f in MIRROR_NEGATE]] = -1.0
    half = PLAYERS_PER_SIDE
    order = np.r_[np.arange(half - 1, -1, -1), np.arange(2 * half - 1, half - 1, -1)]
    if isinstance(x, torch.Tensor):
        s = torch.as_tensor(sign, device=x.device, dtype=x.dtype)
        return x[..., torch.as_tensor(order, device=x.device), :] * s
    return x[..., order, :] * sign


def concat_frames(parts: Iterable[FrameTensors], spill: Spill | None = None) -> FrameTensors:
    """Stack several weeks' tensors, shifting each part's ``play_start`` rows.

    ``parts`` may be a generator that builds one week at a time: with ``spill`` the frame
    tensor of each week goes to disk as soon as it is built (:mod:`coverage.spill`), so
    only one week's frames are ever in the process's memory.
    """
    small: dict[str, list[np.ndarray]] = {k: [] for k in
                                          ("game_id", "play_id", "frame_id", "secs", "y",
                                           "play_start")}
    xs: list[np.ndarray] = []
    features, dropped, offset = FEATURES, 0, 0
    for p in parts:
        for k in small:
            small[k].append(getattr(p, k) + offset if k == "play_start" else getattr(p, k))
        if spill is not None:
            spill.append(x=p.x)
        else:
            xs.append(p.x)
        features, dropped, offset = p.features, dropped + p.dropped_frames, offset + len(p)
    if not small["y"]:
        raise ValueError("no weeks to stack")
    x = spill.arrays()["x"] if spill is not None else np.concatenate(xs)
    return FrameTensors(x=x, **{k: np.concatenate(v) for k, v in small.items()},
                        features=features, dropped_frames=dropped)


def feature_inputs(feature_set: str) -> list[int] | None:
    """Channel indices a model of ``feature_set`` reads (None: all, as older checkpoints)."""
    if feature_set not in FEATURE_SETS:
        raise ValueError(f"unknown feature set {feature_set!r}; "
                         f"expected one of {sorted(FEATURE_SETS)}")
    names = FEATURE_SETS[feature_set]
    return None if names == FEATURES else [FEATURES.index(n) for n in names]


def feature_stats(x: np.ndarray, inputs: list[int] | None = None
                  ) -> tuple[list[float], list[float]]:
    """Per-feature mean and std over frames and players (std floored at 1e-3), of the
    ``inputs`` channels only when given."""
    flat = x.reshape(-1, x.shape[-1]).astype(np.float64)
    if inputs:
        flat = flat[:, inputs]
    return flat.mean(axis=0).tolist(), np.maximum(flat.std(axis=0), 1e-3).tolist()


def input_hparams(x: np.ndarray, feature_set: str) -> dict[str, Any]:
    """A tracking model's input hyper-parameters: the channels of ``feature_set`` it reads
    (``inputs``, absent for all of them) and their normalisation over the sample ``x``."""
    inputs = feature_inputs(feature_set)
    mean, std = feature_stats(x, inputs)
    return {"mean": mean, "std": std, **({"inputs": inputs} if inputs else {})}
