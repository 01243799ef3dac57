"""The domain classifier: can a model tell a synthetic frame from a real one?

It reads the tracking models' own per-frame input (:mod:`coverage.features`: 22 players
x 12 features, players sorted by width), so a cue it finds is one our models can learn
and then miss on real plays. Cross-validation is grouped by play: frames of one play
are near-copies, and a play split across train and test would flatter the classifier.
Its AUC (0.5 = indistinguishable, 1 = trivially told apart) is the headline realism
figure; permutation importance says which (side, feature) gives the game away.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import polars as pl

from coverage.evaluation import roc_auc
from coverage.features import FEATURES, N_PLAYERS, build_frames
from coverage.schema import PLAYERS_PER_SIDE
from coverage.stats import permutation_importance
from coverage.store import Store
from devtools.realism.classifiers import (
    MODELS,
    Logistic,
    balanced_weights,
    check_grouped,
    grouped_folds,
)

# The models' full input, and the part a real-trained reference model reads (positions
# and velocities): speed jitter, acceleration and orientation noise dominate the first, so
# the second shows what is left once those are fixed.
FEATURE_SETS: dict[str, tuple[str, ...]] = {
    "all 12 features": FEATURES,
    "positions + velocities": ("x_rel", "y_rel", "vx", "vy", "dx_1s", "dy_1s"),
}
WINDOWS: dict[str, tuple[float, float]] = {
    "−0.5 s to the snap": (-0.5, 0.0),
    "around −3 s (−3.25 to −2.75 s)": (-3.25, -2.75),
}


@dataclass
class FrameSample:
    """Frames of one side: flattened features ``[N, 22*F]`` and the play of each row."""

    x: np.ndarray
    play: np.ndarray  # int64 play key, one per row

    @property
    def n_plays(self) -> int:
        return int(len(np.unique(self.play)))

    def subset(self, names: tuple[str, ...]) -> FrameSample:
        """Only the columns of ``names`` (player-major order kept)."""
        cols = np.sort(np.concatenate([column_groups()[f"{side} {n}"]
                                       for side in ("offense", "defense") for n in names]))
        return FrameSample(self.x[:, cols], self.play)


@dataclass
class DomainResult:
    window: str
    model: str
    features: str
    fold_auc: list[float]
    n_real_plays: int
    n_real_frames: int
    n_synthetic_plays: int
    importance: list[tuple[str, float]] = field(default_factory=list)
    solo: list[tuple[str, float]] = field(default_factory=list)
    note: str = ""

    @property
    def auc(self) -> float:
        return float(np.nanmean(self.fold_auc)) if self.fold_auc else float("nan")

    @property
    def sd(self) -> float:
        return float(np.nanstd(self.fold_auc)) if self.fold_auc else float("nan")


def column_groups(features: tuple[str, ...] = FEATURES) -> dict[str, np.ndarray]:
    """(side, feature) -> its 11 columns in the flattened ``[22*F]`` row."""
    f = len(features)
    out = {}
    for s, side in enumerate(("offense", "defense")):
        players = np.arange(s * PLAYERS_PER_SIDE, (s + 1) * PLAYERS_PER_SIDE)
        for j, name in enumerate(features):
            out[f"{side} {name}"] = players * f + j
    return out


def window_frames(stores: list[Store], lo: float, hi: float, *, max_plays: int | None = None,
                  seed: int = 0) -> FrameSample:
    """The frames of every play (or ``max_plays`` sampled plays) with ``lo <= secs <= hi``."""
    rng = np.random.default_rng(seed)
    xs, plays = [], []
    for store in stores:
        index = store.plays()
        if max_plays is not None and index.height > max_plays:
            index = index[np.sort(rng.choice(index.height, max_plays, replace=False))]
        for week in sorted(index["week"].unique().to_list()):
            wk = index.filter(pl.col("week") == week)
            ft = build_frames(store.tracking(week), wk, max_secs=-lo)
            keep = (ft.secs >= lo - 1e-3) & (ft.secs <= hi + 1e-3)
            xs.append(ft.x[keep].reshape(int(keep.sum()), N_PLAYERS * len(FEATURES)))
            plays.append(ft.game_id[keep] * 100_000 + ft.play_id[keep])
    if not xs:
        return FrameSample(np.zeros((0, 2 * PLAYERS_PER_SIDE * len(FEATURES)), np.float32),
                           np.zeros(0, np.int64))
    return FrameSample(np.concatenate(xs).astype(np.float64), np.concatenate(plays))


def _importance(model, x: np.ndarray, y: np.ndarray, rng: np.random.Generator,
                features: tuple[str, ...]) -> dict[str, float]:
    """AUC drop per (side, feature) when its columns are shuffled."""
    drop = permutation_importance(lambda xp: (-roc_auc(y, model.predict(xp)),), x,
                                  column_groups(features), rng)
    return {name: float(d[0]) for name, d in drop.items()}


def solo_auc(x: np.ndarray, y: np.ndarray, fold: np.ndarray,
             features: tuple[str, ...] = FEATURES, top: int = 8) -> list[tuple[str, float]]:
    """Cross-validated AUC of a logistic regression on one (side, feature) alone.

    When the two worlds differ in many ways at once, permuting one feature barely
    hurts a full model (the others still tell them apart); the AUC each feature reaches
    on its own says which differences are large."""
    out = {}
    for name, cols in column_groups(features).items():
        aucs = []
        for f in np.unique(fold):
            tr, te = fold != f, fold == f
            m = Logistic().fit(x[tr][:, cols], y[tr], balanced_weights(y[tr]))
            aucs.append(roc_auc(y[te], m.predict(x[te][:, cols])))
        out[name] = float(np.nanmean(aucs))
    return sorted(out.items(), key=lambda kv: -kv[1])[:top]


def cross_validate(synthetic: FrameSample, real: FrameSample, *, k: int = 5,
                   seed: int = 0, window: str = "", features: tuple[str, ...] = FEATURES,
                   label: str = "all 12 features") -> list[DomainResult]:
    """Grouped k-fold AUC of each classifier (real = 1) with permutation importance;
    ``features`` names the per-player columns the samples hold."""
    n_real = real.n_plays
    meta = dict(window=window, features=label, n_real_plays=n_real, n_real_frames=len(real.x),
                n_synthetic_plays=synthetic.n_plays)
    if n_real < 2:
        return [DomainResult(model=m, fold_auc=[], note=f"not estimable: {n_real} real "
                             "play(s) in this window, cross-validation by play needs 2",
                             **meta) for m in MODELS]
    k = min(k, n_real)
    rng = np.random.default_rng(seed)
    x = np.concatenate([synthetic.x, real.x])
    y = np.r_[np.zeros(len(synthetic.x)), np.ones(len(real.x))]
    groups = np.r_[synthetic.play, real.play]
    fold = grouped_folds(groups, y, k, rng)
    check_grouped(groups, fold)
    results = []
    for name, cls in MODELS.items():
        aucs, imps = [], []
        for f in range(k):
            tr, te = fold != f, fold == f
            model = cls().fit(x[tr], y[tr], balanced_weights(y[tr]))
            aucs.append(roc_auc(y[te], model.predict(x[te])))
            imps.append(_importance(model, x[te], y[te], rng, features))
        mean_imp = {n: float(np.mean([i[n] for i in imps])) for n in imps[0]}
        top = sorted(mean_imp.items(), key=lambda kv: -kv[1])[:6]
        results.append(DomainResult(model=name, fold_auc=aucs, importance=top, **meta))
    results[0].solo = solo_auc(x, y, fold, features)
    return results


def domain_gap(synthetic: list[Store], real: list[Store], *, max_synthetic_plays: int = 300,
               k: int = 5, seed: int = 0) -> list[DomainResult]:
    """Both classifiers, both windows, both feature sets."""
    out = []
    for name, (lo, hi) in WINDOWS.items():
        syn = window_frames(synthetic, lo, hi, max_plays=max_synthetic_plays, seed=seed)
        rea = window_frames(real, lo, hi)
        for label, names in FEATURE_SETS.items():
            out += cross_validate(syn.subset(names), rea.subset(names), k=k, seed=seed,
                                  window=name, features=names, label=label)
    return out
