"""One name per concept: the vocabulary and the shared estimators.

The guards read the source (ast) so that a second spelling of the Man label or of the
distance / field-zone cut-offs fails here instead of drifting silently; the unit tests
pin the behaviour of the one shrinkage, temperature fit and permutation importance.
"""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from coverage import evaluation, stats, vocab

ROOT = Path(__file__).resolve().parent.parent
SCANNED = ("coverage", "app_pages", "devtools")
HOME = ROOT / "coverage" / "vocab.py"
# pasted calibration data: a coverage name -> its PFF man/zone label, not a comparison
DATA = {ROOT / "coverage" / "simulate" / "params.py"}
LABELS = {vocab.MAN, vocab.ZONE, vocab.OTHER}
YARDS_TO_GO = ("togo", "yardstogo", "yards_to_go")
TO_GOAL = ("to_goal", "yards_to_goal", "ytg")


def _sources() -> list[Path]:
    out = [p for d in SCANNED if (ROOT / d).is_dir() for p in sorted((ROOT / d).rglob("*.py"))]
    assert len(out) > 50, "the package was not found"
    return [p for p in out if p != HOME and p not in DATA]


def _numbers(node: ast.AST) -> set[float]:
    return {n.value for n in ast.walk(node)
            if isinstance(n, ast.Constant) and isinstance(n.value, int | float)
            and not isinstance(n.value, bool)}


def label_literals(tree: ast.AST) -> list[int]:
    """Lines holding a bare "Man" / "Zone" / "Other" string (outside docstrings, which
    are whole sentences and never equal a label)."""
    return sorted(n.lineno for n in ast.walk(tree)
                  if isinstance(n, ast.Constant) and isinstance(n.value, str)
                  and n.value in LABELS)


def cutoff_comparisons(tree: ast.AST) -> list[int]:
    """Lines comparing a yards-to-go or yards-to-goal quantity with one of the
    vocabulary's bucket edges written as a number."""
    edges = ((YARDS_TO_GO, {vocab.SHORT_MAX_YARDS, vocab.DISTANCE_CUTOFF_YARDS,
                            vocab.DISTANCE_CUTOFF_YARDS + 1}),
             (TO_GOAL, {vocab.GOAL_LINE_YARDS, vocab.RED_ZONE_YARDS}))
    out = []
    for n in ast.walk(tree):
        if not isinstance(n, ast.Compare):
            continue
        text = ast.unparse(n).lower()
        for names, cuts in edges:
            if any(name in text for name in names) and _numbers(n) & cuts:
                out.append(n.lineno)
    return sorted(out)


def test_the_guards_see_a_planted_second_spelling() -> None:
    planted = ast.parse('x = pl.col("pff_manZone") == "Man"\n'
                        'y = "medium" if togo <= 7 else "long"\n'
                        'z = to_goal <= 20\n'
                        'ok = ctx.togo <= 2 or ctx.to_goal <= 3\n')
    assert label_literals(planted) == [1]
    assert cutoff_comparisons(planted) == [2, 3]


def test_labels_and_cutoffs_are_spelled_only_in_the_vocabulary() -> None:
    found = []
    for path in _sources():
        tree = ast.parse(path.read_text(), filename=str(path))
        rel = path.relative_to(ROOT)
        found += [f"{rel}:{line} label literal" for line in label_literals(tree)]
        found += [f"{rel}:{line} bucket cut-off" for line in cutoff_comparisons(tree)]
    assert not found, "use coverage.vocab instead:\n" + "\n".join(found)


# --------------------------------------------------------------------------- vocabulary
def test_distance_buckets_share_one_cutoff() -> None:
    c = vocab.DISTANCE_CUTOFF_YARDS
    yards = [1, vocab.SHORT_MAX_YARDS, vocab.SHORT_MAX_YARDS + 1, c, c + 1, 25]
    got = pl.DataFrame({"yardsToGo": [*yards, None]}).select(vocab.distance_expr())
    assert got.to_series().to_list() == [vocab.distance(y) for y in yards] + [None]
    assert [vocab.distance(y) for y in (c, c + 1)] == ["medium", "long"]
    assert vocab.DISTANCE_BUCKETS[1].endswith(f"-{c})") and f"{c + 1}+" in vocab.DISTANCE_BUCKETS[2]


