"""Pure data-prep of the pages (coverage.app): filters, intervals, time bins, aggregates."""

from __future__ import annotations

import json
import math

import numpy as np
import polars as pl
import pytest

from coverage import evaluation, vocab
from coverage.app import play_data, result_data, team_data
from coverage.store import Store


def _plays() -> pl.DataFrame:
    """Six plays: 2 man, 3 zone, 1 'Other'; two defenses; all three distance buckets."""
    return pl.DataFrame({
        "gameId": [1, 1, 1, 2, 2, 2], "playId": [10, 20, 30, 10, 20, 30],
        "week": [1, 1, 1, 2, 2, 2],
        "possessionTeam": ["KC", "KC", "KC", "BUF", "BUF", "BUF"],
        "defensiveTeam": ["LV", "LV", "LV", "MIA", "MIA", "MIA"],
        "quarter": [1, 1, 2, 1, 3, 4], "down": [1, 2, 3, 1, 2, 3],
        "yardsToGo": [10, 5, 2, 10, 6, 1],
        "pff_manZone": ["Man", "Zone", "Zone", "Man", "Zone", "Other"],
        "pff_passCoverage": ["Cover-1", "Cover-3", "Cover-2", "Cover-0", "Cover-3", "Prevent"],
        "offenseFormation": ["SHOTGUN", "SHOTGUN", "I_FORM", "SHOTGUN", "PISTOL", None],
        "passResult": ["C", "I", None, "C", "S", "C"],
        "playDescription": ["deep pass", "short left", "run", "sack", "screen", "kneel"],
    })


def _preds() -> pl.DataFrame:
    """Model 'a': right on 4 of 5 labelled plays at the snap; wrong 1 s before on play 1-10."""
    rows = []
    snap_p = {(1, 10): 0.9, (1, 20): 0.1, (1, 30): 0.7, (2, 10): 0.85, (2, 20): 0.2,
              (2, 30): 0.5}
    for (g, p), ps in snap_p.items():
        for k, secs in enumerate((-1.0, -0.5, 0.0)):
            val = ps if secs == 0.0 else (0.3 if (g, p) == (1, 10) and secs == -1.0 else ps)
            rows.append(("a", g, p, k + 1, secs, val))
    df = pl.DataFrame(rows, schema={"model": pl.String, "gameId": pl.Int64, "playId": pl.Int64,
                                    "frameId": pl.Int32, "secs_from_snap": pl.Float32,
                                    "p_man": pl.Float32}, orient="row")
    post = pl.DataFrame({"model": ["a"], "gameId": [1], "playId": [10], "frameId": [4],
                         "secs_from_snap": [0.5], "p_man": [0.0]}, schema=df.schema)
    return pl.concat([df, post])  # a post-snap row the "at snap" logic must ignore


def test_wilson_interval_known_values() -> None:
    lo, hi = evaluation.wilson_interval(8, 10)
    assert lo == pytest.approx(0.4902, abs=1e-4)
    assert hi == pytest.approx(0.9433, abs=1e-4)
    assert evaluation.wilson_interval(0, 10)[0] == pytest.approx(0.0, abs=1e-12)
    assert evaluation.wilson_interval(10, 10)[1] == pytest.approx(1.0)
    assert all(math.isnan(v) for v in evaluation.wilson_interval(0, 0))


def test_wilson_columns_match_scalar() -> None:
    df = pl.DataFrame({"k": [0, 3, 7, 5], "n": [4, 10, 7, 0]})
    out = evaluation.with_wilson(df, "k", "n")
    for k, n, lo, hi in out.iter_rows():
        want = evaluation.wilson_interval(k, n)
        if n == 0:
            assert math.isnan(lo) and math.isnan(hi)
        else:
            assert lo == pytest.approx(want[0]) and hi == pytest.approx(want[1])


def test_distance_buckets() -> None:
    df = pl.DataFrame({"yardsToGo": [1, 3, 4, 6, 7, 25, None]})
    got = df.select(vocab.distance_expr(names=vocab.DISTANCE_BUCKETS).alias("b"))["b"].to_list()
    assert got == ["short (1-3)", "short (1-3)", "medium (4-6)", "medium (4-6)", "long (7+)",
                   "long (7+)", None]


def test_snap_prediction_is_last_pre_snap_frame() -> None:
    snap = play_data.snap_predictions(_preds())
    row = snap.filter((pl.col("gameId") == 1) & (pl.col("playId") == 10))
    assert row["p_man"].item() == pytest.approx(0.9)  # not the 0.0 after the snap
    assert snap.height == 6
    assert play_data.snap_predictions(None).height == 0


