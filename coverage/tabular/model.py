"""The fitted tabular model: tendencies + a man/zone booster + a family booster, calibrated.

:func:`fit_tabular` is the one recipe the trainer, the benchmark, its ablation and its
learning curve all call, so every figure describes the model that ships: tendencies from
the training weeks, a small grid and early stopping on the validation week, Platt scaling
(man/zone) and a temperature (families) fitted on the validation week.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import lightgbm as lgb
import numpy as np
import polars as pl
from scipy import special

from coverage import evaluation
from coverage.schema import PLAY_KEYS
from coverage.tabular import boosting
from coverage.tabular.features import (
    FORMATION,
    MOTION,
    PERSONNEL_DEF,
    PERSONNEL_OFF,
    SITUATION,
    TEAM,
)
from coverage.tabular.tendencies import (
    DEFENSE,
    OFFENSE,
    PLAYERS,
    Tendencies,
    fit_tendencies,
    tendency_features,
)
from coverage.vocab import FAMILIES

GROUPS: dict[str, tuple[str, ...]] = {
    "situation": SITUATION, "formation": FORMATION, "motion": MOTION,
    "offense_personnel": PERSONNEL_OFF, "defense_personnel": PERSONNEL_DEF,
    "defense_identity": TEAM, "defense_tendencies": DEFENSE,
    "offense_faced": OFFENSE, "defender_tendencies": PLAYERS,
}
ALL_FEATURES: tuple[str, ...] = tuple(c for cols in GROUPS.values() for c in cols)
# target column -> (the booster's name in the model and its files, classes)
HEADS: dict[str, tuple[str, int]] = {"label": ("man", 2), "family_id": ("family", len(FAMILIES))}


@dataclass
class TabularModel:
    columns: tuple[str, ...]
    vocab: dict[str, list[str]]
    tendencies: Tendencies
    man: lgb.Booster
    platt: tuple[float, float]
    family: lgb.Booster | None = None
    family_temperature: float = 1.0
    info: dict[str, Any] = field(default_factory=dict)


def rows_for(table: pl.DataFrame, defenders: pl.DataFrame, t: Tendencies) -> pl.DataFrame:
    """Feature rows (tendencies attached, out-of-game for training-week rows), in play
    order: joins do not keep row order, and bagging draws rows by index, so a fixed order
    is what makes a seeded fit reproducible."""
    return tendency_features(table, defenders, t).sort(PLAY_KEYS)


def man_probability(model: TabularModel, rows: pl.DataFrame) -> np.ndarray:
    z = boosting.raw_scores(model.man, boosting.design_matrix(rows, model.columns, model.vocab))
    a, b = model.platt
    return special.expit(a * z + b)


def family_probabilities(model: TabularModel, rows: pl.DataFrame) -> np.ndarray:
    """``[rows, 8]`` calibrated family probabilities (order of ``FAMILIES``)."""
    if model.family is None:
        return np.full((rows.height, len(FAMILIES)), 1.0 / len(FAMILIES))
    X = boosting.design_matrix(rows, model.columns, model.vocab)
    return special.softmax(boosting.raw_scores(model.family, X) / model.family_temperature,
                           axis=1)


def labelled(rows: pl.DataFrame, weeks: Sequence[int], col: str) -> pl.DataFrame:
    """The rows of ``weeks`` whose ``col`` label is known (the selection's and the refit's)."""
    return rows.filter(pl.col("week").is_in(list(weeks)) & pl.col(col).is_not_null())


def labelled_xy(rows: pl.DataFrame, weeks: Sequence[int], col: str, columns: Sequence[str],
                vocab: dict[str, list[str]]) -> tuple[np.ndarray, np.ndarray]:
    """Design matrix and ``col`` labels of the :func:`labelled` rows of ``weeks``."""
    d = labelled(rows, weeks, col)
    return boosting.design_matrix(d, columns, vocab), d[col].to_numpy()


def calibrated(columns: Sequence[str], vocab: dict[str, list[str]], t: Tendencies,
               boosters: dict[str, lgb.Booster],
               held_out: dict[str, tuple[np.ndarray, np.ndarray]],
               info: dict[str, Any]) -> TabularModel:
    """The model of one booster per head (:data:`HEADS`), calibrated on logits and labels
    ``(z, y)`` of rows its boosters never saw: Platt scaling for man/zone, a temperature
    for the families (1 without a family booster)."""
    family = boosters.get("family_id")
    temperature = (evaluation.fit_temperature(*held_out["family_id"]) if family is not None
                   else 1.0)
    return TabularModel(tuple(columns), vocab, t, boosters["label"],
                        boosting.fit_platt(*held_out["label"]), family, temperature, info=info)


def fit_tabular(table: pl.DataFrame, defenders: pl.DataFrame, train_weeks: Sequence[int],
                val_weeks: Sequence[int], *, columns: Sequence[str] = ALL_FEATURES,
                seed: int = 0, grid: Sequence[dict[str, Any]] = boosting.GRID,
                family_grid: Sequence[dict[str, Any]] = boosting.FAMILY_GRID,
                families: bool = True, max_rounds: int = 3000) -> TabularModel:
    """Tendencies, boosters and calibration from ``train_weeks`` / ``val_weeks`` only."""
    t = fit_tendencies(table, defenders, tuple(train_weeks))
    rows = rows_for(table.filter(pl.col("week").is_in([*train_weeks, *val_weeks])),
                    defenders, t)
    vocab = boosting.fit_vocab(labelled(rows, train_weeks, "label"), columns)
    cats = [i for i, c in enumerate(columns) if c in vocab]
    grids = {"label": grid, "family_id": family_grid}
    boosters, held_out, info = {}, {}, {}
    for col, (name, n_class) in list(HEADS.items())[:2 if families else 1]:
        (X, y), (Xv, yv) = (labelled_xy(rows, w, col, columns, vocab)
                            for w in (train_weeks, val_weeks))
        boosters[col], info[f"{name}_params"], info[f"{name}_grid"] = boosting.select(
            X, y, Xv, yv, cats, n_class=n_class, seed=seed, grid=grids[col],
            max_rounds=max_rounds)
        held_out[col] = (boosting.raw_scores(boosters[col], Xv), yv)
    return calibrated(columns, vocab, t, boosters, held_out, info)
