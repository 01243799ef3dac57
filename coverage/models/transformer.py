"""Set transformer over the 22 players, with a small GRU over the last few frames.

Players have no natural order, so the encoder has no positional encoding over them and
pools with mean + max: relabelling players cannot change the output. Coverage tells are
about *movement* (a corner travelling with a motion man), so each prediction sees the
last k frames: every frame is encoded independently, then a GRU reads the k embeddings.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch
from torch import nn

from coverage.models.fast_encoder import FastEncoder, native_bf16, supported

# dtypes the frame encoder may run inference in (the GRU and heads stay float32)
INFERENCE_DTYPES = {"float32": torch.float32, "bfloat16": torch.bfloat16}
# bfloat16 where the CPU multiplies it in hardware, float32 elsewhere (see frame_encoder_fn)
AUTO = "auto"
# the frame encoder's dtype when a week is predicted (`coverage predict`, `predict-family`,
# `coverage init`)
INFERENCE_DTYPE = AUTO
# Frames per encoder call at inference: the encoder is mostly memory-bound steps over
# [B, 22, 64] activations, and a batch this size keeps them in cache.
ENCODE_BATCH = 512


class Standardize(nn.Module):
    """Per-feature ``(x - mean) / std`` with the training stats stored as weights.

    ``inputs`` picks the channels the model reads from the full feature tensor, so every
    model is fed the same ``[..., F]`` frames whatever subset it was trained on; the index
    is rebuilt from the config, not stored with the weights (older checkpoints load as
    they are).
    """

    def __init__(self, n_features: int, mean: Sequence[float] | None = None,
                 std: Sequence[float] | None = None, inputs: Sequence[int] | None = None
                 ) -> None:
        super().__init__()
        n = len(inputs) if inputs else n_features
        self.register_buffer("mean", torch.as_tensor(mean if mean is not None
                                                     else [0.0] * n).float())
        self.register_buffer("std", torch.as_tensor(std if std is not None
                                                    else [1.0] * n).float())
        self.register_buffer("inputs", torch.as_tensor(list(inputs) if inputs else [],
                                                       dtype=torch.long), persistent=False)
        self.n_out = n

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.inputs.numel():
            x = x.index_select(-1, self.inputs)
        return (x - self.mean) / self.std


class PlayerSetEncoder(nn.Module):
    """``[B, P, F]`` players -> ``[B, dim]``, invariant to the order of the P players."""

    def __init__(self, n_features: int, dim: int = 64, depth: int = 2, heads: int = 4,
                 dropout: float = 0.1) -> None:
        super().__init__()
        self.embed = nn.Sequential(nn.Linear(n_features, dim), nn.GELU(), nn.Linear(dim, dim))
        layer = nn.TransformerEncoderLayer(dim, heads, dim_feedforward=2 * dim, dropout=dropout,
                                           activation="gelu", batch_first=True, norm_first=True)
        self.encoder = nn.TransformerEncoder(layer, depth, enable_nested_tensor=False)
        self.pool = nn.Sequential(nn.LayerNorm(2 * dim), nn.Linear(2 * dim, dim))

    def tokens_and_pooled(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """``[B, P, F]`` -> (player tokens ``[B, P, dim]``, pooled frame ``[B, dim]``)."""
        h = self.encoder(self.embed(x))
        return h, self.pool(torch.cat([h.mean(dim=1), h.amax(dim=1)], dim=-1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.tokens_and_pooled(x)[1]


FrameEncoderFn = Callable[[torch.Tensor], tuple[torch.Tensor, torch.Tensor]]


def resolve_dtype(dtype: str | torch.dtype, module: nn.Module) -> str | torch.dtype:
    """``"auto"`` -> ``"bfloat16"`` on a CPU that multiplies bf16 in hardware (and a module
    on the CPU), else ``"float32"``; any other value as it is."""
    if dtype != AUTO:
        return dtype
    on_cpu = all(t.device.type == "cpu" for t in module.parameters())
    return "bfloat16" if on_cpu and native_bf16() else "float32"


def torch_dtype(dtype: str | torch.dtype, module: nn.Module) -> torch.dtype:
    """The torch dtype ``dtype`` (``"auto"``, a name or a torch dtype) runs ``module`` in:
    bfloat16 or float32."""
    dtype = resolve_dtype(dtype, module)
    return dtype if isinstance(dtype, torch.dtype) else INFERENCE_DTYPES.get(dtype, torch.float32)


def frame_encoder_fn(norm: Standardize, encoder: PlayerSetEncoder,
                     dtype: str | torch.dtype = "float32") -> FrameEncoderFn:
    """Inference-only ``raw [B, 22, F] -> (tokens, pooled)`` in float32 out, ``dtype`` inside.

    The features are standardised in float32 first (positions of tens of yards would lose
    their decimals in bfloat16), then the set encoder runs in ``dtype``. float32 is the
    module itself (PyTorch's fused fast path under ``torch.inference_mode``). bfloat16 is
    :class:`~coverage.models.fast_encoder.FastEncoder` on a bf16 copy of the weights, for
    CPUs with bf16 matrix units. ``dtype="auto"`` picks bfloat16 only on such a CPU,
    since emulated bf16 loses to float32; an encoder whose layers FastEncoder does not
    reproduce runs in float32.
    """
    dtype = resolve_dtype(dtype, encoder)
    dt = INFERENCE_DTYPES[dtype] if isinstance(dtype, str) else dtype
    if dt == torch.float32 or not supported(encoder):
        return lambda x: encoder.tokens_and_pooled(norm(x))
    fast = FastEncoder(encoder, dt)
    return lambda x: fast(norm(x))


class CoverageTransformer(nn.Module):
    """``[B, k, 22, F]`` (last k frames, oldest first) -> man logit ``[B]``.

    ``n_context`` > 0 adds a vector of play-context features to the head; ``inputs``
    (channel indices) restricts what it reads of the F features (see Standardize).
    """

    def __init__(self, n_features: int, dim: int = 64, depth: int = 2, heads: int = 4,
                 dropout: float = 0.1, n_context: int = 0,
                 mean: Sequence[float] | None = None, std: Sequence[float] | None = None,
                 inputs: Sequence[int] | None = None) -> None:
        super().__init__()
        self.dim = dim
        self.norm = Standardize(n_features, mean, std, inputs)
        self.frame_encoder = PlayerSetEncoder(self.norm.n_out, dim, depth, heads, dropout)
        self.temporal = nn.GRU(dim, dim, batch_first=True)
        self.n_context = n_context
        self.head = nn.Sequential(
            nn.LayerNorm(dim + n_context), nn.Linear(dim + n_context, dim), nn.GELU(),
            nn.Dropout(dropout), nn.Linear(dim, 1),
        )

    def embed_frames(self, frames: torch.Tensor) -> torch.Tensor:
        """``[N, 22, F]`` -> ``[N, dim]``: the per-frame half of the model.

        Inference embeds every frame once and reuses it in the k windows it belongs
        to, instead of re-encoding it k times.
        """
        return self.frame_encoder(self.norm(frames))

    def from_embeddings(self, emb: torch.Tensor, context: torch.Tensor | None = None
                        ) -> torch.Tensor:
        """``[B, k, dim]`` frame embeddings (oldest first) -> man logit ``[B]``."""
        _, last = self.temporal(emb)
        h = last[-1]
        if self.n_context:
            h = torch.cat([h, context], dim=-1)
        return self.head(h).squeeze(-1)

    def forward(self, frames: torch.Tensor, context: torch.Tensor | None = None
                ) -> torch.Tensor:
        b, k, p, f = frames.shape
        emb = self.embed_frames(frames.reshape(b * k, p, f)).reshape(b, k, -1)
        return self.from_embeddings(emb, context)
