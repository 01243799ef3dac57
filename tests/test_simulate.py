"""Tests of the synthetic season simulator (coverage.simulate)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from coverage.simulate import params, simulate_season
from coverage.simulate.play import PlayContext, choose_coverage
from coverage.simulate.tables import (
    GAMES_COLUMNS,
    PLAYER_PLAY_COLUMNS,
    PLAYERS_COLUMNS,
    PLAYS_COLUMNS,
    TRACKING_COLUMNS,
)

TINY = {"weeks": 2, "games_per_week": 2, "plays_per_game": 10}


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sim_tiny")
    simulate_season(out, seed=7, **TINY)
    return out


@pytest.fixture(scope="module")
def medium(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Enough motion plays for the statistical checks, with short pre-snap phases."""
    out = tmp_path_factory.mktemp("sim_medium")
    simulate_season(out, seed=3, weeks=1, games_per_week=8, plays_per_game=40,
                    approach_secs=(0.5, 1.0), after_set_secs=(2.5, 4.0),
                    post_snap_secs=(1.0, 1.5))
    return out


def _tracking(d: Path, week: int = 1) -> pl.DataFrame:
    return pl.read_csv(d / f"tracking_week_{week}.csv", infer_schema_length=10000)


def test_deterministic_same_seed(tiny: Path, tmp_path: Path) -> None:
    simulate_season(tmp_path, seed=7, **TINY)
    for f in sorted(tiny.glob("*.csv")) + [tiny / "_source.json"]:
        assert (tmp_path / f.name).read_bytes() == f.read_bytes(), f.name


def test_different_seed_differs(tiny: Path, tmp_path: Path) -> None:
    simulate_season(tmp_path, seed=8, **TINY)
    assert (tmp_path / "tracking_week_1.csv").read_bytes() != \
        (tiny / "tracking_week_1.csv").read_bytes()


def test_files_and_source(tiny: Path) -> None:
    names = {p.name for p in tiny.iterdir()}
    assert {"games.csv", "plays.csv", "players.csv", "player_play.csv", "tracking_week_1.csv",
            "tracking_week_2.csv", "truth_players.csv", "truth_plays.csv",
            "_source.json"} <= names
    assert not [n for n in names if n.endswith(".tmp")]
    src = json.loads((tiny / "_source.json").read_text())
    assert src["source"] == "synthetic"
    assert src["generator"] == "coverage.simulate"
    assert src["seed"] == 7


def test_headers_match_code_lists(tiny: Path) -> None:
    def header(name: str) -> list[str]:
        return (tiny / name).read_text().split("\n", 1)[0].split(",")

    assert header("games.csv") == GAMES_COLUMNS
    assert header("plays.csv") == PLAYS_COLUMNS
    assert header("players.csv") == PLAYERS_COLUMNS
    assert header("player_play.csv") == PLAYER_PLAY_COLUMNS
    assert header("tracking_week_1.csv") == TRACKING_COLUMNS


def test_headers_match_real_files(shared_bdb: Path) -> None:
    assert pl.read_csv(shared_bdb / "games.csv", n_rows=1).columns == GAMES_COLUMNS
    assert pl.read_csv(shared_bdb / "plays.csv", n_rows=1).columns == PLAYS_COLUMNS
    assert pl.read_csv(shared_bdb / "players.csv", n_rows=1).columns == PLAYERS_COLUMNS
    assert pl.read_parquet(shared_bdb / "player_play.parquet").columns == PLAYER_PLAY_COLUMNS
    assert pl.read_csv(shared_bdb / "tracking_2022_real_1play.csv", n_rows=1).columns == \
        TRACKING_COLUMNS


def test_assignment_vocab_subset_of_real(tiny: Path, shared_bdb: Path) -> None:
    real_pp = pl.read_parquet(shared_bdb / "player_play.parquet")
    real = set(real_pp["pff_defensiveCoverageAssignment"].drop_nulls().unique().to_list())
    pp = pl.read_csv(tiny / "player_play.csv", infer_schema_length=0)
    ours = set(pp["pff_defensiveCoverageAssignment"].drop_nulls().unique().to_list())
    assert ours and ours <= real
    real_plays = pl.read_csv(shared_bdb / "plays.csv", infer_schema_length=0)
    real_cov = set(real_plays["pff_passCoverage"].drop_nulls().to_list())
    plays = pl.read_csv(tiny / "plays.csv", infer_schema_length=0)
    assert set(plays["pff_passCoverage"].drop_nulls().to_list()) <= real_cov


