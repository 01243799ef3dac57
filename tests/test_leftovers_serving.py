"""A refresh that fails part-way leaves the model stale, and the manifest names, week by week,
the checkpoint that wrote each of its rows still in the store."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import polars as pl
import pytest

from coverage import serving
from coverage.config import REPO_ROOT
from coverage.errors import DataError
from coverage.models.checkpoint import predicted_by
from coverage.pipelines import predict_week
from coverage.prior import prediction_digest
from coverage.serving import ensure_predictions, stale_models
from coverage.store import Store

SHIPPED = REPO_ROOT / "models"
NAME = "context_real_gbm"  # a per-play model: quick to predict every week


@pytest.fixture
def served(sim_store: Store, tmp_path: Path) -> tuple[Store, Path]:
    store_dir = tmp_path / "store"
    shutil.copytree(sim_store.path, store_dir)
    models = tmp_path / "models"
    shutil.copytree(SHIPPED / NAME, models / NAME)
    store = Store(store_dir)
    assert ensure_predictions(store, models, log=None)[NAME]["status"] == "ok"
    return store, models


def _retrain(models: Path) -> tuple[str, str]:
    """A changed checkpoint of the same name: (old digest, new digest)."""
    old = prediction_digest(models / NAME)
    cfg = models / NAME / "config.json"
    cfg.write_text(json.dumps({**json.loads(cfg.read_text()), "note": "retrained"}))
    return old, prediction_digest(models / NAME)


def _rows(store: Store, week: int) -> pl.DataFrame:
    return store.predictions(week).filter(pl.col("model") == NAME).sort(
        "gameId", "playId", "frameId")


@pytest.mark.parametrize("weeks_written", [0, 1])
def test_a_failed_refresh_stays_stale_and_names_who_wrote_each_week(
        served, monkeypatch, weeks_written: int) -> None:
    store, models = served
    old, new = _retrain(models)
    weeks = sorted(int(w) for w in store.manifest()[NAME]["weeks"])
    before = {w: _rows(store, w) for w in weeks}

    def failing(model_dir, store, *, test_weeks=(), name=None):
        for week in weeks[:weeks_written]:  # a week done, then the checkpoint fails
            predict_week(model_dir, store, week, name=name)
        raise DataError("this checkpoint cannot predict here", column="x")
    monkeypatch.setattr(serving, "write_outputs", failing)
    entry = ensure_predictions(store, models, log=None)[NAME]

    assert entry["status"].startswith("error:") and "cannot predict here" in entry["status"]
    assert [m.name for m in stale_models(store, models)] == [NAME]  # tried again next time
    for week in weeks:  # the rows kept are marked with the checkpoint that wrote them
        assert predicted_by(entry, week) == (new if week in weeks[:weeks_written] else old)
    for week in weeks[weeks_written:]:  # the older rows are still there, untouched
        assert _rows(store, week).equals(before[week])

    monkeypatch.undo()  # fixed: the next refresh makes every week with the new checkpoint
    entry = ensure_predictions(store, models, log=None)[NAME]
    assert entry["status"] == "ok" and set(entry["weeks"].values()) == {new}
    assert stale_models(store, models) == []


def test_a_failing_checkpoint_is_tried_again_each_time(served, monkeypatch) -> None:
    store, models = served
    _retrain(models)
    calls = []

    def failing(model_dir, store, **kw):
        calls.append(model_dir)
        raise DataError("broken")
    monkeypatch.setattr(serving, "write_outputs", failing)
    ensure_predictions(store, models, log=None)
    ensure_predictions(store, models, log=None)
    assert len(calls) == 2
