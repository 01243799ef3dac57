"""Windowed training: chunks of overlapping windows give exactly what the models give for
each window on its own, and the chunk sampler draws what it promises."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from coverage.features import FEATURES, FrameTensors
from coverage.models.registry import build_model
from coverage.training.sampling import chunk_rows, window_batches
from coverage.training.windows import WindowedFamily, WindowedTransformer

F = len(FEATURES)


def _frames(lengths: list[int], seed: int = 0) -> FrameTensors:
    """Plays of the given lengths, labelled man/zone/unlabelled in turn; x = row index in
    channel 0, so gathered rows can be read back."""
    n = sum(lengths)
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 22, F)).astype(np.float32)
    x[:, 0, 0] = np.arange(n)
    starts = np.cumsum([0, *lengths[:-1]])
    play_start = np.repeat(starts, lengths)
    labels = np.array([1.0, 0.0, np.nan])[np.arange(len(lengths)) % 3]
    return FrameTensors(x=x, game_id=np.zeros(n, np.int64),
                        play_id=np.repeat(np.arange(len(lengths)), lengths),
                        frame_id=np.zeros(n, np.int32), secs=np.zeros(n, np.float32),
                        y=np.repeat(labels, lengths).astype(np.float32),
                        play_start=play_start.astype(np.int64))


def test_chunks_stay_in_their_play_and_step_by_the_stride() -> None:
    ft = _frames([40, 30, 12, 3, 50, 25])
    k, stride, chunk = 5, 2, 4
    rows = chunk_rows(ft, np.random.default_rng(1), per_play=8, chunk=chunk, k=k,
                      stride=stride)
    labelled_plays = 4  # plays 0, 1, 3, 4 (2 and 5 are unlabelled)
    assert rows.shape == (labelled_plays * 2, chunk + k - 1)
    assert (ft.play_start[rows] == ft.play_start[rows[:, :1]]).all()  # one play a chunk
    assert not np.isnan(ft.y[rows]).any()
    moments = rows[:, k - 1:]
    steps = np.diff(moments, axis=1)  # 0 only where a short play clamps at its start
    assert ((steps == stride) | (steps == 0)).all()
    assert (steps[ft.play_start[rows[:, 0]] != 82] == stride).all()  # all but the 3-frame
    # history before a play's first frame is that frame, as history_index has it
    hist = ft.history_index(k, stride)
    for r in rows:
        for j in range(chunk):
            np.testing.assert_array_equal(r[j:j + k], hist[r[k - 1 + j]])


def test_every_moment_of_a_long_play_can_anchor_a_chunk() -> None:
    ft = _frames([60])
    seen = set()
    for seed in range(200):
        rows = chunk_rows(ft, np.random.default_rng(seed), 4, 4, 5, 2)
        seen |= set(rows[:, 4:].ravel().tolist())
    assert seen == set(range(60))


def test_windowed_transformer_equals_the_model_on_each_window() -> None:
    torch.manual_seed(0)
    model = build_model("transformer", {"n_features": F, "dim": 16, "depth": 1, "heads": 2})
    model.eval()
    ft = _frames([40, 30, 20])
    k, stride, chunk = 3, 2, 4
    (x,), y, _ = next(window_batches(ft, k, stride, 8, chunk, 64, augment=False)(
        np.random.default_rng(0)))
    with torch.no_grad():
        z = WindowedTransformer(model, k)(x)
        b = x.shape[0]
        single = torch.stack([model(x[:, j:j + k]) for j in range(chunk)], dim=1)
    assert z.shape == y.shape == (b, chunk)
    torch.testing.assert_close(z, single, atol=1e-5, rtol=1e-4)


def test_windowed_family_equals_the_model_on_each_window() -> None:
    torch.manual_seed(0)
    model = build_model("family", {"n_features": F, "dim": 16, "depth": 1, "heads": 2})
    model.eval()
    x = torch.randn(3, 6, 22, F)
    k = 3
    with torch.no_grad():
        out = WindowedFamily(model, k)(x)
        single = [model(x[:, j:j + k]) for j in range(6 - k + 1)]
    for key in ("family", "assign", "pointer"):
        want = torch.stack([s[key] for s in single], dim=1).flatten(0, 1)  # chunk-major
        torch.testing.assert_close(out[key], want, atol=1e-5, rtol=1e-4)


def test_the_fast_training_forward_runs_in_training_mode_only() -> None:
    from coverage.models.train_encoder import Dropout

    torch.manual_seed(0)
    model = build_model("transformer", {"n_features": F, "dim": 16, "depth": 1, "heads": 2,
                                        "dropout": 0.5})
    view = WindowedTransformer(model, 3, Dropout(0.5, 0))
    x = torch.randn(2, 5, 22, F)
    model.train()
    a, b = view(x), view(x)
    assert not torch.allclose(a, b)  # masks drawn afresh each call
    model.eval()
    torch.testing.assert_close(view(x), WindowedTransformer(model, 3)(x))


def test_frames_built_once_equal_each_trainer_building_its_own(tmp_path) -> None:
    """What init hands every tracking trainer is what each used to build for itself: the
    same tensors, labels and play boundaries, whole or cut to the last seconds."""
    from coverage.family.data import load_explain_frames
    from coverage.family.week_frames import WeekFrames
    from coverage.opener import open_store
    from coverage.simulate import simulate_season
    from coverage.training.frames import load_frames

    simulate_season(tmp_path / "raw", seed=3, weeks=2, games_per_week=1, plays_per_game=6)
    store = open_store(tmp_path / "raw", progress=False)
    wf = WeekFrames(store)
    for max_secs in (None, 2.0):
        want = load_frames(store, [1, 2], max_secs)
        got = wf.frames([1, 2], max_secs)
        for name in ("x", "y", "game_id", "play_id", "frame_id", "secs", "play_start"):
            np.testing.assert_array_equal(getattr(got, name), getattr(want, name), name)
        ef, ef_want = wf.explain([1, 2], max_secs), load_explain_frames(store, [1, 2], max_secs)
        for name in ("nfl", "family", "assign", "target"):
            np.testing.assert_array_equal(getattr(ef, name), getattr(ef_want, name), name)
    assert wf.explain([1, 2]) is wf.explain([1, 2])  # built once


def test_the_fast_training_forward_is_the_module_without_dropout() -> None:
    from coverage.training.windows import train_dropout

    torch.manual_seed(0)
    for kind, view_of in (("family", WindowedFamily), ("transformer", WindowedTransformer)):
        model = build_model(kind, {"n_features": F, "dim": 16, "depth": 1, "heads": 2,
                                   "dropout": 0.0})
        drop = train_dropout(model, torch.device("cpu"), np.random.default_rng(0))
        assert drop is not None
        assert train_dropout(model, torch.device("meta"), np.random.default_rng(0)) is None
        x = torch.randn(2, 6, 22, F)
        model.train()
        fast, plain = view_of(model, 3, drop)(x), view_of(model, 3)(x)
        for key in (("family", "assign", "pointer") if kind == "family" else (None,)):
            torch.testing.assert_close(fast[key] if key else fast, plain[key] if key else plain,
                                       atol=1e-5, rtol=1e-4)


def test_a_shard_draws_its_masks_from_its_own_generator() -> None:
    from coverage.models.train_encoder import Dropout

    torch.manual_seed(0)
    model = build_model("family", {"n_features": F, "dim": 16, "depth": 1, "heads": 2,
                                   "dropout": 0.3})
    view = WindowedFamily(model, 3, Dropout(0.3, 0))
    assert WindowedFamily(model, 3).shard(np.random.default_rng(0)) is None
    x = torch.randn(2, 6, 22, F)
    model.train()
    one = view.shard(np.random.default_rng(7))(x)
    two = view.shard(np.random.default_rng(7))(x)
    other = view.shard(np.random.default_rng(8))(x)
    torch.testing.assert_close(one["family"], two["family"])
    assert not torch.allclose(one["family"], other["family"])
    assert view.shard(np.random.default_rng(7)).model is model  # nothing copied


def test_shard_batch_keeps_each_chunks_labels_with_it() -> None:
    from coverage.training.loop import shard_batch

    x = torch.arange(5).float()[:, None].expand(5, 3)
    per_moment = torch.arange(5).repeat_interleave(4)  # b * c rows, chunk-major
    parts = shard_batch((x, per_moment, None), 2)
    assert [p[0].shape[0] for p in parts] == [2, 3]
    for xs, ys, none in parts:
        assert none is None
        assert torch.equal(ys, xs[:, 0].long().repeat_interleave(4))
    assert shard_batch((x, torch.zeros(7)), 2) is None  # rows not a multiple of 5
    assert shard_batch((x[:1],), 2) is None


def test_a_sharded_step_is_the_full_batch_gradient_and_reproducible() -> None:
    """Two threads, each with its share of the batch, give the gradient of the whole batch
    (no dropout); with dropout, the same seed gives the same fit twice."""
    from coverage.training.loop import MaskedBCE, Shards, fit
    from coverage.training.windows import train_dropout

    torch.manual_seed(0)
    model = build_model("transformer", {"n_features": F, "dim": 16, "depth": 1, "heads": 2,
                                        "dropout": 0.0})
    view = WindowedTransformer(model, 3, train_dropout(model, torch.device("cpu"),
                                                       np.random.default_rng(0)))
    x, y = torch.randn(6, 6, 22, F), (torch.rand(6, 4) < 0.4).float()
    objective = MaskedBCE(2.0, lambda m: (np.zeros(2), np.array([0.0, 1.0])))
    model.train()
    params = list(model.parameters())
    loss, _ = objective.train_loss(view, ((x,), y, None), torch.device("cpu"))
    want = torch.autograd.grad(loss, params, allow_unused=True)
    shards = Shards(view, 2)
    got_loss, n = shards.loss_and_grads(((x,), y, None), objective, torch.device("cpu"), params,
                                        np.random.default_rng(0))
    shards.close()
    assert n == y.numel()
    assert got_loss == pytest.approx(float(loss.detach()), rel=1e-5)
    for p, g in zip(params, want, strict=True):
        if g is not None:
            torch.testing.assert_close(p.grad, g, atol=1e-6, rtol=1e-4)

    ft = _frames([40, 30, 20, 25])
    weights = []
    threads = torch.get_num_threads()
    torch.set_num_threads(2)  # a step of two shards, on any machine
    for _ in range(2):
        torch.manual_seed(1)
        m = build_model("transformer", {"n_features": F, "dim": 16, "depth": 1, "heads": 2,
                                        "dropout": 0.2})
        rng = np.random.default_rng(3)
        v = WindowedTransformer(m, 3, train_dropout(m, torch.device("cpu"), rng))
        fit(m, window_batches(ft, 3, 2, 8, 4, 2), objective, rng=rng, epochs=2, lr=1e-3,
            weight_decay=0.0, patience=5, device=torch.device("cpu"), progress=False,
            train_module=v)
        weights.append(m.state_dict())
    torch.set_num_threads(threads)
    for key, value in weights[0].items():
        assert torch.equal(value, weights[1][key]), key


def test_the_snap_grid_steps_back_from_each_plays_last_frame() -> None:
    ft = _frames([5, 3])
    assert ft.snap_grid(2).tolist() == [True, False, True, False, True, True, False, True]
    assert ft.snap_grid(1).all()
