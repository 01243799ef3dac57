"""An exponential moving average of a model's weights, which validation and the checkpoint
use instead of the last step's weights.

The tracking models validate once an epoch on a curve that moves from epoch to epoch as
much as the last epochs gain, while the learning rate is still high: selecting, early
stopping and shipping the last step's weights then picks a point of that noise. The
average of the recent steps sits nearer the middle of where the optimiser wanders, so
its validation curve is smooth and lower, the same reason timm's ``ModelEmaV2`` and
most published vision and language recipes keep one.

The horizon is counted in epochs (an average over about ``epochs`` of them), so a small
season and a real-size one average over the same share of training; the decay warms up
as ``(1 + n) / (10 + n)`` over the first steps, so the random initial weights leave the
average quickly.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import torch
from torch import nn


class WeightAverage:
    """The moving average of ``model``'s floating-point weights and buffers (others, such
    as counters, are copied as they are)."""

    def __init__(self, model: nn.Module, epochs: float) -> None:
        if epochs <= 0:
            raise ValueError(f"the average's horizon must be positive, got {epochs} epochs")
        self.epochs = float(epochs)
        self.updates = 0
        self.steps_per_epoch: int | None = None  # known after the first epoch
        self.shadow = {k: v.detach().clone() for k, v in model.state_dict().items()}

    def decay(self) -> float:
        """This update's weight on the average so far."""
        warm = (1.0 + self.updates) / (10.0 + self.updates)
        if self.steps_per_epoch is None:
            return warm
        return min(warm, 1.0 - 1.0 / max(1.0, self.epochs * self.steps_per_epoch))

    @torch.no_grad()
    def update(self, model: nn.Module) -> None:
        """Move the average towards ``model``'s weights after an optimiser step."""
        weight = 1.0 - self.decay()
        self.updates += 1
        floats, targets = [], []
        for k, v in model.state_dict().items():
            s = self.shadow[k]
            if s.is_floating_point():
                floats.append(s)
                targets.append(v.detach())
            else:
                s.copy_(v)
        if floats:
            torch._foreach_lerp_(floats, targets, weight)

    @contextmanager
    def swapped_in(self, model: nn.Module) -> Iterator[None]:
        """``model`` holds the averaged weights inside, its own again after."""
        own = {k: v.detach().clone() for k, v in model.state_dict().items()}
        model.load_state_dict(self.shadow)
        try:
            yield
        finally:
            model.load_state_dict(own)

    def state(self) -> tuple[dict[str, torch.Tensor], dict[str, int | None]]:
        """Tensors and counters to save with a fit's progress."""
        return self.shadow, {"updates": self.updates, "steps_per_epoch": self.steps_per_epoch}

    def restore(self, shadow: dict[str, torch.Tensor], counters: dict[str, int | None]) -> None:
        """Continue from :meth:`state` of an interrupted fit."""
        for k, v in shadow.items():
            self.shadow[k].copy_(v)
        self.updates = int(counters.get("updates") or 0)
        self.steps_per_epoch = counters.get("steps_per_epoch")
