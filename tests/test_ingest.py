"""Ingest: real files of both schemas, idempotency, and every kind of bad input."""

from __future__ import annotations

import json
import os
from pathlib import Path

import polars as pl
import pytest

from coverage.errors import DataError
from coverage.ingest import ingest
from coverage.schema import PLAY_INDEX_SCHEMA, TRACKING_SCHEMA
from coverage.store import Store
from tests.builders.fixtures import REAL_PLAY
from tests.rawkit import make_raw_dir, play_rows


def test_real_2022_play_ingests_with_labels(real_store: Store) -> None:
    plays = real_store.plays()
    assert plays.height == 1
    row = plays.row(0, named=True)
    assert (row["gameId"], row["playId"]) == REAL_PLAY
    assert row["week"] == 8 and row["pff_manZone"] == "Zone"
    assert row["pff_passCoverage"] == "Cover 6-Left"
    assert row["source"] == "real" and real_store.source == "real"
    assert {"NE", "NYJ"} == {row["possessionTeam"], row["defensiveTeam"]}
    for col, dtype in PLAY_INDEX_SCHEMA.items():
        assert plays.schema[col] == dtype, col
    tr = real_store.tracking(8).collect_schema()
    for col, dtype in TRACKING_SCHEMA.items():
        assert tr[col] == dtype, col
    assert real_store.has("player_play") and real_store.players().height > 1000


def test_legacy_2021_schema_loads(legacy_raw_dir: Path, tmp_path: Path) -> None:
    report = ingest(legacy_raw_dir, tmp_path / "s", progress=False)
    store = Store(tmp_path / "s")
    plays = store.plays()
    assert report.plays_kept == 7 and plays.height == 7
    assert sorted(plays["pff_manZone"].to_list()) == ["Man"] * 2 + ["Zone"] * 5
    assert plays["season"].unique().to_list() == [2021]
    frames = store.play_frames(2021091300, 4845)
    # the charted ball_snap (frame 7, after autoevent_ballsnap at 6) trails the ball, which
    # leaves its spot at frame 5: the snap is where the ball moved
    assert store.play_row(2021091300, 4845)["snap_frame"] == 5
    assert set(frames["frameType"].unique()) == {"BEFORE_SNAP", "SNAP", "AFTER_SNAP"}
    assert frames.filter(pl.col("frameType") == "SNAP")["frameId"].unique().to_list() == [5]
    # a charted snap that does not trail the ball stays (ball_snap 6, ball still until 7)
    assert store.play_row(2021091910, 54)["snap_frame"] == 6


