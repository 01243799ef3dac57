"""Small stores built once per test session and shared by the test modules that read them.

Each builder is idempotent on its folder (a marker file says it is done), so a fixture in
``tests/conftest.py`` and a benchmark or browser test can share one build. Tests that write
to a store copy it first; the ingest and generation tests build their own.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import polars as pl

from tests.builders.toy import toy_tracking

APP_MODELS = ("lstm", "transformer")  # the app stores' fake predictions
REAL_MODELS = ("lstm", "transformer")  # the real-labelled stores' (provenance tests)


# ------------------------------------------------------------------ the app's stores
def fake_predictions(store_path: Path, seed: int = 0) -> None:
    """Long-format P(man) for every pre-snap frame: drifts toward the label, with noise.

    Noisy enough to produce misses (so hit/miss filters have both values),
    deterministic so page assertions are stable.
    """
    from coverage.store import Store

    store = Store(store_path)
    rng = np.random.default_rng(seed)
    plays = store.plays().select("gameId", "playId", "pff_manZone")
    (store.path / "predictions").mkdir(exist_ok=True)
    for w in store.weeks:
        keys = (store.tracking(w).filter(pl.col("secs_from_snap") <= 0)
                .select("gameId", "playId", "frameId", "secs_from_snap").unique()
                .sort("gameId", "playId", "frameId").collect()
                .join(plays, on=["gameId", "playId"], how="left"))
        y = np.where(keys["pff_manZone"].to_numpy() == "Man", 1.0, -1.0)
        ramp = np.clip(1 + keys["secs_from_snap"].to_numpy() / 4, 0, 1)
        out = []
        for i, m in enumerate(APP_MODELS):
            play_bias = rng.normal(0, 1.2 + i, keys.height)
            z = 3 * y * ramp + play_bias
            out.append(keys.select(pl.lit(m).alias("model"), "gameId", "playId",
                                   pl.col("frameId").cast(pl.Int32),
                                   pl.col("secs_from_snap").cast(pl.Float32),
                                   pl.Series("p_man", 1 / (1 + np.exp(-z))).cast(pl.Float32)))
        pl.concat(out).write_parquet(store.path / "predictions" / f"week_{w}.parquet")


def fake_checkpoint(root: Path) -> Path:
    d = root / "transformer"
    d.mkdir(parents=True, exist_ok=True)
    (d / "config.json").write_text(json.dumps({
        "schema_version": 1, "architecture": "transformer", "hparams": {"dim": 64},
        "features": ["x", "y"], "split": {"train": [1], "val": [2], "test": [2]},
        "data": {"path": "synthetic", "source": "synthetic"}}))
    (d / "metrics.json").write_text(json.dumps({
        "model": "transformer", "val": {"at_snap": {"accuracy": 0.8, "n": 10, "auc": 0.9}},
        "test": {"at_snap": {"accuracy": 0.75, "n": 12}}, "majority_class": "Zone"}))
    return root


def build_app_stores(base: Path) -> dict[str, Path]:
    """A 2-week simulated season store, a copy with predictions, and a models folder.

    Idempotent on ``base`` so several test modules share one build per session.
    """
    from coverage.ingest import ingest
    from coverage.simulate import simulate_season

    bare, with_preds = base / "store_bare", base / "store_preds"
    if not (base / "stores.built").exists():
        simulate_season(base / "raw", seed=1, weeks=2, games_per_week=2, plays_per_game=8)
        ingest(base / "raw", bare, progress=False)
        shutil.copytree(bare, base / "tmp_copy")
        fake_predictions(base / "tmp_copy")
        (base / "tmp_copy").rename(with_preds)
        (base / "stores.built").touch()
    models = base / "models"
    if not (models / "transformer" / "config.json").exists():
        fake_checkpoint(models)
    return {"bare": bare, "preds": with_preds, "models": models, "data_dir": base / "data"}


def build_explain_models(preds_store: Path, root: Path) -> Path:
    """An untrained tiny family checkpoint + its predictions/attribution in a store copy.

    Untrained weights are enough to exercise the page: explain mode only needs a model
    that loads and produces probabilities, not a good one. Idempotent on ``root`` so the
    AppTests and the browser test share one build.
    """
    import torch

    from coverage.explain.attribution import attribution_week
    from coverage.family.predict import predict_family_week
    from coverage.features import FEATURES
    from coverage.models.checkpoint import save_checkpoint
    from coverage.models.registry import build_model
    from coverage.store import Store
    from coverage.vocab import ASSIGNMENTS, FAMILIES, MAN_FAMILY_INDEX

    if (root / "done").exists():
        return root
    torch.manual_seed(0)  # untrained weights: seed them so the page shows the same calls
    root.mkdir(parents=True, exist_ok=True)
    hp = {"n_features": len(FEATURES), "dim": 16, "depth": 1, "heads": 2,
          "n_families": len(FAMILIES), "n_assignments": len(ASSIGNMENTS),
          "man_families": list(MAN_FAMILY_INDEX)}
    save_checkpoint(root / "family", build_model("family", hp),
                    {"architecture": "family", "hparams": hp, "features": list(FEATURES),
                     "history": 3, "stride": 2, "temperature": 1.0,
                     "split": {"train": [1], "val": [2], "test": [2]}})
    store = root / "store"
    shutil.copytree(preds_store, store)
    for w in (1, 2):
        predict_family_week(root / "family", Store(store), w)
        attribution_week(root / "family", Store(store), w, max_plays=3)
    (root / "done").touch()
    return root


# ------------------------------------------------------------------ real-labelled stores
def write_checkpoint_config(folder: Path, source: str) -> None:
    """Only config.json matters here: provenance never loads weights."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.json").write_text(json.dumps({
        "schema_version": 1, "architecture": folder.name, "hparams": {}, "features": [],
        "split": {"train": [1], "val": [2], "test": [2]},
        "data": {"path": f"/srv/secret/{source}", "source": source}}))


