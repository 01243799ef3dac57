"""The scouting report: its rates are the plays table's own counts, its HTML fetches
nothing and prints by the page, and its command refuses a bad team in one line."""

from __future__ import annotations

import html
import re
from pathlib import Path

import polars as pl
import pytest

from coverage.cli import main
from coverage.opener import open_store
from coverage.report import build_report
from coverage.report.html import SYNTHETIC_BANNER, render_html
from coverage.report.tendencies import LEAGUE, predicted_man_rates, report_plays
from coverage.vocab import FAMILIES, family_expr, family_mix

WEEKS = [1, 2]


def _direct_man_rates(plays: pl.DataFrame) -> dict[str, tuple[int, int]]:
    """(man, man + zone) per defense, counted from the label strings themselves."""
    counted = (plays.filter(pl.col("week").is_in(WEEKS)
                            & pl.col("pff_manZone").is_in(["Man", "Zone"]))
               .group_by("defensiveTeam")
               .agg((pl.col("pff_manZone") == "Man").sum().alias("man"), pl.len().alias("n")))
    return {t: (m, n) for t, m, n in counted.iter_rows()}


def _team(store) -> str:
    """A defense with charted plays in :data:`WEEKS`."""
    return sorted(_direct_man_rates(store.all_plays()))[0]


def _report_man_rates(store, teams: list[str]) -> dict[str, tuple[int, int]]:
    out = {}
    for team in teams:
        row = build_report(store, team, WEEKS).overall.filter(pl.col("scope") == team)
        out[team] = (int(row["k"][0]), int(row["n_plays"][0]))
    return out


def test_man_rates_and_family_mix_are_the_plays_tables_counts(sim_store) -> None:
    plays = sim_store.all_plays()
    direct = _direct_man_rates(plays)
    assert direct and _report_man_rates(sim_store, sorted(direct)) == direct
    team = sorted(direct)[0]
    report = build_report(sim_store, team, WEEKS)
    mine = plays.filter(pl.col("week").is_in(WEEKS) & (pl.col("defensiveTeam") == team))
    for scope, expected in ((team, family_mix(mine)),
                            (LEAGUE, family_mix(plays.filter(pl.col("week").is_in(WEEKS))))):
        got = report.families.filter(pl.col("scope") == scope)
        assert got["family"].to_list() == list(FAMILIES)
        assert dict(zip(got["family"], got["share"], strict=True)) == pytest.approx(expected)
        assert (got["ci_low"] <= got["share"] + 1e-9).all()
        assert (got["share"] <= got["ci_high"] + 1e-9).all()
    league = report.overall.filter(pl.col("scope") == LEAGUE)
    assert (int(league["k"][0]), int(league["n_plays"][0])) == tuple(
        map(sum, zip(*direct.values(), strict=True)))


def test_situation_rates_add_up_to_the_overall_rate(sim_store) -> None:
    team = _team(sim_store)
    report = build_report(sim_store, team, WEEKS)
    whole = report.overall.filter(pl.col("scope") == team)
    for frame in report.situations.values():
        mine = frame.filter(pl.col("scope") == team)
        assert mine["k"].sum() <= whole["k"][0] and mine["n_plays"].sum() <= whole["n_plays"][0]
    by_down = report.situations["down & distance"].filter(pl.col("scope") == team)
    assert set(by_down["down"].to_list()) <= {1, 2, 3, 4}


def test_the_html_fetches_nothing_and_prints_by_the_page(sim_store) -> None:
    page = render_html(build_report(sim_store, _team(sim_store), WEEKS))
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", page, re.I)
    assert "<script" not in page.lower() and "@import" not in page and "url(" not in page
    assert "@page" in page and "break-inside:avoid" in page and page.count("<svg") >= 4
    assert sim_store.is_synthetic and SYNTHETIC_BANNER in page


