"""Hygiene of a shared store and of the app around it: the app binds to localhost however
it is started and sends no usage statistics; generation folders are readable by the
store's other users; the store's pointer cannot lead out of the store; the player's files
are served only from a folder the app owns; text from the data files is never Markdown."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import polars as pl
import pytest

from coverage import generations
from coverage.errors import DataError
from coverage.ingest import ingest
from coverage.simulate import simulate_season
from coverage.store import Store

REPO = Path(__file__).resolve().parents[1]
EVIL = "![pixel](http://evil.example/p.png) **loud** [click](javascript:alert(1))"


@pytest.fixture(scope="module")
def raw(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("hygiene_raw")
    simulate_season(out, seed=9, weeks=1, games_per_week=1, plays_per_game=4)
    return out


# ------------------------------------------------------------------ streamlit config
def test_streamlit_run_binds_to_localhost_and_does_not_phone_home() -> None:
    code = ("import streamlit.config as c; c.get_config_options(force_reparse=True); "
            "print(c.get_option('server.address'), c.get_option('browser.gatherUsageStats'))")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True,
                         text=True, timeout=60, check=True).stdout.split()
    assert out == ["127.0.0.1", "False"]


# ------------------------------------------------------------------ generation folders
@pytest.mark.parametrize(("umask", "folder_mode"), [(0o022, 0o755), (0o027, 0o750)])
def test_generation_folders_follow_the_umask(raw, tmp_path, umask, folder_mode) -> None:
    old = os.umask(umask)
    try:
        ingest(raw, tmp_path / "store", progress=False)
    finally:
        os.umask(old)
    gen = generations.current(tmp_path / "store")
    assert gen.stat().st_mode & 0o777 == folder_mode
    assert (gen / "tracking").stat().st_mode & 0o777 == folder_mode
    if umask == 0o022:  # files take the umask the process started with (coverage.atomic)
        assert (gen / "plays.parquet").stat().st_mode & 0o777 == 0o644


# ------------------------------------------------------------------ the current pointer
@pytest.fixture
def store_dir(raw, tmp_path) -> Path:
    ingest(raw, tmp_path / "store", progress=False)
    return tmp_path / "store"


def _outside(tmp_path: Path, store_dir: Path) -> Path:
    """A complete generation outside the store."""
    import shutil

    out = tmp_path / "elsewhere" / "gen-1"
    shutil.copytree(generations.current(store_dir), out)
    return out


@pytest.mark.parametrize("kind", ["absolute", "dotdot", "symlink", "nested"])
def test_a_pointer_out_of_the_store_is_refused(store_dir, tmp_path, kind) -> None:
    outside = _outside(tmp_path, store_dir)
    name = {"absolute": str(outside), "dotdot": "../elsewhere/gen-1",
            "symlink": "gen-link", "nested": "gen-a/../../elsewhere/gen-1"}[kind]
    if kind == "symlink":
        (store_dir / "gen-link").symlink_to(outside, target_is_directory=True)
    (store_dir / "current").write_text(name + "\n")
    with pytest.raises(DataError, match="pointer names .*not a generation folder"):
        Store(store_dir)


def test_the_app_shows_a_bad_pointer_as_a_message(store_dir, tmp_path, monkeypatch) -> None:
    from streamlit.testing.v1 import AppTest

    (store_dir / "current").write_text(str(_outside(tmp_path, store_dir)))
    monkeypatch.chdir(REPO)
    monkeypatch.setenv("COVERAGE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("COVERAGE_DATA", str(store_dir))
    at = AppTest.from_file(str(REPO / "app_pages" / "0_Overview.py"), default_timeout=60).run()
    assert not at.exception
    assert any("not a generation folder" in e.value for e in at.error)
    assert not at.metric  # nothing of the outside folder is shown


# ------------------------------------------------------------------ the player's files
def test_player_files_never_come_from_a_shared_temp_folder(tmp_path, monkeypatch) -> None:
    from coverage.app import play_player

    expected = play_player._player_files()["index.html"]
    blocked = tmp_path / "not_a_folder"
    blocked.write_text("the cache path runs through a file")
    monkeypatch.setenv("COVERAGE_CACHE_DIR", str(blocked))
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "shared_tmp"))
    (tmp_path / "shared_tmp").mkdir()
    plant = tmp_path / "shared_tmp" / "coverage-cache"  # what another user could fill
    plant.mkdir()
    (plant / "index.html").write_text("<script>steal()</script>")
    served = play_player.served_dir()
    assert served.parent == tmp_path / "shared_tmp" and plant not in (served, *served.parents)
    assert served.stat().st_mode & 0o777 == 0o700 and served.stat().st_uid == os.getuid()
    assert (served / "index.html").read_bytes() == expected
    assert play_player.served_dir() != served  # never reused: a new private folder each time


@pytest.mark.parametrize("how", ["content", "symlink", "loose"])
def test_a_planted_player_folder_in_the_cache_is_not_served(tmp_path, monkeypatch, how):
    from coverage.app import play_player

    monkeypatch.setenv("COVERAGE_CACHE_DIR", str(tmp_path / "cache"))
    first = play_player.served_dir()  # the genuine folder, named by its contents
    good = (first / "index.html").read_bytes()
    import shutil

    shutil.rmtree(first)
    evil = tmp_path / "evil"
    evil.mkdir()
    for name, data in play_player._player_files().items():
        (evil / name).write_bytes(data)
    if how == "content":
        evil.rename(first)
        (first / "index.html").write_text("<script>steal()</script>")
    elif how == "symlink":
        first.symlink_to(evil, target_is_directory=True)
    else:  # the right files, in a folder anyone may write to
        evil.rename(first)
        first.chmod(0o777)
    served = play_player.served_dir()
    assert (served / "index.html").read_bytes() == good
    assert served != first and not served.is_symlink()


# ------------------------------------------------------------------ text from the data
def test_a_play_description_is_shown_as_text(raw, tmp_path, monkeypatch) -> None:
    from streamlit.testing.v1 import AppTest

    from tests.builders.stores import fake_checkpoint

    hostile = tmp_path / "raw"
    import shutil

    shutil.copytree(raw, hostile)
    plays = pl.read_csv(hostile / "plays.csv", infer_schema_length=0)
    plays.with_columns(pl.lit(EVIL).alias("playDescription"),
                       pl.lit("![f](http://evil.example/f.png)").alias("offenseFormation")
                       ).write_csv(hostile / "plays.csv")
    ingest(hostile, tmp_path / "store", progress=False)
    monkeypatch.chdir(REPO)
    monkeypatch.setenv("COVERAGE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("COVERAGE_MODELS_DIR", str(fake_checkpoint(tmp_path / "models")))
    monkeypatch.setenv("COVERAGE_DATA", str(tmp_path / "store"))
    at = AppTest.from_file(str(REPO / "app_pages" / "1_Play_explorer.py"),
                           default_timeout=60).run()
    assert not at.exception, [e.message for e in at.exception]
    assert EVIL in [t.value for t in at.text]
    markdown = [e.value for kind in ("markdown", "caption") for e in at.get(kind)]
    assert not [m for m in markdown if "](http" in m or "![" in m]
