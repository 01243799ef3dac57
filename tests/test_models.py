import json
import math

import numpy as np
import pytest
import torch

from coverage import evaluation
from coverage.errors import CheckpointError
from coverage.features import FEATURES, build_frames
from coverage.models.checkpoint import fingerprint, load_checkpoint, save_checkpoint
from coverage.models.lstm import CoverageLSTM
from coverage.models.registry import build_model
from coverage.models.transformer import CoverageTransformer, PlayerSetEncoder
from coverage.training.frame_models import lstm_logits, transformer_logits
from coverage.training.loop import MaskedBCE, fit, seed_everything
from coverage.training.sampling import window_batches
from coverage.training.windows import WindowedTransformer
from tests.builders.toy import toy_tracking

F = len(FEATURES)


def small_transformer(**kw):
    return CoverageTransformer(n_features=F, dim=16, depth=1, heads=2, dropout=0.0, **kw)


def test_transformer_shapes_and_permutation_invariance():
    torch.manual_seed(0)
    model = small_transformer().eval()
    x = torch.randn(3, 4, 22, F)
    out = model(x)
    assert out.shape == (3,)
    perm = torch.randperm(22)
    torch.testing.assert_close(model(x[:, :, perm]), out, atol=1e-5, rtol=1e-5)
    enc = PlayerSetEncoder(F, 16, 1, 2, 0.0).eval()
    torch.testing.assert_close(enc(x[:, 0, perm]), enc(x[:, 0]), atol=1e-5, rtol=1e-5)
    # ... but not invariant to the order of time steps
    assert not torch.allclose(model(x.flip(1)), out)


def test_transformer_with_context():
    model = small_transformer(n_context=5).eval()
    assert model(torch.randn(2, 3, 22, F), torch.randn(2, 5)).shape == (2,)


def test_lstm_is_causal_and_per_step():
    torch.manual_seed(0)
    model = CoverageLSTM(F, hidden=16).eval()
    x = torch.randn(2, 10, 22, F)
    full = model(x)
    assert full.shape == (2, 10)
    with torch.no_grad():
        for t in (1, 4, 10):
            torch.testing.assert_close(model(x[:, :t])[:, -1], full[:, t - 1])
        x2 = x.clone()
        x2[:, 6:] = 0  # the future cannot change the past
        torch.testing.assert_close(model(x2)[:, :6], full[:, :6])


def test_fingerprint_is_order_free_and_label_sensitive():
    a = fingerprint([1, 1, 2], [5, 3, 1], ["Man", "Zone", None])
    assert a == fingerprint([2, 1, 1], [1, 3, 5], [None, "Zone", "Man"])
    assert a != fingerprint([1, 1, 2], [5, 3, 1], ["Zone", "Zone", None])


def test_checkpoint_round_trip_and_mismatch(tmp_path):
    hp = {"n_features": F, "dim": 16, "depth": 1, "heads": 2, "dropout": 0.0,
          "mean": [0.5] * F, "std": [2.0] * F}
    model = build_model("transformer", hp).eval()
    cfg = {"architecture": "transformer", "hparams": hp, "features": list(FEATURES),
           "fingerprint": "abc"}
    save_checkpoint(tmp_path / "m", model, cfg, {"test": {"accuracy": 0.9}})
    assert not list((tmp_path / "m").glob("*.tmp"))
    assert not (tmp_path / "m" / "model.pkl").exists()
    loaded, lcfg = load_checkpoint(tmp_path / "m", expected={"features": list(FEATURES)})
    x = torch.randn(2, 3, 22, F)
    torch.testing.assert_close(loaded(x), model(x))
    assert lcfg["fingerprint"] == "abc"
    assert json.loads((tmp_path / "m" / "metrics.json").read_text())["test"]["accuracy"] == 0.9

    with pytest.raises(CheckpointError, match="features"):
        load_checkpoint(tmp_path / "m", expected={"features": list(FEATURES)[:-1]})
    bad = dict(cfg, hparams=dict(hp, dim=32))
    (tmp_path / "m" / "config.json").write_text(json.dumps({"schema_version": 1, **bad}))
    with pytest.raises(CheckpointError, match="do not fit"):
        load_checkpoint(tmp_path / "m")
    (tmp_path / "m" / "config.json").write_text(json.dumps({"schema_version": 1, **cfg,
                                                            "architecture": "cnn"}))
    with pytest.raises(CheckpointError, match="unknown architecture"):
        load_checkpoint(tmp_path / "m")
    with pytest.raises(CheckpointError, match="no checkpoint"):
        load_checkpoint(tmp_path / "nothing")
    (tmp_path / "m" / "config.json").write_text(json.dumps({**cfg, "schema_version": 99}))
    with pytest.raises(CheckpointError, match="schema_version"):
        load_checkpoint(tmp_path / "m")


