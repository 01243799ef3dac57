"""Encoders and heads compiled ahead of time for this machine (``coverage compile``, issue 15).

A week's prediction must run the compiled graphs once they are built, give the eager
calls within bfloat16 rounding, never load a package built for other weights, and fall
back to the eager path when a package is missing or broken.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from coverage.config import compiled_cache
from coverage.errors import CoverageError
from coverage.family.data import build_explain_frames
from coverage.family.predict import explain_outputs, load_explainer
from coverage.features import build_frames
from coverage.models import aot
from coverage.models.transformer import frame_encoder_fn, runs_own_threads
from coverage.pipelines import compilable_models, compile_model
from coverage.training.frame_models import load_frame_model, transformer_logits
from tests.builders.toy import toy_family_tracking

MODELS = Path(__file__).resolve().parent.parent / "models"
BF16_TOL = 0.05  # max |ΔP(man)| against float32, as for the eager bfloat16 encoder

pytestmark = pytest.mark.skipif(not aot.compiler_available(), reason="no C++ compiler")


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    """One package cache for the module: a build is the slow part."""
    mp = pytest.MonkeyPatch()
    mp.setenv("COVERAGE_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
    mp.setattr(aot, "MIN_FRAMES", 0)  # the toy week is small
    aot.clear_loaded()
    yield compiled_cache()
    aot.clear_loaded()
    mp.undo()


@pytest.fixture(scope="module")
def toy():
    return toy_family_tracking()


def _p(z: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-z))


@pytest.mark.slow  # builds C++ graphs ahead of time
def test_family_week_runs_its_compiled_graphs(cache, toy) -> None:
    model, cfg = load_explainer(MODELS / "family")
    ef = build_explain_frames(*toy)
    k, stride, temp = cfg["history"], cfg["stride"], cfg.get("temperature", 1.0)
    assert not runs_own_threads(frame_encoder_fn(model.norm, model.frame_encoder, "auto",
                                                 frames=len(ef)))
    eager = explain_outputs(model, ef, k, stride, temp)
    ref = explain_outputs(model, ef, k, stride, temp, dtype="float32")

    paths = compile_model(MODELS / "family")
    assert len(paths) == 2 and all(p.is_file() and p.parent == cache for p in paths)
    assert runs_own_threads(frame_encoder_fn(model.norm, model.frame_encoder, "auto",
                                             frames=len(ef)))
    # one play at a time (the app) keeps the eager encoder
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(aot, "MIN_FRAMES", len(ef) + 1)
        assert not runs_own_threads(frame_encoder_fn(model.norm, model.frame_encoder, "auto",
                                                     frames=len(ef)))
    comp = explain_outputs(model, ef, k, stride, temp)
    assert np.abs(comp.p_man - ref.p_man).max() < BF16_TOL
    assert np.abs(comp.p_man - eager.p_man).max() < BF16_TOL
    assert (comp.assign.argmax(-1) == eager.assign.argmax(-1)).mean() > 0.95
    np.testing.assert_allclose(comp.family_probs.sum(-1), 1, atol=1e-5)
    np.testing.assert_allclose(comp.pointer.sum(-1), 1, atol=1e-5)

    # a broken package is ignored: the eager path runs and gives its calls
    for p in paths:
        p.write_bytes(b"not a package")
    aot.clear_loaded()
    assert not runs_own_threads(frame_encoder_fn(model.norm, model.frame_encoder, "auto",
                                                 frames=len(ef)))
    again = explain_outputs(model, ef, k, stride, temp)
    np.testing.assert_allclose(again.p_man, eager.p_man, atol=1e-6)


@pytest.mark.slow  # builds a C++ graph ahead of time
def test_transformer_week_runs_its_compiled_encoder(cache, toy) -> None:
    model, cfg = load_frame_model(MODELS / "transformer")
    ft = build_frames(*toy)
    k, stride = cfg["history"], cfg["stride"]
    ref = transformer_logits(model, ft, k, stride, dtype="float32")
    (path,) = compile_model(MODELS / "transformer")
    assert path.is_file()
    comp = transformer_logits(model, ft, k, stride, dtype="auto")
    assert np.abs(_p(comp) - _p(ref)).max() < BF16_TOL
    # other weights never load this package
    other = type(model.frame_encoder)(model.norm.n_out)
    assert aot.load_encoder(model.norm, other) is None
    assert next(model.parameters()).dtype == torch.float32


def test_only_models_with_graphs_are_compiled() -> None:
    found = {p.name for p in compilable_models(MODELS)}
    assert {"transformer", "family"} <= found and "lstm" not in found
    with pytest.raises(CoverageError, match="nothing to compile"):
        compile_model(MODELS / "lstm")
