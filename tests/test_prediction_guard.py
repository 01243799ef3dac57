"""Never NaN predictions with exit code 0: a model that cannot give a finite P(man) fails
loudly and writes nothing."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import polars as pl
import pytest

from coverage import pipelines
from coverage.errors import DataError

REPO = Path(__file__).resolve().parents[1]


def test_non_finite_predictions_are_refused(sim_store, monkeypatch) -> None:
    real = pipelines.pipeline("tabular")

    def nan_predictor(*args, **kwargs):
        out = real.predictor(*args, **kwargs)
        return out.with_columns(pl.lit(float("nan")).alias("p_man"))

    nan_run = dataclasses.replace(real, predictor=nan_predictor)
    monkeypatch.setattr(pipelines, "pipeline", lambda arch, **kw: nan_run)
    before = sim_store.predictions(1)
    with pytest.raises(DataError, match="no finite P\\(man\\)"):
        pipelines.predict_week(REPO / "models" / "context_real_gbm", sim_store, 1,
                               name="nan_model")
    after = sim_store.predictions(1)
    assert (after is None and before is None) or after.equals(before)
