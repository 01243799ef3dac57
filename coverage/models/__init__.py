"""Man/zone models: a context prior, a per-frame set transformer and an LSTM baseline.

Public entry points::

    from coverage.models import build_model, load_checkpoint, save_checkpoint
    from coverage.training.train import train        # seeded train/val/test loop
    from coverage.training.predict import predict_week
    from coverage.training.evaluate import evaluate
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any

from torch import nn

from coverage.errors import CheckpointError
from coverage.models.checkpoint import fingerprint, load_checkpoint, save_checkpoint

ARCHITECTURES = ("context", "transformer", "lstm", "family")
_CLASSES = {
    "context": ("coverage.models.context", "ContextModel"),
    "transformer": ("coverage.models.transformer", "CoverageTransformer"),
    "lstm": ("coverage.models.lstm", "CoverageLSTM"),
    "family": ("coverage.models.family", "CoverageFamilyModel"),
}


def build_model(architecture: str, hparams: Mapping[str, Any]) -> nn.Module:
    """Instantiate an architecture by name from its JSON hyper-parameters."""
    if architecture not in _CLASSES:
        raise CheckpointError(f"unknown architecture '{architecture}'; "
                              f"known: {', '.join(ARCHITECTURES)}")
    module, name = _CLASSES[architecture]
    cls = getattr(importlib.import_module(module), name)
    try:
        return cls(**hparams)
    except TypeError as exc:
        raise CheckpointError(f"hyper-parameters {dict(hparams)} do not fit "
                              f"'{architecture}': {exc}") from exc


__all__ = ["ARCHITECTURES", "build_model", "fingerprint", "load_checkpoint", "save_checkpoint"]
