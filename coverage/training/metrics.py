"""Classification metrics for man (1) / zone (0) predictions, as pure numpy functions.

Every headline number we report sits next to an uncertainty (Wilson interval)
and a majority-class baseline, because with ~25% man plays a model that always
says "zone" is already ~75% accurate and a week holds only ~1,400 labelled plays.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import optimize, special, stats

__all__ = [
    "accuracy",
    "accuracy_by_time",
    "brier",
    "confusion",
    "ece",
    "fit_temperature",
    "log_loss",
    "majority_baseline",
    "roc_auc",
    "sigmoid",
    "summary",
    "wilson_interval",
]


def _arrays(y: np.ndarray, p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    y = np.asarray(y, dtype=np.float64).ravel()
    p = np.asarray(p, dtype=np.float64).ravel()
    if y.shape != p.shape:
        raise ValueError(f"y and p differ in length: {y.shape[0]} vs {p.shape[0]}")
    return y, p


def wilson_interval(k: int, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    """Wilson score interval: unlike the normal approximation it stays inside [0, 1]
    and behaves at accuracies near 1 and for the small per-bin counts of a time curve."""
    if n <= 0:
        return (math.nan, math.nan)
    phat = k / n
    denom = 1.0 + z * z / n
    centre = (phat + z * z / (2 * n)) / denom
    half = z * math.sqrt(phat * (1 - phat) / n + z * z / (4 * n * n)) / denom
    return (max(0.0, centre - half), min(1.0, centre + half))


def accuracy(y: np.ndarray, p: np.ndarray, threshold: float = 0.5) -> dict[str, float]:
    """Accuracy of ``p >= threshold`` with its 95% Wilson interval and count."""
    y, p = _arrays(y, p)
    n = int(y.size)
    k = int(np.sum((p >= threshold) == (y == 1)))
    lo, hi = wilson_interval(k, n)
    return {"accuracy": k / n if n else math.nan, "ci_low": lo, "ci_high": hi, "n": n}


def majority_baseline(y: np.ndarray, majority_class: int | None = None) -> float:
    """Accuracy of always predicting ``majority_class``.

    Pass the *training* majority class to get the honest baseline; ``None`` uses the
    evaluated set's own majority, which is the (optimistic) upper bound of that baseline.
    """
    y = np.asarray(y, dtype=np.float64).ravel()
    if y.size == 0:
        return math.nan
    rate = float(np.mean(y == 1))
    if majority_class is None:
        return max(rate, 1.0 - rate)
    return rate if majority_class == 1 else 1.0 - rate


def roc_auc(y: np.ndarray, p: np.ndarray) -> float:
    """Rank-based (Mann-Whitney) ROC-AUC; ties count one half, as in the trapezoid rule."""
    y, p = _arrays(y, p)
    pos = y == 1
    n_pos = int(pos.sum())
    n_neg = int(y.size - n_pos)
    if n_pos == 0 or n_neg == 0:
        return math.nan
    ranks = stats.rankdata(p)  # average ranks for ties
    return float((ranks[pos].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def brier(y: np.ndarray, p: np.ndarray) -> float:
    y, p = _arrays(y, p)
    return float(np.mean((p - y) ** 2)) if y.size else math.nan


def log_loss(y: np.ndarray, p: np.ndarray, eps: float = 1e-7) -> float:
    y, p = _arrays(y, p)
    p = np.clip(p, eps, 1 - eps)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))) if y.size else math.nan


def ece(y: np.ndarray, p: np.ndarray, n_bins: int = 10) -> float:
    """Expected calibration error with equal-width bins on P(man).

    Bins are right-closed except the first, so p = 0 and p = 1 both land in a bin.
    """
    y, p = _arrays(y, p)
    if y.size == 0:
        return math.nan
    idx = np.clip(np.ceil(p * n_bins).astype(np.int64) - 1, 0, n_bins - 1)
    count = np.bincount(idx, minlength=n_bins)
    conf = np.bincount(idx, weights=p, minlength=n_bins)
    hit = np.bincount(idx, weights=y, minlength=n_bins)
    nz = count > 0
    return float(np.sum(np.abs(hit[nz] - conf[nz])) / y.size)


def confusion(y: np.ndarray, p: np.ndarray, threshold: float = 0.5) -> dict[str, int]:
    """Confusion counts with man as the positive class."""
    y, p = _arrays(y, p)
    pred = p >= threshold
    truth = y == 1
    return {
        "tp": int(np.sum(pred & truth)),
        "fp": int(np.sum(pred & ~truth)),
        "tn": int(np.sum(~pred & ~truth)),
        "fn": int(np.sum(~pred & truth)),
    }


def fit_temperature(logits: np.ndarray, y: np.ndarray,
                    bounds: tuple[float, float] = (0.05, 20.0)) -> float:
    """Temperature T minimising validation log-loss of ``sigmoid(logit / T)``.

    One scalar cannot change the ranking (AUC) or the 0.5-threshold decisions, only how
    confident the probabilities are, so it is safe to fit on the early-stopping week.
    The search is over log T, bounded, so it always terminates.
    """
    z, y = _arrays(logits, y)
    if z.size == 0 or np.all(y == y[0]):
        return 1.0

    def nll(log_t: float) -> float:
        s = z / math.exp(log_t)
        # -[y log σ(s) + (1-y) log σ(-s)], computed stably
        return float(np.mean(np.logaddexp(0.0, -s) * y + np.logaddexp(0.0, s) * (1 - y)))

    res = optimize.minimize_scalar(nll, bounds=(math.log(bounds[0]), math.log(bounds[1])),
                                   method="bounded", options={"xatol": 1e-6})
    return float(math.exp(res.x))


def accuracy_by_time(secs: np.ndarray, y: np.ndarray, p: np.ndarray,
                     bins: np.ndarray | None = None, majority_class: int | None = 0,
                     threshold: float = 0.5) -> dict[str, np.ndarray]:
    """Accuracy per time-to-snap bin, one row per bin.

    ``secs`` is ``secs_from_snap`` (<= 0 before the snap). With ``bins=None`` every
    distinct 0.1 s offset is its own bin; otherwise ``bins`` are ascending edges and a
    frame falls in ``(edge_i, edge_{i+1}]`` so the snap (0) sits in the last bin.
    ``n_plays`` counts frames, which equals plays when a play has one frame per offset.
    """
    secs = np.round(np.asarray(secs, dtype=np.float64).ravel(), 1)
    y, p = _arrays(y, p)
    if bins is None:
        centres, idx = np.unique(secs, return_inverse=True)
        lo_edge = hi_edge = centres
    else:
        edges = np.asarray(bins, dtype=np.float64)
        idx = np.searchsorted(edges, secs, side="left") - 1
        keep = (idx >= 0) & (idx < edges.size - 1)
        secs, y, p, idx = secs[keep], y[keep], p[keep], idx[keep]
        lo_edge, hi_edge = edges[:-1], edges[1:]
        centres = hi_edge
    nb = len(centres)
    n = np.bincount(idx, minlength=nb)
    k = np.bincount(idx, weights=((p >= threshold) == (y == 1)).astype(np.float64), minlength=nb)
    man = np.bincount(idx, weights=y, minlength=nb)
    ci = np.array([wilson_interval(int(ki), int(ni)) for ki, ni in zip(k, n, strict=True)])
    with np.errstate(invalid="ignore", divide="ignore"):
        acc = k / n
        man_rate = man / n
    if majority_class is None:
        base = np.maximum(man_rate, 1 - man_rate)
    else:
        base = man_rate if majority_class == 1 else 1 - man_rate
    return {
        "secs_from_snap": np.asarray(centres, dtype=np.float64),
        "bin_low": np.asarray(lo_edge, dtype=np.float64),
        "bin_high": np.asarray(hi_edge, dtype=np.float64),
        "accuracy": acc,
        "ci_low": ci[:, 0] if nb else np.empty(0),
        "ci_high": ci[:, 1] if nb else np.empty(0),
        "n_plays": n.astype(np.int64),
        "majority_baseline": base,
    }


def summary(y: np.ndarray, p: np.ndarray, majority_class: int | None = 0,
            threshold: float = 0.5) -> dict[str, float | int | dict]:
    """Every headline metric for one set of predictions, ready for JSON."""
    y, p = _arrays(y, p)
    out: dict[str, float | int | dict] = dict(accuracy(y, p, threshold))
    out.update(
        auc=roc_auc(y, p),
        brier=brier(y, p),
        ece=ece(y, p),
        log_loss=log_loss(y, p),
        man_rate=float(np.mean(y)) if y.size else math.nan,
        majority_baseline=majority_baseline(y, majority_class),
        confusion=confusion(y, p, threshold),
    )
    return out


def sigmoid(z: np.ndarray) -> np.ndarray:
    return special.expit(np.asarray(z, dtype=np.float64))