def test_assignment_vocab_subset_of_params(tiny: Path) -> None:
    truth = pl.read_csv(tiny / "truth_players.csv", infer_schema_length=0)
    assert set(truth["assignment"].drop_nulls().to_list()) <= set(params.ASSIGNMENT_VOCAB)


def test_frames_players_and_snap(tiny: Path) -> None:
    trk = _tracking(tiny)
    per = trk.group_by("gameId", "playId", "frameId").agg(
        pl.len().alias("n"), (pl.col("club") == "football").sum().alias("ball"),
        pl.col("nflId").drop_nulls().n_unique().alias("ids"))
    assert (per["n"] == 23).all()
    assert (per["ball"] == 1).all()
    assert (per["ids"] == 22).all()
    plays = trk.group_by("gameId", "playId").agg(
        (pl.col("frameType") == "SNAP").sum().alias("snap_rows"),
        (pl.col("event") == "ball_snap").sum().alias("snap_ev"),
        pl.col("frameId").filter(pl.col("frameType") == "SNAP").first().alias("sf"),
        pl.col("frameId").filter(pl.col("event") == "ball_snap").first().alias("ef"),
        pl.col("playDirection").n_unique().alias("dirs"))
    assert (plays["snap_rows"] == 23).all()  # exactly one SNAP frame
    assert (plays["snap_ev"] == 23).all()
    assert (plays["sf"] == plays["ef"]).all()
    assert (plays["dirs"] == 1).all()
    assert set(trk["frameType"].unique()) == {"BEFORE_SNAP", "SNAP", "AFTER_SNAP"}
    assert set(trk["playDirection"].unique()) == {"left", "right"}
    ball = trk.filter(pl.col("club") == "football")
    assert ball["nflId"].null_count() == len(ball)
    assert ball["jerseyNumber"].null_count() == len(ball)
    assert (ball["displayName"] == "football").all()
    assert trk["x"].min() > -5 and trk["x"].max() < 125


def test_time_strings(tiny: Path) -> None:
    trk = _tracking(tiny).filter(pl.col("club") == "football").head(30)
    parsed = trk["time"].str.to_datetime("%Y-%m-%d %H:%M:%S%.f", strict=False)
    assert parsed.null_count() == 0
    steps = parsed.diff().drop_nulls().dt.total_milliseconds().unique().to_list()
    assert steps == [100]


def test_speed_and_direction_consistent(tiny: Path) -> None:
    trk = _tracking(tiny).filter(pl.col("club") != "football").sort(
        "gameId", "playId", "nflId", "frameId")
    g = trk.with_columns(
        (pl.col("x").shift(-1) - pl.col("x").shift(1)).over("gameId", "playId", "nflId")
        .alias("dx"),
        (pl.col("y").shift(-1) - pl.col("y").shift(1)).over("gameId", "playId", "nflId")
        .alias("dy"),
    ).drop_nulls(["dx", "dy"])
    s_fd = np.hypot(g["dx"].to_numpy(), g["dy"].to_numpy()) / 0.2
    s = g["s"].to_numpy()
    assert np.median(np.abs(s - s_fd)) < 0.1
    assert np.corrcoef(s, s_fd)[0, 1] > 0.98
    fast = s > 2.0
    ang = np.degrees(np.arctan2(g["dx"].to_numpy(), g["dy"].to_numpy()))[fast] % 360
    diff = np.abs((g["dir"].to_numpy()[fast] - ang + 180) % 360 - 180)
    assert np.median(diff) < 5
    assert (diff < 20).mean() > 0.95
    # dis is the distance since the previous frame
    assert np.median(np.abs(g["dis"].to_numpy() * 10 - s)) < 0.3
    assert s.max() < 12.5


