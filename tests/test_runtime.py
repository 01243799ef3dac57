"""The ONNX Runtime frame encoder (``frame_encoder_fn(..., "onnx")``, issue 15).

It must compute what the torch encoder computes (tokens and pooled, float32 rounding
only), with and without an ``inputs`` channel subset, build one session per set of
weights, and fall back to the torch float32 path when onnxruntime is not installed.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import polars as pl
import pytest
import torch

from coverage.models import runtime
from coverage.models.family import CoverageFamilyModel
from coverage.models.transformer import CoverageTransformer, frame_encoder_fn

MODELS = Path(__file__).resolve().parent.parent / "models"
TOL = 1e-4
N_FEATURES = 9


def _model(inputs: list[int] | None, seed: int = 0) -> CoverageTransformer:
    torch.manual_seed(seed)
    n = len(inputs) if inputs else N_FEATURES
    g = torch.Generator().manual_seed(seed)
    mean = torch.randn(n, generator=g).tolist()
    std = (torch.rand(n, generator=g) + 0.5).tolist()
    return CoverageTransformer(N_FEATURES, mean=mean, std=std, inputs=inputs).eval()


def _torch_out(m: CoverageTransformer, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    with torch.inference_mode():
        return frame_encoder_fn(m.norm, m.frame_encoder, "float32")(x)


@pytest.mark.parametrize("inputs", [None, [0, 2, 3, 7]], ids=["all-inputs", "subset"])
def test_onnx_encoder_matches_torch(inputs) -> None:
    pytest.importorskip("onnxruntime")
    pytest.importorskip("onnx")
    m = _model(inputs)
    with torch.inference_mode():  # how the predictors call it
        run = frame_encoder_fn(m.norm, m.frame_encoder, "onnx")
    assert run is not None
    for b in (1, 37, 600):  # the batch axis is dynamic
        x = torch.randn(b, 22, N_FEATURES) * 3
        ref_t, ref_p = _torch_out(m, x)
        tok, pooled = run(x)
        assert tok.dtype == pooled.dtype == torch.float32
        assert tok.shape == ref_t.shape and pooled.shape == ref_p.shape
        torch.testing.assert_close(tok, ref_t, atol=TOL, rtol=0)
        torch.testing.assert_close(pooled, ref_p, atol=TOL, rtol=0)
    # exporting left the module as it was
    assert not m.training and next(m.parameters()).dtype == torch.float32


def test_one_session_per_set_of_weights() -> None:
    pytest.importorskip("onnxruntime")
    pytest.importorskip("onnx")
    runtime.clear_cache()
    m = _model(None)
    frame_encoder_fn(m.norm, m.frame_encoder, "onnx")
    frame_encoder_fn(m.norm, m.frame_encoder, "onnx")
    assert len(runtime._cache) == 1
    # other weights (a retrained checkpoint in the same process) get their own session
    with torch.no_grad():
        m.frame_encoder.pool[1].bias.add_(1.0)
    run = frame_encoder_fn(m.norm, m.frame_encoder, "onnx")
    assert len(runtime._cache) == 2
    x = torch.randn(4, 22, N_FEATURES)
    torch.testing.assert_close(run(x)[1], _torch_out(m, x)[1], atol=TOL, rtol=0)


@pytest.mark.parametrize("missing", ["onnxruntime", "onnx"])
def test_falls_back_to_torch_without_onnxruntime(monkeypatch, missing) -> None:
    monkeypatch.setitem(sys.modules, missing, None)  # ``import missing`` -> ImportError
    assert not runtime.ort_available()
    m = _model([1, 4, 5])
    x = torch.randn(8, 22, N_FEATURES)
    with torch.inference_mode():
        tok, pooled = frame_encoder_fn(m.norm, m.frame_encoder, "onnx")(x)
    ref_t, ref_p = _torch_out(m, x)
    torch.testing.assert_close(tok, ref_t, atol=0, rtol=0)
    torch.testing.assert_close(pooled, ref_p, atol=0, rtol=0)


def test_family_encoder_on_onnx() -> None:
    """The family model shares the encoder code; its tokens must match too."""
    pytest.importorskip("onnxruntime")
    pytest.importorskip("onnx")
    torch.manual_seed(1)
    m = CoverageFamilyModel(N_FEATURES).eval()
    x = torch.randn(50, 22, N_FEATURES)
    with torch.inference_mode():
        tok, pooled = frame_encoder_fn(m.norm, m.frame_encoder, "onnx")(x)
        ref_t, ref_p = frame_encoder_fn(m.norm, m.frame_encoder, "float32")(x)
    torch.testing.assert_close(tok, ref_t, atol=TOL, rtol=0)
    torch.testing.assert_close(pooled, ref_p, atol=TOL, rtol=0)


def test_shipped_predictors_on_onnx() -> None:
    """The week predictors of the shipped checkpoints give the same calls on ORT."""
    pytest.importorskip("onnxruntime")
    pytest.importorskip("onnx")
    from coverage.family.data import build_explain_frames
    from coverage.family.predict import explain_outputs, load_explainer
    from coverage.features import build_frames
    from coverage.training.frame_models import load_frame_model, transformer_logits
    from tests.builders.toy import toy_tracking

    tracking, plays = toy_tracking(n_plays=4, n_frames=23, seed=3)
    cov = pl.when(pl.col("pff_manZone") == "Man").then(pl.lit("Cover-1")).otherwise(
        pl.lit("Cover-3"))
    plays = plays.with_columns(cov.alias("pff_passCoverage"))

    model, cfg = load_frame_model(MODELS / "transformer")
    ft = build_frames(tracking, plays)
    k, stride = cfg["history"], cfg["stride"]
    ref = transformer_logits(model, ft, k, stride, batch_size=17)
    fast = transformer_logits(model, ft, k, stride, batch_size=17, dtype="onnx")
    np.testing.assert_allclose(fast, ref, atol=TOL, rtol=0)

    fam, fcfg = load_explainer(MODELS / "family")
    ef = build_explain_frames(tracking, plays)
    k, stride, temp = fcfg["history"], fcfg["stride"], fcfg.get("temperature", 1.0)
    a = explain_outputs(fam, ef, k, stride, temp, batch_size=13, dtype="float32")
    b = explain_outputs(fam, ef, k, stride, temp, batch_size=13, dtype="onnx")
    np.testing.assert_allclose(b.p_man, a.p_man, atol=TOL, rtol=0)
    np.testing.assert_allclose(b.assign, a.assign, atol=TOL, rtol=0)
