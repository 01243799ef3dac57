"""A store moves from one complete generation to the next: crashes, kills and concurrent
ingests never leave a mix of old and new files, and never lose the user's raw data."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import polars as pl
import pytest

from coverage import generations
from coverage.errors import DataError
from coverage.ingest import ingest
from coverage.simulate import simulate_season
from coverage.store import Store

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def two_inputs(tmp_path_factory) -> tuple[Path, Path]:
    base = tmp_path_factory.mktemp("gen_inputs")
    a, b = base / "a", base / "b"
    simulate_season(a, seed=11, weeks=2, games_per_week=1, plays_per_game=8)
    simulate_season(b, seed=12, weeks=2, games_per_week=1, plays_per_game=3)
    return a, b


def _n_plays(raw: Path) -> int:
    return pl.read_csv(raw / "plays.csv").height


def _snapshot(store: Store) -> tuple[int, int, list[int]]:
    return (store.plays().height, store.tracking().select(pl.len()).collect().item(),
            store.weeks)


def _run(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=REPO,
                          capture_output=True, text=True, timeout=300)


def test_a_failed_ingest_leaves_the_old_generation_whole(two_inputs, tmp_path, monkeypatch):
    a, b = two_inputs
    ingest(a, tmp_path / "s", progress=False)
    before = _snapshot(Store(tmp_path / "s"))

    import coverage.ingest as ing

    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(ing, "_write_tables", boom)
    with pytest.raises(RuntimeError):
        ingest(b, tmp_path / "s", progress=False)
    assert _snapshot(Store(tmp_path / "s")) == before
    assert not list((tmp_path / "s").glob(".gen-*"))  # the failed build is removed


def test_kill_9_mid_ingest_then_rerun_the_original_input(two_inputs, tmp_path):
    a, b = two_inputs
    store_dir = tmp_path / "s"
    ingest(a, store_dir, progress=False)
    before = _snapshot(Store(store_dir))
    proc = _run(f"""
        import os, signal
        import coverage.ingest as ing
        def die(*a, **k):
            os.kill(os.getpid(), signal.SIGKILL)
        ing._write_tables = die   # tracking of the new input written, index not yet
        ing.ingest({str(b)!r}, {str(store_dir)!r}, progress=False)
    """)
    assert proc.returncode == -9
    assert list(store_dir.glob(".gen-*.tmp"))  # the killed run's half-built generation
    assert _snapshot(Store(store_dir)) == before  # readers still see the old one whole
    report = ingest(a, store_dir, progress=False)
    assert all(w.up_to_date for w in report.weeks)  # trusted: it was complete
    assert _snapshot(Store(store_dir)) == before
    assert not list(store_dir.glob(".gen-*.tmp"))  # and the leftovers are gone
    # the new input then replaces it completely
    ingest(b, store_dir, progress=False)
    after = Store(store_dir)
    assert after.all_plays().height == _n_plays(b) != _n_plays(a)
    assert after.tracking().select(pl.col("gameId").n_unique()).collect().item() == 2


def test_two_ingests_at_once_one_waits(two_inputs, tmp_path):
    a, b = two_inputs
    store_dir = tmp_path / "s"
    code = """
        import sys
        from coverage.ingest import ingest
        ingest(sys.argv[1], sys.argv[2], progress=False)
        print("done")
    """
    procs = [subprocess.Popen([sys.executable, "-c", textwrap.dedent(code), str(src),
                               str(store_dir)], cwd=REPO, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for src in (a, b)]
    outs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    store = Store(store_dir)
    meta_raw = Path(store.meta["raw_dir"])
    assert meta_raw in (a.resolve(), b.resolve())
    # whichever finished last, the store is that input's, complete
    expected = _n_plays(meta_raw)
    assert store.all_plays().height == expected
    tracked = store.tracking().select(pl.struct("gameId", "playId").n_unique()).collect().item()
    assert tracked == store.plays().height


def test_readers_keep_their_generation_and_old_ones_are_pruned(two_inputs, tmp_path):
    a, b = two_inputs
    ingest(a, tmp_path / "s", progress=False)
    reader = Store(tmp_path / "s")
    ingest(b, tmp_path / "s", progress=False)
    assert reader.all_plays().height == _n_plays(a)  # an open Store reads the generation it opened
    assert reader.play_frames(*reader.plays().select("gameId", "playId").row(0)).height > 0
    ingest(a, tmp_path / "s", progress=False, force=True)
    gens = sorted(p.name for p in (tmp_path / "s").glob("gen-*"))
    assert len(gens) == 2  # the live one and the one before it


def test_weeks_option_keeps_the_other_weeks(two_inputs, tmp_path):
    a, _ = two_inputs
    ingest(a, tmp_path / "s", progress=False)
    full = Store(tmp_path / "s").plays().height
    report = ingest(a, tmp_path / "s", progress=False, weeks=[2], force=True)
    store = Store(tmp_path / "s")
    assert store.weeks == [1, 2] and store.plays().height == full
    assert [w.up_to_date for w in report.weeks] == [True, False]


def test_store_must_not_be_the_raw_folder(two_inputs, tmp_path):
    a, _ = two_inputs
    with pytest.raises(DataError, match="must not be the raw data folder"):
        ingest(a, a, progress=False)
    with pytest.raises(DataError, match="inside the store folder"):
        ingest(a, a.parent, progress=False)
    (tmp_path / "file").write_text("x")
    with pytest.raises(DataError, match="is a file"):
        ingest(a, tmp_path / "file", progress=False)


def test_legacy_single_folder_store_still_opens_and_converts(two_inputs, tmp_path):
    a, _ = two_inputs
    ingest(a, tmp_path / "s", progress=False)
    gen = generations.current(tmp_path / "s")
    legacy = tmp_path / "legacy"
    os.rename(gen, legacy)  # the layout written before generations
    assert Store(legacy).all_plays().height == _n_plays(a)
    ingest(a, legacy, progress=False, force=True)
    assert not (legacy / "meta.json").exists() and (legacy / "current").exists()
    assert Store(legacy).all_plays().height == _n_plays(a)


def test_label_only_plays_are_indexed(two_inputs, tmp_path):
    a, _ = two_inputs
    ingest(a, tmp_path / "s", progress=False, weeks=[1])
    store = Store(tmp_path / "s")
    every = store.all_plays()
    assert every.height == _n_plays(a)
    assert every.filter(~pl.col("has_tracking"))["week"].unique().to_list() == [2]
    assert store.label_weeks == [1, 2] and store.weeks == [1]
    saved = json.loads((store.path / "ingest_report.json").read_text())
    assert saved["plays_without_tracking"] == every.height - store.plays().height


def test_a_parquet_beside_its_csv_is_named_in_the_report(two_inputs, tmp_path):
    a, _ = two_inputs
    raw = tmp_path / "raw"
    raw.mkdir()
    for f in a.iterdir():
        (raw / f.name).symlink_to(f)
    pl.read_csv(a / "tracking_week_1.csv").write_parquet(raw / "tracking_week_1.parquet")
    report = ingest(raw, tmp_path / "s", progress=False)
    assert "both tracking_week_1.csv and tracking_week_1.parquet exist: using " \
           "tracking_week_1.parquet" in report.summary()


def test_the_same_play_in_two_week_files_is_indexed_once(two_inputs, tmp_path):
    a, _ = two_inputs
    raw = tmp_path / "raw"
    raw.mkdir()
    for f in a.iterdir():
        if f.name != "tracking_week_2.csv":
            (raw / f.name).symlink_to(f)
    week1 = pl.read_csv(a / "tracking_week_1.csv")
    pl.concat([pl.read_csv(a / "tracking_week_2.csv"), week1]).write_csv(
        raw / "tracking_week_2.csv")  # week 1's plays again in week 2's file
    report = ingest(raw, tmp_path / "s", progress=False)
    store = Store(tmp_path / "s")
    n_week1 = week1.select(pl.struct("gameId", "playId").n_unique()).item()
    assert report.duplicates_across_weeks == n_week1
    every = store.all_plays()
    assert every.select(pl.struct("gameId", "playId").is_unique().all()).item()
    games_week1 = week1["gameId"].unique().to_list()
    assert every.filter(pl.col("gameId").is_in(games_week1))["week"].unique().to_list() == [1]
    assert "found in two week files" in report.summary()
