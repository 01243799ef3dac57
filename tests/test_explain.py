"""Explain the call: family vocabulary, multi-task model, occlusion attribution, tells."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import polars as pl
import pytest
import torch

from coverage.vocab import (
    ASSIGNMENTS,
    FAMILIES,
    MAN_FAMILY_INDEX,
    assignment_expr,
    family_expr,
    family_mix,
)

# Real family counts of the 2022 season (BDB 2025 plays.csv, 16,124 plays, 192 without a
# pff_passCoverage), computed with coverage.vocab.family_mix on
# shared/bdb/plays.csv. Baked in so the mix test runs without the shared folder.
REAL_FAMILY_COUNTS = {"Cover-0": 605, "Cover-1": 3354, "Cover-2": 1852, "Cover-3": 5662,
                      "Quarters": 2073, "Cover-6": 1382, "2-Man": 186, "Other": 818}
REAL_TOTAL = sum(REAL_FAMILY_COUNTS.values())
MIX_TOLERANCE = 0.03  # absolute share per family for the 1,440-play embedded season


def test_family_mapping_merges_variants_and_keeps_unlabelled_null():
    df = pl.DataFrame({"pff_passCoverage": ["Cover-1 Double", "Cover 6-Left", "Cover-6 Right",
                                            "Cover-3 Seam", "Red Zone", "Prevent", None, ""]})
    got = df.select(family_expr())["family"].to_list()
    assert got == ["Cover-1", "Cover-6", "Cover-6", "Cover-3", "Other", "Other", None, None]
    assert [FAMILIES[i] for i in MAN_FAMILY_INDEX] == ["Cover-0", "Cover-1", "2-Man"]


def test_assignment_groups():
    df = pl.DataFrame({"assignment": ["MAN", "3M", "4OL", "CFR", "HOL", "PRE", None, "XYZ"]})
    got = df.select(assignment_expr())["assignment_group"].to_list()
    assert got == ["MAN", "DEEP", "DEEP", "FLAT", "HOOK", "RUSH", "RUSH", "OTHER"]


def test_real_mix_constants_match_shared(shared_bdb):
    real = pl.read_csv(shared_bdb / "plays.csv", infer_schema_length=20000)
    mix = family_mix(real)
    for fam, n in REAL_FAMILY_COUNTS.items():
        assert mix[fam] == pytest.approx(n / REAL_TOTAL, abs=1e-3)


@pytest.mark.slow
def test_synthetic_family_mix_close_to_real(tmp_path):
    """The embedded season, simulated here (its seed and size, ~15 s), must have the real
    family mix per family within MIX_TOLERANCE or three binomial standard deviations of a
    1,440-play sample, whichever is wider: the simulator draws each call from the calibrated
    mix, so a finite season differs from it by sampling noise."""
    from coverage.opener import DEFAULT_SEED
    from coverage.simulate import simulate_season

    simulate_season(tmp_path, seed=DEFAULT_SEED, weeks=9, games_per_week=4, plays_per_game=40)
    plays = pl.read_csv(tmp_path / "plays.csv", infer_schema_length=0)
    assert plays.height == 9 * 4 * 40
    mix = family_mix(plays)
    for fam, n in REAL_FAMILY_COUNTS.items():
        share = n / REAL_TOTAL
        tol = max(MIX_TOLERANCE, 3 * (share * (1 - share) / plays.height) ** 0.5)
        assert abs(mix[fam] - share) <= tol, (fam, mix[fam], share, tol)


def _tiny_model(**kw):
    from coverage.features import FEATURES
    from coverage.models.registry import build_model

    return build_model("family", {"n_features": len(FEATURES), "dim": 16, "depth": 1,
                                  "heads": 2, **kw}).eval()


def test_model_shapes_and_p_man_is_sum_of_man_families():
    model = _tiny_model()
    x = torch.randn(3, 4, 22, 12)
    out = model(x)
    assert out["family"].shape == (3, len(FAMILIES))
    assert out["assign"].shape == (3, 11, len(ASSIGNMENTS))
    assert out["pointer"].shape == (3, 11, 11)
    probs = torch.softmax(out["family"], -1)
    assert torch.allclose(model.p_man(out["family"]), probs[:, list(MAN_FAMILY_INDEX)].sum(-1))


def test_family_output_ignores_player_order():
    model = _tiny_model(dropout=0.0)
    x = torch.randn(2, 3, 22, 12)
    perm = torch.randperm(22)
    a = model(x)["family"]
    b = model(x[:, :, perm])["family"]
    assert torch.allclose(a, b, atol=1e-5)


@pytest.fixture(scope="module")
def explain_frames(sim_store):
    from coverage.family.data import load_explain_frames

    return load_explain_frames(sim_store, sim_store.weeks)


def test_explain_frames_labels_are_aligned(explain_frames):
    ef = explain_frames
    assert ef.nfl.shape == (len(ef), 22) and ef.assign.shape == (len(ef), 11)
    man = ef.assign == ASSIGNMENTS.index("MAN")
    assert man.any() and (ef.target[man] >= 0).mean() > 0.95
    assert (ef.target[~man] == -1).all()
    assert (ef.family >= 0).mean() > 0.9


def test_mirror_keeps_labels_on_the_same_players(explain_frames):
    from coverage.family.train import _mirror_labels
    from coverage.features import mirror

    ef = explain_frames
    r = np.flatnonzero((ef.target >= 0).any(1))[:20]
    x_m = mirror(ef.ft.x[r])
    a_m, t_m = _mirror_labels(ef.assign[r], ef.target[r])
    nfl_m = ef.nfl[r][:, np.r_[10:-1:-1, 21:10:-1]]
    for i in range(len(r)):  # the defender whose label is MAN still points at his receiver
        for d in np.flatnonzero(t_m[i] >= 0):
            orig_d = 10 - d
            assert a_m[i, d] == ef.assign[r[i], orig_d]
            assert nfl_m[i, t_m[i, d]] == ef.nfl[r[i], ef.target[r[i], orig_d]]
    assert np.allclose(mirror(x_m), ef.ft.x[r])


@pytest.fixture(scope="module")
def trained(sim_store, tmp_path_factory):
    from coverage.family.train import FamilyTrainOptions, train_family

    out = tmp_path_factory.mktemp("family_models")
    res = train_family(FamilyTrainOptions.of(
        data=str(sim_store.path), out_root=out, epochs=2, frames_per_play=2, progress=False,
        train_weeks=(1,), val_weeks=(2,), test_weeks=(3,), device="cpu",
        hparams={"dim": 16, "depth": 1, "heads": 2}), sim_store)
    return res


def test_train_family_reports_and_checkpoint(trained):
    from coverage.training.options import NETWORK_DEFAULTS

    m = trained["metrics"]["test"]
    snap = m["at_offsets"]["snap"]
    assert 0.0 <= snap["top1"]["accuracy"] <= snap["top2"]["accuracy"] <= 1.0
    top1 = snap["top1"]
    assert top1["ci_low"] - 1e-9 <= top1["accuracy"] <= top1["ci_high"] + 1e-9
    assert not math.isnan(snap["majority_baseline"])
    assert len(m["confusion"]) == len(FAMILIES)
    assert set(m["defenders"]["snap"]) >= {"assignment", "man_matchup"}
    cfg = trained["config"]
    assert cfg["split"] == {"train": [1], "val": [2], "test": [3]}
    # frames_per_play=2 caps the default chunks (2) of its epochs' moments
    assert trained["metrics"]["training"]["sampling"] == {"frames_per_play": 2, "chunk": 2}
    # the trainers' network where the options say nothing (no dropout), the options' over it
    assert {k: cfg["hparams"][k] for k in NETWORK_DEFAULTS["family"]} == {
        **NETWORK_DEFAULTS["family"], "dim": 16, "depth": 1, "heads": 2}
    assert cfg["hparams"]["dropout"] == 0.0
    assert (Path(trained["dir"]) / "model.safetensors").exists()


def test_predict_family_writes_consistent_tables(trained, sim_store, tmp_path):
    import shutil

    from coverage.family.predict import predict_family_week
    from coverage.store import Store

    store = Store(shutil.copytree(sim_store.path, tmp_path / "store"))
    fam, resp = predict_family_week(trained["dir"], store, 3)
    sums = fam.group_by("gameId", "playId", "frameId").agg(pl.col("prob").sum())["prob"]
    assert np.allclose(sums.to_numpy(), 1.0, atol=1e-4)
    pman = store.predictions(3).filter(pl.col("model") == "family")
    man = (fam.filter(pl.col("family").is_in(["Cover-0", "Cover-1", "2-Man"]))
           .group_by("gameId", "playId", "frameId").agg(pl.col("prob").sum())
           .join(pman, on=["gameId", "playId", "frameId"]))
    assert np.allclose(man["prob"].to_numpy(), man["p_man"].to_numpy(), atol=1e-4)
    assert resp["assignment"].is_in(list(ASSIGNMENTS)).all()
    assert (resp.filter(pl.col("assignment") != "MAN")["target_nflId"].is_null()).all()
    assert (store.path / "responsibilities" / "week_3.parquet").exists()


def test_attribution_and_tells_read_well(trained, sim_store):
    """Its speed is benchmarks/bench_explain.py's to measure, not a test's (a busy machine)."""
    from benchmarks.faithfulness import deletion_test
    from coverage.explain.attribution import attribute_play
    from coverage.explain.tells import tells
    from coverage.family.predict import load_explainer

    model, cfg = load_explainer(trained["dir"])
    play = sim_store.plays().filter(pl.col("week") == 3).row(0, named=True)
    frames = sim_store.play_frames(play["gameId"], play["playId"])
    a = attribute_play(model, cfg, frames, play)
    assert a.values.shape == (a.frame_ids.size, 22)
    df = a.frame()
    assert df.columns == ["nflId", "frameId", "secs_from_snap", "value"]
    assert df.height == a.values.size
    out = tells(a, frames, sim_store.players(), n=3, min_abs=0.0)
    assert 1 <= len(out) <= 3
    assert all(" at " in t.text and " s: " in t.text and "#" in t.text for t in out)
    rep = deletion_test(model, cfg, [a], ks=(1, 2), n_random=2)
    assert rep["plays"] == 1 and rep["k1"]["top_mean_abs_change"] >= 0.0


def test_occluded_inputs_put_each_removed_player_at_his_sides_mean():
    from coverage.explain.attribution import occluded_inputs

    rng = np.random.default_rng(0)
    x = rng.normal(size=(4, 22, 3)).astype(np.float32)
    slots = np.stack([rng.permutation(22) for _ in range(4)])      # [T, Q]
    remove = np.zeros((3, 22), bool)
    remove[1, 2] = remove[2, [0, 15]] = True
    xs = occluded_inputs(x, slots, remove)
    assert xs.shape == (3, 4, 22, 3)
    np.testing.assert_array_equal(xs[0], x)
    for m, q in ((1, 2), (2, 0), (2, 15)):
        for t in range(4):
            s = slots[t, q]
            side = slice(0, 11) if s < 11 else slice(11, 22)
            np.testing.assert_allclose(xs[m, t, s], x[t, side].mean(0), rtol=1e-6)
    untouched = np.ones((4, 22), bool)
    untouched[np.arange(4), slots[:, 2]] = False
    np.testing.assert_array_equal(xs[1][untouched], x[untouched])


def _summaries_by_play(model, cfg, store, plays, dtype):
    from coverage.explain.attribution import attribute_play, play_summary

    parts = []
    for r in plays.iter_rows(named=True):
        a = attribute_play(model, cfg, store.play_frames(r["gameId"], r["playId"]), r,
                           dtype=dtype)
        parts.append(play_summary(r["gameId"], r["playId"], a))
    return pl.concat(parts).sort("gameId", "playId", "nflId")


@pytest.mark.parametrize("dtype", ["float32", "auto"])
def test_attribution_week_equals_attribute_play_per_play(trained, sim_store, dtype):
    """The week path (frames built once, sliced per play, a worker per core) gives each
    play's summary as attribute_play does for that play alone."""
    from coverage.explain.attribution import attribution_week
    from coverage.family.predict import load_explainer

    model, cfg = load_explainer(trained["dir"])
    week = attribution_week(trained["dir"], sim_store, 3, write=False, dtype=dtype, every=1) \
        .sort("gameId", "playId", "nflId")
    plays = sim_store.plays().filter(pl.col("week") == 3)
    ref = _summaries_by_play(model, cfg, sim_store, plays, dtype)
    assert week.height == ref.height == 22 * plays.height
    for c in ("gameId", "playId", "nflId", "side"):
        assert week[c].to_list() == ref[c].to_list()
    tol = 1e-5 if dtype == "float32" else 2e-3  # bf16: one thread per worker, other kernels
    for c in ("mean_abs", "peak"):
        np.testing.assert_allclose(week[c].to_numpy(), ref[c].to_numpy(), atol=tol)
    if dtype == "float32":
        np.testing.assert_allclose(week["peak_secs"].to_numpy(), ref["peak_secs"].to_numpy())


