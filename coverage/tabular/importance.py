"""What the tabular model leans on, and the habits it learned — as polars frames for the app.

Permutation importance per feature *group*: every column of a group is shuffled with the
same row permutation (so correlated columns such as the eight family shares move
together), and the loss of the calibrated man/zone call on the validation week is
measured. Per group, not per column, because one column of a correlated group looks
unimportant while its siblings stand in for it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import polars as pl

from coverage import evaluation
from coverage.stats import permutation_importance
from coverage.tabular.model import GROUPS, TabularModel, man_probability
from coverage.tabular.tendencies import FAMILY_COLS, Tendencies
from coverage.vocab import FAMILIES


def group_importance(model: TabularModel, rows: pl.DataFrame, y: np.ndarray,
                     groups: Mapping[str, Sequence[str]] = GROUPS, *, repeats: int = 3,
                     seed: int = 0) -> pl.DataFrame:
    """(group, features, log_loss_increase, auc_drop, accuracy_drop), largest first."""
    def losses(x: pl.DataFrame) -> tuple[float, float, float]:
        p = man_probability(model, x)
        return (evaluation.log_loss(y, p), -evaluation.roc_auc(y, p),
                -evaluation.accuracy(y, p)["accuracy"])

    present = {name: [c for c in cols if c in model.columns and c in rows.columns]
               for name, cols in groups.items()}
    present = {name: cols for name, cols in present.items() if cols}
    rise = permutation_importance(losses, rows, present, np.random.default_rng(seed), repeats)
    out = [{"group": name, "features": ", ".join(present[name]),
            "log_loss_increase": float(d[0]), "auc_drop": float(d[1]),
            "accuracy_drop": float(d[2])} for name, d in rise.items()]
    return pl.DataFrame(out).sort("log_loss_increase", descending=True)


def tendency_table(t: Tendencies) -> pl.DataFrame:
    """Per defense: plays counted, raw and shrunk man rate, shrunk man rate on 3rd/4th down,
    shrunk family mix, and the man rate its offense faced — what the model learned."""
    team = t.defense.totals.select(
        "defensiveTeam", pl.col("n").cast(pl.Int64).alias("plays"),
        (pl.col("k_man") / pl.col("n")).alias("man_rate_raw"), t.defense.shrunk().alias("man_rate"))
    fam = t.families.totals.select("defensiveTeam", *[
        t.families.shrunk(c).alias(name) for c, name in zip(FAMILY_COLS, FAMILIES, strict=True)])
    late_rate = t.defense_late.totals.filter(pl.col("late_down")).select(
        "defensiveTeam", t.defense_late.shrunk().alias("man_rate_3rd_4th_down"))
    faced = t.offense.totals.select(pl.col("possessionTeam").alias("defensiveTeam"),
                                    t.offense.shrunk().alias("offense_faced_man_rate"))
    return (team.join(late_rate, on="defensiveTeam", how="left")
            .join(fam, on="defensiveTeam", how="left")
            .join(faced, on="defensiveTeam", how="left")
            .rename({"defensiveTeam": "team"})
            .with_columns(pl.lit(",".join(map(str, t.weeks))).alias("weeks"))
            .sort("man_rate", descending=True))
