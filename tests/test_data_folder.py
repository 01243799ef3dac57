"""The data folder as users hand it over: Kaggle's zip, the folder it unpacks into (with
the files one level down), gzipped weeks. Each is read or refused with what to run."""

from __future__ import annotations

import gzip
import zipfile
from pathlib import Path

import pytest

from coverage.errors import DataError
from coverage.ingest import ingest
from coverage.raw import find_raw_files
from tests.rawkit import make_raw_dir


def test_files_one_folder_down_are_used_from_there_with_a_note(tmp_path: Path) -> None:
    inner = make_raw_dir(tmp_path / "nfl-big-data-bowl-2025" / "nfl-big-data-bowl-2025")
    files = find_raw_files(tmp_path / "nfl-big-data-bowl-2025")
    assert files.root == inner and sorted(files.tracking) == [1]
    assert any("nfl-big-data-bowl-2025/" in n and "using them" in n for n in files.notes)
    report = ingest(tmp_path / "nfl-big-data-bowl-2025", tmp_path / "store", progress=False)
    assert report.plays_kept == 2


def test_two_folders_down_that_both_hold_tables_are_named(tmp_path: Path) -> None:
    make_raw_dir(tmp_path / "dl" / "bdb2023")
    make_raw_dir(tmp_path / "dl" / "bdb2025")
    with pytest.raises(DataError, match="bdb2023, bdb2025") as err:
        find_raw_files(tmp_path / "dl")
    assert "pass one of them" in str(err.value)


def test_the_kaggle_zip_is_refused_with_the_command_that_unpacks_it(tmp_path: Path) -> None:
    raw = make_raw_dir(tmp_path / "raw")
    archive = tmp_path / "nfl-big-data-bowl-2025.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for p in raw.iterdir():
            z.write(p, p.name)
    with pytest.raises(DataError, match="is an archive, not a folder") as err:
        find_raw_files(archive)
    assert f"unzip {archive} -d DIR" in str(err.value) and err.value.file == str(archive)
    # the folder it was downloaded to, holding only the zip: the error points at it
    only_zip = tmp_path / "downloads"
    only_zip.mkdir()
    archive.rename(only_zip / archive.name)
    with pytest.raises(DataError, match="no tracking files") as err:
        find_raw_files(only_zip)
    assert "nfl-big-data-bowl-2025.zip" in str(err.value) and "unzip" in str(err.value)


def test_a_file_that_is_not_an_archive_is_not_a_folder(tmp_path: Path) -> None:
    raw = make_raw_dir(tmp_path / "raw")
    with pytest.raises(DataError, match="is a file, not a folder"):
        find_raw_files(raw / "plays.csv")
    with pytest.raises(DataError, match="data folder not found"):
        find_raw_files(tmp_path / "nowhere")


def test_a_gzipped_week_is_named_not_silently_missing(tmp_path: Path) -> None:
    raw = make_raw_dir(tmp_path / "raw")
    week = raw / "tracking_week_1.csv"
    (raw / "tracking_week_2.csv.gz").write_bytes(gzip.compress(week.read_bytes()))
    files = find_raw_files(raw)
    assert sorted(files.tracking) == [1]
    assert any("tracking_week_2.csv.gz" in n and "gunzip" in n for n in files.notes)
    # every week gzipped: the error says so instead of "no tracking files" alone
    (raw / "tracking_week_1.csv.gz").write_bytes(gzip.compress(week.read_bytes()))
    week.unlink()
    with pytest.raises(DataError, match="no tracking files") as err:
        find_raw_files(raw)
    assert "tracking_week_1.csv.gz" in str(err.value)
    # a gzipped label table: the missing-file error names it too
    plays = raw / "plays.csv"
    (raw / "plays.csv.gz").write_bytes(gzip.compress(plays.read_bytes()))
    plays.unlink()
    (raw / "tracking_week_1.csv").write_bytes(gzip.decompress(
        (raw / "tracking_week_1.csv.gz").read_bytes()))
    with pytest.raises(DataError, match="missing required file plays.csv") as err:
        find_raw_files(raw)
    assert "plays.csv.gz" in str(err.value)