def test_explaining_every_stride_th_frame_gives_those_frames_exactly(trained, sim_store):
    """The week summary's default: every stride-th frame back from the snap, encoding only
    the frames their windows read; each explained frame's values are the full path's."""
    from coverage.explain.attribution import attribute_rows, encoder_for, play_frames_tensors
    from coverage.family.predict import load_explainer

    model, cfg = load_explainer(trained["dir"])
    stride = int(cfg["stride"])
    encode = encoder_for(model, "float32")
    for r in sim_store.plays().filter(pl.col("week") == 3).head(3).iter_rows(named=True):
        ef = play_frames_tensors(sim_store.play_frames(r["gameId"], r["playId"]), r)
        full = attribute_rows(model, cfg, ef, slice(0, len(ef)), encode)
        part = attribute_rows(model, cfg, ef, slice(0, len(ef)), encode, every=stride)
        keep = np.arange(len(ef))[::-1][::stride][::-1]
        assert part.frame_ids.tolist() == full.frame_ids[keep].tolist()
        assert part.frame_ids[-1] == full.frame_ids[-1]  # the snap is always explained
        np.testing.assert_allclose(part.values, full.values[keep], atol=1e-5)
        np.testing.assert_allclose(part.p_man, full.p_man[keep], atol=1e-6)