def test_linemen_still_after_set_and_motion_speed(medium: Path) -> None:
    trk = _tracking(medium)
    truth = pl.read_csv(medium / "truth_players.csv", infer_schema_length=0).with_columns(
        pl.col("gameId", "playId", "nflId").cast(pl.Int64))
    trk = trk.with_columns(pl.col("nflId").cast(pl.Int64)).join(
        truth.select("gameId", "playId", "nflId", "slot"), on=["gameId", "playId", "nflId"])
    snap = trk.filter(pl.col("frameType") == "SNAP")
    ol = snap.filter(pl.col("slot").is_in(["LT", "LG", "C", "RG", "RT"]))
    assert ol["s"].median() < 0.6
    tp = pl.read_csv(medium / "truth_plays.csv", infer_schema_length=0)
    jets = tp.filter(pl.col("motion_type") == "jet").with_columns(
        pl.col("gameId", "playId").cast(pl.Int64), pl.col("motion_nflId").cast(pl.Int64))
    if len(jets):
        mp = trk.join(jets.select("gameId", "playId", pl.col("motion_nflId").alias("nflId")),
                      on=["gameId", "playId", "nflId"])
        peak = mp.filter(pl.col("frameType") != "AFTER_SNAP").group_by(
            "gameId", "playId").agg(pl.col("s").max())
        assert 3.0 < peak["s"].median() < 9.5


def _motion_follow(medium: Path) -> tuple[list[float], list[float]]:
    """Slope of defender dy on motion-man dy from line_set to snap: man vs aligned zone."""
    trk = _tracking(medium).with_columns(pl.col("nflId").cast(pl.Int64))
    tp = pl.read_csv(medium / "truth_plays.csv", infer_schema_length=0)
    tp = tp.filter((pl.col("motion") == "True") & pl.col("motion_type").is_in(["jet", "across"]))
    truth = pl.read_csv(medium / "truth_players.csv", infer_schema_length=0)
    man_s: list[float] = []
    zone_s: list[float] = []
    for gid, pid, mid in tp.select("gameId", "playId", "motion_nflId").iter_rows():
        gid, pid, mid = int(gid), int(pid), int(mid)
        f = trk.filter((pl.col("gameId") == gid) & (pl.col("playId") == pid))
        set_f = f.filter(pl.col("event") == "line_set")["frameId"]
        snap_f = f.filter(pl.col("frameType") == "SNAP")["frameId"][0]
        t0 = int(set_f[0]) if len(set_f) else 1
        win = f.filter(pl.col("frameId").is_between(t0, snap_f))
        rec = win.filter(pl.col("nflId") == mid).sort("frameId")["y"].to_numpy()
        if np.ptp(rec) < 3:
            continue
        tr = truth.filter((pl.col("gameId") == str(gid)) & (pl.col("playId") == str(pid))
                          & (pl.col("side") == "defense"))
        man = tr.filter(pl.col("man_target_nflId") == str(mid))["nflId"].to_list()
        start = f.filter(pl.col("frameId") == t0)
        ry0 = start.filter(pl.col("nflId") == mid)["y"][0]
        rx0 = start.filter(pl.col("nflId") == mid)["x"][0]
        for nid, asg in tr.select("nflId", "assignment").iter_rows():
            nid = int(nid)
            dy = win.filter(pl.col("nflId") == nid).sort("frameId")["y"].to_numpy()
            # a man defender reacts ~0.2-0.5 s late: compare with the receiver 0.4 s earlier
            slope = float(np.polyfit(rec[:-4] - rec[0], dy[4:] - dy[0], 1)[0])
            if str(nid) in man:
                man_s.append(slope)
            elif asg not in (None, "MAN"):
                d0 = start.filter(pl.col("nflId") == nid)
                if np.hypot(d0["x"][0] - rx0, d0["y"][0] - ry0) < 9:
                    zone_s.append(slope)
    return man_s, zone_s


def test_man_defender_follows_motion(medium: Path) -> None:
    man_s, zone_s = _motion_follow(medium)
    assert len(man_s) >= 3, "too few man-covered motion plays in the sample"
    assert len(zone_s) >= 3
    assert np.median(man_s) > 0.55
    # a zone defender near the motion shifts by the knob's fraction of its travel, no more;
    # the man defender follows him most of the way
    lo, hi = params.MOTION_BUMP
    assert lo - 0.1 < np.median(zone_s) < hi
    assert np.median(man_s) > np.median(zone_s) + 0.2