def test_predicted_man_rate_takes_the_snap_frame_of_unlabelled_plays() -> None:
    plays = pl.DataFrame({"gameId": [1, 1, 1], "playId": [1, 2, 3],
                          "defensiveTeam": ["KC", "KC", "BUF"], "man": [None, True, None]})
    preds = pl.DataFrame({
        "model": ["m"] * 6, "gameId": [1] * 6, "playId": [1, 1, 1, 2, 3, 3],
        "secs_from_snap": [-1.0, 0.0, 0.5, 0.0, -0.1, 0.3], "p_man": [.1, .8, .0, .9, .2, .9]})
    out = predicted_man_rates(plays, preds, "KC", "m")
    kc = out.filter(pl.col("scope") == "KC").row(0, named=True)
    league = out.filter(pl.col("scope") == LEAGUE).row(0, named=True)
    assert kc["n_plays"] == 1 and kc["man_rate"] == pytest.approx(0.8)
    assert league["n_plays"] == 2 and league["man_rate"] == pytest.approx(0.5)


def test_the_command_writes_the_file_and_refuses_a_bad_team(sim_store, tmp_path: Path,
                                                            capsys) -> None:
    out = tmp_path / "r.html"
    team = _team(sim_store)
    assert main(["report", "--defense", team.lower(), "--weeks", "1", "2",
                 "--data", str(sim_store.root), "-o", str(out)]) == 0
    assert f"{team} defense" in out.read_text()
    capsys.readouterr()
    assert main(["report", "--defense", "XYZ", "--data", str(sim_store.root),
                 "-o", str(tmp_path / "bad.html")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "XYZ" in err and team in err
    assert not (tmp_path / "bad.html").exists()


def test_real_labels_man_rates_per_defense_match_plays_csv(labels_raw_dir: Path) -> None:
    plays = pl.read_csv(labels_raw_dir / "plays.csv", infer_schema_length=0).join(
        pl.read_csv(labels_raw_dir / "games.csv", infer_schema_length=0)
        .select("gameId", pl.col("week").cast(pl.Int64)), on="gameId")
    direct = _direct_man_rates(plays)
    store = open_store(labels_raw_dir)
    assert len(direct) == 32 and _report_man_rates(store, sorted(direct)) == direct
    rp = report_plays(store, WEEKS)
    assert rp["field_zone"].null_count() == 0 and rp["distance"].null_count() == 0
    assert rp["score_state"].null_count() == 0 and rp["clock_state"].null_count() == 0
    assert rp["def_package"].null_count() < rp.height * 0.05


def test_the_scouting_page_shows_the_report_with_its_download(point_at) -> None:
    from tests.builders.apptest import assert_clean, run_page

    point_at("bare")
    at = run_page("app_pages/5_Scouting.py")
    assert_clean(at)
    assert any("Synthetic data" in w.value for w in at.warning)
    team = at.selectbox(key="scout_team").value
    assert team and f"--defense {team}" in at.caption[0].value
    other = at.selectbox(key="scout_team").options[-1]
    at.selectbox(key="scout_team").set_value(other).run()
    assert_clean(at)
    assert f"--defense {other}" in at.caption[0].value


def test_personnel_and_game_state_rates_recount_from_the_plays(sim_store) -> None:
    team = _team(sim_store)
    report = build_report(sim_store, team, WEEKS)
    plays = report_plays(sim_store, WEEKS).filter(pl.col("man").is_not_null()
                                                   & (pl.col("defensiveTeam") == team))
    assert plays["def_package"].null_count() == 0 and plays["score_state"].null_count() == 0
    for frame, col in ((report.personnel["defensive package"], "def_package"),
                       (report.personnel["offensive formation"], "offenseFormation"),
                       (report.situations["score (the defense's margin)"], "score_state"),
                       (report.situations["quarter and clock"], "clock_state")):
        mine = frame.filter(pl.col("scope") == team)
        direct = plays.group_by(col).agg(pl.col("man").sum().alias("k"), pl.len().alias("n"))
        want = {g: (k, n) for g, k, n in direct.iter_rows()}
        got = {g: (k, n) for g, k, n in mine.select(col, "k", "n_plays").iter_rows()}
        assert got and all(want[g] == v for g, v in got.items())
    assert set(report.personnel["defensive package"]["def_package"]) <= {"base", "nickel",
                                                                        "dime", "quarter"}


def test_score_and_clock_buckets_follow_the_vocabulary() -> None:
    from coverage.vocab import (
        CLOCK_STATES,
        ONE_SCORE_POINTS,
        SCORE_STATES,
        TWO_MINUTE_SECS,
        clock_state_expr,
        score_state_expr,
    )

    m = ONE_SCORE_POINTS
    got = pl.DataFrame({"d": [-m - 1, -m, 0, m, m + 1, None]}).select(score_state_expr("d"))
    assert got.to_series().to_list() == [SCORE_STATES[0], SCORE_STATES[1], SCORE_STATES[2],
                                         SCORE_STATES[3], SCORE_STATES[4], None]
    t = TWO_MINUTE_SECS
    clock = pl.DataFrame({"quarter": [1, 2, 2, 4, 4, 5], "half_secs_left": [1500, t + 1, t,
                                                                           t + 1, t, 300]})
    assert clock.select(clock_state_expr()).to_series().to_list() == [
        CLOCK_STATES[0], CLOCK_STATES[1], CLOCK_STATES[2], CLOCK_STATES[4], CLOCK_STATES[5],
        CLOCK_STATES[6]]


def test_early_read_is_accuracy_by_time_per_scope() -> None:
    from coverage.report.tendencies import early_read

    plays = pl.DataFrame({"gameId": [1, 1, 1], "playId": [1, 2, 3],
                          "defensiveTeam": ["KC", "BUF", "BUF"], "man": [True, False, None]})
    preds = pl.DataFrame({
        "model": ["m"] * 6, "gameId": [1] * 6, "playId": [1, 1, 2, 2, 3, 3],
        "secs_from_snap": [-1.0, 0.0, -1.0, 0.0, -1.0, 0.0], "p_man": [.2, .9, .3, .7, .9, .9]})
    out = early_read(plays, preds, "KC", "m")
    got = {(s, b): (a, n) for s, b, a, n in
           out.select("scope", "before_snap", "accuracy", "n_plays").iter_rows()}
    assert got == {("KC", "1.0 s before the snap"): (0.0, 1),
                   ("KC", "0.0 s before the snap"): (1.0, 1),
                   (LEAGUE, "1.0 s before the snap"): (0.5, 2),
                   (LEAGUE, "0.0 s before the snap"): (0.5, 2)}


def test_model_figures_name_the_model_and_its_calibration(app_stores) -> None:
    store = open_store(app_stores["preds"])
    team = sorted(store.all_plays()["defensiveTeam"].unique())[0]
    report = build_report(store, team)
    assert report.early_read is not None and "trained on" in (report.model_label or "")
    assert {team, LEAGUE} <= set(report.calibration)
    page = render_html(report)
    assert "How early their coverage can be read" in page and "MODEL FIGURE" in page
    assert "expected calibration error" in page


def test_giveaway_positions_are_the_teams_pages_table(explain_models) -> None:
    from coverage.app.team_data import position_giveaway_table

    store = open_store(explain_models / "store")
    summary = store.read_output("attribution")
    plays = store.all_plays()
    team = sorted(summary.join(plays.select("gameId", "playId", "defensiveTeam"),
                               on=["gameId", "playId"])["defensiveTeam"].unique())[0]
    report = build_report(store, team)
    assert report.giveaway is not None and "trained on" in (report.giveaway_label or "")
    teams = position_giveaway_table(summary, plays, store.players())
    want = dict(teams.filter(pl.col("defensiveTeam") == team)
                .select("position", "mean_abs_attribution").iter_rows())
    mine = report.giveaway.filter(pl.col("scope") == team)
    got = dict(mine.select("position", "mean_abs_attribution").iter_rows())
    assert got and got == {p: pytest.approx(want[p]) for p in got}
    assert mine["mean_abs_attribution"].to_list() == sorted(got.values(), reverse=True)
    assert set(report.giveaway.filter(pl.col("scope") == LEAGUE)["position"]) == set(got)
    assert "Who gives it away" in render_html(report)


def test_split_season_recounts_each_half_and_keeps_one_league(sim_store) -> None:
    from coverage.report.compare import split_season

    plays = sim_store.all_plays()
    both = plays.filter(pl.col("week").is_in(WEEKS)).group_by("defensiveTeam").agg(
        pl.col("week").n_unique().alias("w")).filter(pl.col("w") == 2)
    team = sorted(both["defensiveTeam"])[0]
    report = split_season(sim_store, team, WEEKS)
    assert report.defense == f"{team} wk 1" and report.other == f"{team} wk 2"
    for week, scope in ((1, report.defense), (2, report.other)):
        direct = plays.filter((pl.col("week") == week) & (pl.col("defensiveTeam") == team)
                              & pl.col("pff_manZone").is_in(["Man", "Zone"]))
        row = report.overall.filter(pl.col("scope") == scope).row(0, named=True)
        assert (row["k"], row["n_plays"]) == ((direct["pff_manZone"] == "Man").sum(),
                                              direct.height)
    single = build_report(sim_store, team, WEEKS)
    league = report.overall.filter(pl.col("scope") == LEAGUE)
    assert league.height == 1 and league.to_dicts() == single.overall.filter(
        pl.col("scope") == LEAGUE).to_dicts()
    page = render_html(report)
    assert f"{team} wk 1 vs {team} wk 2 defense" in page


def test_compare_puts_both_defenses_beside_one_league(sim_store, tmp_path: Path,
                                                       capsys) -> None:
    from coverage.report.compare import compare_defenses

    teams = sorted(_direct_man_rates(sim_store.all_plays()))
    a, b = teams[0], teams[1]
    report = compare_defenses(sim_store, a, b, WEEKS)
    assert report.overall["scope"].to_list() == [a, LEAGUE, b]
    for team in (a, b):
        alone = build_report(sim_store, team, WEEKS)
        assert report.overall.filter(pl.col("scope") == team).to_dicts() == \
            alone.overall.filter(pl.col("scope") == team).to_dicts()
        fam = report.families.filter(pl.col("scope") == team)
        assert fam.to_dicts() == alone.families.filter(pl.col("scope") == team).to_dicts()
    out = tmp_path / "c.html"
    assert main(["report", "--defense", a, "--compare", b, "--weeks", "1-2",
                 "--data", str(sim_store.root), "-o", str(out)]) == 0
    assert f"{a} vs {b} defense" in out.read_text()
    assert main(["report", "--defense", a, "--split-season", "--weeks", "1",
                 "--data", str(sim_store.root), "-o", str(tmp_path / "s.html")]) == 2
    assert "two weeks or more" in capsys.readouterr().err


def test_the_scouting_page_compares_two_defenses_and_two_halves(point_at) -> None:
    from tests.builders.apptest import assert_clean, run_page

    point_at("bare")
    at = run_page("app_pages/5_Scouting.py")
    team = at.selectbox(key="scout_team").value
    at.radio(key="scout_mode").set_value("beside another defense").run()
    assert_clean(at)
    other = at.selectbox(key="scout_other").value
    assert other != team and f"--compare {other}" in at.caption[0].value
    at.radio(key="scout_mode").set_value("first half vs second half").run()
    # one game a team in the app store: the split is refused in one line, not a traceback
    assert not at.exception and any("split season" in e.value for e in at.error)


def _direct_field_zone(plays: pl.DataFrame) -> pl.Series:
    """The four field zones counted from plays.csv's own columns, written out longhand."""
    num = pl.col("yardlineNumber").cast(pl.Int64)
    to_goal = (pl.when(num == 50).then(50)
               .when(pl.col("yardlineSide") == pl.col("possessionTeam")).then(100 - num)
               .otherwise(num))
    togo = pl.col("yardsToGo").cast(pl.Int64)
    return plays.select(
        pl.when(togo >= to_goal).then(pl.lit("goal to go"))
        .when(to_goal <= 20).then(pl.lit("red zone (not goal to go)"))
        .when(to_goal >= 80).then(pl.lit("backed up (own 1-20)"))
        .otherwise(pl.lit("open field")).alias("field_zone")).to_series()


def test_real_field_zone_man_rates_recount_from_plays_csv(labels_raw_dir: Path) -> None:
    plays = pl.read_csv(labels_raw_dir / "plays.csv", infer_schema_length=0).join(
        pl.read_csv(labels_raw_dir / "games.csv", infer_schema_length=0)
        .select("gameId", pl.col("week").cast(pl.Int64)), on="gameId")
    plays = plays.with_columns(_direct_field_zone(plays)).filter(
        pl.col("week").is_in(WEEKS) & pl.col("pff_manZone").is_in(["Man", "Zone"]))
    assert set(plays["field_zone"]) == {"backed up (own 1-20)", "open field",
                                        "red zone (not goal to go)", "goal to go"}
    team = sorted(plays["defensiveTeam"].unique())[0]
    direct = (plays.filter(pl.col("defensiveTeam") == team).group_by("field_zone")
              .agg((pl.col("pff_manZone") == "Man").sum().alias("k"), pl.len().alias("n")))
    report = build_report(open_store(labels_raw_dir), team, WEEKS)
    got = report.situations["field zone"].filter(pl.col("scope") == team)
    assert dict(zip(got["field_zone"], zip(got["k"], got["n_plays"], strict=True),
                    strict=True)) == {z: (k, n) for z, k, n in direct.iter_rows()}
    assert "backed up = the offense snaps inside its own 20" in render_html(report)


def _direct_packages(raw: Path) -> pl.DataFrame:
    """Per play, its package counted longhand: the defense's CB, SS, FS and DB on the field
    in player_play (base 4 or fewer, nickel 5, dime 6, quarter 7+)."""
    players = pl.read_csv(raw / "players.csv", infer_schema_length=0).select(
        pl.col("nflId").cast(pl.Int64), "position")
    plays = pl.read_csv(raw / "plays.csv", infer_schema_length=0).select(
        pl.col("gameId").cast(pl.Int64), pl.col("playId").cast(pl.Int64), "defensiveTeam")
    db = (pl.read_parquet(raw / "player_play.parquet").select(
        pl.col("gameId").cast(pl.Int64), pl.col("playId").cast(pl.Int64),
        pl.col("nflId").cast(pl.Int64), pl.col("teamAbbr").cast(pl.String))
        .join(plays, on=["gameId", "playId"]).filter(pl.col("teamAbbr") == pl.col("defensiveTeam"))
        .join(players, on="nflId", how="left")
        .group_by("gameId", "playId").agg(pl.col("position").is_in(["CB", "SS", "FS", "DB"])
                                          .sum().alias("n_db")))
    return db.select("gameId", "playId", pl.when(pl.col("n_db") <= 4).then(pl.lit("base"))
                     .when(pl.col("n_db") == 5).then(pl.lit("nickel"))
                     .when(pl.col("n_db") == 6).then(pl.lit("dime"))
                     .otherwise(pl.lit("quarter")).alias("pkg"))


def test_real_package_man_rates_and_family_mix_recount_from_the_tables(
        labels_raw_dir: Path) -> None:
    plays = (pl.read_csv(labels_raw_dir / "plays.csv", infer_schema_length=0)
             .with_columns(pl.col("gameId").cast(pl.Int64), pl.col("playId").cast(pl.Int64))
             .join(pl.read_csv(labels_raw_dir / "games.csv", infer_schema_length=0)
                   .select(pl.col("gameId").cast(pl.Int64), pl.col("week").cast(pl.Int64)),
                   on="gameId")
             .join(_direct_packages(labels_raw_dir), on=["gameId", "playId"])
             .filter(pl.col("week").is_in(WEEKS))
             .with_columns(family_expr()))
    store = open_store(labels_raw_dir)
    for team in sorted(plays["defensiveTeam"].unique())[:4]:
        report = build_report(store, team, WEEKS)
        mine = plays.filter(pl.col("defensiveTeam") == team)
        charted = mine.filter(pl.col("pff_manZone").is_in(["Man", "Zone"]))
        want = {p: (k, n) for p, k, n in charted.group_by("pkg").agg(
            (pl.col("pff_manZone") == "Man").sum(), pl.len()).iter_rows()}
        got = report.personnel["defensive package"].filter(pl.col("scope") == team)
        assert {p: (k, n) for p, k, n in got.select("def_package", "k", "n_plays")
                .iter_rows()} == want
        fams = report.package_families
        assert fams is not None
        for pkg in set(fams["def_package"]):
            sub = mine.filter((pl.col("pkg") == pkg) & pl.col("family").is_not_null())
            counts = dict(sub.group_by("family").len().iter_rows())
            row = fams.filter((pl.col("def_package") == pkg) & (pl.col("scope") == team))
            assert row["family"].to_list() == list(FAMILIES)
            assert dict(zip(row["family"], row["k"], strict=True)) == {
                f: counts.get(f, 0) for f in FAMILIES}
            assert (row["n_plays"] == sub.height).all()
        assert "What the nickel package plays" in render_html(report)


def _naive_travel(store, game: int, play: int) -> bool | None:
    """Did a defender travel with the motion on this play, read from its frames one by
    one (the report's definition, written without polars' group-bys)."""
    from coverage.report.motion import MIN_MOTION_YARDS, MIN_TRAVEL_YARDS, TRAVEL_SHARE

    f = store.play_frames(game, play)
    ev = f.filter((pl.col("event") == "man_in_motion") & (pl.col("secs_from_snap") < 0))
    if ev.is_empty():
        return None
    m0 = ev["frameId"].min()
    s0 = f.filter(pl.col("secs_from_snap").abs() < 1e-3)["frameId"].min()
    y = {(r["nflId"], r["frameId"]): (r["side"], r["y"]) for r in f.filter(
        pl.col("frameId").is_in([m0, s0])).iter_rows(named=True)}
    dy = {i: (side, y[(i, s0)][1] - yy) for (i, fr), (side, yy) in y.items()
          if fr == m0 and (i, s0) in y and side in ("offense", "defense")}
    off = max((d for s, d in dy.values() if s == "offense"), key=abs)
    if abs(off) < MIN_MOTION_YARDS:
        return None
    need = max(abs(off) * TRAVEL_SHARE, MIN_TRAVEL_YARDS)
    return any(s == "defense" and d * (1 if off > 0 else -1) >= need for s, d in dy.values())


def test_motion_travel_is_the_tracking_read_play_by_play(sim_store) -> None:
    team = _team(sim_store)
    plays = report_plays(sim_store, WEEKS)
    motion = plays.filter(pl.col("traveled").is_not_null())
    assert motion.height >= 5
    for g, p, t in motion.select("gameId", "playId", "traveled").head(12).iter_rows():
        assert _naive_travel(sim_store, g, p) is t
    report = build_report(sim_store, team, WEEKS)
    mine = motion.filter(pl.col("defensiveTeam") == team)
    if report.travel is not None:
        row = report.travel.filter(pl.col("scope") == team).row(0, named=True)
        assert (row["k"], row["n_plays"]) == (mine["traveled"].sum(), mine.height)
        assert "Against motion" in render_html(report)


def test_travelling_goes_with_man_coverage(tmp_path) -> None:
    """The simulator's man defenders travel with motion (its zone defenders only bump), so
    over a season's motion plays travelling goes with more man, not less; a season of 320
    plays, since the few motion plays of the small one leave the rates to chance."""
    from coverage.ingest import ingest
    from coverage.simulate import simulate_season
    from coverage.store import Store

    simulate_season(tmp_path / "raw", seed=7, weeks=1, games_per_week=8, plays_per_game=40)
    ingest(tmp_path / "raw", tmp_path / "store", progress=False)
    plays = report_plays(Store(tmp_path / "store"), [1])
    league = plays.filter(pl.col("traveled").is_not_null() & pl.col("man").is_not_null())
    assert league.height >= 40
    rate = dict(league.group_by("traveled").agg(pl.col("man").mean()).iter_rows())
    assert rate.get(True, 1.0) > rate.get(False, 0.0) + 0.05


def test_p_man_before_and_after_the_motion_takes_the_right_frames() -> None:
    from coverage.report.motion import p_man_across_motion

    plays = pl.DataFrame({"gameId": [1, 1], "playId": [1, 2], "defensiveTeam": ["KC", "NE"],
                          "traveled": [True, False],
                          "travel": ["a defender travels", "nobody travels"],
                          "motion_frame": [3, 2], "snap_frame": [5, 4]})
    preds = pl.DataFrame({"model": ["m"] * 10, "gameId": [1] * 10,
                          "playId": [1] * 5 + [2] * 5, "frameId": [1, 2, 3, 4, 5] * 2,
                          "p_man": [.1, .2, .3, .6, .9, .5, .4, .3, .2, .1]})
    out = p_man_across_motion(plays, preds, "KC", "m")
    got = {(s, t, m): v for s, t, m, v in out.select("scope", "travel", "moment", "p_man")
           .iter_rows()}
    assert got[("KC", "a defender travels", "before the motion")] == pytest.approx(.3)
    assert got[("KC", "a defender travels", "at the snap")] == pytest.approx(.9)
    assert got[(LEAGUE, "nobody travels", "at the snap")] == pytest.approx(.2)
    assert out.filter(pl.col("scope") == "KC")["n_plays"].to_list() == [1, 1]


def test_shells_are_the_stores_detected_formations(sim_store) -> None:
    team = _team(sim_store)
    report = build_report(sim_store, team, WEEKS)
    f = sim_store.formations().join(sim_store.all_plays().select(
        "gameId", "playId", "defensiveTeam", "week"), on=["gameId", "playId"])
    mine = f.filter((pl.col("defensiveTeam") == team) & pl.col("week").is_in(WEEKS)
                    & pl.col("def_shell").is_not_null())
    assert report.shells is not None
    got = report.shells.filter(pl.col("scope") == team)
    assert dict(zip(got["def_shell"], got["k"], strict=True)) == {
        s: n for s, n in mine.group_by("def_shell").len().iter_rows()}
    assert "Detected defensive shells" in render_html(report)


def test_telling_plays_hold_their_read_and_link_to_the_explorer(app_stores) -> None:
    from coverage.report.telling import CONFIDENT

    store = open_store(app_stores["preds"])
    preds = store.predictions()
    plays = report_plays(store)
    teams = plays.join(preds.select("gameId", "playId").unique(), on=["gameId", "playId"])
    best = None
    for team in sorted(teams["defensiveTeam"].unique()):
        report = build_report(store, team)
        if report.telling:
            best = report
            break
    assert best is not None and 1 <= len(best.telling) <= 5
    for tp in best.telling:
        label = plays.filter((pl.col("gameId") == tp.game_id) & (pl.col("playId") == tp.play_id))
        man = bool(label["man"][0])
        assert label["defensiveTeam"][0] == best.defense
        after = [p for s, p in tp.curve if s >= tp.read_secs - 1e-6]
        assert after and all((p >= 0.5) == man and abs(p - 0.5) >= CONFIDENT for p in after)
        assert tp.still is None or tp.still.startswith("data:image/png;base64,")
        assert tp.link("http://h:1") == (f"http://h:1/Play_explorer?game={tp.game_id}"
                                         f"&play={tp.play_id}&frame={tp.read_frame}")
    page = render_html(best, app_url="http://h:1")
    assert "The most telling plays" in page
    assert html.escape(best.telling[0].link("http://h:1")) in page
    assert any(tp.still for tp in best.telling)
    # a link is only an <a href> to the app: nothing the page loads comes from a network
    assert not re.search(r"""src\s*=\s*["']?\s*(https?:)?//""", page, re.I)
    assert set(re.findall(r'href="(https?://[^/"]+)', page)) == {"http://h:1"}
