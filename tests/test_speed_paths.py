"""The fast inference paths (issue 15) against the reference forward pass of the models.

``coverage predict`` embeds every frame once and reuses it in the k windows it belongs to,
streams the family model's player tokens batch by batch, and can run the frame encoder
in bfloat16. These tests pin those paths to the plain ``model(windows)`` forward of the
**shipped checkpoints** on a few plays, and the analytic FLOP counts the inference
benchmark divides by to torch's own FLOP counter.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from torch.utils.flop_counter import FlopCounterMode

from benchmarks.flops import family_flops, transformer_flops
from coverage.family.data import build_explain_frames
from coverage.family.predict import explain_outputs, load_explainer
from coverage.features import build_frames
from coverage.models import fast_encoder, transformer
from coverage.models.family import CoverageFamilyModel
from coverage.models.fast_encoder import FastEncoder
from coverage.models.transformer import CoverageTransformer, PlayerSetEncoder, frame_encoder_fn
from coverage.training.frame_models import load_frame_model, transformer_logits
from tests.builders.toy import toy_family_tracking

MODELS = Path(__file__).resolve().parent.parent / "models"
FP32_TOL = 1e-4    # same float32 math, other batching: rounding only
BF16_TOL = 0.05    # max |ΔP(man)| of the bfloat16 encoder on these plays


@pytest.fixture(scope="module")
def toy():
    """A few plays of varying length (history windows cross no play boundary)."""
    return toy_family_tracking()


def _windows(x: np.ndarray, hist: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(x[hist])


def test_transformer_fast_path_matches_forward(toy) -> None:
    model, cfg = load_frame_model(MODELS / "transformer")
    ft = build_frames(*toy)
    k, stride = cfg["history"], cfg["stride"]
    with torch.no_grad():
        ref = model.eval()(_windows(ft.x, ft.history_index(k, stride))).numpy()
    fast = transformer_logits(model, ft, k, stride, batch_size=17)
    np.testing.assert_allclose(fast, ref, atol=FP32_TOL, rtol=0)
    half = transformer_logits(model, ft, k, stride, batch_size=17, dtype="bfloat16")
    p = lambda z: 1 / (1 + np.exp(-z))  # noqa: E731
    assert np.abs(p(half) - p(ref)).max() < BF16_TOL
    # the shipped checkpoint still loads unchanged: its weights are not cast in place
    assert next(model.parameters()).dtype == torch.float32


def test_family_streaming_matches_forward(toy) -> None:
    model, cfg = load_explainer(MODELS / "family")
    ef = build_explain_frames(*toy)
    k, stride, temp = cfg["history"], cfg["stride"], cfg.get("temperature", 1.0)
    with torch.no_grad():
        ref = model.eval()(_windows(ef.ft.x, ef.ft.history_index(k, stride)))
    out = explain_outputs(model, ef, k, stride, temp, batch_size=13, dtype="float32")
    np.testing.assert_allclose(out.family_logits, ref["family"].numpy() / temp,
                               atol=FP32_TOL, rtol=0)
    np.testing.assert_allclose(out.assign, torch.softmax(ref["assign"], -1).numpy(),
                               atol=FP32_TOL, rtol=0)
    np.testing.assert_allclose(out.pointer, torch.softmax(ref["pointer"], -1).numpy(),
                               atol=FP32_TOL, rtol=0)
    half = explain_outputs(model, ef, k, stride, temp, batch_size=13, dtype="bfloat16")
    assert np.abs(half.p_man - out.p_man).max() < BF16_TOL
    # the bfloat16 player heads name (nearly) the same responsibility for each defender
    assert (half.assign.argmax(-1) == out.assign.argmax(-1)).mean() > 0.95
    assert next(model.parameters()).dtype == torch.float32


@pytest.mark.parametrize(("cls", "count"), [(CoverageTransformer, transformer_flops),
                                            (CoverageFamilyModel, family_flops)])
def test_analytic_flops_match_torch_counter(cls, count) -> None:
    """k encodings + one GRU pass + the heads, per window, exactly as torch counts them."""
    hp = {"n_features": 12, "dim": 32, "depth": 2, "heads": 4}
    model = cls(**hp).train()  # the unfused path, whose matmuls the counter sees
    k, batch = 3, 2
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        model(torch.randn(batch, k, 22, 12))
    f = count(hp, k)
    assert counter.get_total_flops() == batch * (k * f["encoder"] + f["temporal"] + f["heads"])
    assert f["total"] == f["encoder"] + f["temporal"] + f["heads"]


def _encoder(seed: int = 0, norm_first: bool = True) -> PlayerSetEncoder:
    torch.manual_seed(seed)
    enc = PlayerSetEncoder(7, dim=32, depth=2, heads=4)
    if not norm_first:
        for layer in enc.encoder.layers:
            layer.norm_first = False
    with torch.no_grad():  # away from the init, so every weight and bias matters
        for p in enc.parameters():
            p.add_(0.1 * torch.randn_like(p))
    return enc.eval()


def test_fast_encoder_is_the_module_forward() -> None:
    """Same layers, same weights: float32 to rounding, bfloat16 to bf16 rounding."""
    enc = _encoder()
    x = 3 * torch.randn(37, 22, 7)
    with torch.inference_mode():
        tokens, pooled = enc.tokens_and_pooled(x)
        t32, p32 = FastEncoder(enc, torch.float32)(x)
        t16, p16 = FastEncoder(enc, torch.bfloat16)(x)
    torch.testing.assert_close(t32, tokens, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(p32, pooled, atol=1e-5, rtol=1e-5)
    assert t16.dtype == p16.dtype == torch.float32
    assert (p16 - pooled).abs().max() < 0.1 * pooled.abs().max()
    # permutation of the players: the pooled frame does not change
    perm = torch.randperm(22)
    with torch.inference_mode():
        p_perm = FastEncoder(enc, torch.float32)(x[:, perm])[1]
    torch.testing.assert_close(p_perm, p32, atol=1e-5, rtol=1e-5)


def test_auto_dtype_follows_the_cpu(monkeypatch) -> None:
    enc, norm = _encoder(), transformer.Standardize(7)
    monkeypatch.setattr(transformer, "native_bf16", lambda: False)
    assert transformer.resolve_dtype("auto", enc) == "float32"
    monkeypatch.setattr(transformer, "native_bf16", lambda: True)
    assert transformer.resolve_dtype("auto", enc) == "bfloat16"
    assert transformer.resolve_dtype("float32", enc) == "float32"
    x = torch.randn(5, 22, 7)
    with torch.inference_mode():
        ref = enc.tokens_and_pooled(norm(x))[1]
        assert (frame_encoder_fn(norm, enc, "auto")(x)[1] - ref).abs().max() < 0.1
    assert isinstance(fast_encoder.native_bf16(), bool)


def test_layouts_the_fast_encoder_does_not_cover_use_the_module() -> None:
    """A post-norm encoder is not what FastEncoder computes: bfloat16 runs the float32
    module."""
    enc, norm = _encoder(norm_first=False), transformer.Standardize(7)
    assert not fast_encoder.supported(enc)
    with pytest.raises(ValueError):
        FastEncoder(enc)
    x = torch.randn(9, 22, 7)
    with torch.inference_mode():
        ref = enc.tokens_and_pooled(x)[1]
        half = frame_encoder_fn(norm, enc, "bfloat16")(x)[1]
    assert half.dtype == torch.float32
    torch.testing.assert_close(half, ref)


def test_play_ranges_cut_only_between_plays() -> None:
    from coverage.models.workers import play_ranges

    # plays of 5, 3, 7, 1 and 4 rows
    start = np.repeat([0, 5, 8, 15, 16], [5, 3, 7, 1, 4])
    for parts in (1, 2, 3, 8):
        ranges = play_ranges(start, parts)
        assert ranges[0][0] == 0 and ranges[-1][1] == len(start)
        assert all(b == c for (_, b), (c, _) in zip(ranges[:-1], ranges[1:], strict=True))
        assert all(start[a] == a for a, _ in ranges)  # every range opens a play
        assert len(ranges) <= parts
    assert play_ranges(start[:0], 2) == []


def test_per_core_workers_give_the_single_thread_answer(toy) -> None:
    """Two workers over their own plays = one thread over the week, row for row."""
    from coverage.models import workers

    model, cfg = load_frame_model(MODELS / "transformer")
    ft = build_frames(*toy)
    k, stride = cfg["history"], cfg["stride"]
    threads = torch.get_num_threads()
    try:
        torch.set_num_threads(2)
        two = transformer_logits(model, ft, k, stride, batch_size=17)
        rows = np.arange(0, len(ft), 3)
        two_rows = transformer_logits(model, ft, k, stride, batch_size=17, rows=rows)
        workers.PER_CORE = False
        one = transformer_logits(model, ft, k, stride, batch_size=17)
    finally:
        workers.PER_CORE = True
        torch.set_num_threads(threads)
    np.testing.assert_allclose(two, one, atol=FP32_TOL, rtol=0)
    np.testing.assert_allclose(two_rows, one[rows], atol=FP32_TOL, rtol=0)
    assert torch.get_num_threads() == threads


def test_keep_freed_memory_is_set_once_and_harmless() -> None:
    from coverage.models.workers import keep_freed_memory

    first = keep_freed_memory()
    assert isinstance(first, bool)
    assert keep_freed_memory() is first  # cached: one mallopt per process
    assert torch.ones(1 << 20).sum().item() == float(1 << 20)  # allocation still works
