"""Shipped checkpoints load, run over a store, and are only re-run when they change."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import polars as pl
import pytest

from coverage.config import REPO_ROOT
from coverage.evaluation import roc_auc
from coverage.models.registry import NAMES
from coverage.serving import ensure_predictions, shipped_models, stale_models
from coverage.store import Store

SHIPPED = REPO_ROOT / "models"


def test_shipped_checkpoints_load_and_match_their_metrics() -> None:
    """Each shipped checkpoint loads through its own pipeline (which refuses features this
    code no longer builds), and its metrics file was written for that checkpoint."""
    from coverage.pipelines import load_model

    names = {m.name for m in shipped_models(SHIPPED)}
    assert {"transformer", "lstm", "family", "context_real_gbm"} <= names
    for m in shipped_models(SHIPPED):
        model, cfg = load_model(m)
        assert model is not None and cfg["architecture"] in NAMES
        assert cfg == json.loads((m / "config.json").read_text())
        metrics = json.loads((m / "metrics.json").read_text())
        assert metrics["model"] == m.name and "fingerprint" in cfg and "test" in metrics


def _strings(value):
    if isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)
    elif isinstance(value, str):
        yield value


def test_shipped_checkpoints_hold_no_machine_paths_and_name_their_prior_by_content() -> None:
    """Shipped configs are read on other machines: no absolute path of the machine that
    trained them, and the prior a tracking model records is the shipped one, byte for byte."""
    from coverage.models.checkpoint import checkpoint_hash

    for m in shipped_models(SHIPPED):
        for name in ("config.json", "metrics.json"):
            doc = json.loads((m / name).read_text())
            absolute = [v for v in _strings(doc) if v.startswith("/") or v[1:3] == ":\\"]
            assert absolute == [], f"{m.name}/{name}"
        prior = json.loads((m / "config.json").read_text()).get("prior")
        if prior:
            assert prior["hash"] == checkpoint_hash(SHIPPED / prior["checkpoint"]), m.name


def test_portable_path_is_relative_to_the_data_folder_else_the_repository(
        tmp_path, monkeypatch) -> None:
    from coverage.config import portable_path

    monkeypatch.setenv("COVERAGE_DATA_DIR", str(tmp_path / "data"))
    assert portable_path(tmp_path / "data" / "real" / "x" / "store") == "real/x/store"
    assert portable_path(REPO_ROOT.parent / "shared" / "bdb") == "../shared/bdb"
    assert portable_path(REPO_ROOT / "models") == "models"


@pytest.fixture(scope="module")
def unseen_season(tmp_path_factory) -> Path:
    """A season of another seed, big enough (~320 plays) that a model's edge over
    always-zone is not lost in the noise of a few dozen plays."""
    from coverage.ingest import ingest
    from coverage.simulate import simulate_season

    raw = tmp_path_factory.mktemp("unseen_raw")
    simulate_season(raw, seed=7, weeks=2, games_per_week=4, plays_per_game=40)
    out = tmp_path_factory.mktemp("unseen_store")
    ingest(raw, out, progress=False)
    return out


def test_shipped_models_beat_the_baseline_on_unseen_plays(unseen_season: Path,
                                                          tmp_path: Path) -> None:
    """Serving runs the shipped transformer and LSTM on a season of another seed (plays they
    never saw): the test-week accuracy it records equals a count from the stored
    predictions, and at the snap both rank man above zone (AUC > 0.85) and beat always-zone.
    (On the realistic simulator a real model's margin, ~10 points, is the aim, not a floor:
    a synthetic world far easier than the real one is the failure to watch for.)"""
    store_dir = tmp_path / "store"
    shutil.copytree(unseen_season, store_dir)
    store = Store(store_dir)
    week = max(store.weeks)
    models = tmp_path / "models"
    for name in ("transformer", "lstm"):
        shutil.copytree(SHIPPED / name, models / name)
        cfg_path = models / name / "config.json"
        cfg = json.loads(cfg_path.read_text())
        cfg["split"] = {**cfg.get("split", {}), "test": [week]}  # evaluate on this store
        cfg_path.write_text(json.dumps(cfg))
    manifest = ensure_predictions(store, models, log=None)
    labels = store.plays().filter(pl.col("pff_manZone").is_in(["Man", "Zone"])).select(
        "gameId", "playId", "week", (pl.col("pff_manZone") == "Man").alias("man"))
    snap = (store.predictions().filter(pl.col("secs_from_snap").round(1) == 0)
            .join(labels, on=["gameId", "playId"]))
    for name in ("transformer", "lstm"):
        assert manifest[name]["status"] == "ok" and manifest[name]["test_week"] == week
        mine = snap.filter(pl.col("model") == name)
        assert mine.select("gameId", "playId").n_unique() == mine.height == labels.height
        hit = (mine["p_man"] >= 0.5) == mine["man"]
        in_week = (mine["week"] == week).to_numpy()
        assert manifest[name]["accuracy_at_snap"] == pytest.approx(hit.to_numpy()[in_week].mean())
        accuracy, zone = hit.mean(), 1 - mine["man"].mean()
        assert accuracy > zone + 0.05, (name, accuracy, zone)
        auc = roc_auc(mine["man"].to_numpy().astype(float), mine["p_man"].to_numpy())
        assert auc > 0.85, (name, auc)


def test_ensure_predictions_runs_each_checkpoint_once(sim_store: Store, tmp_path: Path) -> None:
    store_dir = tmp_path / "store"
    shutil.copytree(sim_store.path, store_dir)
    store = Store(store_dir)
    models = tmp_path / "models"
    models.mkdir()
    for name in ("lstm", "context_real_gbm", "family"):
        shutil.copytree(SHIPPED / name, models / name)
    manifest = ensure_predictions(store, models, log=None)
    assert {k: v["status"] for k, v in manifest.items()} == dict.fromkeys(
        ("lstm", "context_real_gbm", "family"), "ok")
    preds = store.predictions()
    assert set(preds["model"].unique()) == {"lstm", "context_real_gbm", "family"}
    assert preds["p_man"].is_between(0, 1).all()
    n_frames = store.tracking().filter(pl.col("secs_from_snap") <= 0) \
        .select("gameId", "playId", "frameId").unique().collect().height
    assert preds.filter(pl.col("model") == "lstm").height == n_frames
    assert stale_models(store, models) == []
    # a retrained (changed) checkpoint is picked up again, the others are not
    cfg = models / "lstm" / "config.json"
    cfg.write_text(json.dumps({**json.loads(cfg.read_text()), "note": "retrained"}))
    assert [m.name for m in stale_models(store, models)] == ["lstm"]


def test_a_broken_checkpoint_is_reported_not_fatal(sim_store: Store, tmp_path: Path) -> None:
    store_dir = tmp_path / "store"
    shutil.copytree(sim_store.path, store_dir)
    models = tmp_path / "models"
    shutil.copytree(SHIPPED / "lstm", models / "lstm")
    cfg = json.loads((models / "lstm" / "config.json").read_text())
    cfg["features"] = cfg["features"][:-1]
    (models / "lstm" / "config.json").write_text(json.dumps(cfg))
    manifest = ensure_predictions(Store(store_dir), models, log=None)
    assert manifest["lstm"]["status"].startswith("error:")
    if Store(store_dir).predictions() is not None:
        pytest.fail("a refused checkpoint must not write predictions")
