"""The realism report: geometry on hand-built frames with known answers, the play-grouped
cross-validation, the domain classifier's two extremes, and the command on the real
samples."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from devtools.realism.alignment import cushions, depths, spacing, speeds
from devtools.realism.classifiers import (
    BoostedStumps,
    Logistic,
    balanced_weights,
    check_grouped,
    grouped_folds,
)
from devtools.realism.compare import side_by_side
from devtools.realism.domain import FrameSample, cross_validate
from devtools.realism.motion import defender_response, play_motion
from tests.builders.fixtures import SHARED_BDB, require_real


def _row(nfl_id, side, group, depth, width, s=0.0, moved=0.0, o=None, **kw):
    if o is None:
        o = 90.0 if side == "offense" else 270.0
    return {"gameId": 1, "playId": 1, "moment": "snap", "coverage": "Man",
            "family": "Cover-1", "nflId": nfl_id, "side": side, "group": group,
            "depth": float(depth), "width": float(width), "s": float(s), "a": 0.0,
            "o": float(o), "moved_1s": float(moved), **kw}


def _snap(*rows) -> pl.DataFrame:
    return pl.DataFrame(list(rows))


def _value(df: pl.DataFrame, metric: str) -> list[float]:
    return df.filter(pl.col("metric") == metric)["value"].to_list()


def test_cushion_is_depth_off_the_nearest_receiver() -> None:
    snap = _snap(_row(1, "offense", "WR", -1, 20), _row(2, "offense", "WR", -1, -10),
                 _row(3, "defense", "CB", 6, 20),     # 7 yd straight off WR 1
                 _row(4, "defense", "CB", 1, -8))     # pressed, 2 yd inside WR 2
    out = cushions(snap)
    assert sorted(_value(out, "CB cushion")) == pytest.approx([2.0, 7.0])
    assert sorted(_value(out, "CB leverage (inside +)")) == pytest.approx([0.0, 2.0])
    one = cushions(_snap(_row(1, "offense", "WR", -1, 20), _row(3, "defense", "CB", 6, 20)))
    assert _value(one, "CB cushion") == [7.0] and _value(one, "CB leverage (inside +)") == [0.0]


def test_outside_leverage_is_negative_on_either_side_of_the_ball() -> None:
    snap = _snap(_row(1, "offense", "WR", -1, 15), _row(2, "offense", "WR", -1, -15),
                 _row(3, "defense", "CB", 5, 17), _row(4, "defense", "CB", 5, -16))
    assert sorted(_value(cushions(snap), "CB leverage (inside +)")) == pytest.approx([-2, -1])


def test_depths_and_safety_split() -> None:
    snap = _snap(_row(1, "defense", "S", 12, -9), _row(2, "defense", "LB", 4.5, 1),
                 _row(3, "defense", "DL", 0.8, 2), _row(4, "offense", "WR", -1, 20))
    out = depths(snap)
    assert _value(out, "S depth") == [12.0] and _value(out, "S split") == [9.0]
    assert _value(out, "LB depth") == [4.5] and _value(out, "DL depth") == [0.8]
    assert _value(out, "WR depth") == []


def test_spacing_spread_and_widest() -> None:
    snap = _snap(_row(1, "offense", "WR", -1, 20), _row(2, "offense", "TE", -1, -4),
                 _row(3, "offense", "RB", -5, -1), _row(4, "offense", "WR", -1, -12),
                 _row(5, "offense", "QB", -5, 0))
    out = spacing(snap)
    assert _value(out, "receiver spread") == [32.0]
    assert _value(out, "widest receiver from ball") == [20.0]


def test_set_players_are_those_who_stood_still() -> None:
    snap = _snap(_row(1, "defense", "LB", 5, 0, s=0.7, moved=0.1),
                 _row(2, "defense", "LB", 5, 3, s=3.0, moved=2.5))
    out = speeds(snap)
    assert sorted(_value(out, "LB speed")) == [0.7, 3.0]
    assert _value(out, "LB speed (set)") == [0.7]


def test_facing_measures_the_turn_away_from_the_other_side() -> None:
    from devtools.realism.alignment import facing

    snap = _snap(_row(1, "defense", "S", 12, 0, o=250.0), _row(2, "defense", "CB", 6, 9, o=10.0),
                 _row(3, "offense", "WR", -1, 9, o=350.0))
    out = dict(zip(facing(snap)["metric"], facing(snap)["value"], strict=True))
    assert out == {"S facing off-axis (deg)": pytest.approx(20.0),
                   "CB facing off-axis (deg)": pytest.approx(100.0),
                   "WR facing off-axis (deg)": pytest.approx(100.0)}


def _window_rows() -> pl.DataFrame:
    """Line set at −2.0 s; WR 1 runs across at 4 yd/s, the CB beside him follows at 3.9,
    the other WR stands; the safety stands."""
    rows = []
    for i, t in enumerate(np.arange(-2.0, 0.01, 0.1)):
        common = dict(frameId=i, secs_from_snap=float(t), lineset_secs=-2.0)
        w = -10 + 4 * (t + 2.0)
        rows += [_row(1, "offense", "WR", -1, w, s=4.0, **common),
                 _row(2, "offense", "WR", -1, 20, s=0.0, **common),
                 _row(3, "defense", "CB", 5, w + 0.5, s=3.9, **common),
                 _row(4, "defense", "S", 12, 0, s=0.1, **common)]
    return pl.DataFrame(rows).drop("moment")


def test_motion_flags_timing_and_the_defenders_answer() -> None:
    win = _window_rows()
    per = dict(play_motion(win).select("metric", "value").iter_rows())
    assert per["motion after line set (rate)"] == 1.0
    assert per["in motion at snap (rate)"] == 1.0
    assert per["shift after line set (rate)"] == 0.0
    assert per["motion top speed"] == pytest.approx(4.0)
    assert per["line set to snap (s)"] == pytest.approx(2.0)
    assert defender_response(win)["value"].to_list() == pytest.approx([3.9])


def test_side_by_side_difference_and_real_play_count() -> None:
    def long(vals, plays):
        return pl.DataFrame({"gameId": plays, "playId": [1] * len(vals),
                             "moment": ["snap"] * len(vals), "coverage": ["Man"] * len(vals),
                             "family": ["Cover-1"] * len(vals), "metric": ["CB depth"] * len(vals),
                             "value": vals})
    out = side_by_side(long([5.0, 7.0, 9.0], [1, 2, 3]), long([4.0, 4.0], [8, 8]))
    row = out.filter(pl.col("split") == "All").row(0, named=True)
    assert (row["synthetic"], row["real"], row["difference"]) == (7.0, 4.0, 3.0)
    assert row["n real plays"] == 1 and row["n synthetic plays"] == 3


def test_grouped_folds_never_split_a_play() -> None:
    rng = np.random.default_rng(0)
    groups = np.repeat(np.arange(40), rng.integers(1, 9, 40))
    labels = (groups % 5 == 0).astype(float)
    fold = grouped_folds(groups, labels, 4, rng)
    for g in np.unique(groups):
        assert len(np.unique(fold[groups == g])) == 1
    for f in range(4):  # both classes in every test fold
        assert set(labels[fold == f]) == {0.0, 1.0}
    check_grouped(groups, fold)
    broken = fold.copy()
    broken[np.flatnonzero(groups == groups[0])[-1]] = (fold[0] + 1) % 4
    if (groups == groups[0]).sum() > 1:
        with pytest.raises(AssertionError):
            check_grouped(groups, broken)


FEW = ("x_rel", "vx", "a")  # three per-player columns keep the fits quick


def _sample(rng, n_plays, frames, shift, play0) -> FrameSample:
    x = rng.normal(size=(n_plays * frames, 22 * len(FEW))) + shift
    return FrameSample(x, np.repeat(np.arange(play0, play0 + n_plays), frames))


@pytest.mark.parametrize("shift, lo, hi", [(0.0, 0.3, 0.7), (1.5, 0.97, 1.0)])
def test_domain_auc_near_half_for_one_world_and_near_one_for_two(shift, lo, hi) -> None:
    rng = np.random.default_rng(1)
    syn = _sample(rng, 60, 3, 0.0, 0)
    real = _sample(rng, 20, 3, shift, 1000)
    results = cross_validate(syn, real, k=4, seed=0, features=FEW, label="few")
    for r in results:
        assert len(r.fold_auc) == 4 and lo <= r.auc <= hi, (r.model, r.auc)
    assert results[0].solo and results[0].importance


def test_domain_needs_two_real_plays() -> None:
    rng = np.random.default_rng(2)
    out = cross_validate(_sample(rng, 10, 2, 0, 0), _sample(rng, 1, 2, 0, 99), k=5,
                         features=FEW)
    assert all(not r.fold_auc and "not estimable" in r.note for r in out)


def test_classifiers_separate_a_threshold_cue() -> None:
    rng = np.random.default_rng(3)
    x = rng.normal(size=(400, 5))
    y = (np.abs(x[:, 2]) > 1.0).astype(float)   # no linear signal, one stump-shaped cue
    w = balanced_weights(y)
    from coverage.evaluation import roc_auc
    assert roc_auc(y, BoostedStumps().fit(x, y, w).predict(x)) > 0.95
    assert roc_auc(y, Logistic().fit(x, y, w).predict(x)) < 0.7


@pytest.mark.slow
def test_command_on_the_real_samples(tmp_path, sim_store, capsys) -> None:
    if SHARED_BDB is None:
        require_real()
    from devtools.realism.__main__ import main

    out = tmp_path / "report.md"
    rc = main(["--synthetic", str(sim_store.root), "--real", str(SHARED_BDB),
               "--no-context", "--max-synthetic-plays", "40", "--out", str(out)])
    assert rc == 0
    text = out.read_text()
    assert "Headline: domain AUC" in text and "| CB cushion |" in text
    assert "P(man) by down" in text and "man matchups" in text
    assert "(8 tracked plays)" in text  # 1 real 2022 play + 7 real 2021 plays
    assert not list(tmp_path.glob(".report.md.*"))  # atomic write left no temp file


def _plays() -> pl.DataFrame:
    return pl.DataFrame({
        "gameId": [1, 1, 1, 1], "playId": [1, 2, 3, 4], "down": [3, 3, 1, 1],
        "yardsToGo": [2, 12, 10, 10], "possessionTeam": ["A", "A", "B", "B"],
        "defensiveTeam": ["B", "B", "A", "A"], "homeTeamAbbr": ["A"] * 4,
        "preSnapHomeScore": [0, 10, 0, 0], "preSnapVisitorScore": [0, 0, 0, 14],
        "offenseFormation": ["SHOTGUN"] * 4, "pff_manZone": ["Man", "Zone", "Man", "Other"]})


def test_man_rate_by_situation_counts_man_and_zone_only() -> None:
    from devtools.realism.labels import man_rate_by_situation

    t = man_rate_by_situation(_plays())
    get = {(a, b): (v, n) for a, b, v, n in t.iter_rows()}
    assert get[("P(man)", "all")] == (pytest.approx(2 / 3), 3)
    assert get[("P(man) by down", "3")][0] == 0.5 and get[("P(man) by down", "1")] == (1.0, 1)
    assert get[("P(man) by distance", "1-3")][0] == 1.0
    assert get[("P(man) by score state", "leading 9+")] == (0.0, 1)  # home A up 10, on offense


def test_man_matchups_count_man_defenders_only_and_missing_pairs_read_zero() -> None:
    from devtools.realism import labels

    pp = pl.DataFrame({
        "gameId": [1, 1, 1], "playId": [1, 1, 1], "nflId": [10, 11, 12],
        "teamAbbr": ["B", "B", "B"], "pff_defensiveCoverageAssignment": ["MAN", "3L", "MAN"],
        "pff_primaryDefensiveCoverageMatchupNflId": [20.0, 21.0, 22.0]})
    pos = pl.DataFrame({"nflId": [10, 11, 12, 20, 21, 22],
                        "group": ["CB", "S", "LB", "WR", "WR", "RB"]})
    m = labels.matchups(_plays(), pp, pos)
    assert dict(zip(m["level"], m["value"], strict=True)) == {"CB→WR": 0.5, "LB→RB": 0.5}
    other = m.filter(pl.col("level") == "CB→WR").with_columns(pl.lit(1.0).alias("value"))
    both = labels.side_by_side(m, other)
    row = both.filter(pl.col("level") == "LB→RB").row(0, named=True)
    assert row["real"] == 0.0 and row["difference"] == 0.5


def test_a_missing_or_trackless_real_folder_is_a_clear_error(tmp_path) -> None:
    from coverage.errors import DataError
    from devtools.realism.sources import open_side

    with pytest.raises(DataError, match="not found"):
        open_side(tmp_path / "nope", tmp_path / "scratch", "real")
    (tmp_path / "labels").mkdir()
    (tmp_path / "labels" / "plays.csv").write_text("gameId,playId\n1,1\n")
    with pytest.raises(DataError, match="no tracking files"):
        open_side(tmp_path / "labels", tmp_path / "scratch", "real")


def test_rates_are_averaged_not_medianed() -> None:
    long = pl.DataFrame({"gameId": [1, 2, 3], "playId": [1, 1, 1], "moment": ["m"] * 3,
                         "coverage": ["Zone"] * 3, "family": ["Cover-3"] * 3,
                         "metric": ["motion (rate)"] * 3, "value": [0.0, 0.0, 1.0]})
    row = side_by_side(long, long).filter(pl.col("split") == "All").row(0, named=True)
    assert row["synthetic"] == pytest.approx(1 / 3)


def test_completeness_counts_missing_players_and_skipped_frames() -> None:
    """A play tracked in full reads 0; one whose frame 2 lacks a player and whose frame 3
    was never recorded reads both gaps."""
    from devtools.realism.completeness import completeness_metrics

    def play(pid: int, frames: list[int], drop: tuple[int, int] | None) -> pl.DataFrame:
        rows = [{"gameId": 1, "playId": pid, "frameId": f, "nflId": n, "coverage": "Zone",
                 "family": "Cover-3"} for f in frames for n in range(22)
                if (f, n) != drop]
        return pl.DataFrame(rows)

    frames = pl.concat([play(1, [1, 2, 3, 4], None), play(2, [1, 2, 4], (2, 5))]).lazy()
    m = {(r["playId"], r["metric"]): r["value"]
         for r in completeness_metrics(frames).iter_rows(named=True)}
    assert m[(1, "player-frames missing (share)")] == 0.0
    assert m[(1, "frame ids skipped (per play)")] == 0.0
    assert m[(2, "frame ids skipped (per play)")] == 1.0
    assert m[(2, "frames without all 22 (share)")] == pytest.approx(1 / 3)
    assert m[(2, "player-frames missing (share)")] == pytest.approx(23 / 88)


def test_offense_personnel_counts_backs_and_tight_ends_of_the_offense_only() -> None:
    from devtools.realism.labels import offense_personnel

    plays = pl.DataFrame({"gameId": [1, 1], "playId": [1, 2], "possessionTeam": ["A", "B"],
                          "defensiveTeam": ["B", "A"], "pff_manZone": ["Man", "Zone"]})
    # play 1: A has a back and a tight end (11); play 2: B has two tight ends, no back (02);
    # the defense's players never count
    rows = [(1, 10, "A"), (1, 11, "A"), (1, 12, "A"), (1, 20, "B"),
            (2, 11, "B"), (2, 13, "B"), (2, 10, "A")]
    pp = pl.DataFrame({"gameId": [1] * len(rows), "playId": [r[0] for r in rows],
                       "nflId": [r[1] for r in rows], "teamAbbr": [r[2] for r in rows]})
    positions = pl.DataFrame({"nflId": [10, 11, 12, 13, 20],
                              "group": ["RB", "TE", "WR", "TE", "TE"]})
    t = offense_personnel(plays, pp, positions)
    assert dict(t.select("level", "value").iter_rows()) == {"11": 0.5, "02": 0.5}
    assert set(t["n"]) == {2}
    assert offense_personnel(plays, None, positions).is_empty()
