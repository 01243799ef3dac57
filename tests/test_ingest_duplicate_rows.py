"""Tracking rows listed twice: an exact repeat is kept once and counted, two different rows
for one player (or the ball) in one frame skip the play as ``conflicting_rows``, and a clean
week reads as before."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl

from coverage.cli import main
from coverage.ingest import IngestReport, ingest
from coverage.schema import STAGED_TRACKING_SCHEMA
from coverage.store import Store
from coverage.validation import (
    SKIP_REASONS,
    play_status,
    repeated_frames,
    without_exact_repeats,
)
from tests.rawkit import make_raw_dir, play_rows

GAME = 2022090800
SNAP = 21  # rawkit plays: 20 frames before the snap, snap at 21, 5 after


def _row(rows: list[dict], frame: int, nfl_id: float | None) -> dict:
    return next(r for r in rows if r["frameId"] == frame and r["nflId"] == nfl_id)


def _ingest(tmp_path: Path, plays: dict[int, list[dict]], name: str = "s") -> IngestReport:
    raw = make_raw_dir(tmp_path / f"raw_{name}", plays=[(GAME, p, "right") for p in plays],
                       tracking_rows=[r for rows in plays.values() for r in rows])
    return ingest(raw, tmp_path / name, progress=False)


def _reasons(report: IngestReport) -> dict[int, str]:
    return {p["playId"]: p["skip_reason"] for w in report.weeks for p in w.skipped_plays}


def test_conflicting_rows_is_checked_before_the_player_count() -> None:
    reasons = list(SKIP_REASONS)
    assert reasons.index("conflicting_rows") < reasons.index("players_per_frame")


def test_exact_repeats_are_kept_once_and_counted(tmp_path: Path) -> None:
    clean = {56: play_rows(GAME, 56, seed=1), 80: play_rows(GAME, 80, seed=2)}
    rows = clean[56]
    # a player before the snap, the ball at the snap, a defender after it; and the tail of
    # the file written again (a file concatenated with an overlapping chunk)
    again = [_row(rows, 3, 1002.0), _row(rows, SNAP, None), _row(rows, 24, 2005.0)]
    dirty = {56: rows + [dict(r) for r in again],
             80: clean[80] + [dict(r) for r in clean[80][-30:]]}
    report = _ingest(tmp_path, dirty)
    w = report.weeks[0]
    assert w.plays_read == 2 and w.plays_kept == 2
    assert sum(w.skipped.values()) == 0
    assert w.rows_read == len(clean[56]) + len(clean[80]) + 33
    assert w.duplicate_rows == 33
    assert "33 duplicate rows (exact repeats) kept once" in report.summary()
    saved = json.loads((Store(tmp_path / "s").path / "ingest_report.json").read_text())
    assert saved["weeks"][0]["duplicate_rows"] == 33
    # the store holds exactly what the clean file gives
    reference = Store(_ingest(tmp_path, clean, name="ref").store_dir)
    store = Store(tmp_path / "s")
    for play in (56, 80):
        assert store.play_frames(GAME, play).equals(reference.play_frames(GAME, play))


def test_conflicting_rows_skip_their_play_with_that_reason(tmp_path: Path) -> None:
    plays = {56: play_rows(GAME, 56, seed=1)}
    # a player listed twice before the snap, the second row elsewhere (12 offense players
    # in that frame: the player count alone would call it players_per_frame)
    rows = play_rows(GAME, 60, seed=3)
    plays[60] = rows + [dict(_row(rows, 5, 1004.0), x=31.5)]
    # the ball twice in a frame after the snap, at two heights
    rows = play_rows(GAME, 61, seed=4)
    plays[61] = rows + [dict(_row(rows, 25, None), y=30.0)]
    # an exact repeat beside a conflicting row: counted, and the play still skipped
    rows = play_rows(GAME, 62, seed=5)
    plays[62] = rows + [dict(_row(rows, 2, 2001.0)), dict(_row(rows, 8, 2002.0), s=3.0)]
    report = _ingest(tmp_path, plays)
    w = report.weeks[0]
    assert w.plays_read == 4 and w.plays_kept == 1
    assert w.skipped["conflicting_rows"] == 3 and w.skipped["players_per_frame"] == 0
    assert _reasons(report) == {60: "conflicting_rows", 61: "conflicting_rows",
                                62: "conflicting_rows"}
    assert w.duplicate_rows == 1
    assert "conflicting_rows=3" in report.summary()
    assert Store(tmp_path / "s").plays().filter(pl.col("has_tracking"))["playId"].to_list() \
        == [56]


def test_clean_week_is_unchanged(tmp_path: Path, capsys) -> None:
    raw = make_raw_dir(tmp_path / "raw")
    assert main(["ingest", str(raw), "-o", str(tmp_path / "s"), "-q"]) == 0
    out = capsys.readouterr().out
    assert "ingested 2 plays" in out and "duplicate rows" not in out
    report = json.loads((Store(tmp_path / "s").path / "ingest_report.json").read_text())
    week = report["weeks"][0]
    assert week["duplicate_rows"] == 0 and week["plays_kept"] == 2
    assert week["rows_read"] == 2 * 26 * 23  # 26 frames of 22 players and the ball
    assert not any(week["skipped"].values())


def test_play_status_finds_conflicts_alone_or_in_the_frames_it_is_given() -> None:
    clean, other = play_rows(GAME, 56, seed=1), play_rows(GAME, 60, seed=3)
    rows = [*clean, *other, dict(_row(clean, 25, 1004.0)), dict(_row(other, 5, None), x=12.0)]
    stage = pl.DataFrame(rows).select(
        pl.col(c).cast(t) for c, t in STAGED_TRACKING_SCHEMA.items()).lazy()
    teams = pl.LazyFrame({"gameId": [GAME, GAME], "playId": [56, 60],
                          "possessionTeam": ["KC", "KC"], "defensiveTeam": ["LV", "LV"]})
    repeated = repeated_frames(stage)
    assert sorted(repeated.rows()) == [(GAME, 56, 25.0), (GAME, 60, 5.0)]
    once = without_exact_repeats(stage, repeated)
    assert once.select(pl.len()).collect().item() == len(rows) - 1
    alone, given = play_status(once, teams), play_status(once, teams, repeated)
    assert alone.equals(given)
    assert given["skip_reason"].to_list() == [None, "conflicting_rows"]
