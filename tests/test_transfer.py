"""Checkpoints on real tracking (`python -m devtools.realism transfer`) and the channel
subsets models may read."""

import json

import numpy as np
import polars as pl
import pytest
import torch

from coverage.features import FEATURE_SETS, FEATURES, feature_inputs
from coverage.models.registry import build_model
from coverage.store import Store
from devtools.realism.transfer import at_offsets, render, scores, shared_plays, transfer_summary


@pytest.mark.parametrize("arch,extra", [("transformer", {}), ("lstm", {}),
                                        ("family", {"n_families": 8, "n_assignments": 6})])
def test_motion_models_ignore_the_channels_they_do_not_read(arch, extra):
    idx = feature_inputs("motion")
    assert [FEATURES[i] for i in idx] == list(FEATURE_SETS["motion"])
    torch.manual_seed(0)
    model = build_model(arch, {"n_features": len(FEATURES), "inputs": idx, **extra}).eval()
    x = torch.randn(2, 5, 22, len(FEATURES))
    y = x.clone()
    for name in ("a", "sin_o", "cos_o", "sin_dir", "cos_dir"):
        y[..., FEATURES.index(name)] = torch.randn(2, 5, 22)
    z = x.clone()
    z[..., FEATURES.index("vx")] += 1.0
    with torch.no_grad():
        out = [model(t) for t in (x, y, z)]
    first = (lambda o: o["family"]) if arch == "family" else (lambda o: o)
    torch.testing.assert_close(first(out[0]), first(out[1]))
    assert not torch.allclose(first(out[0]), first(out[2]))
    # the index is rebuilt from the config: the weights file is the same as a full model's
    full = build_model(arch, {"n_features": len(FEATURES), **extra})
    assert model.state_dict().keys() == full.state_dict().keys()


def test_unknown_feature_set_is_refused():
    with pytest.raises(ValueError, match="motion"):
        feature_inputs("positions-only")
    assert feature_inputs("full") is None


def test_train_with_motion_feature_set_round_trips(toy_store, tmp_path):
    from coverage.pipelines import load_model, predict_week, train
    from coverage.training.options import TrainOptions

    out = train(TrainOptions.of(model="transformer", data=str(toy_store), out_root=tmp_path,
                                epochs=1, progress=False, history=3, frames_per_play=2,
                                feature_set="motion",
                                hparams={"dim": 16, "depth": 1, "heads": 2}), Store(toy_store))
    cfg = json.loads((tmp_path / "transformer" / "config.json").read_text())
    assert cfg["feature_set"] == "motion" and cfg["hparams"]["inputs"] == feature_inputs("motion")
    assert len(cfg["hparams"]["mean"]) == len(FEATURE_SETS["motion"])
    model, _ = load_model(out["dir"])
    assert model.norm.inputs.tolist() == feature_inputs("motion")
    preds = predict_week(out["dir"], Store(toy_store), 3, write=False)
    assert preds["p_man"].is_between(0, 1).all()


def test_at_offsets_takes_the_last_frame_at_or_just_before_each_time():
    frames = pl.DataFrame({"gameId": [1] * 6, "playId": [2] * 6,
                           "secs_from_snap": [-3.1, -3.0, -2.9, -1.0, -0.1, 0.0],
                           "p_man": [0.1, 0.2, 0.3, 0.4, 0.5, 0.6]})
    got = {r["offset"]: r["p_man"] for r in at_offsets(frames, False).to_dicts()}
    assert got == {-3.0: 0.2, -1.0: 0.4, 0.0: 0.6}  # no frame near -2 s: no row
    per_play = at_offsets(frames.head(1), True)
    assert per_play.height == 4 and per_play["p_man"].unique().to_list() == [0.1]


def test_scores_flag_a_model_that_calls_one_class_everywhere():
    calls = pl.DataFrame({"gameId": [1, 2, 3, 4] * 2, "playId": [1] * 8,
                          "model": ["a"] * 4 + ["b"] * 4, "offset": [0.0] * 8,
                          "label": [1.0, 0.0, 0.0, 0.0] * 2,
                          "p_man": [0.9, 0.8, 0.7, 0.9, 0.8, 0.2, 0.1, 0.3]})
    s = {r["model"]: r for r in scores(calls).to_dicts()}
    assert s["a"]["called_man"] == 1.0 and s["a"]["accuracy"] == 0.25
    assert s["b"]["accuracy"] == 1.0 and s["b"]["log_loss"] < s["a"]["log_loss"]
    np.testing.assert_allclose(s["b"]["brier"], np.mean([0.04, 0.04, 0.01, 0.09]))


