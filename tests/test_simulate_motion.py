"""Pre-snap motion and the defense's answer: the motion_kinds / motion_answer knobs, and
the realism report's table of who the motion men are."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from devtools.realism.motion import motion_men_by_position

# the knobs off (what the simulator did before them); "on" is the committed knobs.json
OFF = {"motion_kinds": None, "motion_answer": None}


def _season(tmp: Path, name: str, knobs: dict) -> Path:
    """A small season simulated in a child process (knobs are read at import)."""
    kf = tmp / f"{name}.json"
    kf.write_text(json.dumps(knobs))
    out = tmp / name
    env = {**os.environ, "COVERAGE_SIM_KNOBS": str(kf)}
    subprocess.run([sys.executable, "-m", "coverage", "simulate", "--seed", "11", "--weeks",
                    "1", "--games-per-week", "12", "--plays-per-game", "40", str(out)],
                   env=env, check=True, capture_output=True)
    return out


def _travel(d: Path) -> pl.DataFrame:
    """Per motion play: the motion man's lateral travel from line set to the snap and the
    largest lateral travel of any defender over the same window."""
    truth = pl.read_csv(d / "truth_plays.csv").filter(pl.col("motion_nflId").is_not_null())
    tr = pl.read_csv(d / "tracking_week_1.csv").filter(pl.col("nflId").is_not_null())
    ev = tr.group_by("gameId", "playId").agg(
        pl.col("frameId").filter(pl.col("event") == "line_set").min().alias("f0"),
        pl.col("frameId").filter(pl.col("event") == "ball_snap").min().alias("f1"))
    w = (tr.join(ev, on=["gameId", "playId"])
         .filter((pl.col("frameId") == pl.col("f0")) | (pl.col("frameId") == pl.col("f1")))
         .sort("frameId").group_by("gameId", "playId", "nflId", "club")
         .agg((pl.col("y").last() - pl.col("y").first()).abs().alias("dy")))
    teams = pl.read_csv(d / "plays.csv").select("gameId", "playId", "defensiveTeam")
    w = w.join(teams, on=["gameId", "playId"])
    mover = w.join(truth.select("gameId", "playId", pl.col("motion_nflId").cast(pl.Float64)
                                .alias("nflId"), "pff_manZone"), on=["gameId", "playId",
                                                                     "nflId"])
    dfn = w.filter(pl.col("club") == pl.col("defensiveTeam")).group_by("gameId", "playId") \
        .agg(pl.col("dy").max().alias("def_dy"))
    return mover.join(dfn, on=["gameId", "playId"]).filter(pl.col("dy") > 3.0)


@pytest.fixture(scope="module")
def seasons(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The same season with both motion knobs off, with only the answer off, and as
    committed (both on): each knob is compared with everything else held equal."""
    tmp = tmp_path_factory.mktemp("motion")
    return {"off": _season(tmp, "off", OFF),
            "no_answer": _season(tmp, "no_answer", {"motion_answer": None}),
            "on": _season(tmp, "on", {})}


def test_motion_kinds_follow_the_motion_mans_position(seasons: dict[str, Path]) -> None:
    """Backs motion out of the backfield (a kind the default never draws) and never jet."""
    off, on = seasons["off"], seasons["on"]
    kinds_off = set(pl.read_csv(off / "truth_plays.csv")["motion_type"].drop_nulls())
    assert "out" not in kinds_off
    truth = pl.read_csv(on / "truth_plays.csv").filter(pl.col("motion_nflId").is_not_null())
    pos = pl.read_csv(on / "players.csv").select(pl.col("nflId").alias("motion_nflId"),
                                                 "position")
    t = truth.join(pos, on="motion_nflId")
    rb = t.filter(pl.col("position").is_in(["RB", "FB"]))
    assert rb.height >= 15
    assert set(rb["motion_type"]) <= {"out", "orbit", "short"}
    assert (rb["motion_type"] == "out").mean() > 0.4
    assert "out" not in set(t.filter(pl.col("position") == "WR")["motion_type"])