@pytest.mark.slow
def test_label_mix_near_calibrated() -> None:
    """Man share of Man+Zone ~27% and Other ~5% on a large sample of situations (+-4 pts)."""
    rng = np.random.default_rng(0)
    teams = params.TEAMS
    forms = list(params.FORMATION_ALIGNMENT_COUNTS)
    fw = np.array([sum(v.values()) for v in params.FORMATION_ALIGNMENT_COUNTS.values()], float)
    labels = []
    for _ in range(20000):
        to_goal = int(rng.choice([3, 12, 40, 70], p=[0.03, 0.1, 0.47, 0.4]))
        ctx = PlayContext(int(rng.choice([1, 2, 3], p=[0.44, 0.34, 0.22])),
                          int(rng.choice([1, 3, 6, 10, 14], p=[0.04, 0.06, 0.2, 0.55, 0.15])),
                          to_goal, "BUF", str(rng.choice(teams)), 1)
        cov = choose_coverage(rng, ctx, str(rng.choice(forms, p=fw / fw.sum())), 0.0)
        labels.append(None if cov is None else params.COVERAGE_MANZONE[cov])
    lab = np.array([x or "" for x in labels])
    man, zone, other = (lab == "Man").sum(), (lab == "Zone").sum(), (lab == "Other").sum()
    assert abs(man / (man + zone) - params.MAN_RATE) < 0.06
    real_other = params.MANZONE_COUNTS["Other"] / sum(params.MANZONE_COUNTS.values())
    assert abs(other / len(lab) - real_other) < 0.04
    assert 0.003 < (lab == "").mean() < 0.03


def test_season_label_mix_and_tables(medium: Path) -> None:
    plays = pl.read_csv(medium / "plays.csv", infer_schema_length=0)
    mz = plays["pff_manZone"].drop_nulls()
    man = (mz == "Man").sum() / max(((mz == "Man") | (mz == "Zone")).sum(), 1)
    assert 0.12 < man < 0.45  # 320 plays: wide tolerance around the real 27%
    assert set(plays["offenseFormation"].to_list()) <= set(params.FORMATION_ALIGNMENT_COUNTS)
    assert set(plays["pff_manZone"].drop_nulls().to_list()) <= {"Man", "Zone", "Other"}
    for c in ("down", "yardsToGo", "absoluteYardlineNumber", "quarter"):
        assert plays[c].null_count() == 0
    pp = pl.read_csv(medium / "player_play.csv", infer_schema_length=0)
    assert len(pp) == 22 * len(plays)
    man_rows = pp.filter(pl.col("pff_defensiveCoverageAssignment") == "MAN")
    assert man_rows["pff_primaryDefensiveCoverageMatchupNflId"].null_count() == 0
    motion = pp.group_by("gameId", "playId").agg(
        (pl.col("motionSinceLineset") == "True").any().alias("m"),
        (pl.col("shiftSinceLineset") == "True").any().alias("s"))
    assert 0.15 < motion["m"].mean() < 0.45
    assert 0.05 < motion["s"].mean() < 0.3
    tp = pl.read_csv(medium / "truth_plays.csv", infer_schema_length=0)
    assert {"True", "False"} <= set(tp["disguise"].to_list())
    assert len(set(tp["shell_shown"].drop_nulls().to_list())) >= 2


def test_cli_register(tmp_path: Path) -> None:
    from coverage.cli import build_parser

    args = build_parser().parse_args(["simulate", str(tmp_path), "--seed", "2", "--weeks", "1",
                              "--games-per-week", "1", "--plays-per-game", "2"])
    assert args.func(args) == 0
    assert json.loads((tmp_path / "_source.json").read_text())["seed"] == 2


# Share of each responsibility group among defenders with a charted assignment, measured on
# the real 2022 player_play (weeks 1-9, 354,727 rows) with coverage.vocab groups.
REAL_ASSIGNMENT_MIX = {"DEEP": 0.335, "FLAT": 0.203, "HOOK": 0.223, "MAN": 0.234, "RUSH": 0.005}
ASSIGNMENT_TOLERANCE = 0.05  # absolute, per group: a 320-play sample; man-rate noise alone ~0.03