def test_every_row_at_one_time_rests_on_the_same_plays():
    """A per-play prior answers at every time, a tracking model only where the tracking
    reaches back: at -3 s both are scored on the one play the tracking model has."""
    calls = pl.DataFrame({
        "gameId": [1, 2, 3] * 3 + [1], "playId": [1] * 10,
        "model": ["prior"] * 6 + ["track"] * 4,
        "offset": [0.0] * 3 + [-3.0] * 3 + [0.0] * 3 + [-3.0],
        "label": [1.0, 0.0, 0.0] * 3 + [1.0],
        "p_man": [0.6, 0.4, 0.3, 0.6, 0.4, 0.3, 0.9, 0.1, None, 0.8]})
    shared = shared_plays(calls)
    # play 3 has no P(man) from the tracking model at the snap: it leaves every row there
    assert sorted(shared.filter(pl.col("offset") == 0.0)["gameId"].unique()) == [1, 2]
    assert shared.filter(pl.col("offset") == -3.0)["gameId"].to_list() == [1, 1]
    s = {(r["model"], r["offset"]): r for r in scores(calls).to_dicts()}
    assert s[("prior", -3.0)]["n"] == s[("track", -3.0)]["n"] == 1
    assert (s[("prior", 0.0)]["n"], s[("prior", 0.0)]["n_man"], s[("prior", 0.0)]["n_zone"]) \
        == (2, 1, 1)
    np.testing.assert_allclose(s[("prior", -3.0)]["log_loss"], -np.log(0.6), rtol=1e-6)
    # a model with no play at all at a time leaves that time without rows
    assert scores(calls.filter(pl.col("model") == "track").with_columns(
        pl.when(pl.col("offset") == -3.0).then(None).otherwise(pl.col("p_man"))
        .alias("p_man")).vstack(calls.filter(pl.col("model") == "prior"))
    ).filter(pl.col("offset") == -3.0).height == 0


def test_render_prints_the_n_behind_each_figure():
    real = [{"offset": 0.0, "n": 8, "n_man": 2, "n_zone": 6, "log_loss": 0.4, "brier": 0.1,
             "accuracy": 0.9, "called_man": 0.3, "p_man_on_man": 0.8, "p_man_on_zone": 0.2},
            {"offset": -1.0, "n": 1, "n_man": 0, "n_zone": 1, "log_loss": 0.3, "brier": 0.1,
             "accuracy": 1.0, "called_man": 0.0, "p_man_on_man": None, "p_man_on_zone": 0.2}]
    summary = {"offsets": [-1.0, 0.0], "plays": [], "calls": [],
               "scored_plays": [{"offset": 0.0, "n": 8, "n_man": 2, "n_zone": 6},
                                {"offset": -1.0, "n": 1, "n_man": 0, "n_zone": 1}],
               "models": {"m": {"trained_on": "synthetic", "feature_set": "motion",
                                "prior": None, "test_accuracy_at_snap": 0.9, "real": real,
                                "responsibilities": {"right": 7, "n": 11, "plays": 1}}}}
    text = render(summary)
    assert "snap: 8 (2 Man), −1 s: 1 (0 Man)" in text
    row = next(line for line in text.splitlines() if line.startswith("| m |"))
    assert "0.80 (2) / 0.20 (6)" in row and "0.300 (1) / – (0)" in row
    assert "7 of 11 (1)" in row


def test_shipped_checkpoints_on_the_real_plays(shared_bdb, tmp_path):
    from coverage.serving import shipped_models
    from devtools.realism.sources import open_side

    models = shipped_models()
    side = open_side(shared_bdb, tmp_path, "real")
    summary = transfer_summary(models, side.stores)
    labelled = [p for p in summary["plays"] if p["label"] is not None]
    assert len(labelled) >= 8 and {p["label"] for p in labelled} == {0.0, 1.0}
    for name, m in summary["models"].items():
        snap = {r["offset"]: r for r in m["real"]}[0.0]
        assert snap["n"] == len(labelled), name
        assert np.isfinite(snap["log_loss"]) and 0 <= snap["brier"] <= 1
    for t in (-1.0, -3.0):  # the context prior is scored on the tracking models' plays
        ns = {r["n"] for m in summary["models"].values() for r in m["real"]
              if r["offset"] == t}
        assert len(ns) == 1, (t, ns)
        assert ns == {next(p["n"] for p in summary["scored_plays"] if p["offset"] == t)}
    fam = [m for name, m in summary["models"].items()
           if m["architecture"] == "family" and not name.endswith("(no prior)")]
    assert fam
    assert all(m["responsibilities"]["n"] == 11 for m in fam)  # the charted 2022 play
    text = render(summary)
    assert "2022103007-1507" in text and "Cover 6-Left" in text


def test_shipped_tracking_models_read_real_plays_no_worse_than_the_real_prior(shared_bdb,
                                                                             tmp_path):
    """Issue 16's bar on the real plays we have: every served tracking checkpoint's
    log-loss at the snap is no worse than the real-label context prior's, and none calls
    the same class on every play."""
    from coverage.serving import shipped_models
    from devtools.realism.sources import open_side

    models = shipped_models()
    side = open_side(shared_bdb, tmp_path, "real")
    summary = transfer_summary(models, side.stores)
    snap = {name: {r["offset"]: r for r in m["real"]}[0.0]
            for name, m in summary["models"].items()}
    bar = snap["context_real_gbm"]["log_loss"]
    tracking = [n for n, m in summary["models"].items()
                if m["architecture"] in ("transformer", "lstm", "family")
                and not n.endswith("(no prior)")]
    assert len(tracking) == 3
    for n in tracking:
        assert snap[n]["log_loss"] <= bar, (n, snap[n]["log_loss"], bar)
        assert 0.0 < snap[n]["called_man"] < 1.0, n
