"""End to end on a tiny store: train (split by week) -> predict -> evaluate -> CLI."""

import json

import numpy as np
import polars as pl
import pytest

from coverage.errors import CheckpointError
from coverage.store import Store


@pytest.mark.parametrize("kind", ["transformer", "lstm"])
def test_train_predict_evaluate(toy_store, tmp_path, kind):
    from coverage.pipelines import evaluate, predict_week, train
    from coverage.training.options import NETWORK_DEFAULTS, TrainOptions

    hp = {"dim": 16, "depth": 1, "heads": 2} if kind == "transformer" else {"hidden": 16}
    out = train(TrainOptions.of(model=kind, data=str(toy_store), out_root=tmp_path, epochs=2,
                             progress=False, hparams=hp, history=3, frames_per_play=2),
                Store(toy_store))
    cfg = out["config"]
    assert cfg["split"] == {"train": [1], "val": [2], "test": [3]}
    assert len(cfg["fingerprint"]) == 64 and cfg["temperature"] > 0
    # the trainers' network where the options say nothing (no dropout), the options' over it
    assert {k: cfg["hparams"][k] for k in NETWORK_DEFAULTS[kind]} == {**NETWORK_DEFAULTS[kind],
                                                                      **hp}
    assert cfg["hparams"]["dropout"] == 0.0
    assert out["metrics"]["test"]["at_snap"]["n"] == 40
    d = tmp_path / kind
    assert {p.name for p in d.iterdir()} == {"model.safetensors", "config.json", "metrics.json"}

    preds = predict_week(d, Store(toy_store), 3)
    assert preds.columns == ["model", "gameId", "playId", "frameId", "secs_from_snap", "p_man"]
    assert preds.height == 40 * 8 and preds["p_man"].is_between(0, 1).all()
    stored = pl.read_parquet(toy_store / "predictions" / "week_3.parquet")
    assert stored.filter(pl.col("model") == kind).height == 40 * 8

    rep = evaluate(d, Store(toy_store))
    assert rep["week"] == 3 and rep["at_snap"]["n"] == 40
    np.testing.assert_allclose(rep["at_snap"]["accuracy"],
                               out["metrics"]["test"]["at_snap"]["accuracy"])
    curve = pl.read_parquet(toy_store / "evaluation" / f"{kind}_week_3_accuracy_by_time.parquet")
    assert {"accuracy", "ci_low", "ci_high", "n_plays", "majority_baseline"} <= set(curve.columns)
    assert curve["n_plays"].to_list() == [40] * 8


def test_feature_mismatch_is_refused(toy_store, tmp_path):
    from coverage.pipelines import predict_week, train
    from coverage.training.options import TrainOptions

    train(TrainOptions.of(model="lstm", data=str(toy_store), out_root=tmp_path, epochs=1,
                       progress=False, hparams={"hidden": 8}, name="m"), Store(toy_store))
    cfg_path = tmp_path / "m" / "config.json"
    cfg = json.loads(cfg_path.read_text())
    cfg["features"] = cfg["features"][:-1] + ["speed_squared"]
    cfg_path.write_text(json.dumps(cfg))
    with pytest.raises(CheckpointError, match="speed_squared"):
        predict_week(tmp_path / "m", Store(toy_store), 3, write=False)


def test_cli_train_and_evaluate(toy_store, tmp_path, capsys):
    from coverage.cli import build_parser

    parser = build_parser()
    args = parser.parse_args(["train", "--model", "lstm", "--data", str(toy_store), "--out",
                              str(tmp_path), "--epochs", "1", "--quiet",
                              "--hparams", '{"hidden": 8}'])
    assert args.func(args) == 0
    assert "test week [3]" in capsys.readouterr().out
    args = parser.parse_args(["evaluate", str(tmp_path / "lstm"), "--data", str(toy_store)])
    assert args.func(args) == 0
    assert "snap" in capsys.readouterr().out


def test_cli_train_records_the_precision_it_trained_in(toy_store, tmp_path):
    """``--precision`` reaches the training forward, and the checkpoint says what ran."""
    import json

    from coverage.cli import build_parser

    args = build_parser().parse_args(
        ["train", "--model", "transformer", "--data", str(toy_store), "--out", str(tmp_path),
         "--epochs", "1", "--quiet", "--precision", "mixed",
         "--hparams", '{"dim": 16, "depth": 1, "heads": 2}'])
    assert args.func(args) == 0
    metrics = json.loads((tmp_path / "transformer" / "metrics.json").read_text())
    assert metrics["training"]["precision"] == "mixed"
    # and how its epochs drew their moments (chunks of 2 a play, 8 moments a play)
    assert metrics["training"]["sampling"] == {"frames_per_play": 8, "chunk": 2}


def test_week_arguments_parse_or_say_what_is_expected(capsys):
    from coverage.cli import main
    from coverage.commands.common import parse_weeks

    assert parse_weeks("1-3,8") == [1, 2, 3, 8] and parse_weeks(None) is None
    assert main(["ingest", "nowhere", "-o", "nowhere-store", "--weeks", "x"]) == 2
    assert "weeks 'x': expected week numbers" in capsys.readouterr().err
