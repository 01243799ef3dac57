"""Two small binary classifiers in numpy, and play-grouped cross-validation folds.

No scikit-learn: the package keeps its dependencies to what the app needs. Logistic
regression (the ridge fit of :mod:`devtools.linear`) sees linear cues;
boosted decision stumps see thresholds on single features ("any linebacker faster than
0.5 yd/s"), which is how a speed-jitter or depth gap shows up. The stronger of the two
bounds how separable the worlds are.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from devtools import linear

_EPS = 1e-6


def grouped_folds(groups: np.ndarray, labels: np.ndarray, k: int,
                  rng: np.random.Generator) -> np.ndarray:
    """Fold index per row: every row of one group (play) in the same fold, and each
    class's groups dealt round-robin over the folds so every test fold holds both
    classes (when each class has at least ``k`` groups)."""
    fold = np.empty(len(groups), dtype=np.int64)
    for c in np.unique(labels):
        rows = labels == c
        uniq = np.unique(groups[rows])
        order = rng.permutation(len(uniq))
        of_group = dict(zip(uniq[order].tolist(), (np.arange(len(uniq)) % k).tolist(),
                            strict=True))
        fold[rows] = [of_group[g] for g in groups[rows].tolist()]
    return fold


def check_grouped(groups: np.ndarray, fold: np.ndarray) -> None:
    """Raise if any group's rows fall into more than one fold (a leak across folds)."""
    order = np.argsort(groups, kind="stable")
    g, f = groups[order], fold[order]
    same = g[1:] == g[:-1]
    if np.any(f[1:][same] != f[:-1][same]):
        raise AssertionError("a play's frames are in more than one fold")


def balanced_weights(y: np.ndarray) -> np.ndarray:
    """Each class weighs half: thousands of synthetic frames against a few dozen real
    ones would otherwise teach "always synthetic"."""
    w = np.where(y == 1, 0.5 / max(np.mean(y == 1), _EPS), 0.5 / max(np.mean(y == 0), _EPS))
    return w / w.mean()


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))


class Logistic:
    """The ridge logistic regression of :mod:`devtools.linear` on a
    feature matrix, with the class-balancing row weights."""

    def __init__(self, l2: float = 1.0) -> None:
        self.l2 = l2
        self.model: linear.Logistic | None = None

    @staticmethod
    def _frame(x: np.ndarray) -> pl.DataFrame:
        return pl.DataFrame(x, schema=[f"f{j}" for j in range(x.shape[1])], orient="row")

    def fit(self, x: np.ndarray, y: np.ndarray, w: np.ndarray) -> Logistic:
        df = self._frame(x)
        self.model = linear.fit_logistic(df, y.astype(np.float64), df.columns, {}, self.l2,
                                         weights=w)
        return self

    def predict(self, x: np.ndarray) -> np.ndarray:
        return _sigmoid(linear.logistic_logits(self.model, self._frame(x)))


@dataclass
class BoostedStumps:
    """Gradient-boosted depth-1 trees (logistic loss, Newton leaves, quantile bins)."""

    rounds: int = 80
    learning_rate: float = 0.3
    bins: int = 16
    l2: float = 1.0
    edges: list[np.ndarray] | None = None
    stumps: list[tuple[int, float, float, float]] | None = None  # feature, cut, left, right
    base: float = 0.0

    def _bin(self, x: np.ndarray) -> np.ndarray:
        return np.stack([np.searchsorted(e, x[:, j], side="right")
                         for j, e in enumerate(self.edges)], axis=1)

    def fit(self, x: np.ndarray, y: np.ndarray, w: np.ndarray) -> BoostedStumps:
        qs = np.linspace(0, 1, self.bins + 1)[1:-1]
        self.edges = [np.unique(np.quantile(x[:, j], qs)) for j in range(x.shape[1])]
        b = self._bin(x)
        n, d = b.shape
        offsets = np.arange(d) * self.bins
        flat = (b + offsets).ravel()
        self.base = float(np.log(max(np.average(y, weights=w), _EPS)
                                 / max(1 - np.average(y, weights=w), _EPS)))
        f = np.full(n, self.base)
        self.stumps = []
        for _ in range(self.rounds):
            p = _sigmoid(f)
            g, h = w * (p - y), w * p * (1 - p)
            gl = np.cumsum(np.bincount(flat, np.repeat(g, d), d * self.bins)
                           .reshape(d, self.bins), axis=1)
            hl = np.cumsum(np.bincount(flat, np.repeat(h, d), d * self.bins)
                           .reshape(d, self.bins), axis=1)
            gt, ht = gl[:, -1:], hl[:, -1:]
            gain = gl ** 2 / (hl + self.l2) + (gt - gl) ** 2 / (ht - hl + self.l2)
            j, cut = np.unravel_index(np.argmax(gain[:, :-1]), (d, self.bins - 1))
            left = -gl[j, cut] / (hl[j, cut] + self.l2) * self.learning_rate
            right = -(gt[j, 0] - gl[j, cut]) / (ht[j, 0] - hl[j, cut] + self.l2) \
                * self.learning_rate
            f += np.where(b[:, j] <= cut, left, right)
            self.stumps.append((int(j), int(cut), float(left), float(right)))
        return self

    def predict(self, x: np.ndarray) -> np.ndarray:
        b = self._bin(x)
        f = np.full(len(x), self.base)
        for j, cut, left, right in self.stumps:
            f += np.where(b[:, j] <= cut, left, right)
        return _sigmoid(f)


MODELS = {"logistic regression": Logistic, "boosted stumps": BoostedStumps}
