"""Shared fixtures: the real Big Data Bowl samples (when present) and tiny raw folders."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.builders.fixtures import SHARED_BDB, require_real
from tests.builders.stores import (
    app_pointer,
    build_app_stores,
    build_explain_models,
    build_real_stores,
    build_toy_store,
)

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session", autouse=True)
def _mlflow_store_outside_repo(tmp_path_factory):
    """`coverage train` logs to MLflow by default when it is installed (``sqlite:///mlflow.db``
    in the current directory); point every test at a throw-away store instead."""
    old = os.environ.get("MLFLOW_TRACKING_URI")
    db = tmp_path_factory.mktemp("mlflow") / "mlflow.db"
    os.environ["MLFLOW_TRACKING_URI"] = f"sqlite:///{db}"
    yield
    if old is None:
        os.environ.pop("MLFLOW_TRACKING_URI", None)
    else:
        os.environ["MLFLOW_TRACKING_URI"] = old


@pytest.fixture(scope="session")
def shared_bdb() -> Path:
    if SHARED_BDB is None:
        require_real()
    return SHARED_BDB


@pytest.fixture(scope="session")
def real_raw_dir(shared_bdb: Path, tmp_path_factory) -> Path:
    """Official-layout folder: the real label tables + the one real tracking play as week 8."""
    d = tmp_path_factory.mktemp("real_raw")
    for name in ("games.csv", "plays.csv", "players.csv", "player_play.parquet"):
        (d / name).symlink_to(shared_bdb / name)
    (d / "tracking_week_8.csv").symlink_to(shared_bdb / "tracking_2022_real_1play.csv")
    return d


@pytest.fixture(scope="session")
def labels_raw_dir(shared_bdb: Path, tmp_path_factory) -> Path:
    """The real label tables alone, no tracking (the shared folder's one-play tracking
    file would make it a raw folder to ingest): what the context prior trains on."""
    d = tmp_path_factory.mktemp("labels_raw")
    for name in ("games.csv", "plays.csv", "players.csv", "player_play.parquet"):
        (d / name).symlink_to(shared_bdb / name)
    return d


@pytest.fixture(scope="session")
def legacy_raw_dir(shared_bdb: Path, tmp_path_factory) -> Path:
    """The 7 real BDB 2023 (2021 season) plays in their older schema."""
    d = tmp_path_factory.mktemp("legacy_raw")
    (d / "plays.csv").symlink_to(shared_bdb / "bdb2023" / "plays_7plays.csv")
    (d / "tracking_week_1.csv").symlink_to(shared_bdb / "bdb2023" / "tracking_7plays.csv")
    return d


@pytest.fixture(scope="session")
def real_store(real_raw_dir: Path, tmp_path_factory):
    from coverage.ingest import ingest
    from coverage.store import Store

    out = tmp_path_factory.mktemp("real_store")
    ingest(real_raw_dir, out, progress=False)
    return Store(out)


@pytest.fixture(scope="session")
def sim_store(tmp_path_factory):
    """A small simulated season (3 weeks x 2 games x 12 plays), ingested once per session."""
    from coverage.ingest import ingest
    from coverage.simulate import simulate_season
    from coverage.store import Store

    raw = tmp_path_factory.mktemp("sim_raw")
    simulate_season(raw, seed=7, weeks=3, games_per_week=2, plays_per_game=12)
    out = tmp_path_factory.mktemp("sim_store")
    ingest(raw, out, progress=False)
    return Store(out)


# ------------------------------------------------------------------ shared read-only stores
@pytest.fixture(scope="session")
def app_stores(tmp_path_factory) -> dict[str, Path]:
    """The app's 2-week simulated store, a copy with predictions, and a models folder."""
    return build_app_stores(tmp_path_factory.getbasetemp() / "app_stores")


@pytest.fixture
def point_at(app_stores, monkeypatch):
    """Point the app at one of the app stores (and keep generated data out of the repo)."""
    return app_pointer(app_stores, monkeypatch, models="models", default="preds")


@pytest.fixture(scope="session")
def explain_models(app_stores, tmp_path_factory) -> Path:
    """An untrained family checkpoint and a store copy with its predictions/attribution."""
    return build_explain_models(app_stores["preds"],
                                tmp_path_factory.getbasetemp() / "explain_models")


@pytest.fixture(scope="session")
def real_stores(tmp_path_factory) -> dict[str, Path]:
    """Simulated seasons ingested as real, with predictions and provenance configs."""
    return build_real_stores(tmp_path_factory.getbasetemp() / "honesty_stores")


@pytest.fixture(scope="module")
def toy_store(tmp_path_factory) -> Path:
    """A toy store per module: the pipeline tests write predictions into it."""
    return build_toy_store(tmp_path_factory.mktemp("store"))