def test_bf16_occlusion_stays_close_to_float32(sim_store):
    """The bfloat16 encoder (prediction's, on CPUs with bf16 units) moves the shipped
    model's attributions by rounding only: small per frame, same top player per play."""
    from coverage.config import REPO_ROOT
    from coverage.explain.attribution import attribute_play
    from coverage.family.predict import load_explainer

    model_dir = REPO_ROOT / "models" / "family"
    if not (model_dir / "model.safetensors").exists():
        pytest.skip("no shipped family checkpoint")
    model, cfg = load_explainer(model_dir)
    for r in sim_store.plays().filter(pl.col("week") == 3).head(3).iter_rows(named=True):
        frames = sim_store.play_frames(r["gameId"], r["playId"])
        full = attribute_play(model, cfg, frames, r, dtype="float32")
        half = attribute_play(model, cfg, frames, r, dtype="bfloat16")
        assert np.abs(half.values - full.values).max() < 0.03
        assert np.abs(half.p_man - full.p_man).max() < 0.02
        top = np.abs(full.values).mean(0)
        assert np.argmax(np.abs(half.values).mean(0)) == np.argmax(top)


def test_followed_motion_detects_a_mirroring_defender():
    from coverage.explain.tells import followed_motion

    f = np.arange(1, 21)
    rows = []
    for pid, side, y in ((1, "offense", 10 + 0.4 * f), (2, "defense", 12 + 0.38 * f),
                         (3, "defense", np.full(f.size, 30.0)), (4, "offense", 40 - 0.0 * f)):
        rows += [{"frameId": int(i), "nflId": pid, "side": side, "y": float(v)}
                 for i, v in zip(f, y, strict=True)]
    frames = pl.DataFrame(rows)
    assert followed_motion(frames, 2, 20) == 1
    assert followed_motion(frames, 3, 20) is None


