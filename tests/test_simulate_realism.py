"""The simulator's realism against real NGS tracking (issue 16 step 2).

Real set players read s ~ 0 and a ~ 0 (the tracking filter is causal and has a dead
band), defenders stand nearly square to the line, linebackers often rush (3-4 edge
rushers are OLBs), 4th downs exist and the situation moves the man rate.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest

from coverage.simulate import simulate_season
from coverage.simulate.calls import PlayContext, choose_coverage, man_zone_of, situation_key
from coverage.simulate.kinematics import ngs_kinematics
from coverage.simulate.season import _Drive

SMALL = {"weeks": 1, "games_per_week": 4, "plays_per_game": 40}


@pytest.fixture(scope="module")
def season(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sim_realism")
    simulate_season(out, seed=11, **SMALL)
    return out


def _frames(season: Path) -> pl.DataFrame:
    """Player rows with a frame index relative to the snap and the player's side."""
    t = pl.read_csv(season / "tracking_week_1.csv", infer_schema_length=0).filter(
        pl.col("displayName") != "football").with_columns(
        *[pl.col(c).cast(pl.Float64) for c in ("s", "a", "o", "x")],
        pl.col("frameId").cast(pl.Int64), pl.col("gameId").cast(pl.Int64),
        pl.col("playId").cast(pl.Int64), pl.col("nflId").cast(pl.Float64).cast(pl.Int64))
    snap = t.filter(pl.col("frameType") == "SNAP").group_by("gameId", "playId").agg(
        pl.col("frameId").first().alias("snap"))
    plays = pl.read_csv(season / "plays.csv").select("gameId", "playId", "possessionTeam")
    players = pl.read_csv(season / "players.csv").select("nflId", "position")
    pp = pl.read_csv(season / "player_play.csv", infer_schema_length=0).select(
        pl.col("gameId").cast(pl.Int64), pl.col("playId").cast(pl.Int64),
        pl.col("nflId").cast(pl.Int64), "inMotionAtBallSnap", "motionSinceLineset",
        "shiftSinceLineset")
    return (t.join(snap, on=["gameId", "playId"]).join(plays, on=["gameId", "playId"])
            .join(players, on="nflId").join(pp, on=["gameId", "playId", "nflId"])
            .with_columns((pl.col("frameId") - pl.col("snap")).alias("rel"),
                          (pl.col("club") == pl.col("possessionTeam")).alias("offense")))


def _set_players(f: pl.DataFrame) -> pl.DataFrame:
    """Offensive linemen, and defenders/receivers that did not move in the last second."""
    moved = (f.filter((pl.col("rel") >= -10) & (pl.col("rel") <= 0))
             .group_by("gameId", "playId", "nflId")
             .agg((pl.col("x").max() - pl.col("x").min()).alias("dx"),
                  pl.col("s").max().alias("smax")))
    still = moved.filter((pl.col("dx") < 0.5) & (pl.col("smax") < 1.0))
    return f.join(still, on=["gameId", "playId", "nflId"], how="semi")


def test_set_players_read_still_before_the_snap(season: Path) -> None:
    """Real set players: s and a ~0-0.1 before the snap (synthetic used to carry 1.5-2
    yd/s² of acceleration and 0.2-0.7 yd/s of speed jitter)."""
    pre = _set_players(_frames(season)).filter((pl.col("rel") >= -5) & (pl.col("rel") < 0))
    assert pre.height > 5000
    assert float(pre["s"].median()) < 0.1
    assert float(pre["a"].median()) < 0.15
    assert float(pre["s"].quantile(0.9)) < 0.3
    assert float(pre["a"].quantile(0.9)) < 0.6
    off = pre.filter(pl.col("offense"))
    assert float((off["s"] == 0).mean()) > 0.5  # the dead band: still players read 0


def test_snap_frame_does_not_see_the_burst(season: Path) -> None:
    """Kinematics are causal: the snap frame of a set player shows no post-snap burst
    (real: < 1 yd/s² in the snap frame for every group)."""
    snap = _set_players(_frames(season)).filter(pl.col("rel") == 0)
    for pos, grp in snap.group_by("position"):
        assert float(grp["a"].median()) < 1.0, pos
    assert float(snap.filter(~pl.col("offense") & (pl.col("position") != "DE")
                             & (pl.col("position") != "DT"))["a"].median()) < 0.5


def test_causal_kinematics_unit() -> None:
    """A player who starts moving at frame k reads s = a = 0 up to frame k-1."""
    xy = np.zeros((30, 1, 2))
    xy[15:, 0, 0] = np.cumsum(np.full(15, 0.5))
    s, a, dis, _ = ngs_kinematics(xy, np.random.default_rng(0))
    assert np.all(s[:15] == 0) and np.all(a[:15] == 0)
    assert s[20, 0] > 3.0 and dis[20, 0] == pytest.approx(0.5)


