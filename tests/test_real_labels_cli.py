"""The README's real-label figure, reproduced from the CLI over every real week-9 play."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from coverage.cli import main
from coverage.store import Store

REPO = Path(__file__).resolve().parents[1]


def test_context_real_gbm_evaluates_every_real_week9_play(real_raw_dir, tmp_path, capsys) -> None:
    store_dir = tmp_path / "store"
    assert main(["ingest", str(real_raw_dir), "-o", str(store_dir), "--quiet"]) == 0
    store = Store(store_dir)
    every = store.all_plays()
    assert every.height == 16_124 and store.plays().height == 1  # one tracked play
    assert every.filter(pl.col("week") == 9).height == 1_535
    assert main(["evaluate", str(REPO / "models" / "context_real_gbm"), "--data",
                 str(store_dir)]) == 0
    out = capsys.readouterr().out
    assert "snap: accuracy 0.793 [0.771, 0.813] n=1431  AUC 0.763" in out
    preds = Store(store_dir).predictions(9)
    context = preds.filter(pl.col("model") == "context_real_gbm")
    # one per-play row for each week-9 play (none is tracked): frame columns null
    assert context.height == 1_535 and context["frameId"].is_null().all()
    assert context["p_man"].is_between(0, 1).all()


@pytest.mark.parametrize("week", [8])
def test_context_prediction_covers_tracked_and_label_only_plays(real_store, week) -> None:
    from coverage.pipelines import predict_week

    out = predict_week(REPO / "models" / "context_real_gbm", real_store, week, write=False)
    tracked = out.filter(pl.col("frameId").is_not_null())
    assert tracked.select("gameId", "playId").unique().height == 1  # the real tracked play
    assert tracked.height == real_store.play_frames(2022103007, 1507)["frameId"].n_unique()
    n_week = real_store.all_plays().filter(pl.col("week") == week).height
    assert out.select("gameId", "playId").unique().height == n_week
