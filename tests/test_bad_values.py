"""Bad values in raw files: each broken play is skipped and counted under the right reason,
broken files end in a DataError naming them, and folders load as Kaggle ships them
(Windows line endings, BDB 2023 week files, one tracking file for several weeks)."""

from __future__ import annotations

import math
from pathlib import Path

import polars as pl
import pytest

from coverage.errors import DataError
from coverage.ingest import IngestReport, ingest
from coverage.raw import find_raw_files, require_columns
from coverage.store import Store
from coverage.validation import SKIP_REASONS
from tests.builders.fixtures import REAL_PLAY
from tests.rawkit import TRACKING_COLS, make_raw_dir, play_rows

GAME = 2022090800
COPY = 9999  # playId of the corrupted copy of the real play
LEGACY_WEEKS = {2021091300: 1, 2021091910: 2, 2021092300: 3, 2021092609: 3, 2021092612: 3,
                2021101011: 5, 2021103108: 8}
TRACKING_TYPES = {"nflId": pl.Float64, "jerseyNumber": pl.Float64, "o": pl.Float64,
                  "dir": pl.Float64, "event": pl.String, "frameId": pl.Float64}


def _tracking(rows: list[dict]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema_overrides=TRACKING_TYPES, infer_schema_length=None) \
        .select(TRACKING_COLS)


def _corrupt(rows: list[dict], frame: int, nfl_id: float | None, **values) -> list[dict]:
    """The rows with ``values`` set on one player's (or the ball's) row of one frame."""
    return [dict(r, **values) if r["frameId"] == frame and r["nflId"] == nfl_id else r
            for r in rows]


def _ingest_plays(tmp_path: Path, plays: dict[int, list[dict]], *, parquet: bool = False
                  ) -> IngestReport:
    """Ingest a hand-built week whose plays are {playId: tracking rows}."""
    raw = make_raw_dir(tmp_path / "raw", plays=[(GAME, p, "right") for p in plays],
                       tracking_rows=[r for rows in plays.values() for r in rows])
    if parquet:
        t = pl.read_csv(raw / "tracking_week_1.csv", schema_overrides=TRACKING_TYPES)
        t.with_columns(pl.col("frameId").cast(pl.Int64)).write_parquet(
            raw / "tracking_week_1.parquet")
        (raw / "tracking_week_1.csv").unlink()
    return ingest(raw, tmp_path / "s", progress=False)


def _reasons(report: IngestReport) -> dict[int, str]:
    return {p["playId"]: p["skip_reason"] for w in report.weeks for p in w.skipped_plays}


# ------------------------------------------------------------------ 1. non-finite / absurd
@pytest.mark.parametrize("parquet", [False, True], ids=["csv", "parquet"])
def test_non_finite_and_absurd_values_skip_their_play(tmp_path: Path, parquet: bool) -> None:
    plays = {56: play_rows(GAME, 56, seed=0)}
    broken = {
        60: ("non_finite", 3, 1002.0, {"x": math.inf}),
        61: ("non_finite", 5, 2004.0, {"y": math.nan}),
        62: ("non_finite", 7, 1000.0, {"s": -math.inf}),
        63: ("non_finite", 2, 2001.0, {"o": math.nan}),
        64: ("non_finite", 1, 1003.0, {"a": math.nan}),
        65: ("non_finite", 24, 1000.0, {"dir": math.inf}),  # after the snap (frame 21)
        70: ("out_of_range", 4, 1001.0, {"x": 1e308}),
        71: ("out_of_range", 4, None, {"y": -500.0}),  # the ball
        72: ("out_of_range", 9, 2002.0, {"s": 60.0}),
        73: ("out_of_range", 9, 2002.0, {"dir": 1e308}),
        74: ("out_of_range", 25, 1004.0, {"x": 1e308}),  # positions: after the snap too
    }
    for pid, (_, frame, who, values) in broken.items():
        plays[pid] = _corrupt(play_rows(GAME, pid, seed=pid), frame, who, **values)
    # a ball that spikes in flight after the snap (as at a catch) is not absurd
    plays[57] = _corrupt(play_rows(GAME, 57, seed=1), 24, None, s=80.0, a=2000.0)
    report = _ingest_plays(tmp_path, plays, parquet=parquet)
    w = report.weeks[0]
    assert w.plays_read == 13 and w.plays_kept == 2
    assert w.skipped["non_finite"] == 6 and w.skipped["out_of_range"] == 5
    assert _reasons(report) == {pid: reason for pid, (reason, *_) in broken.items()}
    assert "non_finite=6" in report.summary() and "out_of_range=5" in report.summary()
    kept = Store(tmp_path / "s").plays()["playId"].to_list()
    assert kept == [56, 57]


