"""Training views of the windowed models: every frame of a chunk encoded once.

A :class:`~coverage.models.transformer.CoverageTransformer` or
:class:`~coverage.models.family.CoverageFamilyModel` predicts a moment from the last k
frames; its ``forward`` encodes all k. Training batches come as chunks of consecutive
moments (:func:`coverage.training.sampling.window_batches`), whose windows share all but
one frame with their neighbour, so these views encode each frame of the chunk once and
slide the k-frame window over the embeddings. They hold the model as a submodule (the
same parameters, nothing copied): the optimiser, the checkpoint and inference use the
model itself.

In training mode, with a :class:`~coverage.models.train_encoder.Dropout` (see
:func:`train_dropout`), the views run a faster differentiable forward of the same layers
whose dropout masks, the heads' included, come from that Dropout's numpy generator: a
training run depends on no global random state, so :meth:`_Windowed.shard` can hand each
of several threads its own masks and a sharded step stays reproducible. Without one (a GPU,
an encoder layout the fast forward does not reproduce), and in eval mode, the module's own
forward runs. ``precision`` is the fast forward's
(:func:`~coverage.models.train_encoder.train_precision`: bfloat16 multiplies on CPUs with
bf16 units).
"""

from __future__ import annotations

import copy

import numpy as np
import torch
from torch import nn

from coverage.models.train_encoder import (
    PRECISIONS,
    Dropout,
    TrainPrecision,
    dropout_p,
    train_tokens_and_pooled,
)


def _windows(pooled: torch.Tensor, k: int) -> torch.Tensor:
    """``[b, L, D]`` frame embeddings -> ``[b * (L - k + 1), k, D]`` windows, oldest first."""
    return pooled.unfold(1, k, 1).transpose(-1, -2).flatten(0, 1)


class _Windowed(nn.Module):
    def __init__(self, model: nn.Module, k: int, drop: Dropout | None = None,
                 precision: TrainPrecision = PRECISIONS["float32"]) -> None:
        super().__init__()
        self.model, self.k, self.drop, self.precision = model, k, drop, precision

    @property
    def training_precision(self) -> str:
        """The name of the precision its training steps run in (a checkpoint records it)."""
        return self.precision.name if self.drop is not None else "float32"

    @property
    def _fast(self) -> bool:
        return self.model.training and self.drop is not None

    def shard(self, rng: np.random.Generator) -> _Windowed | None:
        """The same view (same model, nothing copied) drawing its dropout masks from
        ``rng``, for one thread of a sharded step; None without a fast training forward."""
        if self.drop is None:
            return None
        view = copy.copy(self)  # shares the submodules: only ``drop`` differs
        view.drop = Dropout(self.drop.p, rng)
        return view

    def _frames(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """``[b, L, 22, F]`` raw frames -> (tokens ``[b, L, 22, D]``, pooled ``[b, L, D]``)."""
        b, length = x.shape[:2]
        z = self.model.norm(x.flatten(0, 1))
        encoder = self.model.frame_encoder
        if self._fast:
            tokens, pooled = train_tokens_and_pooled(encoder, z, self.drop, self.precision)
        else:
            tokens, pooled = encoder.tokens_and_pooled(z)
        return tokens.unflatten(0, (b, length)), pooled.unflatten(0, (b, length))

    def _head(self, head: nn.Sequential, h: torch.Tensor) -> torch.Tensor:
        """``head(h)``, its dropout layers masked from this view's generator when fast."""
        if not self._fast:
            return head(h)
        for layer in head:
            h = (Dropout(layer.p, self.drop.rng)(h) if isinstance(layer, nn.Dropout)
                 else layer(h))
        return h


class WindowedTransformer(_Windowed):
    """``[b, c + k - 1, 22, F]`` chunks -> man logits ``[b, c]`` of their c moments."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _, pooled = self._frames(x)
        windows = _windows(pooled, self.k)
        if not self._fast:
            return self.model.from_embeddings(windows).view(x.shape[0], -1)
        _, last = self.model.temporal(windows)
        return self._head(self.model.head, last[-1]).view(x.shape[0], -1)


class WindowedFamily(_Windowed):
    """``[b, c + k - 1, 22, F]`` chunks -> the family model's outputs for the ``b * c``
    moments (chunk-major), as its ``forward`` gives them for single windows."""

    def forward(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        tokens, pooled = self._frames(x)
        state = self.model.play_state(_windows(pooled, self.k))
        newest = tokens[:, self.k - 1:].flatten(0, 1)  # each window's own frame
        assign, pointer = self.model.player_logits(newest, state)
        return {"family": self._head(self.model.family_head, state), "assign": assign,
                "pointer": pointer}


def train_dropout(model: nn.Module, device: torch.device, rng: np.random.Generator
                  ) -> Dropout | None:
    """The Dropout of ``model``'s fast training forward
    (:func:`coverage.models.train_encoder.train_tokens_and_pooled`), drawing from ``rng``:
    the training's own Generator, whose state a resumed fit restores, so an interrupted
    run still continues exactly. None where it does not apply: on a GPU (its masks are
    drawn on the CPU) or for an encoder layout it does not reproduce."""
    if device.type != "cpu":
        return None
    encoder = model.frame_encoder
    try:
        drop = Dropout(dropout_p(encoder), rng)
        with torch.no_grad():  # a layout it does not reproduce raises here, not mid-training
            train_tokens_and_pooled(encoder, torch.zeros(1, 22, encoder.embed[0].in_features),
                                    Dropout(0.0))
    except (ValueError, AttributeError, TypeError, IndexError):
        return None
    return drop
