"""Players are named on screen by jersey, else by name: never "#?" (the real tracking copy
in shared/bdb has no jersey numbers)."""

from __future__ import annotations

import polars as pl

from coverage.app.play_data import responsibility_table
from coverage.players import tag_expr


def test_tag_prefers_jersey_then_last_name_then_id() -> None:
    df = pl.DataFrame({"jerseyNumber": [24.0, None, None], "nflId": [1, 2, 3],
                       "displayName": ["Sauce Gardner", "Mac Jones", None]})
    assert df.select(tag_expr().alias("tag"))["tag"].to_list() == ["#24", "Jones", "id 3"]


def test_responsibility_table_reads_well() -> None:
    frames = pl.DataFrame({"nflId": [10, 20, 30], "jerseyNumber": [None, 11.0, 24.0],
                           "displayName": ["Sauce Gardner", "A Receiver", "B Corner"]})
    resp = pl.DataFrame({"frameId": [5, 5], "nflId": [10, 30],
                         "assignment": ["MAN", "ZONE"], "prob": [0.98874, 0.7123],
                         "target_nflId": [20, None], "target_prob": [0.98874, None]})
    out = responsibility_table(resp, frames)
    rows = {r["defender"]: r for r in out.to_dicts()}
    assert rows["Gardner"]["covers"] == "#11" and rows["Gardner"]["covers_prob"] == "0.99"
    assert rows["#24"]["covers"] == "–" and rows["#24"]["prob"] == 0.71
    assert "None" not in str(out.to_dicts())


def test_overtime_reads_ot() -> None:
    from coverage.views._common import quarter_label

    assert [quarter_label(q) for q in (1, 4, 5)] == ["Q1", "Q4", "OT"]
