"""The context prior a tracking model starts from (coverage.prior): Bayes' rule on the odds,
one weight fitted on the validation week, the same tilt for the family model."""

import json

import numpy as np
import polars as pl
import pytest
from scipy.special import softmax

from coverage import prior
from coverage.errors import CheckpointError


def test_a_prior_at_the_base_rate_or_weight_zero_changes_nothing():
    p = np.array([0.1, 0.5, 0.93])
    np.testing.assert_allclose(prior.combine(p, np.full(3, 0.27), 0.27, 1.0), p, atol=1e-6)
    np.testing.assert_allclose(prior.combine(p, np.array([0.9, 0.1, 0.5]), 0.27, 0.0), p,
                               atol=1e-6)


def test_independent_evidence_multiplies_the_odds():
    # tracking says 0.5 on a 0.25 base rate (odds 1), the prior says 0.5 (odds x3 over base)
    got = prior.combine(np.array([0.5]), np.array([0.5]), 0.25, 1.0)
    np.testing.assert_allclose(got, [0.75], atol=1e-6)


def test_family_tilt_moves_the_summed_man_families_exactly_like_p_man():
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(6, 8)).astype(np.float32)
    man = [0, 1, 6]
    shift = prior.prior_shift(rng.uniform(0.05, 0.9, 6), 0.27, 0.8)
    before = softmax(logits, axis=1)[:, man].sum(1)
    after = softmax(prior.shift_family_logits(logits, man, shift), axis=1)[:, man].sum(1)
    np.testing.assert_allclose(prior.logit(after) - prior.logit(before), shift, atol=1e-4)


def test_the_weight_follows_what_the_prior_knows():
    rng = np.random.default_rng(1)
    n = 4000
    y = rng.uniform(size=n) < 0.27
    p_track = np.clip(np.where(y, 0.45, 0.2) + rng.normal(0, 0.05, n), 0.01, 0.99)
    informative = np.where(y, 0.6, 0.15)
    noise = rng.uniform(0.05, 0.6, n)
    assert prior.fit_weight(p_track, informative, y, 0.27) > 0.5
    assert prior.fit_weight(p_track, noise, y, 0.27) < 0.15


def test_a_missing_prior_checkpoint_is_named(tmp_path):
    with pytest.raises(CheckpointError, match="context_gone"):
        prior.resolve({"checkpoint": "context_gone", "path": str(tmp_path / "context_gone")})


def test_tracking_model_trained_with_a_prior_serves_it(sim_store, tmp_path):
    from coverage.pipelines import predict_week, train
    from coverage.training.options import TrainOptions

    ctx = train(TrainOptions.of(model="tabular", data=str(sim_store.path), out_root=tmp_path,
                                progress=False), sim_store)
    common = dict(model="transformer", data=str(sim_store.path), out_root=tmp_path, epochs=1,
                  progress=False, history=3, frames_per_play=2, feature_set="motion",
                  hparams={"dim": 16, "depth": 1, "heads": 2})
    alone = train(TrainOptions.of(name="alone", **common), sim_store)
    with_prior = train(TrainOptions.of(name="with_prior", prior=ctx["dir"], **common), sim_store)
    entry = json.loads((tmp_path / "with_prior" / "config.json").read_text())["prior"]
    assert entry["checkpoint"] == "tabular" and 0.0 <= entry["weight"] <= 2.0
    assert 0 < entry["base_rate"] < 1
    # the tracking model's own test figures stay; the served (combined) ones sit beside them
    assert with_prior["metrics"]["test"] == alone["metrics"]["test"]
    assert with_prior["metrics"]["test_with_prior"]["at_snap"]["n"] == \
        alone["metrics"]["test"]["at_snap"]["n"]
    # the served P(man) is the tracking model's moved by the prior, frame by frame
    week = with_prior["config"]["split"]["test"][0]
    a = predict_week(alone["dir"], sim_store, week, write=False)
    b = predict_week(with_prior["dir"], sim_store, week, write=False)
    c = predict_week(ctx["dir"], sim_store, week, write=False)
    assert a.height == b.height and b["p_man"].is_between(0, 1).all()
    per_play = c.group_by("gameId", "playId").agg(pl.col("p_man").first().alias("p_prior"))
    b = b.join(per_play, on=["gameId", "playId"], how="left", maintain_order="left")
    # same network weights (same seed, same data): only the prior differs
    expect = prior.combine(a["p_man"].to_numpy(), b["p_prior"].to_numpy(),
                           entry["base_rate"], entry["weight"])
    np.testing.assert_allclose(b["p_man"].to_numpy(), expect, atol=2e-4)
    # the combined test figures are those of the served calls (the prior counted once)
    labels = sim_store.plays().select("gameId", "playId", pl.col("pff_manZone"))
    snap = b.filter(pl.col("secs_from_snap") == 0).join(labels, on=["gameId", "playId"]) \
        .filter(pl.col("pff_manZone").is_in(["Man", "Zone"]))
    y = (snap["pff_manZone"] == "Man").to_numpy().astype(float)
    np.testing.assert_allclose(with_prior["metrics"]["test_with_prior"]["at_snap"]["brier"],
                               np.mean((snap["p_man"].to_numpy() - y) ** 2), atol=1e-5)


def test_family_model_with_a_prior_keeps_families_and_p_man_consistent(sim_store, tmp_path):
    from coverage.family.train import FamilyTrainOptions
    from coverage.pipelines import family_week, predict_week, train
    from coverage.training.options import TrainOptions

    ctx = train(TrainOptions.of(model="tabular", data=str(sim_store.path), out_root=tmp_path,
                                progress=False), sim_store)
    out = train(FamilyTrainOptions.of(data=str(sim_store.path), out_root=tmp_path, epochs=1,
                                      progress=False, frames_per_play=2, prior=ctx["dir"],
                                      feature_set="motion",
                                      hparams={"dim": 16, "depth": 1, "heads": 2}), sim_store)
    cfg = json.loads((tmp_path / "family" / "config.json").read_text())
    assert cfg["prior"]["checkpoint"] == "tabular"
    assert "test_with_prior" in out["metrics"]
    week = cfg["split"]["test"][0]
    fam, _ = family_week(out["dir"], sim_store, week, write=False)
    man = fam.filter(pl.col("family").is_in(cfg["man_families"])).group_by(
        "gameId", "playId", "frameId").agg(pl.col("prob").sum().alias("fam_man"))
    preds = predict_week(out["dir"], sim_store, week, write=False).join(
        man, on=["gameId", "playId", "frameId"])
    np.testing.assert_allclose(preds["p_man"].to_numpy(), preds["fam_man"].to_numpy(),
                               atol=1e-4)


def test_a_wrong_prior_is_refused_before_any_training(tmp_path):
    """No store at all: training would fail on it, so the prior's error proves it was
    checked first."""
    from coverage.config import models_root
    from coverage.errors import CoverageError
    from coverage.pipelines import train
    from coverage.training.options import TrainOptions

    missing = str(tmp_path / "no_store")
    with pytest.raises(CoverageError, match="applies to the tracking models"):
        train(TrainOptions.of(model="tabular", data=missing, out_root=tmp_path,
                              prior=str(models_root() / "context_real_gbm")), None)
    with pytest.raises(CheckpointError, match="a prior must be per play"):
        train(TrainOptions.of(model="transformer", data=missing, out_root=tmp_path,
                              prior=str(models_root() / "lstm")), None)
