"""A tracking checkpoint records its context prior's hash; predictions made with another
prior than the one present are stale: re-made by whoever refreshes predictions, never
served as current, and the user is told which model and why."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import polars as pl
import pytest

from coverage import prior
from coverage.models.checkpoint import CONFIG, SCHEMA_VERSION, WEIGHTS, checkpoint_hash


def _folder(path: Path, config: dict, weights: bytes) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    (path / CONFIG).write_text(json.dumps({"schema_version": SCHEMA_VERSION, "hparams": {},
                                           "features": [], **config}))
    (path / WEIGHTS).write_bytes(weights)
    return path


@pytest.fixture
def pair(tmp_path: Path) -> tuple[Path, Path]:
    """A per-play prior and a tracking checkpoint that recorded it (no training needed:
    the hashes read the files only)."""
    ctx = _folder(tmp_path / "ctx", {"architecture": "tabular"}, b"prior weights v1")
    cfg = {"architecture": "transformer",
           "prior": {**prior.prior_entry(ctx, 0.27, 0.8)}}
    return ctx, _folder(tmp_path / "track", cfg, b"tracking weights")


def test_the_same_prior_keeps_the_checkpoints_own_identity(pair) -> None:
    ctx, track = pair
    assert prior.prediction_digest(track) == checkpoint_hash(track)
    assert prior.prior_change(track) is None
    assert prior.prediction_digest(ctx) == checkpoint_hash(ctx)  # no prior of its own


def test_a_changed_prior_changes_the_identity_and_says_why(pair) -> None:
    ctx, track = pair
    recorded = json.loads((track / CONFIG).read_text())["prior"]["hash"]
    (ctx / WEIGHTS).write_bytes(b"prior weights v2")  # retrained in place
    now = checkpoint_hash(ctx)
    digest = prior.prediction_digest(track)
    assert digest != checkpoint_hash(track) and now in digest
    why = prior.prior_change(track)
    assert why is not None and "'track'" in why and "'ctx'" in why
    assert recorded in why and now in why and "stale" in why
    (ctx / WEIGHTS).write_bytes(b"prior weights v1")  # put back: current again
    assert prior.prediction_digest(track) == checkpoint_hash(track)


def test_a_missing_prior_makes_its_predictions_stale(pair) -> None:
    ctx, track = pair
    shutil.rmtree(ctx)
    assert prior.prediction_digest(track).endswith("+prior-missing")
    assert "is missing" in (prior.prior_change(track) or "")


def test_an_unreadable_config_is_left_to_the_loader(tmp_path: Path) -> None:
    bad = _folder(tmp_path / "bad", {}, b"w")
    (bad / CONFIG).write_text("[1, 2]")
    assert prior.prediction_digest(bad) == checkpoint_hash(bad)
    assert prior.prior_change(bad) is None


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A small simulated store, two tabular priors (different seeds) and a transformer
    trained with the first."""
    from coverage.ingest import ingest
    from coverage.pipelines import train
    from coverage.simulate import simulate_season
    from coverage.store import Store
    from coverage.training.options import TrainOptions

    root = tmp_path_factory.mktemp("prior_hash")
    simulate_season(root / "raw", seed=3, weeks=3, games_per_week=2, plays_per_game=12)
    ingest(root / "raw", root / "store", progress=False)
    store = Store(root / "store")
    models, other = root / "models", root / "other"
    train(TrainOptions.of(model="tabular", data=str(store.path), out_root=models,
                          progress=False), store)
    train(TrainOptions.of(model="tabular", data=str(store.path), out_root=other, seed=5,
                          progress=False, hparams={"man": {"min_data_in_leaf": 3}}), store)
    train(TrainOptions.of(model="transformer", name="with_prior", data=str(store.path),
                          out_root=models, epochs=1, progress=False, history=3,
                          frames_per_play=2, feature_set="motion", prior=models / "tabular",
                          hparams={"dim": 16, "depth": 1, "heads": 2}), store)
    return store, models, other


def test_a_swapped_prior_makes_stored_predictions_stale_and_they_are_remade(trained) -> None:
    from coverage.pipelines import evaluate
    from coverage.serving import ensure_predictions, stale_models

    store, models, other = trained
    track = models / "with_prior"
    ensure_predictions(store, models, log=None)
    assert stale_models(store, models) == []
    week = json.loads((track / CONFIG).read_text())["split"]["test"][0]
    before = store.predictions(week).filter(pl.col("model") == "with_prior")

    shutil.rmtree(models / "tabular")  # a better prior is a swap of one folder
    shutil.copytree(other / "tabular", models / "tabular")
    assert [m.name for m in stale_models(store, models)] == ["tabular", "with_prior"]
    assert set(prior.stale_by_prior(store, [track])) == {"with_prior"}
    said: list[str] = []
    ensure_predictions(store, models, log=said.append)
    assert any("model 'with_prior': its context prior 'tabular' is not the one" in s
               for s in said)
    assert stale_models(store, models) == [] and prior.stale_by_prior(store, [track]) == {}
    assert store.manifest()["with_prior"]["status"] == "ok"
    after = store.predictions(week).filter(pl.col("model") == "with_prior")
    assert after.height == before.height
    # re-made under the present prior's identity, every week (not kept from the old one)
    now = prior.prediction_digest(track)
    assert checkpoint_hash(models / "tabular") in now
    assert set(store.manifest()["with_prior"]["weeks"].values()) == {now}
    report = evaluate(track, store, week, write=False)
    assert report["checkpoint"] == prior.prediction_digest(track)