def test_ingest_is_idempotent_and_atomic(tmp_path: Path) -> None:
    raw = make_raw_dir(tmp_path / "raw")
    r1 = ingest(raw, tmp_path / "s", progress=False)
    gen1 = Store(tmp_path / "s").path
    first = pl.read_parquet(gen1 / "tracking" / "week_1.parquet")
    detected = (gen1 / "formations.parquet").stat().st_mtime_ns
    r2 = ingest(raw, tmp_path / "s", progress=False)
    assert r1.plays_kept == r2.plays_kept == 2
    assert r2.weeks[0].up_to_date
    assert Store(tmp_path / "s").path == gen1  # nothing changed: no new generation
    assert (gen1 / "formations.parquet").stat().st_mtime_ns == detected
    r3 = ingest(raw, tmp_path / "s", progress=False, force=True)
    gen3 = Store(tmp_path / "s").path
    assert not r3.weeks[0].up_to_date and gen3 != gen1
    assert pl.read_parquet(gen3 / "formations.parquet").height == 2
    assert pl.read_parquet(gen3 / "tracking" / "week_1.parquet").equals(first)
    leftovers = [p for p in (tmp_path / "s").rglob("*")
                 if p.name.startswith(".") and p.name != ".lock"]
    assert leftovers == []
    # a touched input is re-read (its mtime moved on by a second, not by waiting for it)
    touched = raw / "tracking_week_1.csv"
    st = touched.stat()
    os.utime(touched, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    assert not ingest(raw, tmp_path / "s", progress=False).weeks[0].up_to_date


def test_left_play_is_rotated(tmp_path: Path) -> None:
    raw = make_raw_dir(tmp_path / "raw")
    store = Store(ingest(raw, tmp_path / "s", progress=False).store_dir)
    for play_id in (56, 80):
        f = store.play_frames(2022090800, play_id).filter(pl.col("secs_from_snap") == 0)
        off = f.filter(pl.col("side") == "offense")["x"].max()
        de = f.filter(pl.col("side") == "defense")["x"].min()
        assert off < 70 - 50 + 50 and off < de  # offense behind the ball, facing +x
        mover = store.play_frames(2022090800, play_id).filter(pl.col("nflId") == 1005)
        dy = mover["y"][-1] - mover["y"][0]
        # raw motion is +y; on the left-going play it must become -y, with vy agreeing
        assert (dy > 0) == (play_id == 56)
        assert (mover["vy"].mean() > 0) == (dy > 0)


def test_missing_file_names_it(tmp_path: Path) -> None:
    raw = make_raw_dir(tmp_path / "raw")
    (raw / "plays.csv").unlink()
    with pytest.raises(DataError, match=r"plays\.csv"):
        ingest(raw, tmp_path / "s", progress=False)


def test_renamed_column_names_file_and_column(tmp_path: Path) -> None:
    raw = make_raw_dir(tmp_path / "raw")
    t = pl.read_csv(raw / "tracking_week_1.csv").rename({"club": "clubb"})
    t.write_csv(raw / "tracking_week_1.csv")
    with pytest.raises(DataError) as err:
        ingest(raw, tmp_path / "s", progress=False)
    msg = str(err.value)
    assert "tracking_week_1.csv" in msg and "'club'" in msg and "clubb" in msg
    assert err.value.column == "club"


def test_wrong_dtype_names_column_and_value(tmp_path: Path) -> None:
    raw = make_raw_dir(tmp_path / "raw")
    t = pl.read_csv(raw / "tracking_week_1.csv").with_columns(
        pl.when(pl.col("frameId") == 1).then(pl.lit("left-hash")).otherwise(
            pl.col("y").cast(pl.String)).alias("y"))
    t.write_csv(raw / "tracking_week_1.csv")
    with pytest.raises(DataError) as err:
        ingest(raw, tmp_path / "s", progress=False)
    assert err.value.column == "y" and "left-hash" in str(err.value)


def test_bad_plays_are_skipped_and_counted(tmp_path: Path) -> None:
    rows = play_rows(2022090800, 56, "right", seed=1)
    # play 80: no snap at all
    no_snap = [dict(r, frameType="BEFORE_SNAP", event=None)
               for r in play_rows(2022090800, 80, "right", seed=2)]
    # play 99: one defender missing from every frame
    short = [r for r in play_rows(2022090800, 99, "right", seed=3) if r["nflId"] != 2003.0]
    # play 120: tracking for a play plays.csv does not list
    orphan = play_rows(2022090800, 120, "right", seed=4)
    raw = make_raw_dir(
        tmp_path / "raw",
        plays=[(2022090800, 56, "right"), (2022090800, 80, "right"), (2022090800, 99, "right")],
        tracking_rows=rows + no_snap + short + orphan,
    )
    report = ingest(raw, tmp_path / "s", progress=False)
    w = report.weeks[0]
    assert w.plays_read == 4 and w.plays_kept == 1
    assert w.skipped["no_snap"] == 1
    assert w.skipped["players_per_frame"] == 1
    assert w.skipped["not_in_plays"] == 1
    listed = {(p["playId"], p["skip_reason"]) for p in w.skipped_plays}
    assert listed == {(80, "no_snap"), (99, "players_per_frame"), (120, "not_in_plays")}
    saved = json.loads((Store(tmp_path / "s").path / "ingest_report.json").read_text())
    assert saved["plays_skipped"] == 3
    assert "players_per_frame=1" in report.summary()
    assert Store(tmp_path / "s").plays()["playId"].to_list() == [56]


def test_store_errors_are_specific(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="not a coverage store"):
        Store(tmp_path)
    raw = make_raw_dir(tmp_path / "raw")
    ingest(raw, tmp_path / "s", progress=False)
    store = Store(tmp_path / "s")
    with pytest.raises(DataError, match="game 1 is not in the store"):
        store.play_frames(1, 1)
    with pytest.raises(DataError, match="no tracking rows"):
        store.play_frames(2022090800, 12345)


def test_cli_ingest_reports_errors_without_traceback(tmp_path: Path, capsys) -> None:
    from coverage.cli import main

    assert main(["ingest", str(tmp_path / "nope"), "-o", str(tmp_path / "s"), "-q"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: data folder not found") and "Traceback" not in err
    raw = make_raw_dir(tmp_path / "raw")
    assert main(["ingest", str(raw), "-o", str(tmp_path / "s"), "-q"]) == 0
    assert "ingested 2 plays" in capsys.readouterr().out
