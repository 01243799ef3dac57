"""Writers of model outputs share the store's lock and its live generation: concurrent
``coverage predict`` runs (and an ingest among them) lose no rows, the manifest lists what
is on disk, and nothing is ever written into a generation an ingest has replaced."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import polars as pl
import pytest

from coverage import generations
from coverage.errors import DataError
from coverage.ingest import ingest
from coverage.simulate import simulate_season
from coverage.store import Store

REPO = Path(__file__).resolve().parents[1]
MODELS = REPO / "models"


@pytest.fixture(scope="module")
def raw(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("writers_raw")
    simulate_season(out, seed=5, weeks=2, games_per_week=1, plays_per_game=5)
    return out


@pytest.fixture
def store_dir(raw: Path, tmp_path: Path) -> Path:
    ingest(raw, tmp_path / "store", progress=False)
    return tmp_path / "store"


def _rows(store: Store) -> pl.DataFrame:
    """Rows per (model, week) of the live generation's predictions."""
    parts = [pl.read_parquet(f).select("model").with_columns(
        pl.lit(int(f.stem.removeprefix("week_"))).alias("week"))
        for f in sorted((store.path / "predictions").glob("week_*.parquet"))]
    return pl.concat(parts).group_by("model", "week").len().sort("model", "week")


def _frames(store: Store, week: int) -> int:
    return store.tracking(week).filter(pl.col("secs_from_snap") <= 0).select(
        pl.struct("gameId", "playId", "frameId").n_unique()).collect().item()


def _touch(path: Path) -> None:
    later = time.time() + 5
    os.utime(path, (later, later))


def _checkpoints(tmp_path: Path) -> dict[str, Path]:
    """Renamed copies of the shipped checkpoints: several model names, two architectures."""
    out = {}
    for name, src in (("gbm_a", "context_real_gbm"), ("gbm_b", "context_real_gbm"),
                      ("gbm_c", "context_real_gbm"), ("lstm_a", "lstm"),
                      ("tr_a", "transformer")):
        if not (MODELS / src / "config.json").exists():
            pytest.skip(f"shipped checkpoint models/{src} is absent")
        out[name] = tmp_path / "ckpt" / name
        shutil.copytree(MODELS / src, out[name])
    return out


