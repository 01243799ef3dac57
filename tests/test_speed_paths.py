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
import polars as pl
import pytest
import torch
from torch.utils.flop_counter import FlopCounterMode

from coverage.family.data import build_explain_frames
from coverage.family.predict import explain_outputs, load_explainer
from coverage.features import build_frames
from coverage.models.family import CoverageFamilyModel
from coverage.models.flops import family_flops, transformer_flops
from coverage.models.transformer import CoverageTransformer
from coverage.training.frame_models import load_frame_model, transformer_logits
from tests.builders.toy import toy_tracking

MODELS = Path(__file__).resolve().parent.parent / "models"
FP32_TOL = 1e-4    # same float32 math, other batching: rounding only
BF16_TOL = 0.05    # max |ΔP(man)| of the bfloat16 encoder on these plays


@pytest.fixture(scope="module")
def toy():
    """A few plays of varying length (history windows cross no play boundary)."""
    tracking, plays = toy_tracking(n_plays=6, n_frames=23, seed=3)
    coverage = pl.when(pl.col("pff_manZone") == "Man").then(pl.lit("Cover-1")).otherwise(
        pl.lit("Cover-3"))
    return tracking, plays.with_columns(coverage.alias("pff_passCoverage"))


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
    out = explain_outputs(model, ef, k, stride, temp, batch_size=13)
    np.testing.assert_allclose(out.family_logits, ref["family"].numpy() / temp,
                               atol=FP32_TOL, rtol=0)
    np.testing.assert_allclose(out.assign, torch.softmax(ref["assign"], -1).numpy(),
                               atol=FP32_TOL, rtol=0)
    np.testing.assert_allclose(out.pointer, torch.softmax(ref["pointer"], -1).numpy(),
                               atol=FP32_TOL, rtol=0)
    half = explain_outputs(model, ef, k, stride, temp, batch_size=13, dtype="bfloat16")
    assert np.abs(half.p_man - out.p_man).max() < BF16_TOL
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
