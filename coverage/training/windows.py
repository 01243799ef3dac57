"""Training views of the windowed models: every frame of a chunk encoded once.

A :class:`~coverage.models.transformer.CoverageTransformer` or
:class:`~coverage.models.family.CoverageFamilyModel` predicts a moment from the last k
frames; its ``forward`` encodes all k. Training batches come as chunks of consecutive
moments (:func:`coverage.training.sampling.window_batches`), whose windows share all but
one frame with their neighbour, so these views encode each frame of the chunk once and
slide the k-frame window over the embeddings. They hold the model as a submodule (the
same parameters, nothing copied): the optimiser, the checkpoint and inference use the
model itself.

``encode`` replaces the frame encoder while the model is in training mode (a faster
differentiable forward of the same layers); in eval mode the module's own forward runs.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch
from torch import nn

from coverage.models.train_encoder import NO_DROPOUT, Dropout, train_tokens_and_pooled

# (encoder module, standardised frames [N, 22, F]) -> (tokens [N, 22, D], pooled [N, D])
TrainEncode = Callable[[nn.Module, torch.Tensor], tuple[torch.Tensor, torch.Tensor]]


def _windows(pooled: torch.Tensor, k: int) -> torch.Tensor:
    """``[b, L, D]`` frame embeddings -> ``[b * (L - k + 1), k, D]`` windows, oldest first."""
    return pooled.unfold(1, k, 1).transpose(-1, -2).flatten(0, 1)


class _Windowed(nn.Module):
    def __init__(self, model: nn.Module, k: int, encode: TrainEncode | None = None) -> None:
        super().__init__()
        self.model, self.k, self.encode = model, k, encode

    def _frames(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """``[b, L, 22, F]`` raw frames -> (tokens ``[b, L, 22, D]``, pooled ``[b, L, D]``)."""
        b, length = x.shape[:2]
        z = self.model.norm(x.flatten(0, 1))
        encoder = self.model.frame_encoder
        if self.model.training and self.encode is not None:
            tokens, pooled = self.encode(encoder, z)
        else:
            tokens, pooled = encoder.tokens_and_pooled(z)
        return tokens.unflatten(0, (b, length)), pooled.unflatten(0, (b, length))


class WindowedTransformer(_Windowed):
    """``[b, c + k - 1, 22, F]`` chunks -> man logits ``[b, c]`` of their c moments."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _, pooled = self._frames(x)
        return self.model.from_embeddings(_windows(pooled, self.k)).view(x.shape[0], -1)


class WindowedFamily(_Windowed):
    """``[b, c + k - 1, 22, F]`` chunks -> the family model's outputs for the ``b * c``
    moments (chunk-major), as its ``forward`` gives them for single windows."""

    def forward(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        tokens, pooled = self._frames(x)
        state = self.model.play_state(_windows(pooled, self.k))
        newest = tokens[:, self.k - 1:].flatten(0, 1)  # each window's own frame
        assign, pointer = self.model.player_logits(newest, state)
        return {"family": self.model.family_logits(state), "assign": assign,
                "pointer": pointer}


def fast_encode(model: nn.Module, device: torch.device, rng: np.random.Generator
                ) -> TrainEncode | None:
    """The faster training forward of ``model``'s frame encoder
    (:func:`coverage.models.train_encoder.train_tokens_and_pooled`) with dropout masks drawn
    from ``rng``: the training's own Generator, whose state a resumed fit restores, so an
    interrupted run still continues exactly. None where it does not apply: on a GPU (its
    masks are drawn on the CPU) or for an encoder layout it does not reproduce."""
    if device.type != "cpu":
        return None
    encoder = model.frame_encoder
    try:
        drop = Dropout.for_encoder(encoder, rng)
        with torch.no_grad():  # a layout it does not reproduce raises here, not mid-training
            train_tokens_and_pooled(encoder, torch.zeros(1, 22, encoder.embed[0].in_features),
                                    NO_DROPOUT)
    except (ValueError, AttributeError, TypeError, IndexError):
        return None
    return lambda enc, z: train_tokens_and_pooled(enc, z, drop)