def test_field_zones_and_labels() -> None:
    to_goal = [1, vocab.GOAL_LINE_YARDS, vocab.GOAL_LINE_YARDS + 1, vocab.RED_ZONE_YARDS,
               vocab.RED_ZONE_YARDS + 1, 80]
    got = pl.DataFrame({"to_goal": to_goal}).select(vocab.field_zone_expr()).to_series()
    assert got.to_list() == [vocab.field_zone(y) for y in to_goal]
    assert got.to_list() == ["goal", "goal", "red", "red", "open", "open"]
    plays = pl.DataFrame({"pff_manZone": ["Man", "Zone", "Other", None]})
    assert plays.select(vocab.label_expr()).to_series().to_list() == [1.0, 0.0, None, None]
    assert vocab.labelled(plays).height == 2
    assert plays.select(vocab.man_zone_expr(vocab.is_man())).to_series().to_list() == [
        "Man", "Zone", "Zone", None]


# --------------------------------------------------------------------------- shrinkage
def test_shrinkage_limits() -> None:
    assert stats.beta_shrink(3.0, 10.0, 0.5, 0.0) == pytest.approx(0.3)   # no prior: raw
    assert stats.beta_shrink(3.0, 10.0, 0.5, 1e12) == pytest.approx(0.5)  # all prior
    assert stats.beta_shrink(0.0, 0.0, 0.27, 10.0) == pytest.approx(0.27)  # no data: prior
    # more data, less pull: the same raw rate moves toward it as n grows
    small, big = stats.beta_shrink(3.0, 10.0, 0.5, 10.0), stats.beta_shrink(300.0, 1000.0, 0.5,
                                                                           10.0)
    assert 0.3 < big < small < 0.5
    # numbers, arrays and polars expressions give the same figures
    k, n = np.array([1.0, 5.0]), np.array([4.0, 20.0])
    df = pl.DataFrame({"k": k, "n": n})
    via_expr = df.select(stats.beta_shrink(pl.col("k"), pl.col("n"), 0.3, 7.0)).to_series()
    np.testing.assert_allclose(via_expr.to_numpy(), stats.beta_shrink(k, n, 0.3, 7.0))


def test_eb_strength_follows_the_real_spread() -> None:
    rng = np.random.default_rng(0)
    n = np.full(32, 400.0)
    same = rng.binomial(400, 0.3, size=32).astype(float)  # one true rate: noise only
    spread = rng.binomial(400, rng.uniform(0.1, 0.6, size=32)).astype(float)
    assert stats.eb_strength(same, n) > 10 * stats.eb_strength(spread, n)
    assert stats.eb_strength(np.array([1.0]), np.array([4.0])) == stats.MAX_STRENGTH


# --------------------------------------------------------------------------- temperature
@pytest.mark.parametrize("classes", [1, 4])
def test_temperature_fit_recovers_a_known_temperature(classes: int) -> None:
    rng = np.random.default_rng(1)
    true_t = 2.5
    if classes == 1:  # sigmoid: y ~ Bernoulli(sigmoid(z / T))
        z = rng.normal(0.0, 4.0, 40_000)
        y = (rng.random(z.size) < evaluation.sigmoid(z / true_t)).astype(float)
    else:  # softmax: y ~ Categorical(softmax(z / T)), one unlabelled row (-1) ignored
        z = rng.normal(0.0, 4.0, (40_000, classes))
        p = np.exp(z / true_t - (z / true_t).max(1, keepdims=True))
        p /= p.sum(1, keepdims=True)
        y = (rng.random((z.shape[0], 1)) > p.cumsum(1)).sum(1)
        y[0] = -1
    assert evaluation.fit_temperature(z, y) == pytest.approx(true_t, rel=0.05)


# --------------------------------------------------------------------------- importance
def test_permutation_importance_ranks_the_informative_feature_first() -> None:
    rng = np.random.default_rng(2)
    x = rng.normal(size=(2_000, 4))
    y = (x[:, 2] + 0.1 * x[:, 0] > 0).astype(float)  # feature 2 decides, 0 barely matters

    def losses(xs: np.ndarray) -> tuple[float]:
        return (-evaluation.roc_auc(y, xs[:, 2] + 0.1 * xs[:, 0]),)

    groups = {f"f{j}": [j] for j in range(4)}
    drop = stats.permutation_importance(losses, x, groups, np.random.default_rng(0))
    ranked = sorted(drop, key=lambda g: -drop[g][0])
    assert ranked[0] == "f2" and drop["f2"][0] > 0.3
    assert drop["f1"][0] == 0.0 and drop["f3"][0] == 0.0  # unused columns cost nothing
    # a frame gives the figures an array does, for the same seed
    frame = pl.DataFrame(x, schema=[f"f{j}" for j in range(4)])
    via_frame = stats.permutation_importance(
        lambda f: losses(f.to_numpy()), frame, {g: [g] for g in groups},
        np.random.default_rng(0))
    assert {g: float(v[0]) for g, v in via_frame.items()} == pytest.approx(
        {g: float(v[0]) for g, v in drop.items()})