@pytest.fixture(scope="module")
def toy_frames():
    tr = build_frames(*toy_tracking(n_plays=80, n_frames=10, seed=0))
    va = build_frames(*toy_tracking(n_plays=40, n_frames=10, seed=1))
    return tr, va


def test_tiny_transformer_learns_planted_signal(toy_frames):
    tr, va = toy_frames
    rng = seed_everything(0)
    from coverage.features import feature_stats

    mean, std = feature_stats(tr.x)
    model = small_transformer(mean=mean, std=std)
    vrows = np.flatnonzero(va.secs == 0)
    val = MaskedBCE(1.0, lambda m: (transformer_logits(m, va, 3, 2, rows=vrows), va.y[vrows]))
    res = fit(model, window_batches(tr, 3, 2, per_play=3, chunk=3, batch_size=64), val,
              rng=rng, epochs=4, lr=3e-3, weight_decay=0.0, patience=6,
              device=torch.device("cpu"), progress=False,
              train_module=WindowedTransformer(model, 3))
    z = transformer_logits(model, va, 3, 2, rows=vrows)
    acc = evaluation.accuracy(va.y[vrows], evaluation.sigmoid(z))["accuracy"]
    assert acc > evaluation.majority_baseline(va.y[vrows]) + 0.1
    assert res.best_val_loss < math.log(2)


def test_batched_predict_equals_per_frame(toy_frames):
    _, va = toy_frames
    torch.manual_seed(0)
    model = small_transformer().eval()
    batched = transformer_logits(model, va, 4, 2, batch_size=37)
    hist = va.history_index(4, 2)
    with torch.no_grad():
        one = np.array([float(model(torch.from_numpy(va.x[hist[i]][None]))[0])
                        for i in range(0, len(va), 7)])
    np.testing.assert_allclose(batched[::7], one, atol=1e-5)

    lstm = CoverageLSTM(F, hidden=16).eval()
    batched = lstm_logits(lstm, va, batch_plays=5)
    starts, lengths = va.play_bounds()
    with torch.no_grad():
        for s, n in list(zip(starts, lengths, strict=True))[:4]:
            per = lstm(torch.from_numpy(va.x[s:s + n][None]))[0].numpy()
            np.testing.assert_allclose(batched[s:s + n], per, atol=1e-5)


def test_seeded_sampling_is_deterministic(toy_frames):
    tr, _ = toy_frames
    gen = window_batches(tr, 3, 2, per_play=2, chunk=2, batch_size=50)
    a = [b[0][0] for b in gen(np.random.default_rng(3))]
    b = [b[0][0] for b in gen(np.random.default_rng(3))]
    assert all(torch.equal(x, y) for x, y in zip(a, b, strict=True))
    labelled = np.unique(tr.play_start[~np.isnan(tr.y)])
    assert sum(len(x) for x in a) == len(labelled)  # one chunk of 2 moments a play


def test_training_is_reproducible_from_the_seed(toy_frames):
    """Same seed, same data: identical weights, losses and best epoch (the README's
    "seeded and reproducible"); another seed gives other weights."""
    tr, va = toy_frames
    vrows = np.flatnonzero(va.secs == 0)

    def run(seed: int):
        rng = seed_everything(seed)
        model = small_transformer()
        val = MaskedBCE(1.0, lambda m: (transformer_logits(m, va, 3, 2, rows=vrows),
                                        va.y[vrows]))
        res = fit(model, window_batches(tr, 3, 2, per_play=1, chunk=1, batch_size=64), val,
                  rng=rng, epochs=2, lr=3e-3, weight_decay=0.0, patience=6,
                  device=torch.device("cpu"), progress=False,
                  train_module=WindowedTransformer(model, 3))
        return res

    a, b, c = run(0), run(0), run(1)
    assert a.best_epoch == b.best_epoch and a.best_val_loss == b.best_val_loss
    assert [h["val_loss"] for h in a.history] == [h["val_loss"] for h in b.history]
    assert a.state_dict.keys() == b.state_dict.keys()
    assert all(torch.equal(a.state_dict[k], b.state_dict[k]) for k in a.state_dict)
    assert not all(torch.equal(a.state_dict[k], c.state_dict[k]) for k in a.state_dict)


