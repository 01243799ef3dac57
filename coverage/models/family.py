"""Multi-task explain model: coverage family, per-defender assignment and man matchup.

Same backbone idea as :mod:`coverage.models.transformer` (a permutation-invariant
encoder over the 22 players of each frame, a GRU over the last k frames), with three
heads that share it:

* **family**: softmax over :data:`coverage.vocab.FAMILIES`. P(man) is *defined*
  as the summed probability of the man families, so the man/zone call and the family
  call can never disagree (see :meth:`CoverageFamilyModel.p_man`).
* **assignment**: each defender token of the newest frame (concatenated with the play
  state from the GRU) -> assignment group (MAN, DEEP, FLAT, HOOK, RUSH, OTHER).
* **pointer**: scaled dot-product scores from each defender token to the 11 offensive
  tokens; softmax over them is "whom is he covering" for a MAN defender.

Frames are encoded once each and the GRU reads pooled frame embeddings, so inference
over a week (and occlusion over a play) encodes every frame once instead of k times.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from torch import nn

from coverage.models.transformer import PlayerSetEncoder, Standardize

N_SIDE = 11


class CoverageFamilyModel(nn.Module):
    """``[B, k, 22, F]`` (oldest first, offense in slots 0-10) -> dict of logits."""

    def __init__(self, n_features: int, dim: int = 64, depth: int = 2, heads: int = 4,
                 dropout: float = 0.1, n_families: int = 8, n_assignments: int = 6,
                 man_families: Sequence[int] = (0, 1, 6),
                 mean: Sequence[float] | None = None, std: Sequence[float] | None = None,
                 inputs: Sequence[int] | None = None) -> None:
        super().__init__()
        self.norm = Standardize(n_features, mean, std, inputs)
        self.frame_encoder = PlayerSetEncoder(self.norm.n_out, dim, depth, heads, dropout)
        self.temporal = nn.GRU(dim, dim, batch_first=True)
        self.family_head = nn.Sequential(nn.LayerNorm(dim), nn.Linear(dim, dim), nn.GELU(),
                                         nn.Dropout(dropout), nn.Linear(dim, n_families))
        self.player = nn.Sequential(nn.LayerNorm(2 * dim), nn.Linear(2 * dim, dim), nn.GELU())
        self.assign_head = nn.Linear(dim, n_assignments)
        self.query = nn.Linear(dim, dim)
        self.key = nn.Linear(dim, dim)
        self.register_buffer("man_mask", torch.zeros(n_families))
        self.man_mask[list(man_families)] = 1.0
        self.scale = 1.0 / math.sqrt(dim)

    # -- building blocks (used directly by batched inference and occlusion)
    def encode_frames(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """``[N, 22, F]`` raw features -> (tokens ``[N, 22, D]``, pooled ``[N, D]``)."""
        return self.frame_encoder.tokens_and_pooled(self.norm(x))

    def play_state(self, pooled_hist: torch.Tensor) -> torch.Tensor:
        """``[B, k, D]`` pooled frame embeddings (oldest first) -> ``[B, D]``."""
        _, last = self.temporal(pooled_hist)
        return last[-1]

    def family_logits(self, state: torch.Tensor) -> torch.Tensor:
        return self.family_head(state)

    def player_logits(self, tokens: torch.Tensor, state: torch.Tensor
                      ) -> tuple[torch.Tensor, torch.Tensor]:
        """Newest frame's tokens ``[B, 22, D]`` + state -> (assignment ``[B, 11, A]``,
        pointer ``[B, 11 def, 11 off]``)."""
        g = state[:, None, :].expand(-1, tokens.shape[1], -1)
        z = self.player(torch.cat([tokens, g], dim=-1))
        # contiguous halves: a linear layer on a strided [B, 11, D] slice takes a
        # broadcast-matmul path in bfloat16 that copies its weight per frame
        off, de = z[:, :N_SIDE].contiguous(), z[:, N_SIDE:].contiguous()
        pointer = torch.einsum("bid,bjd->bij", self.query(de), self.key(off)) * self.scale
        return self.assign_head(de), pointer

    def forward(self, frames: torch.Tensor) -> dict[str, torch.Tensor]:
        b, k, p, f = frames.shape
        tokens, pooled = self.encode_frames(frames.reshape(b * k, p, f))
        state = self.play_state(pooled.reshape(b, k, -1))
        assign, pointer = self.player_logits(tokens.reshape(b, k, p, -1)[:, -1], state)
        return {"family": self.family_logits(state), "assign": assign, "pointer": pointer}

    def p_man(self, family_logits: torch.Tensor, temperature: float = 1.0) -> torch.Tensor:
        """P(man) = P(Cover-0) + P(Cover-1) + P(2-Man): consistent with the families."""
        return (torch.softmax(family_logits / temperature, dim=-1) * self.man_mask).sum(-1)
