"""The networks by architecture name: what a checkpoint's ``"architecture"`` builds.

Only the classes live here, so loading a checkpoint needs nothing above this package;
how each architecture is trained, loaded and served is :mod:`coverage.pipelines`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from torch import nn

from coverage.errors import CheckpointError
from coverage.models.context import ContextModel
from coverage.models.family import CoverageFamilyModel
from coverage.models.lstm import CoverageLSTM
from coverage.models.transformer import CoverageTransformer

MODEL_CLASSES: dict[str, type[nn.Module]] = {
    "context": ContextModel,
    "transformer": CoverageTransformer,
    "lstm": CoverageLSTM,
    "family": CoverageFamilyModel,
}
ARCHITECTURES = tuple(MODEL_CLASSES)


def build_model(architecture: str, hparams: Mapping[str, Any]) -> nn.Module:
    """Instantiate an architecture by name from its JSON hyper-parameters."""
    if architecture not in MODEL_CLASSES:
        raise CheckpointError(f"unknown architecture '{architecture}'; "
                              f"known: {', '.join(ARCHITECTURES)}")
    try:
        return MODEL_CLASSES[architecture](**hparams)
    except TypeError as exc:
        raise CheckpointError(f"hyper-parameters {dict(hparams)} do not fit "
                              f"'{architecture}': {exc}") from exc