# ------------------------------------------------------------------ 2. playDirection
def test_play_direction_is_normalised_or_the_play_skipped(tmp_path: Path) -> None:
    plays = {
        56: [dict(r, playDirection="LEFT") for r in play_rows(GAME, 56, "left", seed=5)],
        57: [dict(r, playDirection=" Right") for r in play_rows(GAME, 57, "right", seed=6)],
        58: play_rows(GAME, 58, "left", seed=5),  # the same play as 56, spelled "left"
        60: [dict(r, playDirection="sideways") for r in play_rows(GAME, 60, seed=7)],
        61: [dict(r, playDirection=None) for r in play_rows(GAME, 61, seed=8)],
        62: [dict(r, playDirection="left" if r["frameId"] > 10 else "right")
             for r in play_rows(GAME, 62, seed=9)],
    }
    report = _ingest_plays(tmp_path, plays)
    assert report.weeks[0].skipped["bad_direction"] == 3
    assert _reasons(report) == {60: "bad_direction", 61: "bad_direction", 62: "bad_direction"}
    store = Store(tmp_path / "s")
    upper, lower = (store.play_frames(GAME, p).drop("playId") for p in (56, 58))
    assert upper.equals(lower)  # "LEFT" was rotated exactly like "left"
    offense = store.play_frames(GAME, 56).filter(pl.col("side") == "offense")
    defense = store.play_frames(GAME, 56).filter(pl.col("side") == "defense")
    assert offense["x"].max() < defense["x"].min()  # rotated: the offense faces +x


# ------------------------------------------------------------------ 3. truncated rows
def test_truncated_last_line_skips_its_play(tmp_path: Path) -> None:
    raw = make_raw_dir(tmp_path / "raw")  # plays 56 and 80, 80 last in the file
    csv = raw / "tracking_week_1.csv"
    text = csv.read_text()
    last = text.rstrip("\n").rsplit("\n", 1)[1]
    cut = last[: last.index(",left,") + len(",left,") + 3]  # ends inside x
    csv.write_text(text[: len(text.rstrip("\n")) - len(last)] + cut)
    report = ingest(raw, tmp_path / "s", progress=False)
    assert report.weeks[0].skipped["incomplete_rows"] == 1
    assert _reasons(report) == {80: "incomplete_rows"}


def test_player_row_without_nfl_id_is_incomplete(tmp_path: Path) -> None:
    plays = {56: play_rows(GAME, 56, seed=0),
             60: _corrupt(play_rows(GAME, 60, seed=1), 24, 2003.0, nflId=None),  # post-snap
             61: _corrupt(play_rows(GAME, 61, seed=2), 3, 1003.0, club=None),
             62: _corrupt(play_rows(GAME, 62, seed=3), 3, 1003.0, y=None)}
    report = _ingest_plays(tmp_path, plays)
    assert report.weeks[0].skipped["incomplete_rows"] == 3
    assert set(_reasons(report)) == {60, 61, 62}


