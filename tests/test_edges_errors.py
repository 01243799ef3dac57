"""Error-line edges: echoed values are cut to about 80 characters wherever they come from,
and a full disk is reported as a full disk while writing a named output, never as a bad
input file."""

from __future__ import annotations

import errno
from pathlib import Path

import polars as pl
import pytest

from coverage.atomic import atomic_path, write_bytes, write_parquet
from coverage.cli import describe_input_error, main
from coverage.errors import DataError, DiskFullError, cut_values, is_disk_full

HUGE = "v" * 5_000_000


def _one_line(capsys) -> str:
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err[:500]
    return err


def test_a_data_error_cuts_the_value_it_echoes() -> None:
    err = DataError(f"bad value {HUGE!r} in column x", file="/data/plays.csv", column="x")
    text = str(err)
    assert len(text) < 300 and "/data/plays.csv" in text and "column: x" in text
    assert "'" + "v" * 80 + "…'" in text


@pytest.mark.parametrize("message", [f"value {HUGE}", f"value '{HUGE}'", f'"{HUGE}"',
                                     "word " * 1_000_000])
def test_cut_values_bounds_any_message(message) -> None:
    assert len(cut_values(message)) <= 2001


def test_file_names_are_kept_whole() -> None:
    long_path = "/data/" + "/".join(["folder_with_a_long_name"] * 8) + "/plays.csv"
    assert long_path in cut_values(f"cannot read {long_path}: bad header")


def test_cli_lines_echoing_a_huge_value_are_short(tmp_path, capsys) -> None:
    assert main(["export-gif", HUGE, "1", "-o", str(tmp_path / "x.gif")]) == 2
    assert len(_one_line(capsys)) < 300
    with pytest.raises(SystemExit):  # argparse's own messages (invalid choice) too
        main(["train", "--model", HUGE])
    assert len(_one_line(capsys)) < 600
    with pytest.raises(SystemExit):
        main(["predict", "m", "--batch-size", HUGE])
    assert len(_one_line(capsys)) < 600


# ------------------------------------------------------------------------ full disk
def _real_enospc_polars(monkeypatch) -> None:
    """Parquet writes go to /dev/full, which fails every write with ENOSPC: the error is
    the one polars raises on a full disk (a ComputeError holding the text)."""
    write = pl.DataFrame.write_parquet
    monkeypatch.setattr(pl.DataFrame, "write_parquet",
                        lambda self, _target, **kw: write(self, "/dev/full", **kw))


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_a_full_disk_under_polars_names_the_output(tmp_path, monkeypatch) -> None:
    _real_enospc_polars(monkeypatch)
    out = tmp_path / "table.parquet"
    with pytest.raises(DiskFullError, match="no space left on device while writing") as err:
        write_parquet(pl.DataFrame({"a": list(range(100_000))}), out)
    assert str(out) in str(err.value) and not out.exists()
    assert [p.name for p in tmp_path.iterdir()] == []  # no temp file left behind


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EDQUOT])
def test_a_full_disk_in_any_write_names_the_output(code, tmp_path) -> None:
    out = tmp_path / "x.json"
    with pytest.raises(DiskFullError, match=f"while writing {out}"), atomic_path(out):
        raise OSError(code, "No space left on device")
    with pytest.raises(DiskFullError):
        write_bytes(lambda tmp: (_ for _ in ()).throw(OSError(code, "full")), out)


def test_other_write_errors_are_left_alone(tmp_path) -> None:
    with pytest.raises(PermissionError), atomic_path(tmp_path / "y"):
        raise PermissionError(errno.EACCES, "denied")


def test_the_cli_never_calls_a_full_disk_a_bad_input(tmp_path) -> None:
    src = tmp_path / "plays.csv"
    src.write_text("a\n1\n")
    for exc in (pl.exceptions.ComputeError("parquet: File out of specification: underlying IO "
                                           "error: No space left on device (os error 28)"),
                OSError("No space left on device (os error 28)"),
                OSError(errno.EDQUOT, "Disk quota exceeded", str(tmp_path / "o.parquet"))):
        assert is_disk_full(exc)
        msg = describe_input_error(exc)
        assert msg.startswith("no space left on device while writing"), msg
        assert "cannot read" not in msg and "invalid" not in msg
    assert not is_disk_full(OSError(errno.ENOENT, "No such file"))


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_a_command_that_fills_the_disk(sim_store, tmp_path, monkeypatch, capsys) -> None:
    _real_enospc_polars(monkeypatch)
    out = tmp_path / "forms.parquet"
    rc = main(["formations", str(sim_store.path if hasattr(sim_store, "path") else sim_store),
               "--every", "play-table", "-o", str(out)])
    err = _one_line(capsys)
    assert rc == 2 and f"no space left on device while writing {out}" in err, err


@pytest.mark.parametrize("text,words", [("null", "JSON null"), ("[1, 2]", "JSON list"),
                                        ("{bad", "not valid JSON")])
def test_a_store_whose_metadata_is_not_an_object(text, words, tmp_path, capsys) -> None:
    from coverage.generations import current
    from coverage.ingest import ingest
    from tests.rawkit import make_raw_dir

    ingest(make_raw_dir(tmp_path / "raw"), tmp_path / "store", progress=False)
    (current(tmp_path / "store") / "meta.json").write_text(text)
    assert main(["info", str(tmp_path / "store")]) == 2
    err = _one_line(capsys)
    assert words in err and "meta.json" in err, err