def _assignment_mix(pp: pl.DataFrame) -> dict[str, float]:
    from coverage.vocab import assignment_expr

    d = pp.filter(pl.col("pff_defensiveCoverageAssignment").is_not_null())
    g = d.with_columns(assignment_expr("pff_defensiveCoverageAssignment")).group_by(
        "assignment_group").len()
    total = g["len"].sum()
    return {a: n / total for a, n in g.iter_rows()}


def test_assignment_mix_matches_real(medium: Path) -> None:
    pp = pl.read_csv(medium / "player_play.csv", infer_schema_length=10000)
    syn = _assignment_mix(pp)
    for group, real in REAL_ASSIGNMENT_MIX.items():
        assert abs(syn.get(group, 0.0) - real) <= ASSIGNMENT_TOLERANCE, (group, syn, real)


def test_real_assignment_mix_constants(shared_bdb: Path) -> None:
    real = _assignment_mix(pl.read_parquet(shared_bdb / "player_play.parquet"))
    for group, share in REAL_ASSIGNMENT_MIX.items():
        assert abs(real[group] - share) < 0.001, group


# --- sizes per week and the `coverage simulate` options (issue 15) -------------------------


def test_per_week_sizes_and_phases(tmp_path: Path) -> None:
    """Games, plays and pre-snap lengths can differ week by week, and _source.json says so."""
    summary = simulate_season(tmp_path, seed=5, weeks=2, games_per_week=[1, 2],
                              plays_per_game=[3, 2], after_set_secs=[(2.0, 3.0), (8.0, 9.0)],
                              approach_secs=(0.5, 1.0), post_snap_secs=(1.0, 1.5))
    games = pl.read_csv(tmp_path / "games.csv")
    assert games.group_by("week").len().sort("week")["len"].to_list() == [1, 2]
    plays = pl.read_csv(tmp_path / "plays.csv", infer_schema_length=0).join(
        games.select(pl.col("gameId").cast(pl.String), "week"), on="gameId")
    assert plays.group_by("week").len().sort("week")["len"].to_list() == [3, 4]
    assert summary["games"] == 3 and summary["plays"] == 7
    pre = [(_tracking(tmp_path, w).filter(pl.col("frameType") == "BEFORE_SNAP")
            .group_by("gameId", "playId").agg(pl.col("frameId").n_unique()))["frameId"]
           for w in (1, 2)]
    assert pre[1].min() > pre[0].max()  # week 2's line set to snap is 5+ s longer
    params_ = json.loads((tmp_path / "_source.json").read_text())["params"]
    assert params_["games_per_week"] == [1, 2]
    assert params_["after_set_secs"] == [[2.0, 3.0], [8.0, 9.0]]
    assert params_["approach_secs"] == [0.5, 1.0]


def test_streamed_week_equals_uniform_week(tmp_path: Path) -> None:
    """A per-week list with equal values is the uniform season, byte for byte."""
    a, b = tmp_path / "a", tmp_path / "b"
    simulate_season(a, seed=7, **TINY)
    simulate_season(b, seed=7, weeks=2, games_per_week=[2, 2], plays_per_game=[10, 10])
    for f in sorted(a.iterdir()):
        assert (b / f.name).read_bytes() == f.read_bytes(), f.name


