"""The training forward of the frame encoder against the module it stands in for."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from coverage.models.train_encoder import (
    NO_DROPOUT,
    Dropout,
    dropout_p,
    train_tokens_and_pooled,
)
from coverage.models.transformer import PlayerSetEncoder


def _encoder(dropout: float, seed: int = 0) -> PlayerSetEncoder:
    torch.manual_seed(seed)
    return PlayerSetEncoder(12, dim=32, depth=2, heads=4, dropout=dropout).train()


def _run(encoder: nn.Module, fn, x: torch.Tensor):
    encoder.zero_grad(set_to_none=True)
    tokens, pooled = fn(x)
    (tokens.pow(2).mean() + pooled.sin().sum()).backward()
    return tokens.detach(), pooled.detach(), {n: p.grad.clone()
                                              for n, p in encoder.named_parameters()}


def test_matches_module_forward_and_gradients_without_dropout() -> None:
    enc = _encoder(0.0)
    x = torch.randn(16, 22, 12)
    ref = _run(enc, enc.tokens_and_pooled, x)
    got = _run(enc, lambda v: train_tokens_and_pooled(enc, v, Dropout(0.0, 1)), x)
    torch.testing.assert_close(got[0], ref[0], atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(got[1], ref[1], atol=1e-5, rtol=1e-5)
    assert got[2].keys() == ref[2].keys()
    for name, g in ref[2].items():
        scale = g.abs().max().clamp_min(1.0)
        torch.testing.assert_close(got[2][name] / scale, g / scale, atol=1e-5, rtol=1e-5,
                                   msg=lambda m, n=name: f"{n}: {m}")


def test_eval_mode_or_no_dropout_is_the_deterministic_module() -> None:
    enc = _encoder(0.1).eval()
    x = torch.randn(16, 22, 12)
    with torch.no_grad():
        ref = enc.tokens_and_pooled(x)[1]
        for drop in (Dropout.for_encoder(enc, 0), None, NO_DROPOUT):
            torch.testing.assert_close(train_tokens_and_pooled(enc, x, drop)[1], ref,
                                       atol=1e-5, rtol=1e-5)


def test_dropout_drops_p_and_preserves_the_mean() -> None:
    drop = Dropout(0.1, 3)
    mask = drop.mask((400, 1000))
    zero = (mask == 0).float().mean().item()
    assert abs(zero - 0.1) < 0.003
    assert mask.unique().tolist() == [0.0, pytest.approx(drop.scale)]
    assert abs(drop.scale - 1 / 0.9) < 1e-4
    assert abs(mask.mean().item() - 1.0) < 0.01
    x = torch.randn(64, 22, 16, requires_grad=True)
    y = drop(x)
    y.sum().backward()
    kept = y != 0
    torch.testing.assert_close(y[kept], x[kept] * drop.scale)
    torch.testing.assert_close(x.grad, kept.float() * drop.scale)
    h = torch.randn(64, 22, 16)
    added = drop.add(h, x.detach())
    dropped = torch.isclose(added, h)
    assert 0.05 < dropped.float().mean().item() < 0.15


def test_dropout_probability_rounds_to_sixteen_bits() -> None:
    drop = Dropout(0.1)
    assert abs(drop.threshold / 65536 - 0.1) <= 1 / 65536
    assert drop.scale == 65536 / (65536 - drop.threshold)  # exact mean for the rounded p
    assert not Dropout(0.0).active
    x = torch.randn(8, 5)
    assert Dropout(0.0)(x) is x
    with pytest.raises(ValueError):
        Dropout(1.0)


def test_seeded_dropout_is_reproducible_and_trains_differently_per_call() -> None:
    enc = _encoder(0.1)
    x = torch.randn(32, 22, 12)
    with torch.no_grad():
        a = train_tokens_and_pooled(enc, x, Dropout.for_encoder(enc, 7))[1]
        b = train_tokens_and_pooled(enc, x, Dropout.for_encoder(enc, 7))[1]
        drop = Dropout.for_encoder(enc, 8)
        c, d = (train_tokens_and_pooled(enc, x, drop)[1] for _ in range(2))
        ref = enc.eval().tokens_and_pooled(x)[1]
    torch.testing.assert_close(a, b, atol=0, rtol=0)
    assert not torch.allclose(c, d)
    assert not torch.allclose(a, ref)


def test_gradients_flow_into_the_encoders_own_parameters_with_dropout() -> None:
    enc = _encoder(0.1)
    tokens, pooled = train_tokens_and_pooled(enc, torch.randn(8, 22, 12),
                                             Dropout.for_encoder(enc, 0))
    assert tokens.shape == (8, 22, 32) and pooled.shape == (8, 32)
    pooled.sum().backward()
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in enc.parameters())


def test_refuses_layouts_and_probabilities_it_does_not_reproduce() -> None:
    post_norm = _encoder(0.1)
    for layer in post_norm.encoder.layers:
        layer.norm_first = False
    x = torch.randn(4, 22, 12)
    with pytest.raises(ValueError):
        train_tokens_and_pooled(post_norm, x, None)
    relu = _encoder(0.1)
    relu.encoder = nn.TransformerEncoder(
        nn.TransformerEncoderLayer(32, 4, 64, 0.1, activation="relu", batch_first=True,
                                   norm_first=True), 2, enable_nested_tensor=False)
    with pytest.raises(ValueError):
        train_tokens_and_pooled(relu, x, None)
    enc = _encoder(0.1)
    with pytest.raises(ValueError):
        train_tokens_and_pooled(enc, x, Dropout(0.2))
    enc.encoder.layers[1].dropout2.p = 0.2
    with pytest.raises(ValueError):
        dropout_p(enc)


@pytest.mark.parametrize("mode", ["mixed", "bfloat16"])
def test_reduced_precision_forward_is_the_module_to_bf16_rounding_with_float32_gradients(
        mode: str) -> None:
    from coverage.models.train_encoder import PRECISIONS

    enc = _encoder(0.0)
    x = torch.randn(64, 22, 12)
    ref = _run(enc, enc.tokens_and_pooled, x)
    got = _run(enc, lambda v: train_tokens_and_pooled(enc, v, None, PRECISIONS[mode]), x)
    assert got[0].dtype == got[1].dtype == torch.float32
    for a, b in zip(got[:2], ref[:2], strict=True):
        assert (a - b).abs().max() / b.abs().max() < 0.05
    for name, g in ref[2].items():
        assert got[2][name].dtype == torch.float32, name
        cos = torch.nn.functional.cosine_similarity(got[2][name].flatten(), g.flatten(), 0)
        assert cos > 0.98, name


def test_mixed_precision_keeps_the_residual_stream_in_float32() -> None:
    """Only the multiplies are rounded: mixed is closer to float32 than bfloat16 throughout."""
    from coverage.models.train_encoder import PRECISIONS

    enc = _encoder(0.0)
    x = torch.randn(64, 22, 12)
    ref = _run(enc, enc.tokens_and_pooled, x)
    err = {mode: (_run(enc, lambda v, m=mode: train_tokens_and_pooled(enc, v, None,
                                                                     PRECISIONS[m]), x)[0]
                  - ref[0]).abs().mean() for mode in ("mixed", "bfloat16")}
    assert err["mixed"] < err["bfloat16"]


def test_training_precision_names() -> None:
    from coverage.models.train_encoder import PRECISIONS, train_precision
    from coverage.training.options import PRECISION_NAMES

    assert set(PRECISION_NAMES) == {"auto", *PRECISIONS}  # what the CLI offers

    cpu = torch.device("cpu")
    for name in ("float32", "mixed", "bfloat16"):
        assert train_precision(name, cpu) is PRECISIONS[name]
    assert train_precision("auto", torch.device("meta")) is PRECISIONS["float32"]
    assert train_precision("auto", cpu) in (PRECISIONS["mixed"], PRECISIONS["float32"])
    with pytest.raises(ValueError, match="precision"):
        train_precision("fp8", cpu)