# ------------------------------------------------------------------ real play variants
def _real_pair(shared_bdb: Path, tmp_path: Path, corrupt=None, *, crlf: bool = False) -> Path:
    """The real play plus a copy of it (playId 9999) with ``corrupt`` applied to the copy's
    tracking, in a week-8 folder of its own."""
    d = tmp_path / "raw"
    d.mkdir(parents=True)
    real = pl.read_csv(shared_bdb / "tracking_2022_real_1play.csv", null_values=["NA", ""],
                       infer_schema_length=None)
    copy = real.with_columns(pl.lit(COPY, real["playId"].dtype).alias("playId"))
    if corrupt is not None:
        copy = corrupt(copy)
    pl.concat([real, copy], how="vertical_relaxed").write_csv(d / "tracking_week_8.csv")
    plays = pl.read_csv(shared_bdb / "plays.csv", infer_schema_length=0) \
        .filter(pl.col("gameId") == str(REAL_PLAY[0]), pl.col("playId") == str(REAL_PLAY[1]))
    pl.concat([plays, plays.with_columns(pl.lit(str(COPY)).alias("playId"))]) \
        .write_csv(d / "plays.csv")
    pl.read_csv(shared_bdb / "games.csv").write_csv(d / "games.csv")
    if crlf:
        for f in d.glob("*.csv"):
            f.write_bytes(f.read_bytes().replace(b"\n", b"\r\n"))
    return d


def test_real_play_passes_every_check(shared_bdb: Path, tmp_path: Path) -> None:
    report = ingest(_real_pair(shared_bdb, tmp_path), tmp_path / "s", progress=False)
    assert report.plays_kept == 2 and report.plays_skipped == 0


def test_fractional_frame_id_skips_the_play(shared_bdb: Path, tmp_path: Path) -> None:
    raw = _real_pair(shared_bdb, tmp_path, lambda t: t.with_columns(
        pl.when(pl.col("frameId") == 40).then(40.5).otherwise(pl.col("frameId"))
        .alias("frameId")))
    report = ingest(raw, tmp_path / "s", progress=False)
    assert report.plays_kept == 1
    assert _reasons(report) == {COPY: "bad_frame_id"}
    frames = Store(tmp_path / "s").play_frames(*REAL_PLAY)
    assert frames["frameId"].n_unique() == 177  # the real play keeps every frame


def test_whole_frame_ids_written_as_floats_load(shared_bdb: Path, tmp_path: Path) -> None:
    raw = _real_pair(shared_bdb, tmp_path, lambda t: t.with_columns(
        pl.col("frameId").cast(pl.Float64)))  # "1.0", "2.0", ...
    assert ",1.0,BEFORE_SNAP," in (raw / "tracking_week_8.csv").read_text()
    report = ingest(raw, tmp_path / "s", progress=False)
    assert report.plays_kept == 2
    frames = Store(tmp_path / "s").play_frames(REAL_PLAY[0], COPY)
    assert frames["frameId"].dtype == pl.Int32 and frames["frameId"].max() == 177


def test_truncated_real_file_skips_the_cut_play(shared_bdb: Path, tmp_path: Path) -> None:
    raw = _real_pair(shared_bdb, tmp_path)
    csv = raw / "tracking_week_8.csv"
    data = csv.read_bytes().rstrip(b"\n")
    csv.write_bytes(data[: data.rindex(b",left,") + 9])  # the copy's last row, cut in x
    report = ingest(raw, tmp_path / "s", progress=False)
    assert _reasons(report) == {COPY: "incomplete_rows"} and report.plays_kept == 1


# ------------------------------------------------------------------ 5. duplicate plays.csv
def test_identical_duplicate_play_rows_are_kept_once_and_counted(tmp_path: Path) -> None:
    raw = make_raw_dir(tmp_path / "raw")
    plays = pl.read_csv(raw / "plays.csv")
    pl.concat([plays, plays.head(1)]).write_csv(raw / "plays.csv")
    report = ingest(raw, tmp_path / "s", progress=False)
    assert report.plays_kept == 2 and report.plays_skipped == 0
    assert report.duplicate_plays_csv == 1
    assert report.plays_without_tracking == 0
    assert "1 duplicate rows in plays.csv" in report.summary()
    assert Store(tmp_path / "s").plays()["playId"].to_list() == [56, 80]


def test_differing_duplicate_play_rows_name_the_play(tmp_path: Path) -> None:
    raw = make_raw_dir(tmp_path / "raw")
    plays = pl.read_csv(raw / "plays.csv")
    pl.concat([plays, plays.tail(1).with_columns(pl.col("down") + 2)]) \
        .write_csv(raw / "plays.csv")
    with pytest.raises(DataError, match=r"plays\.csv lists play gameId=2022090800 playId=80"):
        ingest(raw, tmp_path / "s", progress=False)


