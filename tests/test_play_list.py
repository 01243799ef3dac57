"""The play list sorts the way an analyst hunts: swings, confidence, misses, EPA."""

from __future__ import annotations

import polars as pl

from coverage.app.play_data import SORTS, play_table, sort_plays


def _table() -> pl.DataFrame:
    plays = pl.DataFrame({
        "gameId": [1, 1, 1], "playId": [1, 2, 3], "week": [1, 1, 1],
        "possessionTeam": ["KC"] * 3, "defensiveTeam": ["LV"] * 3, "quarter": [1, 2, 5],
        "down": [1, 2, 3], "yardsToGo": [10, 5, 2], "pff_manZone": ["Man", "Zone", "Man"],
        "pff_passCoverage": ["Cover-1", "Cover-3", "Cover-0"],
        "offenseFormation": ["SHOTGUN"] * 3, "passResult": ["C", "I", "S"],
        "playDescription": ["a", "b", "c"], "yardsGained": [12, 0, -7],
        "expectedPointsAdded": [1.5, -0.4, -2.1]})
    rows = []
    # play 1: steady 0.9 (a confident hit); play 2: swings 0.1 -> 0.8 (a miss);
    # play 3: 0.45 -> 0.55 (unsure hit)
    for pid, path in ((1, [0.9, 0.9]), (2, [0.1, 0.8]), (3, [0.45, 0.55])):
        for k, p in enumerate(path):
            rows.append({"model": "m", "gameId": 1, "playId": pid, "frameId": k,
                         "secs_from_snap": -0.1 * (1 - k), "p_man": p})
    return play_table(plays, pl.DataFrame(rows), "m")


def test_columns_beside_the_play() -> None:
    t = _table()
    assert t["yards"].to_list() == [12, 0, -7] and t["epa"].to_list() == [1.5, -0.4, -2.1]
    assert [round(v, 2) for v in t["p_man_swing"].to_list()] == [0.0, 0.7, 0.1]
    assert t["label"][2].split(" · ")[3].startswith("OT")


def test_every_order() -> None:
    t = _table()
    order = {name: sort_plays(t, name)["playId"].to_list() for name in SORTS}
    assert order["game order"] == [1, 2, 3]
    assert order["biggest P(man) swing"][0] == 2
    assert order["most confident call"][0] == 1
    assert order["least confident call"][0] == 3
    assert order["misses first"][0] == 2
    assert order["EPA (best for the offense)"] == [1, 2, 3]
    assert order["EPA (best for the defense)"] == [3, 2, 1]
