"""Refit the tabular model on the training *and* validation weeks once week 8 has chosen.

The learning curve (week-8 AUC against training weeks) was still rising at seven weeks, so
once model selection is done the standard last step is to refit on every labelled week
before the test week. The procedure, fixed before week 9 was read:

1. **Selection is unchanged**: :func:`coverage.tabular.model.fit_tabular` on weeks 1-7 picks
   the tree size (grid) and the number of trees (early stopping on week 8), for the man/zone
   and the family booster alike.
2. **Refit** on weeks 1-8 with those settings, no early stopping (there is no held-out week
   left). The number of trees is **scaled by the data-size ratio** (labelled rows of the
   refit / labelled rows of the selection fit): at a fixed learning rate a larger sample
   supports proportionally more boosting steps before over-fitting, and one week more moves
   the tree count a little, not its order of magnitude.
3. **Tendencies** of the refit come from weeks 1-8 with the same leave-own-game-out rule for
   the training rows (:func:`coverage.tabular.tendencies.fit_tendencies`); week 9 rows get
   the full weeks-1-8 counts. Week 9 labels are never counted.
4. **Calibration without a held-out week: out-of-fold.** Leave-one-week-out over weeks 1-8:
   for each week ``w``, tendencies, vocabulary and boosters (same settings, trees scaled to
   that fold's size) are fitted on the other seven weeks only, and ``w``'s rows are scored —
   so every out-of-fold score comes from a model that never saw that row's week, its
   tendencies included, exactly as week 9 is unseen by the refit. Platt scaling (man/zone)
   and the family temperature are fitted on the pooled out-of-fold logits and applied to
   the refit's logits.
5. **Read week 9 once**, with this procedure fixed. The refit replaces the shipped model only
   if its week-9 log-loss is lower than the shipped model's *and* it beats the baseline
   features refit the same way (lower log-loss and higher AUC); otherwise the shipped model
   stays and the numbers are reported.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import polars as pl

from coverage.schema import PLAY_KEYS
from coverage.tabular import boosting
from coverage.tabular.model import HEADS, TabularModel, calibrated, labelled, labelled_xy, rows_for
from coverage.tabular.tendencies import fit_tendencies

CALIBRATION = "out-of-fold"


def scaled_trees(trees: int, n_selection: int, n_fit: int) -> int:
    """Trees for a fit on ``n_fit`` rows when ``trees`` were chosen on ``n_selection``
    (``n_selection`` <= 0: no scaling, ``trees`` as given)."""
    if n_selection <= 0:
        return max(1, int(trees))
    return max(1, int(round(trees * n_fit / n_selection)))


def selected_trees(records: Sequence[dict[str, Any]], params: dict[str, Any]) -> int:
    """The early-stopped tree count of the selected grid point (from the grid records)."""
    for r in records:
        if all(r.get(k) == v for k, v in params.items()):
            return int(r["trees"])
    raise ValueError(f"selected settings {params} are not among the grid records {records}")


def _fit_fold(table: pl.DataFrame, defenders: pl.DataFrame, weeks: Sequence[int],
              columns: Sequence[str], heads: dict[str, dict[str, Any]], seed: int
              ) -> tuple[Any, dict[str, Any], dict[str, int]]:
    """Tendencies, vocabulary and one fixed-size booster per head on ``weeks`` only.
    ``heads``: target column (of :data:`HEADS`) -> {"params", "trees", "n_selection"}."""
    t = fit_tendencies(table, defenders, tuple(weeks))
    rows = rows_for(table.filter(pl.col("week").is_in(list(weeks))), defenders, t)
    vocab = boosting.fit_vocab(labelled(rows, weeks, "label"), columns)
    cats = [i for i, c in enumerate(columns) if c in vocab]
    boosters, trees = {}, {}
    for col, h in heads.items():
        X, y = labelled_xy(rows, weeks, col, columns, vocab)
        trees[col] = scaled_trees(h["trees"], h["n_selection"], len(y))
        boosters[col] = boosting.fit_booster(X, y, h["params"], cats, rounds=trees[col],
                                             n_class=HEADS[col][1], seed=seed)
    return (t, vocab), boosters, trees


def out_of_fold_logits(table: pl.DataFrame, defenders: pl.DataFrame, weeks: Sequence[int],
                       columns: Sequence[str], heads: dict[str, dict[str, Any]], *,
                       seed: int = 0) -> dict[str, pl.DataFrame]:
    """Per head: (gameId, playId, week, fold, y, z...) of every labelled row of ``weeks``,
    scored by the model fitted on the *other* weeks (leave-one-week-out). ``fold`` is the
    held-out week; ``train_weeks`` lists what that fold's model saw."""
    parts: dict[str, list[pl.DataFrame]] = {col: [] for col in heads}
    for w in weeks:
        others = [v for v in weeks if v != w]
        (t, vocab), boosters, _ = _fit_fold(table, defenders, others, columns, heads, seed)
        rows = rows_for(table.filter(pl.col("week") == w), defenders, t)
        for col in heads:
            held = rows.filter(pl.col(col).is_not_null())
            z = boosting.raw_scores(boosters[col], boosting.design_matrix(held, columns, vocab))
            z = z.reshape(held.height, -1)
            parts[col].append(held.select(*PLAY_KEYS, "week", pl.col(col).alias("y")).with_columns(
                pl.lit(w).alias("fold"),
                pl.lit(",".join(map(str, others))).alias("train_weeks"),
                pl.lit(",".join(map(str, t.weeks))).alias("tendency_weeks"),
                *[pl.Series(f"z{j}", z[:, j]) for j in range(z.shape[1])]))
    return {col: pl.concat(p) for col, p in parts.items()}


def _z(df: pl.DataFrame) -> np.ndarray:
    z = df.select(pl.col("^z\\d+$")).to_numpy()
    return z[:, 0] if z.shape[1] == 1 else z


def refit_tabular(table: pl.DataFrame, defenders: pl.DataFrame, selection: TabularModel,
                  train_weeks: Sequence[int], val_weeks: Sequence[int], *, seed: int = 0
                  ) -> TabularModel:
    """The refit of ``selection`` (fitted by ``fit_tabular`` on ``train_weeks`` and selected
    on ``val_weeks``) on both, calibrated out-of-fold (see the module docstring)."""
    weeks = tuple(sorted({*train_weeks, *val_weeks}))
    sel_rows = table.filter(pl.col("week").is_in(list(train_weeks)))
    names = {col: name for col, (name, _) in HEADS.items()
             if col == "label" or selection.family is not None}
    info: dict[str, Any] = {}
    heads = {}
    for col, name in names.items():
        params, grid = selection.info[f"{name}_params"], selection.info[f"{name}_grid"]
        info.update({f"{name}_params": params, f"{name}_grid": grid})
        heads[col] = {"params": params, "trees": selected_trees(grid, params),
                      "n_selection": sel_rows[col].is_not_null().sum()}
    (t, vocab), boosters, trees = _fit_fold(table, defenders, weeks, selection.columns, heads,
                                            seed)
    oof = out_of_fold_logits(table, defenders, weeks, selection.columns, heads, seed=seed)
    info.update(calibration_method=CALIBRATION, oof=oof, refit={
        "weeks": list(weeks), "selected_on": list(val_weeks),
        "trees": {name: trees[col] for col, name in names.items()},
        "selected_trees": {name: heads[col]["trees"] for col, name in names.items()},
        "tree_scaling": "selected trees x labelled rows refit / selection"})
    held_out = {col: (_z(d), d["y"].to_numpy()) for col, d in oof.items()}
    return calibrated(selection.columns, vocab, t, boosters, held_out, info)
