"""LightGBM on the tabular features: design matrix, a small week-8 grid, calibration.

Trees need no scaling and take categoricals natively, so the design matrix is the raw
features with each categorical as its training-week vocabulary index (unknown -> NaN,
which LightGBM sends down its learned missing-value branch). The grid is deliberately
small: with a season's training plays the choices that matter are tree size and how much
data a leaf needs; early stopping on the validation week picks the number of trees.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import lightgbm as lgb
import numpy as np
import polars as pl
from scipy import optimize, special

from coverage.tabular.features import CATEGORICAL

BASE_PARAMS: dict[str, Any] = {
    "learning_rate": 0.02, "feature_fraction": 0.6, "bagging_fraction": 0.8,
    "bagging_freq": 1, "lambda_l2": 1.0, "cat_smooth": 10.0, "min_data_per_group": 50,
    "verbosity": -1, "num_threads": 1, "deterministic": True, "force_row_wise": True,
}
GRID: tuple[dict[str, Any], ...] = (
    {"num_leaves": 7, "min_data_in_leaf": 100},
    {"num_leaves": 15, "min_data_in_leaf": 100},
    {"num_leaves": 31, "min_data_in_leaf": 200},
)
# eight classes make eight trees a round: one small-tree point at twice the rate keeps the
# family file small (fewer trees; the man/zone grid's points barely differ here)
FAMILY_GRID: tuple[dict[str, Any], ...] = (
    {"num_leaves": 7, "min_data_in_leaf": 100, "learning_rate": 0.04},)


def fit_vocab(train: pl.DataFrame, columns: Sequence[str]) -> dict[str, list[str]]:
    """Sorted training-week levels of every categorical column among ``columns``."""
    return {c: sorted(str(v) for v in train[c].drop_nulls().unique().to_list())
            for c in columns if c in CATEGORICAL and c in train.columns}


def design_matrix(df: pl.DataFrame, columns: Sequence[str],
                  vocab: Mapping[str, Sequence[str]]) -> np.ndarray:
    """``[rows, columns]`` float64; categoricals as vocabulary codes, missing as NaN."""
    exprs = []
    for c in columns:
        col = pl.col(c) if c in df.columns else pl.lit(None)
        if c in vocab:
            codes = {v: float(i) for i, v in enumerate(vocab[c])}
            col = col.cast(pl.String).replace_strict(codes, default=None,
                                                     return_dtype=pl.Float64)
        exprs.append(col.cast(pl.Float64).fill_nan(None).alias(c))
    if not exprs:
        return np.zeros((df.height, 0))
    return df.select(exprs).to_numpy().astype(np.float64)


def fit_booster(X: np.ndarray, y: np.ndarray, params: Mapping[str, Any],
                categorical: Sequence[int], *, rounds: int,
                valid: tuple[np.ndarray, np.ndarray] | None = None, n_class: int = 2,
                seed: int = 0, patience: int = 150) -> lgb.Booster:
    """One booster of at most ``rounds`` rounds, early-stopped on the ``valid`` rows and cut
    to its best trees; without them exactly ``rounds`` (the refit, once a validation week
    has already chosen the settings and the number of trees)."""
    objective = ({"objective": "binary"} if n_class == 2
                 else {"objective": "multiclass", "num_class": n_class})
    p = {**BASE_PARAMS, **objective, **params, "seed": seed}
    ds = lgb.Dataset(X, y, categorical_feature=list(categorical), free_raw_data=False)
    stop: dict[str, Any] = {}
    if valid is not None:
        dv = lgb.Dataset(*valid, reference=ds, categorical_feature=list(categorical))
        stop = {"valid_sets": [dv], "callbacks": [lgb.early_stopping(patience, verbose=False)]}
    booster = lgb.train(p, ds, int(rounds), **stop)
    best = booster.best_iteration or booster.current_iteration()
    # a fresh booster of exactly the kept trees, so the saved file is what was selected
    return lgb.Booster(model_str=booster.model_to_string(num_iteration=best))


def raw_scores(booster: lgb.Booster, X: np.ndarray) -> np.ndarray:
    """Logits (binary: ``[n]``; multiclass: ``[n, classes]``) before calibration."""
    return np.asarray(booster.predict(X, raw_score=True), dtype=np.float64)


def select(X: np.ndarray, y: np.ndarray, Xv: np.ndarray, yv: np.ndarray,
           categorical: Sequence[int], *, n_class: int = 2, seed: int = 0,
           grid: Sequence[Mapping[str, Any]] = GRID, max_rounds: int = 3000
           ) -> tuple[lgb.Booster, dict[str, Any], list[dict[str, Any]]]:
    """Fit every grid point; keep the lowest validation log-loss. Returns (booster, its
    params, one record per grid point)."""
    rows, best = [], None
    for params in grid:
        b = fit_booster(X, y, params, categorical, rounds=max_rounds, valid=(Xv, yv),
                        n_class=n_class, seed=seed)
        loss = nll(raw_scores(b, Xv), yv, n_class)
        rows.append({**params, "trees": b.num_trees() // max(1, n_class - (n_class == 2)),
                     "val_log_loss": loss})
        if best is None or loss < best[0]:
            best = (loss, b, dict(params))
    return best[1], best[2], rows


def nll(z: np.ndarray, y: np.ndarray, n_class: int = 2) -> float:
    """Mean negative log-likelihood of logits ``z`` (binary or multiclass)."""
    if n_class == 2:
        return float(np.mean(np.logaddexp(0.0, z) - y * z))
    logp = special.log_softmax(z, axis=1)
    return float(-np.mean(logp[np.arange(len(y)), y.astype(int)]))


def fit_platt(z: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """``p = sigmoid(a z + b)`` fitted on the validation week (two numbers, so a week of
    plays calibrates it without over-fitting)."""
    def loss(ab: np.ndarray) -> float:
        return nll(ab[0] * z + ab[1], y)
    res = optimize.minimize(loss, np.array([1.0, 0.0]), method="L-BFGS-B",
                            bounds=[(0.05, 20.0), (-5.0, 5.0)])
    return float(res.x[0]), float(res.x[1])

