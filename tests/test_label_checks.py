"""Value checks on the label tables (plays, games, players, player_play) at ingest.

A bad value is a DataError naming the file, the column and the value (cut short); an
exact repeat is dropped and counted; a label in another case is respelled and counted;
a game tracked outside the week games.csv gives it is refused. The real files of both
Big Data Bowl schemas pass unchanged.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from coverage import generations
from coverage.errors import DataError
from coverage.ingest import ingest
from coverage.raw import (
    label_table_counts,
    scan_games,
    scan_player_play,
    scan_players,
    scan_plays,
)
from coverage.store import Store
from tests.rawkit import make_raw_dir, play_rows

GAME = 2022090800


def _edit(raw: Path, name: str, row: int, column: str, value) -> None:
    """Set one cell of a raw CSV (every column read as text, so any value fits)."""
    df = pl.read_csv(raw / name, infer_schema_length=0)
    row = min(row, df.height - 1)
    col = df[column].scatter(row, None if value is None else str(value))
    df.with_columns(col).write_csv(raw / name)


def _add_player_play(raw: Path) -> None:
    rows = [{"gameId": GAME, "playId": p, "nflId": n, "teamAbbr": "KC" if n < 2000 else "LV",
             "pff_defensiveCoverageAssignment": None if n < 2000 else "MAN"}
            for p in (56, 80) for n in [*range(1000, 1011), *range(2000, 2011)]]
    pl.DataFrame(rows).write_csv(raw / "player_play.csv")


@pytest.fixture
def raw(tmp_path: Path) -> Path:
    d = make_raw_dir(tmp_path / "raw")
    _add_player_play(d)
    return d


# ------------------------------------------------------------------ ranges, types, forms
BAD_VALUES = [
    ("plays.csv", "absoluteYardlineNumber", "1e+308", "out of range"),
    ("plays.csv", "absoluteYardlineNumber", "inf", "not a finite number"),
    ("plays.csv", "absoluteYardlineNumber", "-4", "out of range"),
    ("plays.csv", "absoluteYardlineNumber", "115", "out of range"),
    ("plays.csv", "down", "0", "out of range"),
    ("plays.csv", "down", "5", "out of range"),
    ("plays.csv", "down", "2.5", "not a whole number"),
    ("plays.csv", "quarter", "9", "out of range"),
    ("plays.csv", "yardsToGo", "-3", "out of range"),
    ("plays.csv", "yardsToGo", "ten", "non-numeric"),
    ("plays.csv", "playId", "80.5", "not a whole number"),
    ("plays.csv", "gameId", "G1", "non-numeric"),
    ("games.csv", "week", "0", "out of range"),
    ("games.csv", "week", "40", "out of range"),
    ("games.csv", "season", "1066", "out of range"),
    ("games.csv", "homeFinalScore", "-7", "out of range"),
    ("players.csv", "nflId", "1000.5", "not a whole number"),
    ("player_play.csv", "nflId", "abc", "non-numeric"),
    ("player_play.csv", "nflId", "2003.25", "not a whole number"),
    ("player_play.csv", "nflId", "-2", "out of range"),
]


@pytest.mark.parametrize(("name", "column", "value", "why"), BAD_VALUES,
                         ids=[f"{n.split('.')[0]}-{c}-{v}" for n, c, v, _ in BAD_VALUES])
def test_a_bad_value_names_file_column_and_value(raw: Path, tmp_path: Path, name: str,
                                                 column: str, value: str, why: str) -> None:
    _edit(raw, name, 1, column, value)
    with pytest.raises(DataError, match=why) as err:
        ingest(raw, tmp_path / "s", progress=False)
    assert err.value.file == str(raw / name) and err.value.column == column
    assert value in str(err.value)
    assert not (tmp_path / "s" / "current").exists()  # no store made of it


def test_optional_columns_are_checked_too(raw: Path, tmp_path: Path) -> None:
    plays = pl.read_csv(raw / "plays.csv")
    plays.with_columns(pl.Series("gameClock", ["10:00", "61:99"]),
                       pl.Series("preSnapHomeScore", [0, 3])).write_csv(raw / "plays.csv")
    with pytest.raises(DataError, match=r"plays\.csv row 2: gameClock '61:99'") as err:
        ingest(raw, tmp_path / "s", progress=False)
    assert "MM:SS" in str(err.value)
    plays.with_columns(pl.Series("gameClock", ["10:00", "00:07"]),
                       pl.Series("preSnapHomeScore", [0, -1])).write_csv(raw / "plays.csv")
    with pytest.raises(DataError, match=r"preSnapHomeScore '-1' is out of range"):
        ingest(raw, tmp_path / "s", progress=False)


def test_a_huge_value_is_cut_in_the_message(raw: Path, tmp_path: Path) -> None:
    _edit(raw, "player_play.csv", 3, "nflId", "x" * 5_000_000)
    with pytest.raises(DataError) as err:
        ingest(raw, tmp_path / "s", progress=False)
    assert err.value.column == "nflId" and len(str(err.value)) < 400


def test_text_deep_in_a_large_player_play_names_the_file(raw: Path, tmp_path: Path) -> None:
    pp = pl.read_csv(raw / "player_play.csv")
    big = pl.concat([pp.with_columns(pl.col("playId") + 1000 * i) for i in range(1200)])
    big = big.with_columns(pl.col("nflId").cast(pl.String))
    big.with_columns(big["nflId"].scatter(big.height - 5, "N/A")).write_csv(
        raw / "player_play.csv")  # past the 20,000 rows a schema is guessed from
    with pytest.raises(DataError, match="non-numeric values e.g. 'N/A'") as err:
        ingest(raw, tmp_path / "s", progress=False)
    assert err.value.file == str(raw / "player_play.csv")


def test_a_fractional_nfl_id_in_parquet_is_refused(raw: Path, tmp_path: Path) -> None:
    pp = pl.read_csv(raw / "player_play.csv").with_columns(pl.col("nflId").cast(pl.Float64))
    pp.with_columns(pp["nflId"].scatter(4, 1004.5)).write_parquet(raw / "player_play.parquet")
    (raw / "player_play.csv").unlink()
    with pytest.raises(DataError, match=r"player_play\.parquet row 5: nflId '1004\.5'"):
        ingest(raw, tmp_path / "s", progress=False)


def test_a_fractional_nfl_id_in_tracking_skips_its_play(tmp_path: Path) -> None:
    rows = {56: play_rows(GAME, 56, seed=0), 80: play_rows(GAME, 80, seed=1)}
    rows[80] = [dict(r, nflId=1003.5) if r["nflId"] == 1003.0 and r["frameId"] == 4 else r
                for r in rows[80]]
    raw = make_raw_dir(tmp_path / "raw", plays=[(GAME, 56, "right"), (GAME, 80, "right")],
                       tracking_rows=rows[56] + rows[80])
    report = ingest(raw, tmp_path / "s", progress=False)
    assert report.plays_kept == 1 and report.weeks[0].skipped["bad_nfl_id"] == 1
    assert report.weeks[0].skipped_plays == [
        {"gameId": GAME, "playId": 80, "skip_reason": "bad_nfl_id"}]
    kept = Store(tmp_path / "s").tracking(1).select("playId").unique().collect()["playId"]
    assert kept.to_list() == [56]  # no row of play 80 with its nflId cut to 1003


# ------------------------------------------------------------------ duplicates
@pytest.mark.parametrize("name", ["games.csv", "players.csv", "player_play.csv"])
def test_an_exact_repeat_is_dropped_and_counted(raw: Path, tmp_path: Path, name: str) -> None:
    df = pl.read_csv(raw / name)
    pl.concat([df, df.tail(1), df.head(1)]).write_csv(raw / name)
    report = ingest(raw, tmp_path / "s", progress=False)
    assert report.duplicate_rows[name] == 2
    assert f"2 duplicate rows in {name}" in report.summary()
    table = {"games.csv": "games", "players.csv": "players",
             "player_play.csv": "player_play"}[name]
    stored = pl.read_parquet(generations.current(tmp_path / "s") / f"{table}.parquet")
    assert stored.height == df.height


@pytest.mark.parametrize(("name", "key", "column", "value"), [
    ("games.csv", "gameId=2022090800", "week", 2),
    ("players.csv", "nflId=2010", "position", "CB"),
    ("player_play.csv", "gameId=2022090800 playId=80 nflId=2010", "teamAbbr", "KC"),
])
def test_a_conflicting_repeat_names_key_and_column(raw: Path, tmp_path: Path, name: str,
                                                   key: str, column: str, value) -> None:
    df = pl.read_csv(raw / name)
    if name == "players.csv":
        df = df.with_columns(pl.col("nflId").cast(pl.Int64))
    other = df.tail(1).with_columns(pl.lit(value).alias(column))
    pl.concat([df, other], how="vertical_relaxed").write_csv(raw / name)
    with pytest.raises(DataError, match=f"{name} lists .* {key} more than once with "
                                        "different values") as err:
        ingest(raw, tmp_path / "s", progress=False)
    assert err.value.column == column and err.value.file == str(raw / name)


# ------------------------------------------------------------------ label case
def test_labels_in_another_case_are_respelled_and_counted(tmp_path: Path) -> None:
    plays = [(GAME, 56, "right"), (GAME, 80, "left"), (GAME, 81, "right"), (GAME, 82, "left")]
    raw = make_raw_dir(tmp_path / "raw", plays=plays)
    df = pl.read_csv(raw / "plays.csv")
    df.with_columns(pl.Series("pff_manZone", ["man", "ZONE", " Other ", "Man"])) \
        .write_csv(raw / "plays.csv")
    report = ingest(raw, tmp_path / "s", progress=False)
    assert report.labels_respelled == {
        "plays.csv pff_manZone: ' Other ' -> 'Other'": 1,
        "plays.csv pff_manZone: 'ZONE' -> 'Zone'": 1,
        "plays.csv pff_manZone: 'man' -> 'Man'": 1}
    assert "1 labels respelled, plays.csv pff_manZone: 'man' -> 'Man'" in report.summary()
    stored = Store(tmp_path / "s").plays().sort("playId")["pff_manZone"].to_list()
    assert stored == ["Man", "Zone", "Other", "Man"]


def test_a_value_that_is_no_label_is_refused(raw: Path, tmp_path: Path) -> None:
    _edit(raw, "plays.csv", 0, "pff_manZone", "Cover-3")
    with pytest.raises(DataError, match=r"pff_manZone 'Cover-3' is not a label") as err:
        ingest(raw, tmp_path / "s", progress=False)
    assert err.value.column == "pff_manZone" and "Man, Zone, Other" in str(err.value)


def test_legacy_labels_in_lower_case_load(shared_bdb: Path, tmp_path: Path) -> None:
    d = tmp_path / "legacy"
    d.mkdir()
    plays = pl.read_csv(shared_bdb / "bdb2023" / "plays_7plays.csv")
    plays.with_columns(pl.col("pff_passCoverageType").str.to_lowercase()) \
        .write_csv(d / "plays.csv")
    (d / "tracking_week_1.csv").symlink_to(shared_bdb / "bdb2023" / "tracking_7plays.csv")
    report = ingest(d, tmp_path / "s", progress=False)
    assert report.plays_kept == 7
    assert sum(report.labels_respelled.values()) == 7
    labels = sorted(Store(tmp_path / "s").plays()["pff_manZone"].to_list())
    assert labels == ["Man"] * 2 + ["Zone"] * 5


# ------------------------------------------------------------------ week consistency
def test_a_game_tracked_outside_its_games_week_is_refused(raw: Path, tmp_path: Path) -> None:
    _edit(raw, "games.csv", 0, "week", 2)
    with pytest.raises(DataError, match=r"tracking_week_1\.csv \(week 1\) holds game "
                                        r"2022090800, which games.csv puts in week 2") as err:
        ingest(raw, tmp_path / "s", progress=False)
    assert err.value.file == str(raw / "tracking_week_1.csv")
    assert not (tmp_path / "s" / "current").exists()


# ------------------------------------------------------------------ real files pass as they are
def test_real_2022_label_tables_pass_unchanged(shared_bdb: Path) -> None:
    for scan, name, table in ((scan_plays, "plays.csv", "plays"),
                              (scan_games, "games.csv", "games"),
                              (scan_players, "players.csv", "players"),
                              (scan_player_play, "player_play.parquet", "player_play")):
        raw_rows = (pl.read_parquet if name.endswith("parquet") else pl.read_csv)(
            shared_bdb / name).height
        assert scan(shared_bdb / name).collect().height == raw_rows
        assert label_table_counts(shared_bdb / name, table) == (0, {})
    plays = scan_plays(shared_bdb / "plays.csv").collect()
    counts = dict(plays["pff_manZone"].value_counts().iter_rows())
    assert counts == {"Zone": 10969, "Man": 4145, "Other": 818, None: 192}


def test_real_2023_plays_pass_unchanged(shared_bdb: Path) -> None:
    path = shared_bdb / "bdb2023" / "plays_7plays.csv"
    plays = scan_plays(path).collect()
    assert plays.height == 7 and label_table_counts(path, "plays") == (0, {})
    assert sorted(plays["pff_manZone"].to_list()) == ["Man"] * 2 + ["Zone"] * 5


def test_coverage_and_assignment_labels_map_in_any_case() -> None:
    import polars as pl

    from coverage.vocab import assignment_expr, family_expr

    df = pl.DataFrame({"pff_passCoverage": ["Cover-1", "cover-1", " COVER-3 SEAM ", "quarters",
                                            "Cover 6-left", "Mystery", "", None],
                       "assignment": ["MAN", "man", "3l", "Hol", "pre", "zz", "", None]})
    got = df.select(family_expr(), assignment_expr())
    assert got["family"].to_list() == ["Cover-1", "Cover-1", "Cover-3", "Quarters", "Cover-6",
                                       "Other", None, None]
    assert got["assignment_group"].to_list() == ["MAN", "MAN", "DEEP", "HOOK", "RUSH", "OTHER",
                                                 "RUSH", "RUSH"]