def write_predictions(store, models=REAL_MODELS, seed: int = 0) -> None:
    """P(man) for every pre-snap frame of every play, through the store's own writer."""
    rng = np.random.default_rng(seed)
    for w in store.weeks:
        keys = (store.tracking(w).filter(pl.col("secs_from_snap") <= 0)
                .select("gameId", "playId", "frameId", "secs_from_snap").unique()
                .sort("gameId", "playId", "frameId").collect())
        for m in models:
            p = rng.uniform(0.0, 1.0, keys.height)
            store.write_output("predictions", w, keys.with_columns(
                pl.Series("p_man", p)), model=m)


def build_real_stores(base: Path) -> dict[str, Path]:
    from coverage.ingest import ingest
    from coverage.simulate import simulate_season
    from coverage.store import Store

    out = {"real": base / "real_store", "bare": base / "real_no_real_models",
           "shipped": base / "shipped", "data_dir": base / "data"}
    if (base / "done").exists():  # one build per session, shared by the test modules
        return out
    raw = base / "raw"
    simulate_season(raw, seed=3, weeks=2, games_per_week=1, plays_per_game=6)
    (raw / "_source.json").write_text(json.dumps({"source": "real"}))
    real = base / "real_store"
    ingest(raw, real, progress=False)
    store = Store(real)
    assert store.source == "real"
    write_predictions(store)
    # the real-less copy: same predictions, but no checkpoint trained on its data
    bare = base / "real_no_real_models"
    shutil.copytree(real, bare)
    write_checkpoint_config(Store(real).models_dir / "lstm", "real")
    shipped = base / "shipped"
    for m in REAL_MODELS:
        write_checkpoint_config(shipped / m, "synthetic")
    (base / "done").touch()
    return out


# ------------------------------------------------------------------ the toy store
def build_toy_store(root: Path) -> Path:
    """Three weeks of 40 toy plays (8 frames each), written as a store's layout: enough
    to train, predict and evaluate a sequence model in seconds."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "tracking").mkdir()
    plays = []
    for week in (1, 2, 3):
        tr, pl_ = toy_tracking(n_plays=40, n_frames=8, seed=week, week=week,
                               game_id=2022090800 + week)
        tr.collect().write_parquet(root / "tracking" / f"week_{week}.parquet")
        plays.append(pl_)
    pl.concat(plays).write_parquet(root / "plays.parquet")
    (root / "meta.json").write_text(json.dumps({"source": "synthetic", "weeks": [1, 2, 3],
                                                "schema_version": 1}))
    return root


def app_pointer(stores: dict[str, Path], monkeypatch, *, models: str, default: str):
    """A function that points the app at ``stores[which]`` (with ``stores[models]`` as its
    checkpoints), keeping generated data under the stores' own data folder."""
    monkeypatch.chdir(Path(__file__).resolve().parents[2])
    monkeypatch.setenv("COVERAGE_DATA_DIR", str(stores["data_dir"]))
    monkeypatch.setenv("COVERAGE_MODELS_DIR", str(stores[models]))

    def _point(which: str = default) -> Path:
        monkeypatch.setenv("COVERAGE_DATA", str(stores[which]))
        return stores[which]
    return _point
