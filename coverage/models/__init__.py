"""Man/zone and coverage-family networks and their checkpoints (safetensors + JSON).

Training, prediction and evaluation of these networks: :mod:`coverage.pipelines`. The
names below are imported on first use, so reading the model table
(:mod:`coverage.models.registry`, e.g. for ``coverage --help``) does not import torch.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {"fingerprint": "checkpoint", "load_checkpoint": "checkpoint",
            "save_checkpoint": "checkpoint", "ARCHITECTURES": "registry",
            "build_model": "registry"}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'coverage.models' has no attribute '{name}'")
    return getattr(importlib.import_module(f"coverage.models.{_EXPORTS[name]}"), name)