# ------------------------------------------------------------------ 6. Windows CSVs, headers
def test_windows_line_endings_load_like_unix_ones(shared_bdb: Path, tmp_path: Path) -> None:
    unix = ingest(_real_pair(shared_bdb, tmp_path / "a"), tmp_path / "a" / "s",
                  progress=False)
    raw = _real_pair(shared_bdb, tmp_path / "b", crlf=True)
    assert b"event\r\n" in (raw / "tracking_week_8.csv").read_bytes()
    (raw / "plays.csv").write_bytes((raw / "plays.csv").read_bytes() + b"\r\n")  # blank line
    windows = ingest(raw, tmp_path / "b" / "s", progress=False)
    assert windows.plays_kept == unix.plays_kept == 2 and windows.plays_skipped == 0
    a, b = (Store(tmp_path / x / "s") for x in ("a", "b"))
    assert a.play_frames(*REAL_PLAY).equals(b.play_frames(*REAL_PLAY))
    assert b.plays().drop("source").equals(a.plays().drop("source"))
    assert b.play_row(*REAL_PLAY)["pff_manZone"] == "Zone"  # last-but-one columns intact


@pytest.mark.parametrize("name", ["tracking_week_1.csv", "plays.csv", "games.csv"])
def test_header_without_rows_names_the_file(tmp_path: Path, name: str) -> None:
    raw = make_raw_dir(tmp_path / "raw")
    header = (raw / name).read_text().split("\n", 1)[0]
    (raw / name).write_text(header + "\r\n")
    with pytest.raises(DataError, match=f"{name} has a header but no rows") as err:
        ingest(raw, tmp_path / "s", progress=False)
    assert err.value.file == str(raw / name)


def test_renamed_column_by_case_gets_the_case_hint(tmp_path: Path) -> None:
    raw = make_raw_dir(tmp_path / "raw")
    t = pl.read_csv(raw / "tracking_week_1.csv").rename({"x": "X"})
    t.write_csv(raw / "tracking_week_1.csv")
    with pytest.raises(DataError, match=r"required column 'x' is missing \(found a similar "
                                        r"column 'X'") as err:
        ingest(raw, tmp_path / "s", progress=False)
    assert err.value.column == "x"


def test_hint_never_suggests_the_missing_name_itself() -> None:
    lf = pl.LazyFrame({"gameId": [1], "event\r": ["x"]})
    with pytest.raises(DataError) as err:
        require_columns(lf, "t.csv", ["gameId", "event"])
    msg = str(err.value)
    assert "similar column 'event\\r'" in msg and "similar column 'event'" not in msg
    with pytest.raises(DataError) as err:
        require_columns(pl.LazyFrame({"gameId": [1]}), "t.csv", ["event"])
    assert "similar" not in str(err.value)


# ------------------------------------------------------------------ 7. empty file
def test_empty_tracking_file_names_it(tmp_path: Path) -> None:
    raw = make_raw_dir(tmp_path / "raw")
    (raw / "tracking_week_1.csv").write_bytes(b"")
    with pytest.raises(DataError, match=r"tracking_week_1\.csv is empty") as err:
        ingest(raw, tmp_path / "s", progress=False)
    assert err.value.file == str(raw / "tracking_week_1.csv")


# ------------------------------------------------------------------ 8. BDB 2023 folders
def _legacy_tables(shared_bdb: Path, d: Path, *, games: bool) -> pl.DataFrame:
    d.mkdir(parents=True)
    plays = pl.read_csv(shared_bdb / "bdb2023" / "plays_7plays.csv")
    plays.write_csv(d / "plays.csv")
    if games:
        pl.DataFrame({
            "gameId": list(LEGACY_WEEKS), "season": [2021] * 7, "week": list(LEGACY_WEEKS.values()),
        }).join(plays.group_by("gameId").agg(
            pl.col("possessionTeam").first().alias("homeTeamAbbr"),
            pl.col("defensiveTeam").first().alias("visitorTeamAbbr")), on="gameId", how="left") \
            .write_csv(d / "games.csv")
    return pl.read_csv(shared_bdb / "bdb2023" / "tracking_7plays.csv")


