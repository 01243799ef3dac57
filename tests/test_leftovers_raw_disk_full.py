"""A full disk (or quota) while the raw reader reads through polars is a DiskFullError, as
everywhere else, never reported as a bad input file."""

from __future__ import annotations

import errno

import polars as pl
import pytest

from coverage import raw
from coverage.cli import main
from coverage.errors import DataError, DiskFullError, is_disk_full
from tests.rawkit import make_raw_dir


def _text_error() -> Exception:
    return pl.exceptions.ComputeError("failed to spill: No space left on device (os error 28)")


def _quota_error() -> Exception:
    return pl.exceptions.ComputeError("io error: Disk quota exceeded (os error 122)")


def _chained_error() -> Exception:
    try:
        raise OSError(errno.ENOSPC, "write failed")
    except OSError as cause:
        try:
            raise pl.exceptions.ComputeError("sink failed") from cause
        except pl.exceptions.ComputeError as exc:
            return exc


FULL = [_text_error, _quota_error, _chained_error]


class _Failing:
    """A LazyFrame stand-in whose read fails with ``error``."""

    def __init__(self, error: Exception) -> None:
        self.error = error

    def select(self, *a, **k):
        return self

    def collect(self, *a, **k):
        raise self.error


@pytest.mark.parametrize("make", FULL)
def test_label_table_read(tmp_path, monkeypatch, make) -> None:
    folder = make_raw_dir(tmp_path / "raw")
    monkeypatch.setattr(raw, "_renamed", lambda lf, renames: _Failing(make()))
    with pytest.raises(DiskFullError) as err:
        raw.scan_plays(folder / "plays.csv")
    assert is_disk_full(err.value) and "could not read" not in str(err.value)
    assert "plays.csv" in str(err.value)


@pytest.mark.parametrize("make", FULL)
def test_csv_scan_and_parquet_check(tmp_path, monkeypatch, make) -> None:
    folder = make_raw_dir(tmp_path / "raw")

    def failing_clean(lf, drop_blank_rows):
        raise make()
    monkeypatch.setattr(raw, "_clean_csv", failing_clean)
    with pytest.raises(DiskFullError):
        raw.scan_table(folder / "games.csv")

    parquet = tmp_path / "games.parquet"
    pl.read_csv(folder / "games.csv").write_parquet(parquet)
    monkeypatch.setattr(raw.pl, "scan_parquet", lambda *a, **k: _Failing(make()))
    with pytest.raises(DiskFullError):
        raw.scan_table(parquet)


def test_a_real_parse_failure_is_still_bad_input(tmp_path, monkeypatch) -> None:
    folder = make_raw_dir(tmp_path / "raw")
    monkeypatch.setattr(raw, "_renamed", lambda lf, renames: _Failing(
        pl.exceptions.ComputeError("could not parse `x` as dtype i64 at column 'down'")))
    with pytest.raises(DataError, match="could not read plays.csv") as err:
        raw.scan_plays(folder / "plays.csv")
    assert not isinstance(err.value, DiskFullError) and not is_disk_full(err.value)


def test_ingest_on_a_full_disk_says_so(tmp_path, monkeypatch, capsys) -> None:
    folder = make_raw_dir(tmp_path / "raw")
    monkeypatch.setattr(raw, "_renamed", lambda lf, renames: _Failing(_chained_error()))
    code = main(["ingest", str(folder), "-o", str(tmp_path / "store")])
    err = capsys.readouterr().err
    assert code != 0 and "Traceback" not in err
    assert "no space left on device" in err and "could not read" not in err, err


@pytest.mark.parametrize("make", FULL)
def test_the_numeric_check_read(tmp_path, make) -> None:
    """The one pass that looks for text in numeric columns reads the file too."""
    class _Text(_Failing):
        def collect_schema(self):
            return {"down": pl.String}
    with pytest.raises(DiskFullError) as err:
        raw._numeric(_Text(make()), tmp_path / "plays.csv", ["down"])
    assert "plays.csv" in str(err.value) and "writing" in str(err.value)
