"""Floating-point operations per frame of the set-transformer models, from the layer shapes.

Knowing the hardware limit needs the work: FLOPs per frame x frames / the machine's
measured matmul peak is the least time a week's inference can take, and the achieved
rate divided by the peak says how close the code is. Counted are the matrix multiplies
(2 FLOPs per multiply-add: linear layers, attention scores and mixing, the GRU), which is
what the matmul peak measures; layer norms, softmax, GELU and the pooling add well under
a FLOP per activation element and are left out (they cost memory traffic, not FLOPs).
Pure functions of the hyper-parameters, so the benchmark and a test agree on them (a
development measurement, kept beside the benchmark that uses it).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

N_PLAYERS = 22
N_SIDE = 11


def _linear(tokens: int, n_in: int, n_out: int) -> int:
    return 2 * tokens * n_in * n_out


def _n_inputs(hp: dict) -> int:
    """Channels the model reads: its ``inputs`` subset, else all ``n_features``."""
    return len(hp.get("inputs") or []) or int(hp["n_features"])


def encoder_flops(n_features: int, dim: int, depth: int, heads: int = 4,
                  players: int = N_PLAYERS) -> int:
    """One frame through :class:`~coverage.models.transformer.PlayerSetEncoder` (tokens + pool).

    Per layer: the fused q/k/v projection, scores ``QK^T`` and mixing ``AV`` (heads x
    P x P x dim/heads each, i.e. P x P x dim), the output projection and the 2*dim MLP.
    ``heads`` does not change the count; it is a parameter for clarity.
    """
    del heads
    embed = _linear(players, n_features, dim) + _linear(players, dim, dim)
    attn = (_linear(players, dim, 3 * dim) + 2 * (2 * players * players * dim)
            + _linear(players, dim, dim))
    mlp = _linear(players, dim, 2 * dim) + _linear(players, 2 * dim, dim)
    pool = _linear(1, 2 * dim, dim)
    return embed + depth * (attn + mlp) + pool


def gru_flops(dim: int, steps: int) -> int:
    """A one-layer GRU of width ``dim`` over ``steps`` inputs (3 gates, input + hidden)."""
    return steps * (_linear(1, dim, 3 * dim) + _linear(1, dim, 3 * dim))


def transformer_flops(hp: Mapping[str, Any], history: int) -> dict[str, int]:
    """Per predicted frame of :class:`~coverage.models.transformer.CoverageTransformer`.

    Batched inference encodes every frame once and reuses it in the ``history`` windows
    it belongs to, so a frame costs one encoding plus one GRU pass over ``history`` steps.
    """
    dim, n_ctx = int(hp["dim"]), int(hp.get("n_context", 0))
    enc = encoder_flops(_n_inputs(hp), dim, int(hp["depth"]), int(hp["heads"]))
    head = _linear(1, dim + n_ctx, dim) + _linear(1, dim, 1)
    temporal = gru_flops(dim, history)
    return {"encoder": enc, "temporal": temporal, "heads": head,
            "total": enc + temporal + head}


def family_flops(hp: Mapping[str, Any], history: int) -> dict[str, int]:
    """Per predicted frame of :class:`~coverage.models.family.CoverageFamilyModel`:
    one encoding, one GRU pass, and the three heads on the newest frame's tokens."""
    dim = int(hp["dim"])
    n_fam, n_assign = int(hp.get("n_families", 8)), int(hp.get("n_assignments", 6))
    enc = encoder_flops(_n_inputs(hp), dim, int(hp["depth"]), int(hp["heads"]))
    temporal = gru_flops(dim, history)
    family = _linear(1, dim, dim) + _linear(1, dim, n_fam)
    player = _linear(N_PLAYERS, 2 * dim, dim)
    assign = _linear(N_SIDE, dim, n_assign)
    pointer = 2 * _linear(N_SIDE, dim, dim) + 2 * N_SIDE * N_SIDE * dim
    heads = family + player + assign + pointer
    return {"encoder": enc, "temporal": temporal, "heads": heads,
            "total": enc + temporal + heads}
