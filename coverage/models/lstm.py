"""LSTM baseline: the whole pre-snap sequence of flattened, y-sorted player features.

It is causal (a unidirectional LSTM emits a logit at every frame from the frames so far),
so one pass over a play yields the per-frame P(man) curve, and frame t's prediction never
sees frame t+1. Flattening makes it order-dependent, which is what the set transformer
is there to beat.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from coverage.models.transformer import Standardize


class CoverageLSTM(nn.Module):
    """``[B, T, 22, F]`` -> per-step man logits ``[B, T]``."""

    def __init__(self, n_features: int, n_players: int = 22, hidden: int = 128,
                 layers: int = 1, dropout: float = 0.1,
                 mean: Sequence[float] | None = None, std: Sequence[float] | None = None,
                 inputs: Sequence[int] | None = None) -> None:
        super().__init__()
        self.norm = Standardize(n_features, mean, std, inputs)
        self.proj = nn.Sequential(nn.Linear(n_players * self.norm.n_out, hidden), nn.GELU(),
                                  nn.Dropout(dropout))
        self.lstm = nn.LSTM(hidden, hidden, num_layers=layers, batch_first=True,
                            dropout=dropout if layers > 1 else 0.0)
        self.head = nn.Linear(hidden, 1)

    def forward(self, seq: torch.Tensor) -> torch.Tensor:
        b, t = seq.shape[:2]
        h, _ = self.lstm(self.proj(self.norm(seq).reshape(b, t, -1)))
        return self.head(h).squeeze(-1)
