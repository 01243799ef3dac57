"""L2-regularised logistic regression in numpy + scipy: the benchmark's and the realism
classifiers' linear model (development tooling; the product ships LightGBM).

Kept dependency-free (no scikit-learn in the base package): standardised numerics with
missing values at the mean, one-hot categoricals, L-BFGS on the penalised log-likelihood.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl
from scipy import optimize

from coverage.tabular.boosting import design_matrix


@dataclass(frozen=True)
class Logistic:
    columns: tuple[str, ...]
    vocab: Mapping[str, Sequence[str]]
    mean: np.ndarray
    std: np.ndarray
    w: np.ndarray
    b: float


def _expand(df: pl.DataFrame, columns: Sequence[str], vocab: Mapping[str, Sequence[str]]
            ) -> np.ndarray:
    X = design_matrix(df, columns, vocab)
    blocks = []
    for j, c in enumerate(columns):
        if c in vocab:
            codes = X[:, j]
            blocks.append(np.stack([(codes == i).astype(np.float64)
                                    for i in range(len(vocab[c]))], axis=1))
        else:
            blocks.append(X[:, j:j + 1])
    return np.concatenate(blocks, axis=1) if blocks else np.zeros((df.height, 0))


def fit_logistic(train: pl.DataFrame, y: np.ndarray, columns: Sequence[str],
                 vocab: Mapping[str, Sequence[str]], l2: float = 1.0,
                 weights: np.ndarray | None = None) -> Logistic:
    """Penalised maximum likelihood; ``l2`` is the ridge weight per training row and
    ``weights`` (mean 1) weighs each row's log-likelihood, e.g. to balance two classes."""
    X = _expand(train, columns, vocab)
    mean = np.nanmean(X, axis=0)
    mean = np.where(np.isfinite(mean), mean, 0.0)
    std = np.nanstd(X, axis=0)
    std = np.where(std > 1e-9, std, 1.0)
    Z = np.nan_to_num((X - mean) / std)
    n = len(y)

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        w, b = theta[:-1], theta[-1]
        z = Z @ w + b
        p = 1.0 / (1.0 + np.exp(-z))
        nll, r = np.logaddexp(0.0, z) - y * z, p - y
        if weights is not None:
            nll, r = weights * nll, weights * r
        f = np.mean(nll) + 0.5 * l2 / n * w @ w
        g = np.append(Z.T @ r / n + l2 / n * w, np.mean(r))
        return float(f), g

    res = optimize.minimize(loss, np.zeros(Z.shape[1] + 1), jac=True, method="L-BFGS-B")
    return Logistic(tuple(columns), vocab, mean, std, res.x[:-1], float(res.x[-1]))


def logistic_logits(model: Logistic, df: pl.DataFrame) -> np.ndarray:
    X = _expand(df, model.columns, model.vocab)
    return np.nan_to_num((X - model.mean) / model.std) @ model.w + model.b