@pytest.mark.slow
def test_deletion_test_passes_on_the_shipped_trained_model(sim_store):
    """Faithfulness bar of issue 6, on the trained checkpoint and plays it never saw."""
    from benchmarks.faithfulness import deletion_test
    from coverage.config import REPO_ROOT
    from coverage.explain.attribution import attribute_play
    from coverage.family.predict import load_explainer

    model_dir = REPO_ROOT / "models" / "family"
    if not (model_dir / "model.safetensors").exists():
        pytest.skip("no shipped family checkpoint")
    model, cfg = load_explainer(model_dir)
    plays = sim_store.plays().filter(pl.col("pff_manZone").is_in(["Man", "Zone"])).head(12)
    attrs = [attribute_play(model, cfg, sim_store.play_frames(r["gameId"], r["playId"]), r)
             for r in plays.iter_rows(named=True)]
    out = deletion_test(model, cfg, attrs, ks=(1, 3), n_random=5)
    assert out["plays"] >= 10
    for k in ("k1", "k3"):
        assert out[k]["top_mean_abs_change"] > 2 * out[k]["random_mean_abs_change"], out
        assert out[k]["share_plays_top_beats_random"] >= 0.8, out


def test_context_prior_family_baseline_is_a_proper_distribution(sim_store):
    from coverage.family.baselines import (
        family_prior_report,
        fit_family_prior,
        predict_family_prior,
    )

    plays = sim_store.plays()
    train, test = plays.filter(pl.col("week") <= 2), plays.filter(pl.col("week") == 3)
    probs = predict_family_prior(fit_family_prior(train), test)
    assert probs.shape == (test.height, len(FAMILIES))
    np.testing.assert_allclose(probs.sum(1), 1.0, atol=1e-9)
    rep = family_prior_report(train, test)
    assert rep["top1"]["n"] > 0
    assert rep["top2"]["accuracy"] >= rep["top1"]["accuracy"]
    assert 0 <= rep["top1"]["ci_low"] <= rep["top1"]["accuracy"] <= rep["top1"]["ci_high"] <= 1


def test_context_prior_family_baseline_on_real_labels(shared_bdb):
    """Real 2022 tables: weeks 1-7 -> week 9 (the figure the README quotes)."""
    from coverage.family.baselines import family_prior_report

    plays = pl.read_csv(shared_bdb / "plays.csv", null_values=["NA", ""],
                        infer_schema_length=20000)
    games = pl.read_csv(shared_bdb / "games.csv").select("gameId", "week")
    p = plays.join(games, on="gameId")
    rep = family_prior_report(p.filter(pl.col("week") <= 7), p.filter(pl.col("week") == 9))
    assert rep["top1"]["n"] > 1400
    assert rep["top1"]["accuracy"] > rep["majority_baseline"]
