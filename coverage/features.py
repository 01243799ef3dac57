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
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl

from coverage.schema import FRAME_RATE_HZ, PLAY_KEYS, PLAYERS_PER_SIDE
from coverage.spill import Spill
from coverage.vocab import label_expr

if TYPE_CHECKING:
    import torch

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
_FRAME = ("gameId", "playId", "frameId")


def history_rows(rows: np.ndarray, first: np.ndarray | int, k: int, stride: int
                 ) -> np.ndarray:
    """``[N, k]``: for each of ``rows``, the rows of its last k frames at ``stride`` (oldest
    first, the frame itself last), none before its play's ``first`` row: the window every
    tracking model reads, in training, prediction and occlusion alike."""
    back = stride * np.arange(k - 1, -1, -1, dtype=np.int64)
    return np.maximum(rows[:, None] - back[None, :], np.asarray(first)[..., None])


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
        return history_rows(np.arange(len(self), dtype=np.int64), self.play_start, k, stride)

    def play_bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """(start, length) of each play's contiguous block of rows."""
        starts = np.flatnonzero(np.r_[True, self.play_start[1:] != self.play_start[:-1]])
        lengths = np.diff(np.r_[starts, len(self)])
        return starts, lengths

    def snap_grid(self, every: int) -> np.ndarray:
        """Whether each row is an ``every``-th frame counted back from its play's last (the
        snap): with ``every`` the history stride, these moments' windows read only each
        other's frames, so scoring them encodes 1/``every`` of the frames."""
        starts, lengths = self.play_bounds()
        last = np.repeat(starts + lengths - 1, lengths)
        return (last - np.arange(len(self))) % max(1, every) == 0

    def select_plays(self, mask_rows: np.ndarray) -> FrameTensors:
        """Subset whole plays (``mask_rows`` must be constant within a play)."""
        idx = np.flatnonzero(mask_rows)
        new_start = np.searchsorted(idx, self.play_start[idx])
        return FrameTensors(self.x[idx], self.game_id[idx], self.play_id[idx],
                            self.frame_id[idx], self.secs[idx], self.y[idx],
                            new_start.astype(np.int64), self.features, self.dropped_frames)


def _player_rows(tracking: pl.LazyFrame, plays: pl.DataFrame | pl.LazyFrame,
                 max_secs: float | None) -> pl.DataFrame:
    """One row per player per pre-snap frame of ``plays``, with the play's columns, in
    (play, frame) order: the store keeps tracking in that order, so it is sorted here only
    when a caller's table is not."""
    idx = plays.lazy().select(
        pl.col("gameId").cast(pl.Int64), pl.col("playId").cast(pl.Int64),
        pl.col("los_x").cast(pl.Float32), pl.col("ball_y").cast(pl.Float32), label_expr())
    lf = tracking.filter((pl.col("side") != "ball") & (pl.col("secs_from_snap") <= 0))
    if max_secs is not None:
        # keep 1 s more so the first kept frame still has a full displacement window
        lf = lf.filter(pl.col("secs_from_snap") >= -(max_secs + 1.0))
    lf = lf.select(pl.col("gameId").cast(pl.Int64), pl.col("playId").cast(pl.Int64),
                   "frameId", "nflId", "side", "x", "y", "vx", "vy", "a", "o", "dir",
                   "secs_from_snap")
    df = lf.join(idx, on=PLAY_KEYS, how="inner", maintain_order="left").collect()
    g, p, f = (df[c].to_numpy() for c in _FRAME)
    dg, dp, df_ = np.diff(g), np.diff(p), np.diff(f)
    if not ((dg > 0) | ((dg == 0) & ((dp > 0) | ((dp == 0) & (df_ >= 0))))).all():
        df = df.sort(*_FRAME, maintain_order=True)
    return df


def _runs(*keys: np.ndarray) -> np.ndarray:
    """Whether each row starts a new run of equal ``keys`` (rows in key order)."""
    n = len(keys[0])
    new = np.zeros(n, dtype=bool)
    new[:1] = True
    for k in keys:
        new[1:] |= k[1:] != k[:-1]
    return new