@pytest.mark.slow
def test_eight_concurrent_predicts_and_a_reingest_lose_no_rows(raw, store_dir, tmp_path):
    ckpts = _checkpoints(tmp_path)
    # five names, two of them run twice at once (same model, same rows)
    runs = ["gbm_a", "gbm_b", "gbm_c", "lstm_a", "tr_a", "gbm_a", "lstm_a", "gbm_b"]
    env = {**os.environ, "COVERAGE_DATA_DIR": str(tmp_path / "data")}
    _touch(raw / "tracking_week_2.csv")  # the re-ingest below switches the generation
    first = generations.current(store_dir)
    procs = [subprocess.Popen([sys.executable, "-m", "coverage", "predict", str(ckpts[n]),
                               "--data", str(store_dir), "--device", "cpu"],
                              cwd=REPO, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for n in runs[:4]]
    procs.append(subprocess.Popen(
        [sys.executable, "-c", "import sys; from coverage.ingest import ingest; "
         "ingest(sys.argv[1], sys.argv[2], progress=False)", str(raw), str(store_dir)],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    procs += [subprocess.Popen([sys.executable, "-m", "coverage", "predict", str(ckpts[n]),
                                "--data", str(store_dir), "--device", "cpu"],
                               cwd=REPO, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True) for n in runs[4:]]
    outs = [p.communicate(timeout=600) for p in procs]
    assert [p.returncode for p in procs] == [0] * len(procs), outs
    assert all("Traceback" not in err for _, err in outs), outs

    store = Store(store_dir)
    assert store.path != first  # the ingest did switch generations
    rows = _rows(store)
    expected = {(n, w): _frames(store, w) for n in ckpts for w in store.weeks}
    assert {(m, w): n for m, w, n in rows.iter_rows()} == expected
    # the manifest lists exactly what is on disk, by the checkpoint that wrote it
    manifest = store.manifest()
    assert sorted(manifest) == sorted(ckpts)
    for entry in manifest.values():  # every week by the one checkpoint of that name
        assert sorted(int(w) for w in entry["weeks"]) == store.weeks
        assert len(set(entry["weeks"].values())) == 1


_WRITER = """
import sys, time
import polars as pl
from coverage.store import Store
store_dir, name = sys.argv[1], sys.argv[2]
store = Store(store_dir)
time.sleep(max(0.0, float(sys.argv[3]) - time.time()))  # all start together
with store.writing(log=None):
    for w in store.weeks:
        keys = store.plays().filter(pl.col("week") == w).select("gameId", "playId")
        rows = keys.with_columns(pl.lit(1, pl.Int32).alias("frameId"),
                                 pl.lit(-1.0).alias("secs_from_snap"), pl.lit(0.5).alias("p_man"))
        store.write_output("predictions", w, rows, name)
        store.update_manifest(lambda m: m.setdefault(name, {"weeks": {}})["weeks"].update(
            {str(w): name}))
"""


def test_writer_processes_serialise(store_dir):
    start = str(time.time() + 2.0)
    names = ["a", "b", "c", "d", "e", "a"]
    procs = [subprocess.Popen([sys.executable, "-c", _WRITER, str(store_dir), n, start],
                              cwd=REPO, stderr=subprocess.PIPE, text=True) for n in names]
    errs = [p.communicate(timeout=120)[1] for p in procs]
    assert [p.returncode for p in procs] == [0] * len(procs), errs
    store = Store(store_dir)
    on_disk = {(m, w) for m, w, _ in _rows(store).iter_rows()}
    assert on_disk == {(n, w) for n in "abcde" for w in store.weeks}
    assert store.manifest() == {n: {"weeks": {str(w): n for w in store.weeks}} for n in "abcde"}
    per_play = store.predictions().group_by("model", "gameId", "playId").len()
    assert per_play["len"].max() == 1  # the same model twice: its rows replaced, not doubled


def _predict_in_thread(store_dir: Path, ckpt: Path, errors: list) -> None:
    from coverage.models.checkpoint import checkpoint_hash
    from coverage.pipelines import predict_week, record_predictions

    try:
        store = Store(store_dir)
        with store.writing(log=None):
            for w in store.weeks:
                predict_week(ckpt, store, w, device="cpu")
                record_predictions(store, ckpt.name, [w], checkpoint_hash(ckpt))
    except BaseException as exc:  # noqa: BLE001 - reported by the test
        errors.append(exc)


def test_writer_threads_of_one_process_serialise(store_dir, tmp_path):
    ckpts = _checkpoints(tmp_path)
    errors: list = []
    threads = [threading.Thread(target=_predict_in_thread, args=(store_dir, ckpts[n], errors))
               for n in ("gbm_a", "gbm_b", "gbm_c", "gbm_a")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not errors
    store = Store(store_dir)
    assert set(_rows(store)["model"]) == set(store.manifest()) == {"gbm_a", "gbm_b", "gbm_c"}


def test_a_write_into_a_replaced_generation_is_refused(raw, store_dir):
    stale = Store(store_dir)
    keys = stale.plays().select("gameId", "playId").head(1).with_columns(
        pl.lit(1, pl.Int32).alias("frameId"), pl.lit(-1.0).alias("secs_from_snap"),
        pl.lit(0.5).alias("p_man"))
    _touch(raw / "tracking_week_1.csv")
    ingest(raw, store_dir, progress=False)
    assert generations.current(store_dir) != stale.path
    with pytest.raises(DataError, match="re-ingested while this command ran"):
        stale.write_output("predictions", 1, keys, "m")
    with pytest.raises(DataError, match="re-ingested"):
        stale.write_manifest({"m": {"weeks": {"1": "x"}}})
    assert not (stale.path / "predictions").exists()  # nothing went into the dead one
    # a writer moves to the live generation when it takes the lock
    with stale.writing(log=None) as live:
        assert live.path == generations.current(store_dir)
        live.write_output("predictions", 1, keys, "m")
    assert Store(store_dir).predictions(1)["model"].to_list() == ["m"]


def test_a_reingest_keeps_the_outputs_of_unchanged_weeks_only(raw, store_dir, tmp_path):
    store = Store(store_dir)
    for w in store.weeks:
        keys = store.plays().filter(pl.col("week") == w).select("gameId", "playId").with_columns(
            pl.lit(1, pl.Int32).alias("frameId"), pl.lit(-1.0).alias("secs_from_snap"),
            pl.lit(0.5).alias("p_man"))
        store.write_output("predictions", w, keys, "m")
    store.write_manifest({"m": {"checkpoint": "abc", "status": "ok",
                                "weeks": {"1": "abc", "2": "abc"}}})
    # week 2's tracking changes: week 1's rows and entry are carried, week 2's are not
    changed = tmp_path / "raw2"
    shutil.copytree(raw, changed)
    csv = changed / "tracking_week_2.csv"
    df = pl.read_csv(csv, infer_schema_length=0)
    df.with_columns(pl.when(pl.int_range(pl.len()) == 0).then(pl.lit("1.5"))
                    .otherwise(pl.col("x")).alias("x")).write_csv(csv)
    ingest(changed, store_dir, progress=False, weeks=[1, 2])
    after = Store(store_dir)
    assert after.path != store.path
    assert (after.path / "predictions" / "week_1.parquet").exists()
    assert not (after.path / "predictions" / "week_2.parquet").exists()
    # the entry lost a week: no longer current for its checkpoint, so it is predicted again
    assert after.manifest() == {"m": {"weeks": {"1": "abc"}}}


def test_outputs_follow_an_unchanged_reingest(raw, store_dir):
    store = Store(store_dir)
    store.write_manifest({"m": {"checkpoint": "abc", "status": "ok", "weeks": {"1": "abc"}}})
    keys = store.plays().filter(pl.col("week") == 1).select("gameId", "playId").with_columns(
        pl.lit(1, pl.Int32).alias("frameId"), pl.lit(-1.0).alias("secs_from_snap"),
        pl.lit(0.5).alias("p_man"))
    store.write_output("predictions", 1, keys, "m")
    ingest(raw, store_dir, progress=False, force=True)
    after = Store(store_dir)
    assert after.path != store.path
    assert after.predictions(1).height == keys.height
    assert after.manifest() == store.manifest()
    assert json.loads((after.path / "predictions" / "manifest.json").read_text())["m"][
        "checkpoint"] == "abc"


def test_ensure_predictions_with_nothing_to_do_takes_no_lock(store_dir, tmp_path):
    from coverage.serving import ensure_predictions

    (store_dir / generations.LOCK).unlink(missing_ok=True)
    (store_dir / generations.LOCK).mkdir()  # no lock can be taken here (like a read-only store)
    (tmp_path / "no_models").mkdir()
    assert ensure_predictions(Store(store_dir), root=tmp_path / "no_models", log=None) == {}
    ckpts = _checkpoints(tmp_path)
    with pytest.raises(DataError, match="cannot lock the store"):  # work to do: one clear line
        ensure_predictions(Store(store_dir), root=ckpts["gbm_a"].parent, log=None)
