"""Windowed training: chunks of overlapping windows give exactly what the models give for
each window on its own, and the chunk sampler draws what it promises."""

from __future__ import annotations

import numpy as np
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


def test_a_training_encode_replaces_the_encoder_in_training_mode_only() -> None:
    torch.manual_seed(0)
    model = build_model("transformer", {"n_features": F, "dim": 16, "depth": 1, "heads": 2,
                                        "dropout": 0.0})
    calls = []

    def encode(encoder, z):
        calls.append(z.shape)
        return encoder.tokens_and_pooled(z)
    view = WindowedTransformer(model, 3, encode)
    x = torch.randn(2, 5, 22, F)
    model.train()
    a = view(x)
    model.eval()
    b = view(x)
    assert calls == [torch.Size([10, 22, F])]
    torch.testing.assert_close(a, b)


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


def test_the_fast_training_encode_is_the_module_without_dropout() -> None:
    from coverage.training.windows import fast_encode

    torch.manual_seed(0)
    model = build_model("family", {"n_features": F, "dim": 16, "depth": 1, "heads": 2,
                                   "dropout": 0.0})
    encode = fast_encode(model, torch.device("cpu"), np.random.default_rng(0))
    assert encode is not None
    assert fast_encode(model, torch.device("meta"), np.random.default_rng(0)) is None
    x = torch.randn(2, 6, 22, F)
    model.train()
    fast = WindowedFamily(model, 3, encode)(x)
    plain = WindowedFamily(model, 3)(x)
    for key in ("family", "assign", "pointer"):
        torch.testing.assert_close(fast[key], plain[key], atol=1e-5, rtol=1e-4)