def _one_second_back(df: pl.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(row one second earlier, first row) of each row's player in its play: rows of a
    player in (play, frame) order, so the look-back is ``rate`` of his rows back, clamped
    to his first (what ``shift(rate).over(player)`` filled with ``first()`` gives)."""
    n = df.height
    play = np.cumsum(_runs(df["gameId"].to_numpy(), df["playId"].to_numpy())) - 1
    nfl = df["nflId"]
    if nfl.null_count() == 0 and n and nfl.min() >= 0 and nfl.max() < 1 << 31:
        who = nfl.to_numpy().astype(np.int64)
    else:  # nulls (one group, as polars partitions them) or ids out of range
        who = nfl.rank("dense").fill_null(0).to_numpy().astype(np.int64)
    # a stable sort keeps each player's rows in frame order
    key = (play.astype(np.int64) << 32) | who
    order = np.argsort(key, kind="stable")
    pos = np.arange(n)
    first = np.maximum.accumulate(np.where(_runs(key[order]), pos, 0))
    back_at, first_at = np.empty(n, np.int64), np.empty(n, np.int64)
    back_at[order] = order[np.maximum(pos - int(FRAME_RATE_HZ), first)]
    first_at[order] = order[first]
    return back_at, first_at


def _frame_table(tracking: pl.LazyFrame, plays: pl.DataFrame | pl.LazyFrame,
                 max_secs: float | None) -> pl.DataFrame:
    """Player rows in (play, frame) order with every feature column (float32, no NaN)."""
    df = _player_rows(tracking, plays, max_secs)
    back, first = (pl.Series(a) for a in _one_second_back(df))
    o = pl.col("o").radians().fill_nan(None)
    d = pl.col("dir").radians().fill_nan(None)

    def moved(c: str) -> pl.Expr:
        return pl.col(c) - pl.col(c).gather(back).fill_null(pl.col(c).gather(first))
    df = df.with_columns(
        (pl.col("x") - pl.col("los_x")).alias("x_rel"),
        (pl.col("y") - pl.col("ball_y")).alias("y_rel"),
        o.sin().fill_null(0.0).alias("sin_o"), o.cos().fill_null(0.0).alias("cos_o"),
        d.sin().fill_null(0.0).alias("sin_dir"), d.cos().fill_null(0.0).alias("cos_dir"),
        (pl.col("side") == "offense").cast(pl.Float32).alias("is_offense"),
        moved("x").alias("dx_1s"), moved("y").alias("dy_1s"),
    )
    if max_secs is not None:
        df = df.filter(pl.col("secs_from_snap") >= -max_secs)
    return df.select(
        *_FRAME, pl.col("secs_from_snap").cast(pl.Float32), "label", "side", "nflId",
        *[pl.col(f).cast(pl.Float32).fill_nan(0.0).fill_null(0.0) for f in FEATURES])


def frame_grid(tracking: pl.LazyFrame, plays: pl.DataFrame | pl.LazyFrame,
               max_secs: float | None = None) -> tuple[FrameTensors, np.ndarray]:
    """Every 11 v 11 pre-snap frame as ``[N, 22, F]`` tensors, and the ``[N, 22]`` nflId
    of each token slot (-1: none); frames without exactly 11 + 11 players are dropped.

    Polars computes the per-row features; the per-player look-back and the per-frame
    order (offense first, then ``y_rel``, then ``nflId``) are index arithmetic on the rows,
    which the store already keeps in (play, frame) order.
    """
    df = _frame_table(tracking, plays, max_secs)
    g, p, f = (df[c].to_numpy() for c in _FRAME)
    new = _runs(g, p, f)
    starts = np.flatnonzero(new)
    size = np.diff(np.r_[starts, df.height])
    side = df["side"]
    n_off = np.add.reduceat((side == "offense").to_numpy(), starts) if starts.size else size
    n_def = np.add.reduceat((side == "defense").to_numpy(), starts) if starts.size else size
    full = (size == N_PLAYERS) & (n_off == PLAYERS_PER_SIDE) & (n_def == PLAYERS_PER_SIDE)
    heads = starts[full]
    n, width = heads.size, len(FEATURES)
    at = heads[:, None] + np.arange(N_PLAYERS)          # [N, 22] rows of each full frame
    table = df.select(FEATURES).to_numpy()
    nfl_key = df["nflId"].fill_null(np.iinfo(np.int64).min).to_numpy()  # nulls first
    slot = np.lexsort((nfl_key[at], table[at, FEATURES.index("y_rel")],
                       -table[at, FEATURES.index("is_offense")]), axis=-1)
    at = np.take_along_axis(at, slot, axis=1)
    x = table.astype(np.float32, copy=False).take(at.ravel(), axis=0) \
        .reshape(n, N_PLAYERS, width)
    nfl = df["nflId"].fill_null(-1).to_numpy().astype(np.int64)[at]
    gid, pid = g[heads].astype(np.int64), p[heads].astype(np.int64)
    new_play = _runs(gid, pid)
    play_start = np.flatnonzero(new_play)[np.cumsum(new_play) - 1] if n else \
        np.zeros(0, np.int64)
    ft = FrameTensors(
        x=x, game_id=gid, play_id=pid,
        frame_id=f[heads].astype(np.int32),
        secs=df["secs_from_snap"].to_numpy()[heads].astype(np.float32),
        y=df["label"].fill_null(float("nan")).to_numpy()[heads].astype(np.float32),
        play_start=play_start.astype(np.int64), dropped_frames=int((~full).sum()))
    return ft, nfl


def build_frames(tracking: pl.LazyFrame, plays: pl.DataFrame | pl.LazyFrame,
                 max_secs: float | None = None) -> FrameTensors:
    """The ``[N_frames, 22, F]`` tensors of every 11 v 11 pre-snap frame."""
    return frame_grid(tracking, plays, max_secs)[0]


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
    if not isinstance(x, np.ndarray):  # a torch tensor (torch is imported only then)
        import torch

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