def test_play_table_and_outcomes() -> None:
    t = play_data.play_table(_plays(), _preds(), "a")
    assert t.height == 6
    by = {(r["gameId"], r["playId"]): r for r in t.iter_rows(named=True)}
    assert by[(1, 10)]["outcome"] == "hit" and by[(1, 10)]["predicted"] == "Man"
    assert by[(1, 30)]["outcome"] == "miss"  # zone play, P(man) 0.7
    assert by[(2, 30)]["outcome"] is None  # 'Other' is not scored
    assert by[(1, 30)]["distance"] == "short (1-3)"
    no_preds = play_data.play_table(_plays(), None)
    assert no_preds["p_man_snap"].null_count() == 6 and no_preds["outcome"].null_count() == 6


def test_filters_change_the_list() -> None:
    t = play_data.play_table(_plays(), _preds(), "a")
    f = play_data.filter_plays
    assert f(t, play_data.PlayFilters()).height == 6
    assert f(t, play_data.PlayFilters({"family": ["Man"]})).height == 2
    assert f(t, play_data.PlayFilters({"family": ["Man"], "defense": ["LV"]})).height == 1
    assert f(t, play_data.PlayFilters({"distance": ["long (7+)"]})).height == 2
    assert f(t, play_data.PlayFilters({"outcome": ["miss"]}))["playId"].to_list() == [30]
    assert f(t, play_data.PlayFilters({"week": [2], "down": [3]})).height == 1
    assert f(t, play_data.PlayFilters({"gameId": [2]})).height == 3
    assert f(t, play_data.PlayFilters({"coverage": ["Cover-3"]})).height == 2
    assert f(t, play_data.PlayFilters({"passResult": ["C"]})).height == 3
    assert f(t, play_data.PlayFilters({"formation": ["SHOTGUN"]})).height == 3
    assert f(t, play_data.PlayFilters({"family": []})).height == 6  # empty = no restriction
    assert f(t, play_data.PlayFilters(search="SCREEN")).height == 1
    assert f(t, play_data.PlayFilters(search="cover-0")).height == 1
    assert f(t, play_data.PlayFilters(search="(")).height == 0  # literal, not a regex


def test_filter_options_order() -> None:
    opts = play_data.filter_options(play_data.play_table(_plays(), _preds(), "a"))
    assert opts["distance"] == ["short (1-3)", "medium (4-6)", "long (7+)"]
    assert opts["outcome"] == ["hit", "miss"]
    assert opts["family"] == ["Man", "Other", "Zone"]


def test_time_bins_upper_edge() -> None:
    df = pl.DataFrame({"secs_from_snap": [0.0, -0.1, -0.4, -0.5, -0.6, -1.0, -1.1]})
    got = df.select(evaluation.time_bin_expr(0.5))["secs_from_snap"].to_list()
    assert got == [0.0, 0.0, 0.0, -0.5, -0.5, -1.0, -1.0]


def test_accuracy_by_time_counts_plays_and_baseline() -> None:
    acc = result_data.accuracy_curve(_preds(), _plays(), bin_secs=0.5)
    assert acc.columns == list(evaluation.CURVE_SCHEMA)
    snap = acc.filter(pl.col("secs_from_snap") == 0.0).row(0, named=True)
    assert snap["n_plays"] == 5  # 5 labelled plays, each counted once
    assert snap["accuracy"] == pytest.approx(4 / 5)
    assert snap["majority_baseline"] == pytest.approx(3 / 5)  # always-zone
    assert snap["ci_low"] < 0.8 < snap["ci_high"]
    early = acc.filter(pl.col("secs_from_snap") == -1.0).row(0, named=True)
    assert early["accuracy"] == pytest.approx(3 / 5)  # play 1-10 was wrong at -1 s
    assert result_data.accuracy_curve(None, _plays()).height == 0


def test_group_calibration_confusion() -> None:
    by_def = result_data.accuracy_by_group(_preds(), _plays(), "defensiveTeam", "a")
    d = {r["group"]: r for r in by_def.iter_rows(named=True)}
    assert d["LV"]["n_plays"] == 3 and d["LV"]["accuracy"] == pytest.approx(2 / 3)
    assert d["MIA"]["n_plays"] == 2 and d["MIA"]["accuracy"] == 1.0
    cal = result_data.calibration_bins(_preds(), _plays())
    assert cal["n"].sum() == 5
    assert set(cal.columns) == {"model", "mean_pred", "frac_man", "n"}
    m = result_data.confusion_matrix(_preds(), _plays(), "a")
    assert m.tolist() == [[2, 0], [1, 2]]


def test_man_rate_by_defense() -> None:
    rates, league = team_data.man_rate_by_defense(_plays())
    assert league == pytest.approx(2 / 5)
    r = {row["team"]: row for row in rates.iter_rows(named=True)}
    assert r["MIA"]["man_rate"] == pytest.approx(0.5) and r["MIA"]["n_plays"] == 2
    assert r["LV"]["man_rate"] == pytest.approx(1 / 3)


