"""Evaluation: every metric, interval, calibration and curve the models are judged by.

Pure numpy/polars functions used alike by training (selection, test report), by
``coverage evaluate`` and by the app's pages, so a number means the same thing
wherever it is shown. Every headline number sits next to an uncertainty (Wilson
interval) and a majority-class baseline, because most plays are zone (a model that always
says "zone" is already mostly right) and a week holds few labelled plays.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import polars as pl

Z95 = 1.959963984540054
# Bumped when stored evaluation files change layout or meaning: serving then re-scores
# stored predictions (cheap) instead of trusting files an older version wrote.
EVALUATION_VERSION = 2

# One row per model and time-to-snap bin; see accuracy_by_time.
CURVE_SCHEMA: dict[str, pl.DataType] = {
    "model": pl.String(), "secs_from_snap": pl.Float64(), "bin_low": pl.Float64(),
    "bin_high": pl.Float64(), "accuracy": pl.Float64(), "ci_low": pl.Float64(),
    "ci_high": pl.Float64(), "n_plays": pl.Int64(), "n_frames": pl.Int64(),
    "majority_baseline": pl.Float64(),
}


def _arrays(y: np.ndarray, p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    y = np.asarray(y, dtype=np.float64).ravel()
    p = np.asarray(p, dtype=np.float64).ravel()
    if y.shape != p.shape:
        raise ValueError(f"y and p differ in length: {y.shape[0]} vs {p.shape[0]}")
    return y, p


def wilson_bounds(k: np.ndarray, n: np.ndarray, z: float = Z95
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for arrays of hit counts ``k`` out of ``n`` (NaN where n = 0).

    Unlike the normal approximation it stays inside [0, 1] and behaves at accuracies
    near 1 and for the small per-bin counts of a time curve.
    """
    k = np.asarray(k, dtype=np.float64)
    n = np.asarray(n, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        phat = k / n
        denom = 1.0 + z * z / n
        centre = (phat + z * z / (2 * n)) / denom
        half = z * np.sqrt(phat * (1 - phat) / n + z * z / (4 * n * n)) / denom
    ok = n > 0
    return (np.where(ok, np.clip(centre - half, 0.0, 1.0), np.nan),
            np.where(ok, np.clip(centre + half, 0.0, 1.0), np.nan))


def wilson_interval(k: int, n: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson interval of one count (see :func:`wilson_bounds`)."""
    lo, hi = wilson_bounds(np.array([k]), np.array([n]), z)
    return (float(lo[0]), float(hi[0]))


def rate(hits: np.ndarray) -> dict[str, float]:
    """Share of true values in ``hits`` with its 95% Wilson interval and count."""
    hits = np.asarray(hits, dtype=bool).ravel()
    n, k = int(hits.size), int(np.sum(hits))
    lo, hi = wilson_interval(k, n)
    return {"accuracy": k / n if n else math.nan, "ci_low": lo, "ci_high": hi, "n": n}


def accuracy(y: np.ndarray, p: np.ndarray, threshold: float = 0.5) -> dict[str, float]:
    """Accuracy of ``p >= threshold`` with its 95% Wilson interval and count."""
    y, p = _arrays(y, p)
    return rate((p >= threshold) == (y == 1))


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
    from scipy import stats  # scipy is slow to import: only where it is used

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
    """Temperature T minimising validation log-loss of ``sigmoid(logit / T)`` (1-D logits,
    y in {0, 1}) or ``softmax(logits / T)`` (``[N, C]`` logits, y a class index; y < 0
    means unlabelled and is left out).

    One scalar cannot change the ranking (AUC) or the argmax decisions, only how
    confident the probabilities are, so it is safe to fit on the early-stopping week.
    The search is over log T, bounded, so it always terminates.
    """
    from scipy import optimize, special  # scipy is slow to import: only where it is used

    z = np.asarray(logits, dtype=np.float64)
    if z.ndim == 2:
        y = np.asarray(y)
        keep = y >= 0
        z, y = z[keep], y[keep].astype(np.int64)
        if y.size == 0:
            return 1.0

        def nll(log_t: float) -> float:
            s = z / math.exp(log_t)
            return float(np.mean(special.logsumexp(s, axis=-1) - s[np.arange(y.size), y]))
        tol = {}
    else:
        z, y = _arrays(z, y)
        if z.size == 0 or np.all(y == y[0]):
            return 1.0

        def nll(log_t: float) -> float:
            s = z / math.exp(log_t)
            # -[y log σ(s) + (1-y) log σ(-s)], computed stably
            return float(np.mean(np.logaddexp(0.0, -s) * y + np.logaddexp(0.0, s) * (1 - y)))
        tol = {"xatol": 1e-6}

    res = optimize.minimize_scalar(nll, bounds=(math.log(bounds[0]), math.log(bounds[1])),
                                   method="bounded", options=tol)
    return float(math.exp(res.x))


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


def frame_summaries(y: np.ndarray, p: np.ndarray, secs: np.ndarray,
                    majority_class: int | None = 0) -> dict[str, Any]:
    """:func:`summary` of the labelled frames (y not NaN) at the snap and over all frames."""
    y, p = _arrays(y, p)
    lab = ~np.isnan(y)
    snap = lab & (np.asarray(secs).ravel() == 0)
    return {"at_snap": summary(y[snap], p[snap], majority_class),
            "all_frames": summary(y[lab], p[lab], majority_class)}


def sigmoid(z: np.ndarray) -> np.ndarray:
    from scipy import special  # its submodule alone: scipy.stats costs a second to import

    return special.expit(np.asarray(z, dtype=np.float64))


def time_bin_expr(bin_secs: float, col: str = "secs_from_snap") -> pl.Expr:
    """Upper edge of the ``(edge - bin_secs, edge]`` bin, so the snap (0) is its own edge.

    Frames 0.0 s and -0.4 s both land in the 0.0 bin for 0.5 s bins; a small
    epsilon keeps float noise (-0.5000001) in the right bin.
    """
    edge = ((pl.col(col) / bin_secs - 1e-6).ceil() * bin_secs).round(3)
    return pl.when(edge == 0).then(0.0).otherwise(edge).alias(col)  # the snap bin: 0, not -0


def accuracy_by_time(scored: pl.DataFrame, *, bin_secs: float = 0.1,
                     max_secs: float | None = None, majority_class: int | None = 0,
                     threshold: float = 0.5, min_plays: int = 1) -> pl.DataFrame:
    """Accuracy per time-to-snap bin (and model), with Wilson CIs and the majority baseline.

    ``scored`` holds gameId, playId, secs_from_snap, p_man, y (1 = man, 0 = zone) and
    optionally model. Each play counts once per bin (its frame closest to the snap in
    the bin), so ``n_plays`` is a play count and long pre-snap windows do not dominate;
    ``n_frames`` says how many frames the bin held. With the default 0.1 s bins every
    frame offset is its own bin (one frame per play). ``majority_class`` is the training
    majority (the honest baseline); None uses the bin's own majority (an upper bound).
    """
    if "model" not in scored.columns:
        scored = scored.with_columns(pl.lit("model").alias("model"))
    df = scored.filter(pl.col("secs_from_snap") <= 1e-6)
    if max_secs is not None:
        df = df.filter(pl.col("secs_from_snap") >= -max_secs - 1e-6)
    if df.height == 0:
        return pl.DataFrame(schema=CURVE_SCHEMA)
    per_play = (df.with_columns(time_bin_expr(bin_secs).alias("bin"),
                                ((pl.col("p_man") >= threshold) == (pl.col("y") == 1))
                                .alias("correct"))
                .sort("secs_from_snap")
                .group_by("model", "gameId", "playId", "bin")
                .agg(pl.col("correct").last(), pl.col("y").last(), pl.len().alias("frames")))
    out = (per_play.group_by("model", "bin")
           .agg(pl.col("correct").sum().alias("k"), pl.len().alias("n_plays"),
                pl.col("frames").sum().alias("n_frames"), pl.col("y").mean().alias("man_rate"))
           .filter(pl.col("n_plays") >= min_plays)
           .sort("model", "bin"))
    lo, hi = wilson_bounds(out["k"].to_numpy(), out["n_plays"].to_numpy())
    man = pl.col("man_rate")
    base = (pl.max_horizontal(man, 1 - man) if majority_class is None
            else man if majority_class == 1 else 1 - man)
    return out.with_columns(
        pl.col("bin").alias("secs_from_snap"), (pl.col("bin") - bin_secs).alias("bin_low"),
        pl.col("bin").alias("bin_high"), (pl.col("k") / pl.col("n_plays")).alias("accuracy"),
        pl.Series("ci_low", lo), pl.Series("ci_high", hi), base.alias("majority_baseline"),
    ).select([pl.col(c).cast(t) for c, t in CURVE_SCHEMA.items()])


def flatten_metrics(obj: Mapping[str, Any], prefix: str = "") -> dict[str, float]:
    """Numeric leaves of a nested metrics dict as ``a.b.c`` keys (bools and text dropped):
    the shape experiment trackers and tables want."""
    out: dict[str, float] = {}
    for k, v in obj.items():
        key = f"{prefix}{k}"
        if isinstance(v, Mapping):
            out.update(flatten_metrics(v, key + "."))
        elif isinstance(v, int | float) and not isinstance(v, bool):
            out[key] = float(v)
    return out


def with_wilson(df: pl.DataFrame, k: str = "k", n: str = "n_plays") -> pl.DataFrame:
    """``df`` plus ``ci_low`` / ``ci_high`` of its count columns (see :func:`wilson_bounds`)."""
    lo, hi = wilson_bounds(df[k].to_numpy(), df[n].to_numpy())
    return df.with_columns(pl.Series("ci_low", lo, dtype=pl.Float64),
                           pl.Series("ci_high", hi, dtype=pl.Float64))
