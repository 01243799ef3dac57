"""Detected formations as optional model inputs (the issue-5 ablation path)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from coverage.errors import DataError
from coverage.models.context import FORMATION_CATEGORICAL
from coverage.pipelines import predict_week, train
from coverage.store import Store
from coverage.training.options import TrainOptions


def test_context_model_trains_and_predicts_with_formation_features(sim_store: Store,
                                                                   tmp_path: Path) -> None:
    res = train(TrainOptions.of(model="context", data=str(sim_store.path), out_root=tmp_path,
                             name="ctx_f", formations=True, epochs=3, progress=False,
                             train_weeks=(1,), val_weeks=(2,), test_weeks=(3,)))
    cfg = json.loads((tmp_path / "ctx_f" / "config.json").read_text())
    assert set(FORMATION_CATEGORICAL) <= set(cfg["encoding"]["categorical"])
    assert cfg["selected"]["formations"] is True
    assert any(v for v in cfg["encoding"]["vocab"]["def_shell"])
    preds = predict_week(tmp_path / "ctx_f", sim_store, 3, write=False)
    assert preds.height > 0 and preds["p_man"].is_between(0, 1).all()
    assert res["metrics"]["test"]["n"] > 0


def test_formation_features_need_a_store(labels_raw_dir: Path, tmp_path: Path) -> None:
    with pytest.raises(DataError, match="formation features need a store"):
        train(TrainOptions.of(model="context", data=str(labels_raw_dir), out_root=tmp_path,
                           formations=True, epochs=1, progress=False))