def test_defenders_face_nearly_square(season: Path) -> None:
    """Real defenders face ~15-20° off square at the snap (synthetic used to face 30-60°)."""
    snap = _frames(season).filter((pl.col("rel") == 0) & ~pl.col("offense"))
    # normalise to the offense moving toward +x: defenders face 270 when square
    o = snap.with_columns(pl.when(pl.col("playDirection") == "left")
                          .then((pl.col("o") + 180) % 360).otherwise(pl.col("o")).alias("on"))
    off_square = (o["on"] - 270.0 + 180.0) % 360.0 - 180.0
    assert float(off_square.abs().median()) < 25.0


def test_fourth_downs_are_played() -> None:
    """4th and short in plus territory is often played rather than kicked."""
    d = _Drive("A", "B", own=55, down=3, togo=1)
    d.advance(0, {"A": 0, "B": 0}, go_for_it=0.0)
    assert (d.offense, d.down, d.togo) == ("A", 4, 1)
    d.advance(0, {"A": 0, "B": 0}, go_for_it=0.0)  # failed: turnover on downs
    assert (d.offense, d.down, d.own) == ("B", 1, 45)
    kick = _Drive("A", "B", own=20, down=3, togo=9)
    kick.advance(0, {"A": 0, "B": 0}, go_for_it=0.99)
    assert kick.offense == "B" and kick.down == 1


def test_season_has_fourth_downs(tmp_path: Path) -> None:
    """A few percent of plays are on fourth down: 960 plays, so chance alone (a 320-play week
    can hold none) does not decide it."""
    simulate_season(tmp_path, seed=2, weeks=3, games_per_week=8, plays_per_game=40)
    downs = pl.concat([pl.read_csv(f)["down"] for f in sorted(tmp_path.glob("plays*.csv"))])
    assert (downs == 4).sum() >= 6
    assert (downs == 4).mean() < 0.06


def _p_man(ctx: PlayContext, n: int = 3000) -> float:
    rng = np.random.default_rng(0)
    mz = [man_zone_of(choose_coverage(rng, ctx, "SHOTGUN", 0.0)) for _ in range(n)]
    return sum(m == "Man" for m in mz) / max(sum(m in ("Man", "Zone") for m in mz), 1)


def test_situation_moves_the_man_rate() -> None:
    """Real P(man): 1st-and-10 ~0.19, 3rd ~0.44, 4th ~0.57."""
    first = _p_man(PlayContext(1, 10, 70, "KC", "KC", 1))
    third = _p_man(PlayContext(3, 6, 60, "KC", "KC", 2))
    fourth = _p_man(PlayContext(4, 2, 45, "KC", "KC", 3))
    assert first < 0.35 < third < fourth
    assert situation_key(4, 2, 45, 4, 300, 10) == "4|short|open|late_lead"
    # team tendencies: a man-heavy defense plays more man than a zone-heavy one
    assert _p_man(PlayContext(1, 10, 70, "KC", "NYG", 1)) > \
        _p_man(PlayContext(1, 10, 70, "KC", "LA", 1)) + 0.1


def test_linebackers_often_rush(season: Path) -> None:
    """Real LB assignment mix: RUSH ~0.40, MAN ~0.11 (3-4 edge rushers are OLBs)."""
    pp = pl.read_csv(season / "player_play.csv", infer_schema_length=0)
    plays = pl.read_csv(season / "plays.csv").select("gameId", "playId", "defensiveTeam")
    pos = pl.read_csv(season / "players.csv").select(pl.col("nflId").cast(pl.String),
                                                     "position")
    d = (pp.with_columns(pl.col("gameId").cast(pl.Int64), pl.col("playId").cast(pl.Int64))
         .join(plays, on=["gameId", "playId"])
         .filter(pl.col("teamAbbr") == pl.col("defensiveTeam")).join(pos, on="nflId"))
    charted = d.group_by("gameId", "playId").agg(
        pl.col("pff_defensiveCoverageAssignment").is_not_null().any().alias("c"))
    lb = d.join(charted.filter("c"), on=["gameId", "playId"], how="semi").filter(
        pl.col("position").is_in(["OLB", "ILB", "MLB"]))
    asg = lb["pff_defensiveCoverageAssignment"]
    assert 0.25 < float(asg.is_null().mean()) < 0.6
    assert float((asg == "MAN").mean()) < 0.22
