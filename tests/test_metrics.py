import math

import numpy as np
import polars as pl
import pytest

from coverage import evaluation as mt


def test_wilson_interval_hand_computed():
    # k=8, n=10, z=1.96: centre=(0.8+0.1921)/1.38415, half=1.96*sqrt(0.016+0.00960)/1.38415
    lo, hi = mt.wilson_interval(8, 10)
    assert lo == pytest.approx(0.4901624, abs=1e-6)
    assert hi == pytest.approx(0.9433178, abs=1e-6)
    assert mt.wilson_interval(0, 5)[0] == 0.0
    assert mt.wilson_interval(5, 5)[1] == pytest.approx(1.0)
    assert all(math.isnan(v) for v in mt.wilson_interval(0, 0))


def test_accuracy_and_confusion():
    y = np.array([1, 0, 1, 0, 0])
    p = np.array([0.9, 0.2, 0.4, 0.6, 0.5])
    acc = mt.accuracy(y, p)
    assert acc["accuracy"] == pytest.approx(2 / 5)  # 0.5 counts as man
    assert acc["n"] == 5
    assert mt.confusion(y, p) == {"tp": 1, "fp": 2, "tn": 1, "fn": 1}


def test_roc_auc_hand_computed_with_ties():
    y = np.array([0, 0, 1, 1])
    p = np.array([0.1, 0.4, 0.35, 0.8])
    assert mt.roc_auc(y, p) == pytest.approx(0.75)
    # a tie between a positive and a negative counts one half
    assert mt.roc_auc(np.array([0, 1]), np.array([0.5, 0.5])) == pytest.approx(0.5)
    assert math.isnan(mt.roc_auc(np.array([1, 1]), np.array([0.2, 0.3])))


def test_brier_logloss_ece():
    y = np.array([1, 0, 1, 0])
    p = np.array([0.8, 0.3, 0.6, 0.1])
    assert mt.brier(y, p) == pytest.approx((0.04 + 0.09 + 0.16 + 0.01) / 4)
    # 10 bins: 0.8->(0.7,0.8] conf .8 hit 1; 0.3->(0.2,0.3] ; 0.6->(0.5,0.6]; 0.1->[0,0.1]
    expected = (abs(1 - 0.8) + abs(0 - 0.3) + abs(1 - 0.6) + abs(0 - 0.1)) / 4
    assert mt.ece(y, p) == pytest.approx(expected)
    # two predictions sharing a bin are averaged before the gap is taken
    assert mt.ece(np.array([1, 0]), np.array([0.55, 0.55])) == pytest.approx(0.05)
    assert mt.log_loss(np.array([1]), np.array([0.5])) == pytest.approx(math.log(2))


def test_majority_baseline():
    y = np.array([0, 0, 0, 1])
    assert mt.majority_baseline(y) == pytest.approx(0.75)
    assert mt.majority_baseline(y, majority_class=1) == pytest.approx(0.25)


def test_fit_temperature_recovers_scale():
    rng = np.random.default_rng(0)
    true_logit = rng.normal(0, 2, 20000)
    y = (rng.random(20000) < 1 / (1 + np.exp(-true_logit))).astype(float)
    # an over-confident model: logits 3x too large -> T ~ 3
    assert mt.fit_temperature(3 * true_logit, y) == pytest.approx(3.0, rel=0.08)
    assert mt.fit_temperature(true_logit, y) == pytest.approx(1.0, rel=0.08)
    assert mt.fit_temperature(true_logit, np.ones_like(y)) == 1.0


def test_accuracy_by_time_offsets_and_edges():
    # plays 1-3 at every offset; plays 4-5 only at -1 s and -0.5 s
    scored = pl.DataFrame({
        "gameId": [1] * 7, "playId": [4, 5, 4, 5, 1, 2, 3],
        "secs_from_snap": [-1.0, -1.0, -0.5, -0.5, 0.0, 0.0, 0.0],
        "y": [1, 0, 1, 0, 1, 0, 0], "p_man": [0.9, 0.9, 0.1, 0.1, 0.9, 0.1, 0.1]})
    t = mt.accuracy_by_time(scored)
    np.testing.assert_allclose(t["secs_from_snap"], [-1.0, -0.5, 0.0])
    np.testing.assert_allclose(t["accuracy"], [0.5, 0.5, 1.0])
    np.testing.assert_array_equal(t["n_plays"], [2, 2, 3])
    np.testing.assert_array_equal(t["n_frames"], [2, 2, 3])
    np.testing.assert_allclose(t["majority_baseline"], [0.5, 0.5, 2 / 3])
    assert t["ci_low"][2] == pytest.approx(mt.wilson_interval(3, 3)[0])
    # 0.5 s bins (edge - 0.5, edge]: a play counts once per bin, at its frame nearest the snap
    e = mt.accuracy_by_time(scored, bin_secs=0.5)
    np.testing.assert_allclose(e["secs_from_snap"], [-1.0, -0.5, 0.0])
    e = mt.accuracy_by_time(scored, bin_secs=1.0)
    np.testing.assert_array_equal(e["n_plays"], [2, 5])  # (-2, -1], (-1, 0]
    np.testing.assert_array_equal(e["n_frames"], [2, 5])
    # (-1, 0]: plays 4 and 5 count once, with their -0.5 s calls (4 wrong, 5 right)
    assert e["accuracy"].to_list() == pytest.approx([0.5, 4 / 5])


def test_accuracy_by_time_counts_each_play_once_per_bin():
    scored = pl.DataFrame({"gameId": [1, 1, 1], "playId": [7, 7, 8],
                           "secs_from_snap": [-0.4, -0.1, -0.2], "y": [1, 1, 0],
                           "p_man": [0.1, 0.9, 0.2]})
    t = mt.accuracy_by_time(scored, bin_secs=0.5)
    assert t["n_plays"].to_list() == [2] and t["n_frames"].to_list() == [3]
    assert t["accuracy"].to_list() == [1.0]  # play 7 counts at -0.1 s (right), not -0.4 s


def test_softmax_temperature_recovers_a_scale():
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(4000, 5)) * 2
    p = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    y = np.array([rng.choice(5, p=row) for row in p])
    assert mt.fit_temperature(3 * logits, y) == pytest.approx(3.0, rel=0.1)
    y[:100] = -1  # unlabelled rows are left out
    assert mt.fit_temperature(logits, y) == pytest.approx(1.0, rel=0.1)


def test_summary_keys():
    s = mt.summary(np.array([0, 1, 0]), np.array([0.2, 0.7, 0.4]))
    assert s["accuracy"] == 1.0 and s["auc"] == 1.0
    assert s["majority_baseline"] == pytest.approx(2 / 3)