def _weeks_of(store: Store) -> dict[int, int]:
    return dict(store.plays().select("gameId", "week").unique().iter_rows())


def test_bdb2023_week_files_are_found(shared_bdb: Path, tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    tracking = _legacy_tables(shared_bdb, raw, games=False)
    for week in sorted(set(LEGACY_WEEKS.values())):
        ids = [g for g, w in LEGACY_WEEKS.items() if w == week]
        tracking.filter(pl.col("gameId").is_in(ids)).write_csv(raw / f"week{week}.csv")
    files = find_raw_files(raw)
    assert sorted(files.tracking) == [1, 2, 3, 5, 8] and files.tracking_games == {}
    assert files.tracking[3].name == "week3.csv"
    report = ingest(raw, tmp_path / "s", progress=False)
    assert report.plays_kept == 7 and report.plays_skipped == 0
    store = Store(tmp_path / "s")
    assert store.weeks == [1, 2, 3, 5, 8]
    assert _weeks_of(store) == LEGACY_WEEKS


@pytest.mark.parametrize("games", [True, False], ids=["games_csv", "dates_in_game_ids"])
def test_bdb2023_one_tracking_file_for_all_weeks(shared_bdb: Path, tmp_path: Path,
                                                 games: bool) -> None:
    raw = tmp_path / "raw"
    _legacy_tables(shared_bdb, raw, games=games)
    (raw / "tracking_7plays.csv").symlink_to(shared_bdb / "bdb2023" / "tracking_7plays.csv")
    files = find_raw_files(raw)
    assert sorted(files.tracking) == [1, 2, 3, 5, 8]
    assert set(files.tracking.values()) == {raw / "tracking_7plays.csv"}
    assert files.tracking_games[3] == [2021092300, 2021092609, 2021092612]
    report = ingest(raw, tmp_path / "s", progress=False)
    assert report.plays_kept == 7 and report.plays_skipped == 0
    assert {w.week: w.plays_kept for w in report.weeks} == {1: 1, 2: 1, 3: 3, 5: 1, 8: 1}
    store = Store(tmp_path / "s")
    assert store.weeks == [1, 2, 3, 5, 8]
    assert _weeks_of(store) == LEGACY_WEEKS
    assert sorted(store.plays()["pff_manZone"].to_list()) == ["Man"] * 2 + ["Zone"] * 5
    for week in store.weeks:  # each week's file holds its own games only
        games_in = set(store.tracking(week).select("gameId").unique().collect()["gameId"])
        assert all(LEGACY_WEEKS[g] == week for g in games_in)


def test_game_missing_from_games_csv_and_not_a_date_is_an_error(tmp_path: Path) -> None:
    raw = make_raw_dir(tmp_path / "raw", plays=[(GAME, 56, "right")])
    t = pl.read_csv(raw / "tracking_week_1.csv")
    odd = t.with_columns(pl.lit(123, pl.Int64).alias("gameId"))
    pl.concat([t, odd]).write_csv(raw / "tracking.csv")
    (raw / "tracking_week_1.csv").unlink()
    with pytest.raises(DataError, match=r"cannot tell the week of game 123 in tracking\.csv"):
        find_raw_files(raw)


def test_week_files_and_an_all_weeks_file_together_are_ambiguous(tmp_path: Path) -> None:
    raw = make_raw_dir(tmp_path / "raw")
    (raw / "tracking.csv").write_bytes((raw / "tracking_week_1.csv").read_bytes())
    with pytest.raises(DataError, match="with and without a week number"):
        find_raw_files(raw)


def test_skip_reasons_are_documented() -> None:
    new = {"incomplete_rows", "bad_frame_id", "non_finite", "out_of_range", "bad_direction"}
    assert new <= set(SKIP_REASONS)
    assert list(SKIP_REASONS)[:2] == ["not_in_plays", "incomplete_rows"]
