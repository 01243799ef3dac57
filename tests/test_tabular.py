"""The tabular pre-snap model on the real label tables: features, no label leakage,
checkpoint round trip, the pipeline's predict / evaluate, and refusals of bad files."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from coverage.errors import CheckpointError
from coverage.labels_only import LabelTables
from coverage.opener import open_store
from coverage.stats import eb_strength
from coverage.tabular.checkpoint import load_tabular_checkpoint, save_tabular
from coverage.tabular.features import (
    BASELINE,
    CATEGORICAL,
    players_table,
    store_features,
)
from coverage.tabular.model import (
    ALL_FEATURES,
    GROUPS,
    family_probabilities,
    fit_tabular,
    man_probability,
    rows_for,
)
from coverage.tabular.tendencies import (
    DEFENSE,
    OFFENSE,
    PLAYERS,
    defender_rows,
    fit_tendencies,
    tendency_features,
)

TRAIN, VAL = tuple(range(1, 8)), (8,)
FAST = ({"num_leaves": 7, "min_data_in_leaf": 100},)
# what the snap or the charting tells, never a feature
POST_SNAP = ("passResult", "playAction", "dropbackType", "yardsGained", "routeRan",
             "pff_defensiveCoverageAssignment", "pff_passCoverage", "pff_manZone",
             "isDropback", "expectedPointsAdded", "timeToThrow", "wasRunningRoute")


@pytest.fixture(scope="module")
def labels(labels_raw_dir: Path):
    store = open_store(labels_raw_dir)
    table = store_features(store)
    return store, table, defender_rows(store.player_play(), players_table(store), table)


@pytest.fixture(scope="module")
def small_model(labels):
    _, table, defenders = labels
    return fit_tabular(table, defenders, TRAIN, VAL, grid=FAST, max_rounds=25)


def test_features_from_the_official_tables(labels) -> None:
    store, table, _ = labels
    assert isinstance(store, LabelTables)  # players.csv read from the raw folder
    assert table.height == 16124 and table["week"].unique().sort().to_list() == list(range(1, 10))
    # 11 defenders per snap: the four groups count nearly all of them (no K/P on defense)
    d = table.select(pl.sum_horizontal("n_CB", "n_S", "n_LB", "n_DL").alias("n"))["n"]
    assert (d == 11).mean() > 0.97
    assert set(table["def_package"].unique()) <= {"base", "nickel", "dime", "quarter"}
    assert table.filter(pl.col("def_package") == "nickel")["n_DB"].unique().to_list() == [5.0]
    assert table["off_personnel"].drop_nulls().is_in(["11", "12", "21", "13", "22"]).mean() > 0.9
    assert table["def_win_prob"].is_between(0, 1).all()
    assert (table["red_zone"] == (table["yards_to_goal"] <= 20).cast(pl.Float32)).all()
    for c in ALL_FEATURES:
        assert c not in POST_SNAP
    assert set(BASELINE) <= set(table.columns)
    assert set(CATEGORICAL) <= set(ALL_FEATURES)
    assert sorted(c for g in GROUPS.values() for c in g) == sorted(ALL_FEATURES)


def test_tendencies_never_see_the_rows_own_label(labels) -> None:
    """Week 9 labels change nothing; a training game's labels change other games' rows
    but not its own (leave-one-game-out)."""
    _, table, defenders = labels
    cols = [*DEFENSE, *OFFENSE, *PLAYERS]
    t = fit_tendencies(table, defenders, TRAIN)
    assert t.weeks == TRAIN
    before = tendency_features(table, defenders, t).sort("gameId", "playId")

    flipped9 = table.with_columns(
        pl.when(pl.col("week") == 9).then(1 - pl.col("label")).otherwise(pl.col("label"))
        .alias("label"),
        pl.when(pl.col("week") == 9).then(pl.lit(0, pl.Int64)).otherwise(pl.col("family_id"))
        .alias("family_id"))
    d9 = defenders.join(table.filter(pl.col("week") == 9).select("gameId", "playId"),
                        on=["gameId", "playId"], how="anti")
    t9 = fit_tendencies(flipped9, d9, TRAIN)
    after9 = tendency_features(flipped9, defenders, t9).sort("gameId", "playId")
    assert before.select(cols).equals(after9.select(cols))

    game = table.filter(pl.col("week") == 1)["gameId"][0]
    in_game = pl.col("gameId") == game
    flipped = table.with_columns(pl.when(in_game).then(1 - pl.col("label"))
                                 .otherwise(pl.col("label")).alias("label"))
    dflip = defenders.with_columns(pl.when(pl.col("gameId") == game).then(1 - pl.col("man"))
                                   .otherwise(pl.col("man")).alias("man"))
    tf = fit_tendencies(flipped, dflip, TRAIN)
    # the prior strength (one number per table) is the one thing fitted on every game;
    # with it held, the game's own rows must not move at all
    tf = replace(tf, **{k: replace(getattr(tf, k), strength=getattr(t, k).strength)
                        for k in ("defense", "families", "defense_late", "offense", "players")})
    after = tendency_features(flipped, dflip, tf).sort("gameId", "playId")
    np.testing.assert_allclose(before.filter(in_game).select(cols).to_numpy(),
                               after.filter(in_game).select(cols).to_numpy(), atol=1e-6)
    teams = table.filter(in_game)["defensiveTeam"].unique().to_list()
    other = (pl.col("defensiveTeam").is_in(teams)) & (pl.col("week") == 9)
    moved = np.abs(before.filter(other)["def_man_rate"].to_numpy()
                   - after.filter(other)["def_man_rate"].to_numpy())
    assert moved.min() > 0.01  # the same defenses' unseen-week rows do see that game


def test_eb_strength_shrinks_noise_and_keeps_real_spread() -> None:
    n = np.full(30, 200.0)
    same = np.full(30, 50.0)  # every group at 25 %: nothing to keep
    assert eb_strength(same, n) == 2000.0
    rng = np.random.default_rng(0)
    p = rng.uniform(0.1, 0.5, 30)
    assert eb_strength(np.round(p * n), n) < 100


def test_checkpoint_round_trip(labels, small_model, tmp_path: Path) -> None:
    _, table, defenders = labels
    save_tabular(tmp_path / "ck", small_model, {"hparams": {}, "split": {"test": [9]}})
    loaded, cfg = load_tabular_checkpoint(tmp_path / "ck")
    assert cfg["architecture"] == "tabular" and cfg["features"] == list(ALL_FEATURES)
    rows = rows_for(table.filter(pl.col("week") == 9), defenders, small_model.tendencies)
    rows2 = rows_for(table.filter(pl.col("week") == 9), defenders, loaded.tendencies)
    assert rows.select(ALL_FEATURES).equals(rows2.select(ALL_FEATURES))
    np.testing.assert_allclose(man_probability(loaded, rows2), man_probability(small_model, rows))
    np.testing.assert_allclose(family_probabilities(loaded, rows2),
                               family_probabilities(small_model, rows))
    probs = family_probabilities(loaded, rows2)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-6)


def _tamper(src: Path, dst: Path, how) -> Path:
    shutil.copytree(src, dst)
    how(dst)
    return dst


def test_bad_checkpoint_files_raise(small_model, tmp_path: Path) -> None:
    ok = save_tabular(tmp_path / "ok", small_model, {"hparams": {}})

    def edit_config(key, value):
        def f(d: Path) -> None:
            cfg = json.loads((d / "config.json").read_text())
            cfg[key] = value
            (d / "config.json").write_text(json.dumps(cfg))
        return f

    bad = {
        "booster edited": lambda d: (d / "man.txt").write_text("tree\nnonsense\n"),
        "family missing": lambda d: (d / "family.txt").unlink(),
        "weights corrupt": lambda d: (d / "model.safetensors").write_bytes(b"\0" * 10),
        "calibration": edit_config("calibration", {"platt": [0.0, 1.0],
                                                   "family_temperature": 1.0}),
        "no files": edit_config("files", {}),
        "config not json": lambda d: (d / "config.json").write_text("{"),
    }
    for i, (name, how) in enumerate(bad.items()):
        with pytest.raises(CheckpointError):
            load_tabular_checkpoint(_tamper(ok, tmp_path / f"bad{i}", how))
        assert name


@pytest.mark.slow
def test_pipeline_trains_predicts_and_evaluates_on_real_labels(real_store, tmp_path) -> None:
    from coverage.pipelines import evaluate, load_model, predict_week, train
    from coverage.training.options import TrainOptions

    out = train(TrainOptions.of(model="tabular", data=str(real_store.root), name="tab",
                                out_root=tmp_path, hparams={"max_rounds": 20}), real_store)
    ck = Path(out["dir"])
    assert {"config.json", "metrics.json", "man.txt", "family.txt", "model.safetensors",
            "importance.json", "tendencies.parquet"} <= {p.name for p in ck.iterdir()}
    metrics = json.loads((ck / "metrics.json").read_text())
    assert metrics["test"]["n"] == 1431 and metrics["test"]["ci_low"] < metrics["test"]["accuracy"]
    assert 0 < metrics["test"]["family"]["top1"] <= metrics["test"]["family"]["top2"] <= 1
    model, cfg = load_model(ck)
    assert cfg["split"] == {"train": list(TRAIN), "val": [8], "test": [9]}
    preds = predict_week(ck, real_store, 9, name="tab")
    assert preds["gameId"].n_unique() == 13 and preds["p_man"].is_between(0, 1).all()
    tracked = predict_week(ck, real_store, 8, name="tab").filter(
        (pl.col("gameId") == 2022103007) & (pl.col("playId") == 1507))
    assert tracked.height > 100 and tracked["p_man"].n_unique() == 1  # one prior per play
    rep = evaluate(ck, real_store, 9, name="tab")
    assert rep["at_snap"]["n"] == 1431 and rep["architecture"] == "tabular"
    imp = json.loads((ck / "importance.json").read_text())["groups"]
    assert {g["group"] for g in imp} == set(GROUPS)
    tend = pl.read_parquet(ck / "tendencies.parquet")
    assert tend.height == 32 and tend["man_rate"].is_between(0, 1).all()


# --- the refit on weeks 1-8 (coverage.tabular.refit) -------------------------------------

def _flip_week(table: pl.DataFrame, defenders: pl.DataFrame, week: int):
    """Every label of ``week`` changed: man/zone flipped, family moved, defenders flipped."""
    wk = pl.col("week") == week
    flipped = table.with_columns(
        pl.when(wk).then(1 - pl.col("label")).otherwise(pl.col("label")).alias("label"),
        pl.when(wk).then((pl.col("family_id") + 1) % 8).otherwise(pl.col("family_id"))
        .alias("family_id"))
    in_week = pl.col("gameId").is_in(table.filter(wk)["gameId"].unique().implode())
    dflip = defenders.with_columns(pl.when(in_week).then(1 - pl.col("man"))
                                   .otherwise(pl.col("man")).alias("man"))
    return flipped, dflip


def _tiny_refit(table, defenders, train=(6, 7), val=(8,)):
    from coverage.tabular.refit import refit_tabular

    sel = fit_tabular(table, defenders, train, val, grid=FAST, max_rounds=25)
    return sel, refit_tabular(table, defenders, sel, train, val)


def test_out_of_fold_calibration_never_uses_the_rows_own_week(labels) -> None:
    """Each out-of-fold score comes from a model (tendencies included) fitted without the
    row's week: changing every label of week 8 leaves week 8's scores exactly as they were
    and moves the other folds' (which did learn from week 8)."""
    from coverage.tabular.refit import out_of_fold_logits

    _, table, defenders = labels
    heads = {"label": {"params": FAST[0], "trees": 20, "n_selection": 0},
             "family_id": {"params": FAST[0], "trees": 5, "n_selection": 0}}
    weeks = (6, 7, 8)
    oof = out_of_fold_logits(table, defenders, weeks, ALL_FEATURES, heads)
    flipped, dflip = _flip_week(table, defenders, 8)
    oof2 = out_of_fold_logits(flipped, dflip, weeks, ALL_FEATURES, heads)
    for col, df in oof.items():
        assert sorted(df["fold"].unique().to_list()) == list(weeks)
        assert (df["fold"] == df["week"]).all()
        for row in df.select("fold", "train_weeks", "tendency_weeks").unique().iter_rows():
            seen = [int(w) for w in row[1].split(",")]
            assert row[0] not in seen and row[2] == row[1]
        z = df.select(pl.col("^z\\d+$")).to_numpy()
        z2 = oof2[col].select(pl.col("^z\\d+$")).to_numpy()
        own = (df["fold"] == 8).to_numpy()
        assert own.sum() > 1000 and (df["week"] == 8).to_numpy()[own].all()
        np.testing.assert_array_equal(z[own], z2[own])
        assert np.abs(z[~own] - z2[~own]).max() > 1e-3