def test_cli_simulate_options(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from coverage.cli import main

    rc = main(["simulate", str(tmp_path), "--seed", "7", "--weeks", "2", "--games-per-week",
               "2", "--plays-per-game", "10", "--approach-secs", "0.8:2",
               "--after-set-secs", "2.5:10,2.5:10", "--post-snap-secs", "2:3"])
    assert rc == 0
    assert json.loads(capsys.readouterr().out)["plays"] == 40
    ref = tmp_path.parent / "ref"
    simulate_season(ref, seed=7, **TINY)
    for f in sorted(ref.iterdir()):
        assert (tmp_path / f.name).read_bytes() == f.read_bytes(), f.name


@pytest.mark.parametrize(("argv", "needle"), [
    (["--weeks", "2", "--games-per-week", "1,2,3"], "3 values for 2 weeks"),
    (["--games-per-week", "17"], "1 to 16 games"),
    (["--plays-per-game", "x"], "--plays-per-game"),
    (["--after-set-secs", "6:2"], "after_set_secs"),
    (["--approach-secs", "2-4"], "LO:HI"),
])
def test_cli_simulate_bad_options(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                  argv: list[str], needle: str) -> None:
    from coverage.cli import main

    out = tmp_path / "out"
    assert main(["simulate", str(out), *argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and needle in err, err
    assert not out.exists()  # refused before anything was written


def test_cli_real_size_preset_cycles_over_weeks(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    """--real-size: 13-16 games a week (pattern cycled over --weeks), real pre-snap lengths."""
    from coverage.cli import main

    assert main(["simulate", str(tmp_path), "--real-size", "--weeks", "2",
                 "--plays-per-game", "1"]) == 0
    assert json.loads(capsys.readouterr().out)["games"] == 16 + 14
    params_ = json.loads((tmp_path / "_source.json").read_text())["params"]
    assert params_["games_per_week"] == [16, 14]
    assert params_["after_set_secs"] == [2.0, 15.0]


def test_simulator_knobs_default_to_the_embedded_season_and_refuse_unknown_keys(tmp_path):
    """knobs.json's values are the embedded season's; COVERAGE_SIM_KNOBS overrides them for
    a realism experiment, and a key the simulator does not know is refused by name."""
    import os
    import subprocess
    import sys

    assert params.OFFENSE_SWAY == (0.08, 0.2)
    probe = "from coverage.simulate import params; print(params.OFFENSE_SWAY)"
    good = tmp_path / "k.json"
    good.write_text(json.dumps({"offense_sway": [0.3, 0.6]}))
    env = {**os.environ, "COVERAGE_SIM_KNOBS": str(good)}
    out = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True,
                         text=True, check=True)
    assert out.stdout.strip() == "(0.3, 0.6)"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"offence_sway": [0.3, 0.6]}))
    env["COVERAGE_SIM_KNOBS"] = str(bad)
    out = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True)
    assert out.returncode != 0 and "offence_sway" in out.stderr and "offense_sway" in out.stderr


# SHA-256 over (name, bytes) of every CSV of the TINY season at seed 7, as the committed
# knobs.json makes it: the shipped checkpoints were trained on the season these defaults
# generate, so a knob change must come with a retrain (then update this digest).
DEFAULT_KNOBS_DIGEST = "cebe17cf09095fe8c2c16f71ee0eab976063ab263651dfd28dd3cb974facf419"


def test_committed_knobs_reproduce_the_embedded_season(tiny: Path) -> None:
    """A new knob defaults to what the simulator did before it: byte for byte."""
    import hashlib

    h = hashlib.sha256()
    for f in sorted(tiny.glob("*.csv")):
        h.update(f.name.encode())
        h.update(f.read_bytes())
    assert h.hexdigest() == DEFAULT_KNOBS_DIGEST


def test_motion_dropback_crosses_the_formation_at_depth(monkeypatch) -> None:
    """With ``motion_dropback`` a jet / across motion man reaches his depth early in his
    lateral travel and crosses at it; without it (null) the path is a straight line."""
    from coverage.simulate import motion

    start, end = (-1.0, 40.0), (-3.0, 20.0)
    monkeypatch.setattr(motion, "MOTION_DROPBACK", None)
    kt, kxy = motion._dropped(np.random.default_rng(0), 5.0, 2.0, start, end)
    assert kt == [5.0, 7.0] and kxy == [start, end]
    monkeypatch.setattr(motion, "MOTION_DROPBACK", (0.2, 0.4))
    kt, kxy = motion._dropped(np.random.default_rng(0), 5.0, 2.0, start, end)
    assert len(kt) == 3 and kt[0] == 5.0 and kt[-1] == 7.0 and 5.0 < kt[1] < 7.0
    mid = kxy[1]
    assert mid[0] == end[0] and 32.0 <= mid[1] <= 36.0  # 20-40% of the 20 yd across
    # over the middle of the formation (the box) he is at full depth
    at = motion.interp_path(np.array([6.5]), kt, kxy)
    assert at[0, 0] == pytest.approx(end[0])
