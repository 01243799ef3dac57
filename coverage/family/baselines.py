"""Context-prior baseline for the coverage-family metrics.

A family model is only interesting if it beats what the situation alone says:
defenses play more Cover-1 on third-and-long and more quarters on first down, and
each defense has its own mix. This prior is a smoothed frequency table — no tracking,
no training loop — so it is the honest "context only" bar beside every family figure.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import polars as pl

from coverage import evaluation
from coverage.stats import beta_shrink
from coverage.vocab import FAMILIES, distance_expr, family_expr

_SITUATION = ("down", "_dist")
_M = 10.0  # beta-prior strength: a cell needs ~10 plays before it overrides the league mix


def _prep(plays: pl.DataFrame) -> pl.DataFrame:
    return plays.select(
        pl.col("down").cast(pl.Int64),
        distance_expr().alias("_dist"),
        pl.col("defensiveTeam").cast(pl.String),
        family_expr(),
    )


def _cond(train: pl.DataFrame, keys: list[str], prior: dict[str, float]) -> pl.DataFrame:
    """P(family | keys) with m-estimate smoothing toward ``prior``; long format."""
    n = train.group_by(*keys, "family").len("n_f")
    tot = train.group_by(*keys).len("n")
    grid = tot.join(pl.DataFrame({"family": list(FAMILIES)}), how="cross")
    return (grid.join(n, on=[*keys, "family"], how="left")
            .with_columns(pl.col("n_f").fill_null(0),
                          pl.col("family").replace_strict(prior, return_dtype=pl.Float64)
                          .alias("p0"))
            .select(*keys, "family",
                    beta_shrink(pl.col("n_f"), pl.col("n"), pl.col("p0"), _M).alias("p")))


def fit_family_prior(train_plays: pl.DataFrame) -> dict[str, Any]:
    """League mix, mix by down & distance, and each defense's mix (training weeks only)."""
    t = _prep(train_plays).drop_nulls("family")
    counts = t.group_by("family").len()
    total = counts["len"].sum()
    # add-one (Laplace) smoothing: a beta prior of one pseudo-play per family
    prior = {f: beta_shrink(counts.filter(pl.col("family") == f)["len"].sum(), total,
                            1 / len(FAMILIES), len(FAMILIES))
             for f in FAMILIES}
    return {"prior": prior, "situation": _cond(t, list(_SITUATION), prior),
            "team": _cond(t, ["defensiveTeam"], prior)}


def predict_family_prior(prior: dict[str, Any], plays: pl.DataFrame) -> np.ndarray:
    """``[n_plays, n_families]`` probabilities: situation x defense / league (naive Bayes
    style product of the two conditionals), renormalised; unseen cells fall back to the
    league mix."""
    p = _prep(plays).with_row_index("_row")
    wide = []
    for name, keys in (("situation", list(_SITUATION)), ("team", ["defensiveTeam"])):
        tab = prior[name].pivot(on="family", index=keys, values="p")
        j = p.join(tab, on=keys, how="left")
        wide.append(np.column_stack([
            j[f].fill_null(prior["prior"][f]).to_numpy() if f in j.columns
            else np.full(j.height, prior["prior"][f]) for f in FAMILIES]))
    base = np.array([prior["prior"][f] for f in FAMILIES])
    score = wide[0] * wide[1] / base
    return score / score.sum(axis=1, keepdims=True)


def family_prior_report(train_plays: pl.DataFrame, test_plays: pl.DataFrame) -> dict[str, Any]:
    """Top-1 / top-2 accuracy (Wilson CIs) of the context prior on the test plays."""
    prior = fit_family_prior(train_plays)
    test = test_plays.with_columns(family_expr()).filter(pl.col("family").is_not_null())
    if test.height == 0:
        return {"top1": {"accuracy": math.nan, "n": 0}, "top2": {"accuracy": math.nan, "n": 0}}
    probs = predict_family_prior(prior, test)
    truth = np.array([FAMILIES.index(f) for f in test["family"].to_list()])
    order = np.argsort(-probs, axis=1)
    return {"top1": evaluation.rate(order[:, 0] == truth),
            "top2": evaluation.rate((order[:, :2] == truth[:, None]).any(1)),
            "majority_baseline": float(np.mean(truth == int(np.argmax(
                [prior["prior"][f] for f in FAMILIES]))))}