@pytest.mark.slow
def test_refit_trains_on_train_and_val_weeks_and_never_sees_week_9(labels, tmp_path) -> None:
    from coverage.tabular.refit import CALIBRATION

    _, table, defenders = labels
    sel, refit = _tiny_refit(table, defenders)
    assert refit.tendencies.weeks == (6, 7, 8) and sel.tendencies.weeks == (6, 7)
    info = refit.info["refit"]
    assert info["weeks"] == [6, 7, 8] and info["selected_on"] == [8]
    # trees scaled by the data-size ratio (three weeks of labels against two)
    assert info["trees"]["man"] > info["selected_trees"]["man"]
    assert refit.info["calibration_method"] == CALIBRATION
    # week 9's labels change nothing: tendencies, boosters and calibration alike
    flipped, dflip = _flip_week(table, defenders, 9)
    _, refit9 = _tiny_refit(flipped, dflip)
    rows = rows_for(table.filter(pl.col("week") == 9), defenders, refit.tendencies)
    rows9 = rows_for(flipped.filter(pl.col("week") == 9), dflip, refit9.tendencies)
    assert rows.select(ALL_FEATURES).equals(rows9.select(ALL_FEATURES))
    np.testing.assert_array_equal(man_probability(refit, rows), man_probability(refit9, rows9))
    assert refit.platt == refit9.platt
    # ... while week 8 does count now (the selection model never counted it)
    flipped8, dflip8 = _flip_week(table, defenders, 8)
    _, refit8 = _tiny_refit(flipped8, dflip8)
    rows8 = rows_for(flipped8.filter(pl.col("week") == 9), dflip8, refit8.tendencies)
    assert not rows.select("def_man_rate").equals(rows8.select("def_man_rate"))
    save_tabular(tmp_path / "ck", refit, {"hparams": {}})
    cfg = json.loads((tmp_path / "ck" / "config.json").read_text())
    assert cfg["calibration"]["method"] == "out-of-fold"
    assert cfg["tendencies"]["weeks"] == [6, 7, 8]
    loaded, _ = load_tabular_checkpoint(tmp_path / "ck")
    np.testing.assert_allclose(man_probability(loaded, rows), man_probability(refit, rows))


@pytest.mark.slow
def test_refit_option_of_the_trainer(real_store, tmp_path) -> None:
    from coverage.pipelines import load_model, train
    from coverage.training.options import TrainOptions

    out = train(TrainOptions.of(model="tabular", data=str(real_store.root), name="tabr",
                                out_root=tmp_path, hparams={"max_rounds": 20, "refit": True}),
                real_store)
    assert out["config"]["split"] == {"train": list(range(1, 9)), "selected_on": [8],
                                      "test": [9]}
    _, cfg = load_model(Path(out["dir"]))
    assert cfg["split"] == out["config"]["split"]
    assert cfg["calibration"]["method"] == "out-of-fold"
    assert cfg["tendencies"]["weeks"] == list(range(1, 9))
    m = out["metrics"]
    assert m["test"]["n"] == 1431 and m["out_of_fold"]["n"] > 13000
    assert m["refit"]["trees"]["man"] >= m["refit"]["selected_trees"]["man"]
