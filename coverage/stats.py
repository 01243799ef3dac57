"""Estimators more than one model or report needs: empirical-Bayes shrinkage of rates and
permutation importance.

One definition each, so a defense's shrunk man rate in the app's tendency table is the
number the tabular model was fed, and the simulator's calibration shrinks its situation
cells the same way. (The softmax/sigmoid temperature fit sits with the other calibration
metrics in :mod:`coverage.evaluation`.)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

import numpy as np
import polars as pl

MIN_STRENGTH, MAX_STRENGTH = 2.0, 2000.0

R = TypeVar("R", float, np.ndarray, pl.Expr)


def beta_shrink(k: R, n: R, prior: float | R, strength: float) -> R:
    """Posterior mean of a rate under a beta prior: ``(k + m p0) / (n + m)``.

    ``k`` successes of ``n`` (numbers, arrays or polars expressions), pulled toward the
    prior rate ``p0`` with the weight of ``m = strength`` pseudo-trials: a group with
    few trials keeps little of its own rate, one with many keeps nearly all of it.
    """
    return (k + strength * prior) / (n + strength)


def eb_strength(k: np.ndarray, n: np.ndarray) -> float:
    """Beta-prior strength ``m`` (pseudo-trials) from per-group successes ``k`` of ``n``.

    Method of moments: the spread of the group rates beyond binomial noise is the prior's
    variance ``p(1-p)/(m+1)``. With no real spread, ``m`` is large (shrink to the pooled
    rate); it is clipped to [MIN_STRENGTH, MAX_STRENGTH].
    """
    k, n = np.asarray(k, dtype=np.float64), np.asarray(n, dtype=np.float64)
    ok = n > 0
    if ok.sum() < 2:
        return MAX_STRENGTH
    k, n = k[ok], n[ok]
    p = k.sum() / n.sum()
    rates = k / n
    var = np.average((rates - p) ** 2, weights=n)
    noise = p * (1 - p) * len(n) / n.sum()  # E[weighted variance] of binomial noise
    between = var - noise
    if p <= 0 or p >= 1 or between <= 1e-9:
        return MAX_STRENGTH
    return float(np.clip(p * (1 - p) / between - 1, MIN_STRENGTH, MAX_STRENGTH))


X = TypeVar("X", np.ndarray, pl.DataFrame)


def _permuted(x: X, cols: Sequence[Any], perm: np.ndarray) -> X:
    """``x`` with the columns ``cols`` (names of a frame, indices of an array) shuffled
    by one row permutation, so correlated columns move together."""
    if isinstance(x, pl.DataFrame):
        return x.with_columns(x.select(list(cols))[pl.Series(perm)])
    out = x.copy()
    out[:, cols] = x[perm][:, cols]
    return out


def permutation_importance(losses: Callable[[X], Sequence[float]], x: X,
                           groups: Mapping[str, Sequence[Any]], rng: np.random.Generator,
                           repeats: int = 1) -> dict[str, np.ndarray]:
    """Per group: mean increase of each loss when the group's columns are shuffled.

    ``losses(x)`` returns one or more losses (lower is better; pass ``-auc`` for an AUC)
    of a fitted model on ``x``. A group's columns share one permutation per repeat:
    shuffled one at a time, a column of a correlated group looks unimportant because its
    siblings stand in for it. Permutations are drawn group by group, repeat by repeat,
    from ``rng``, so a seeded generator gives the same figures every run.
    """
    base = np.asarray(losses(x), dtype=np.float64)
    out = {}
    for name, cols in groups.items():
        deltas = [np.asarray(losses(_permuted(x, cols, rng.permutation(len(x)))),
                             dtype=np.float64) - base for _ in range(repeats)]
        out[name] = np.mean(deltas, axis=0)
    return out
