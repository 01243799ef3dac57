"""Batched template matching: cost tensors for many frames at once, Hungarian per frame.

All geometry is computed with numpy over a whole chunk of frames and every
template at once; only ``linear_sum_assignment`` runs in a Python loop, and a
cheap lower bound skips most (frame, template) solves: the optimal assignment
cost can never be below the sum of row minima (or of column minima), so a
template whose bound already exceeds the best solved cost cannot win.
"""

from __future__ import annotations

import numpy as np

BOX_HALF_WIDTH = 4.5  # yards either side of the ball that are not rescaled
DEPTH_WEIGHT = 1.5  # depth errors matter more: they separate shotgun / under center, deep / box
_SCALE_LIMITS = (0.25, 4.0)
CHUNK = 4096


def stretch_templates(obs: np.ndarray, tmpl: np.ndarray, box: float = BOX_HALF_WIDTH) -> np.ndarray:
    """Rescale each template's lateral extent outside the box to the observed spread.

    Receivers and corners line up anywhere from a tight split to the
    sideline; stretching each half of the field separately (left and right of
    the ball) lets a 3x1 with a wide X still match, while the interior line
    and backfield keep their absolute shape.

    obs: (N, 11, 2) observed (u, d); tmpl: (T, 11, 2). Returns (N, T, 11, 2).
    """
    u_obs = obs[..., 0]
    ext = np.stack([np.maximum(u_obs.max(axis=1), 0.0), np.maximum(-u_obs.min(axis=1), 0.0)], -1)
    u_t = tmpl[..., 0]
    t_ext = np.stack([np.maximum(u_t.max(axis=1), 0.0), np.maximum(-u_t.min(axis=1), 0.0)], -1)
    has_wide = t_ext > box  # (T, 2)
    denom = np.where(has_wide, t_ext - box, 1.0)
    scale = (ext[:, None, :] - box) / denom[None, :, :]  # (N, T, 2)
    scale = np.where(has_wide[None], np.clip(scale, *_SCALE_LIMITS), 1.0)
    side = (u_t < 0).astype(np.intp)  # 0: + side, 1: - side; (T, 11)
    s = np.take_along_axis(scale, np.broadcast_to(side[None], (len(obs), *side.shape)), axis=2)
    mag = np.abs(u_t)[None]
    u_new = np.where(mag > box, np.sign(u_t)[None] * (box + (mag - box) * s), u_t[None])
    out = np.empty((len(obs), *tmpl.shape), dtype=np.float64)
    out[..., 0] = u_new
    out[..., 1] = tmpl[None, :, :, 1]
    return out


def cost_tensor(
    obs: np.ndarray, scaled: np.ndarray, depth_weight: float = DEPTH_WEIGHT
) -> np.ndarray:
    """(N, T, players, slots) weighted euclidean distances, float32 to halve memory traffic."""
    o = obs.astype(np.float32)
    s = scaled.astype(np.float32)
    du = o[:, None, :, None, 0] - s[:, :, None, :, 0]
    dd = o[:, None, :, None, 1] - s[:, :, None, :, 1]
    dd *= np.float32(depth_weight)
    np.multiply(du, du, out=du)
    np.multiply(dd, dd, out=dd)
    du += dd
    return np.sqrt(du, out=du)


def solve_totals(cost: np.ndarray, allowed: np.ndarray, prune: bool = True) -> np.ndarray:
    """Optimal total cost per (frame, template); NaN where pruned or not allowed.

    With ``prune`` only templates that can still beat the running best are
    solved, so the argmin over the result is exact while most entries stay
    NaN. Without it every allowed template is solved (needed when the
    caller compares against a template other than the best one).
    """
    from scipy.optimize import linear_sum_assignment  # scipy is slow to import: only when used

    n, t = cost.shape[:2]
    totals = np.full((n, t), np.nan)
    lower = np.maximum(cost.min(axis=3).sum(axis=2), cost.min(axis=2).sum(axis=2))
    lower = np.where(allowed, lower, np.inf)
    order = np.argsort(lower, axis=1)
    best = np.full(n, np.inf)
    for rank in range(t):
        tid = order[:, rank]
        lb = lower[np.arange(n), tid]
        todo = np.isfinite(lb) & ((lb < best - 1e-9) if prune else True)
        idx = np.flatnonzero(todo)
        if idx.size == 0:
            if prune:
                break
            continue
        for i in idx:
            m = cost[i, tid[i]]
            r, c = linear_sum_assignment(m)
            totals[i, tid[i]] = m[r, c].sum()
        best[idx] = np.fmin(best[idx], totals[idx, tid[idx]])
    return totals


def assign_slots(cost: np.ndarray) -> np.ndarray:
    """Slot index for each player, one Hungarian solve per (N, 11, 11) matrix."""
    from scipy.optimize import linear_sum_assignment  # scipy is slow to import: only when used

    out = np.empty(cost.shape[:2], dtype=np.intp)
    for i in range(cost.shape[0]):
        r, c = linear_sum_assignment(cost[i])
        out[i, r] = c
    return out