@pytest.mark.slow
def test_label_only_training_is_reproducible(labels_raw_dir, tmp_path):
    """The real label tables, opened straight from a download folder (no tracking): two
    seeded runs of the per-play model give the same boosters and the same test figures
    (joins give no row order, so the table must fix its own)."""
    from coverage.opener import open_store
    from coverage.pipelines import train
    from coverage.training.options import TrainOptions

    store = open_store(labels_raw_dir)
    outs = [train(TrainOptions.of(model="tabular", data=str(labels_raw_dir),
                                  out_root=tmp_path / str(i), progress=False), store)
            for i in range(2)]
    a, b = (json.loads((tmp_path / str(i) / "tabular" / "config.json").read_text())
            for i in range(2))
    assert a["files"] == b["files"] and a["fingerprint"] == b["fingerprint"]
    assert outs[0]["metrics"]["test"] == outs[1]["metrics"]["test"]
    assert outs[0]["metrics"]["test"]["n"] > 0


# ------------------------------------------------------------------ one registry, one layout
def test_every_model_list_derives_from_the_registry():
    """The CLI's choices, init's training order, the app's order, the prior check and the
    pipelines all name exactly the registry's models, and each row resolves."""
    import argparse

    from coverage import bootstrap, pipelines
    from coverage.commands import models as model_commands
    from coverage.models import registry

    parser = argparse.ArgumentParser()
    model_commands.register(parser.add_subparsers())
    train = parser.parse_args(["train"])
    choices = next(a.choices for a in parser._subparsers._group_actions[0].choices["train"]
                   ._actions if a.dest == "model")
    assert tuple(choices) == registry.NAMES and train.model in registry.NAMES
    assert bootstrap.MODELS == registry.NAMES and set(bootstrap.SHARES) == set(registry.NAMES)
    assert set(bootstrap.CPU_LIMITS) == set(registry.NAMES)
    assert sorted(registry.DISPLAY_ORDER) == sorted(registry.NAMES)
    assert registry.DISPLAY_ORDER[0] == "transformer"
    assert registry.PER_PLAY == ("tabular",) and "tabular" not in registry.TAKES_PRIOR
    for name in registry.NAMES:
        run = pipelines.pipeline(name)
        assert run.per_play == (not registry.MODELS[name].needs_tracking)
        assert callable(run.trainer) and callable(run.loader) and run.week_writers
    with pytest.raises(CheckpointError, match="unknown architecture 'context'"):
        pipelines.pipeline("context")


def test_checkpoint_finds_a_folder_and_names_what_is_missing(tmp_path):
    from pathlib import Path

    from coverage.models.checkpoint import Checkpoint, checkpoints_in, is_checkpoint

    shipped = Path(__file__).resolve().parents[1] / "models"
    ck = Checkpoint.find(shipped / "lstm")
    assert ck.architecture == "lstm" and ck.weights_path.name == "model.safetensors"
    assert "test" in ck.metrics and len(ck.hash) == 16
    assert {p.name for p in checkpoints_in(shipped)} >= {"lstm", "transformer", "family",
                                                          "context_real_gbm"}
    assert checkpoints_in(tmp_path / "nowhere") == []
    # a folder that is not a checkpoint: refused, the missing files named
    (tmp_path / "half").mkdir()
    (tmp_path / "half" / "config.json").write_text("{}")
    assert not is_checkpoint(tmp_path / "half")
    with pytest.raises(CheckpointError, match="model.safetensors missing"):
        Checkpoint.find(tmp_path / "half")
    with pytest.raises(CheckpointError, match="does not exist"):
        Checkpoint.find(tmp_path / "gone")
    # a config that is not a JSON object, or lacks keys: the file is named
    (tmp_path / "half" / "model.safetensors").write_bytes(b"")
    (tmp_path / "half" / "config.json").write_text("[1, 2]")
    with pytest.raises(CheckpointError, match=r"config.json holds a JSON list"):
        Checkpoint.find(tmp_path / "half")
    (tmp_path / "half" / "config.json").write_text("{}")
    with pytest.raises(CheckpointError, match=r"config.json lacks keys"):
        Checkpoint.find(tmp_path / "half")


def test_checkpoint_write_replaces_config_and_metrics(tmp_path):
    import shutil
    from pathlib import Path

    from coverage.models.checkpoint import Checkpoint

    shutil.copytree(Path(__file__).resolve().parents[1] / "models" / "lstm", tmp_path / "m")
    ck = Checkpoint.find(tmp_path / "m")
    cfg = {**ck.config, "note": "rewritten"}
    ck.write(cfg, {"test": {"n": 1}})
    assert ck.config["note"] == "rewritten" and ck.metrics == {"test": {"n": 1}}
    assert Checkpoint.find(tmp_path / "m").config["note"] == "rewritten"
    assert not list((tmp_path / "m").glob("*.tmp*"))
