"""Man/zone and coverage-family networks and their checkpoints (safetensors + JSON).

Training, prediction and evaluation of these networks: :mod:`coverage.pipelines`.
"""

from __future__ import annotations

from coverage.models.checkpoint import fingerprint, load_checkpoint, save_checkpoint
from coverage.models.registry import ARCHITECTURES, MODEL_CLASSES, build_model

__all__ = ["ARCHITECTURES", "MODEL_CLASSES", "build_model", "fingerprint", "load_checkpoint",
           "save_checkpoint"]
