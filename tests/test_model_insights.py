"""The real-label tabular model's insights reach the app: feature-group importance on the
Model page, learned team tendencies on the Teams page (issue 14)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import polars as pl

from coverage.app import result_data
from coverage.stats import beta_shrink, eb_strength
from coverage.views import importance_figure
from tests.builders.apptest import assert_clean, run_page

REPO = Path(__file__).resolve().parent.parent
SHIPPED = REPO / "models" / "context_real_gbm"


def test_importance_is_read_largest_first_and_drawn_with_titles(tmp_path) -> None:
    groups = json.loads((SHIPPED / "importance.json").read_text())["groups"]
    shuffled = sorted(groups, key=lambda g: g["group"])  # the reader must sort, not trust
    (tmp_path / "importance.json").write_text(json.dumps({"groups": shuffled}))
    table = result_data.read_importance(tmp_path)
    assert table is not None and table.height == len(groups)
    assert table["log_loss_increase"].is_sorted(descending=True)
    top = max(groups, key=lambda g: g["log_loss_increase"])["group"]
    assert table["group"][0] == top
    fig = importance_figure(table)
    assert fig.layout.xaxis.title.text and fig.layout.yaxis.title.text
    assert list(fig.data[0].y)[-1] == top  # the longest bar on top


def test_broken_importance_reads_as_none(tmp_path) -> None:
    (tmp_path / "importance.json").write_text("{not json")
    assert result_data.read_importance(tmp_path) is None
    (tmp_path / "importance.json").write_text(json.dumps({"groups": [{"group": "x"}]}))
    assert result_data.read_importance(tmp_path) is None
    assert result_data.read_importance(tmp_path / "missing") is None


def test_tendencies_are_one_row_per_defense_shrunk_by_the_one_estimator() -> None:
    found = result_data.tendency_checkpoint([REPO / "models"])
    assert found == SHIPPED
    t = result_data.read_tendencies(found)
    assert t is not None and t.height == 32 and t["team"].n_unique() == 32
    # the table's shrunk man rates are coverage.stats' beta shrinkage of the raw ones, with
    # the empirical-Bayes strength of these very counts: recomputed here, not read back
    n = t["plays"].to_numpy().astype(float)
    k = t["man_rate_raw"].to_numpy() * n
    league = k.sum() / n.sum()
    expected = beta_shrink(k, n, league, eb_strength(k, n))
    np.testing.assert_allclose(t["man_rate"].to_numpy(), expected, atol=1e-9)


def test_model_and_teams_pages_show_them(point_at, monkeypatch) -> None:
    point_at("preds")  # a small synthetic test store ...
    monkeypatch.setenv("COVERAGE_MODELS_DIR", str(REPO / "models"))  # ... and the shipped models
    model = run_page("app_pages/4_Model.py")
    assert_clean(model)
    assert any("What it leans on" in m.value for m in model.markdown)
    teams = run_page("app_pages/3_Teams.py")
    assert_clean(teams)
    assert "Tendencies the real-label model learned" in [s.value for s in teams.subheader]
    shown = [pl.DataFrame(d.value) for d in teams.dataframe]
    assert any("team" in d.columns and d.height == 32 for d in shown)


def test_real_play_figures_are_read_and_tabled(tmp_path) -> None:
    assert result_data.read_real_plays(tmp_path) is None  # none written
    (tmp_path / result_data.REAL_PLAYS).write_text("{}")
    assert result_data.read_real_plays(tmp_path) is None  # not the transfer summary's shape
    summary = {
        "offsets": [-1.0, 0.0],
        "models": {"m": {"trained_on": "synthetic", "prior": None, "feature_set": "motion",
                         "test_accuracy_at_snap": 0.9, "responsibilities": None,
                         "real": [{"offset": 0.0, "n": 2, "log_loss": 0.4, "brier": 0.1,
                                   "accuracy": 1.0, "called_man": 0.5}]}},
        "plays": [{"gameId": 1, "playId": 2, "label": 1.0, "coverage": "Cover-1"},
                  {"gameId": 1, "playId": 3, "label": 0.0, "coverage": "Cover-3"}],
        "calls": [{"model": "m", "gameId": 1, "playId": 2, "offset": 0.0, "p_man": 0.8},
                  {"model": "m", "gameId": 1, "playId": 3, "offset": 0.0, "p_man": 0.3},
                  {"model": "m", "gameId": 1, "playId": 3, "offset": -1.0, "p_man": 0.1}]}
    (tmp_path / result_data.REAL_PLAYS).write_text(json.dumps(summary))
    got = result_data.read_real_plays(tmp_path)
    table = result_data.real_plays_table(got)
    assert table.row(0, named=True)["real plays"] == 2
    assert table.row(0, named=True)["plays at −1 s"] == 0
    calls = result_data.real_play_calls(got)
    assert calls["truth"].to_list() == ["Man", "Zone"] and calls["m"].to_list() == [0.8, 0.3]


def test_model_page_shows_the_shipped_checkpoints_on_real_plays(point_at, monkeypatch) -> None:
    summary = result_data.read_real_plays(REPO / "models")
    assert summary is not None, "models/real_plays.json (devtools.realism transfer) is shipped"
    point_at("preds")
    monkeypatch.setenv("COVERAGE_MODELS_DIR", str(REPO / "models"))
    model = run_page("app_pages/4_Model.py")
    assert_clean(model)
    assert "On real tracking plays" in [s.value for s in model.subheader]
    shown = [pl.DataFrame(d.value) for d in model.dataframe]
    real = [d for d in shown if "log-loss at snap" in d.columns]
    assert real and set(real[0]["model"]) == set(summary["models"])
    shipped = {p.name for p in (REPO / "models").iterdir() if (p / "config.json").exists()}
    assert shipped <= set(real[0]["model"])  # every shipped checkpoint was measured