def test_giveaway_times() -> None:
    times = team_data.giveaway_times(_preds(), _plays(), "a")
    t = {(r["gameId"], r["playId"]): r for r in times.iter_rows(named=True)}
    # man play 1-10: 0.3 at -1.0 s, 0.9 from -0.5 s on -> given away 0.5 s before the snap
    assert t[(1, 10)]["given_away"] and t[(1, 10)]["secs_before_snap"] == pytest.approx(0.5)
    # man play 2-10 at 0.85 all along -> from its first frame, 1.0 s
    assert t[(2, 10)]["secs_before_snap"] == pytest.approx(1.0)
    # zone play 1-30 at 0.7 never goes below 0.2
    assert not t[(1, 30)]["given_away"]
    by = team_data.giveaway_by_defense(times)
    lv_man = by.filter((pl.col("team") == "LV") & (pl.col("family") == "Man")).row(0, named=True)
    assert lv_man["median_secs"] == pytest.approx(0.5) and lv_man["n_plays"] == 1


def test_read_evaluation_and_checkpoints(tmp_path) -> None:
    ev = tmp_path / "evaluation"
    ev.mkdir()
    pl.DataFrame({"secs_from_snap": [-1.0, 0.0], "bin_low": [-1.0, 0.0], "bin_high": [-1.0, 0.0],
                  "accuracy": [0.6, 0.8], "ci_low": [0.5, 0.7], "ci_high": [0.7, 0.9],
                  "n_plays": [10, 10], "n_frames": [10, 10], "majority_baseline": [0.7, 0.7],
                  "model": ["t", "t"], "week": [9, 9]}
                 ).write_parquet(ev / "t_week_9_accuracy_by_time.parquet")
    pl.DataFrame({"secs_from_snap": [0.0], "accuracy": [0.5], "baseline": [0.7]}  # old layout
                 ).write_parquet(ev / "old_week_9_accuracy_by_time.parquet")
    (ev / "t_week_9.json").write_text(json.dumps({"at_snap": {"accuracy": 0.8}}))
    (ev / "broken.json").write_text("{")
    (tmp_path / "meta.json").write_text(json.dumps({"source": "synthetic", "weeks": [9]}))
    curves, reports = result_data.read_evaluation(Store(tmp_path))
    assert curves is not None and "majority_baseline" in curves.columns and curves.height == 2
    assert list(reports) == ["t_week_9"]
    (tmp_path / "nope").mkdir()
    (tmp_path / "nope" / "meta.json").write_text("{}")
    assert result_data.read_evaluation(Store(tmp_path / "nope")) == (None, {})

    (tmp_path / "m" / "ok").mkdir(parents=True)
    (tmp_path / "m" / "ok" / "config.json").write_text(json.dumps({"architecture": "lstm"}))
    (tmp_path / "m" / "ok" / "metrics.json").write_text(json.dumps(
        {"val": {"at_snap": {"accuracy": 0.7, "n": 5}}, "test": {"accuracy": 0.6}}))
    (tmp_path / "m" / "bad").mkdir()
    (tmp_path / "m" / "bad" / "config.json").write_text("nope")
    ck = result_data.read_checkpoints(tmp_path / "m")
    assert [c["name"] for c in ck] == ["bad", "ok"]
    assert ck[0]["error"] and ck[1]["config"]["architecture"] == "lstm"
    flat = result_data.metrics_table(ck[1]["metrics"])
    assert flat["split"].to_list() == ["val", "test"]
    assert np.allclose(flat["accuracy"].to_numpy(), [0.7, 0.6])
    assert result_data.read_checkpoints(tmp_path / "none") == []


def test_detected_formations_join_the_play_table_and_filter(sim_store) -> None:
    from coverage.app.play_data import PlayFilters, filter_plays, formation_slots, play_table

    table = play_table(sim_store.plays(), None, None, sim_store.formations())
    assert {"detected", "shell"} <= set(table.columns)
    assert table["shell"].drop_nulls().is_in(["0-high", "1-high", "2-high"]).all()
    two_high = filter_plays(table, PlayFilters({"shell": ["2-high"]}))
    assert 0 < two_high.height < table.height
    assert (two_high["shell"] == "2-high").all()
    row = sim_store.plays().row(0, named=True)
    slots = formation_slots(sim_store.play_frames(row["gameId"], row["playId"]))
    assert slots is not None
    frames = sim_store.play_frames(row["gameId"], row["playId"])
    n_frames = frames["frameId"].n_unique()
    assert slots.height == 22 * n_frames  # every player, every frame (post-snap: snap slot)
    assert slots["slot"].str.contains("QB").any() and slots["slot"].str.contains("CB").any()