def _at_snap(d: Path) -> pl.DataFrame:
    """Every player's lateral spot at the snap, with the play's motion man."""
    truth = pl.read_csv(d / "truth_plays.csv").filter(pl.col("motion_nflId").is_not_null())
    tr = pl.read_csv(d / "tracking_week_1.csv").filter(pl.col("nflId").is_not_null())
    snap = tr.filter(pl.col("event") == "ball_snap").select("gameId", "playId", "nflId", "y")
    return snap.join(truth.select("gameId", "playId", "pff_manZone",
                                  pl.col("motion_nflId").cast(pl.Float64)),
                     on=["gameId", "playId"])


def test_defenders_answer_motion(seasons: dict[str, Path]) -> None:
    """Man defenders travel with their motion man further than zone defenders do; and, the
    same season drawn with and without ``motion_answer`` (it draws as many numbers either way
    on most plays, so on many plays every other player moves alike), the one zone defender it
    moves (a zone-coded defender over him, a man call's robber included) ends the motion a
    yard or so from the motion man, nearer on average than the bump alone leaves him."""
    t = _travel(seasons["on"]).with_columns((pl.col("def_dy") / pl.col("dy")).alias("r"))
    ratio = {c: t.filter(pl.col("pff_manZone") == c)["r"] for c in ("Man", "Zone")}
    # a few dozen motion plays per split: enough for medians a few hundredths apart
    assert min(len(ratio["Man"]), len(ratio["Zone"])) >= 20
    assert ratio["Man"].median() > ratio["Zone"].median()
    on, off = _at_snap(seasons["on"]), _at_snap(seasons["no_answer"])
    pair = on.join(off.select("gameId", "playId", "nflId", pl.col("y").alias("y_off")),
                   on=["gameId", "playId", "nflId"])
    # plays drawn alike up to the answer: the motion man ends where he did (a play after
    # one whose answer drew differently may not be)
    mover = pair.filter((pl.col("nflId") == pl.col("motion_nflId"))
                        & ((pl.col("y") - pl.col("y_off")).abs() < 0.05)).select(
        "gameId", "playId", pl.col("y").alias("my"), pl.col("y_off").alias("my_off"))
    assert mover.height >= 30
    changed = pair.filter((pl.col("y") - pl.col("y_off")).abs() > 0.05)
    one = changed.group_by("gameId", "playId").len().filter(pl.col("len") == 1)
    moved = changed.join(one, on=["gameId", "playId"]).join(mover, on=["gameId", "playId"])
    assert moved.height >= 10
    on_d = (moved["y"] - moved["my"]).abs()
    off_d = (moved["y_off"] - moved["my_off"]).abs()
    # he walks to a spot about a yard inside where the motion man stops; the bump alone
    # leaves him wherever a fraction of the motion takes him
    assert on_d.mean() < off_d.mean() and 0.5 <= on_d.median() <= 1.5


def test_motion_men_table() -> None:
    """Share of motion men per position and the rate of plays with one, by group."""
    pp = pl.DataFrame({"gameId": [1] * 4 + [2] * 4, "playId": [1] * 8,
                       "nflId": [10, 11, 12, 13, 10, 11, 12, 13],
                       "motionSinceLineset": [True, False, None, False,
                                              False, True, False, False],
                       "inMotionAtBallSnap": [False, False, True, False,
                                              False, True, False, False]})
    plays = pl.DataFrame({"gameId": [1, 2], "playId": [1, 1]})
    positions = pl.DataFrame({"nflId": [10, 11, 12, 13], "group": ["RB", "WR", "TE", "OL"]})
    t = motion_men_by_position(plays, pp, positions)
    share = dict(t.filter(pl.col("table").str.contains("share")).select("level", "value")
                 .iter_rows())
    assert share == pytest.approx({"RB": 1 / 3, "WR": 1 / 3, "TE": 1 / 3})
    rate = t.filter(pl.col("table").str.contains("rate"))
    assert set(rate["n"]) == {2} and rate["value"].to_list() == pytest.approx([0.5] * 3)
    assert motion_men_by_position(plays, None, positions).is_empty()
