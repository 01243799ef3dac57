"""Training forward of the frame encoder: the module's layers, without the module's overheads.

The encoder is tiny (22 tokens, 64 wide, 4 heads of 16), so a training step through
``nn.TransformerEncoderLayer`` spends most of its time outside matrix multiplies: drawing
dropout masks with PyTorch's CPU generator (several nanoseconds per element, the largest
single cost), the reshuffles of ``nn.MultiheadAttention`` and its mask canonicalisation.
This forward runs the same layers on the encoder's own parameters (autograd flows into
them, nothing is copied) with

* attention as batched matmuls over (frame, head), the 1/sqrt(d) scale folded into the
  query rows of the projection weights (a weight-sized multiply, not an activation-sized
  one), the softmax in float32 and no mask handling;
* dropout masks drawn from a seeded numpy generator's raw bits, 16 bits per element, and
  applied as one multiply by a scaled float mask (fused into the residual add where
  there is one), in the same four places as the pre-norm layer: the attention
  probabilities, after attention, inside the feed-forward after the activation, after
  the feed-forward.

Semantics are the module's in train mode (and, with the encoder in eval mode, in eval
mode: no dropout); the random streams differ, so outputs match the module's exactly only
without dropout. See :class:`~coverage.models.fast_encoder.FastEncoder` for inference.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F  # noqa: N812

from coverage.models.fast_encoder import native_bf16, supported

# masks compare 16 random bits per element with a threshold, so the drop probability is
# p rounded to a multiple of 1/65536 and the kept values are scaled by exactly 1/(1 - p)
# of that rounded p: the expected value is preserved
_LEVELS = 1 << 16
_CHUNK = 1 << 16  # mask elements drawn per step: a multiple of 4, small enough for L2


class Dropout:
    """Inverted dropout with masks from a seeded numpy generator.

    ``p`` is the drop probability (0 or a Dropout made with ``p=0`` is the identity);
    ``rng`` is a numpy Generator or a seed. The same seed gives the same masks for the
    same sequence of calls.
    """

    def __init__(self, p: float, rng: np.random.Generator | int | None = None) -> None:
        if not 0.0 <= p < 1.0:
            raise ValueError(f"dropout probability must be in [0, 1), got {p}")
        self.p = float(p)
        self.threshold = round(p * _LEVELS)
        self.scale = _LEVELS / (_LEVELS - self.threshold)
        self.rng = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)

    @classmethod
    def for_encoder(cls, encoder: nn.Module, rng: np.random.Generator | int | None = None
                    ) -> Dropout:
        """A Dropout with the probability ``encoder``'s layers use (see :func:`dropout_p`)."""
        return cls(dropout_p(encoder), rng)

    @property
    def active(self) -> bool:
        return self.threshold > 0

    def mask(self, shape: torch.Size | tuple[int, ...], device: torch.device | None = None
             ) -> torch.Tensor:
        """A float32 mask of ``shape``: 0 with probability p, else 1 / (1 - p)."""
        n = math.prod(shape)
        out = np.empty(n, np.float32)
        keep = np.empty(min(n, _CHUNK), bool)
        threshold, scale = np.uint16(self.threshold), np.float32(self.scale)
        raw = self.rng.bit_generator.random_raw
        # in chunks that stay in cache: only the float mask itself goes out to memory
        for start in range(0, n, _CHUNK):
            m = min(_CHUNK, n - start)
            # 64 raw bits -> four 16-bit uniforms: one generator step per four elements
            np.greater_equal(raw((m + 3) // 4).view(np.uint16)[:m], threshold, out=keep[:m])
            np.multiply(keep[:m], scale, out=out[start:start + m])
        mask = torch.from_numpy(out).view(shape)
        return mask if device is None else mask.to(device)

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        if not self.active:
            return x
        return x * self.mask(x.shape, x.device).to(x.dtype)

    def add(self, h: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        """``h + dropout(x)`` as one op each way."""
        if not self.active:
            return h + x
        return _MaskedAdd.apply(h, x, self.mask(x.shape, x.device).to(x.dtype))


class _MaskedAdd(torch.autograd.Function):
    """``h + x * mask``: ``addcmul`` forward; its own backward would also multiply the
    gradient by its unit scalar, a full pass for nothing."""

    @staticmethod
    def forward(ctx, h: torch.Tensor, x: torch.Tensor,  # type: ignore[override]
                mask: torch.Tensor) -> torch.Tensor:
        ctx.save_for_backward(mask)
        return torch.addcmul(h, x, mask)

    @staticmethod
    def backward(ctx, grad: torch.Tensor  # type: ignore[override]
                 ) -> tuple[torch.Tensor, torch.Tensor, None]:
        (mask,) = ctx.saved_tensors
        return grad, grad * mask, None


NO_DROPOUT = Dropout(0.0)


def dropout_p(encoder: nn.Module) -> float:
    """The dropout probability of ``encoder``'s layers; ValueError if they differ."""
    ps = set()
    for layer in encoder.encoder.layers:
        ps |= {float(layer.self_attn.dropout), layer.dropout.p, layer.dropout1.p,
               layer.dropout2.p}
    if len(ps) != 1:
        raise ValueError(f"encoder layers use different dropout probabilities: {sorted(ps)}")
    return ps.pop()


def _query_scale(attn: nn.MultiheadAttention, like: torch.Tensor) -> torch.Tensor:
    """``[3D]``: 1/sqrt(head dim) on the query rows of the in-projection, 1 elsewhere."""
    dim = attn.embed_dim
    scale = torch.ones(3 * dim, dtype=like.dtype, device=like.device)
    scale[:dim] = 1.0 / math.sqrt(dim // attn.num_heads)
    return scale


class _SplitHeads(torch.autograd.Function):
    """``qkv [B, P, 3D] + bias [3D] -> q, k, v [B, H, P, d]`` in one pass each way.

    Adding the bias in the reshuffle spares the projection its own bias pass, and the
    backward writes the three gradients into place at once, where autograd's backward of
    ``view -> permute -> contiguous -> unbind`` would stack them and then reshuffle the
    stack.
    """

    @staticmethod
    def forward(ctx, qkv: torch.Tensor, bias: torch.Tensor | None,  # type: ignore[override]
                heads: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        b, p, three_dim = qkv.shape
        d = three_dim // (3 * heads)
        src = qkv.view(b, p, 3, heads, d).permute(2, 0, 3, 1, 4)
        out = qkv.new_empty(3, b, heads, p, d)
        if bias is None:
            out.copy_(src)
        else:
            torch.add(src, bias.view(3, 1, heads, 1, d), out=out)
        ctx.has_bias = bias is not None
        return tuple(out.unbind(0))

    @staticmethod
    def backward(ctx, *grads: torch.Tensor  # type: ignore[override]
                 ) -> tuple[torch.Tensor, torch.Tensor | None, None]:
        b, heads, p, d = grads[0].shape
        out = grads[0].new_empty(b, p, 3, heads, d)
        for i, g in enumerate(grads):
            out[:, :, i].copy_(g.transpose(1, 2))
        dbias = out.view(b * p, -1).sum(0) if ctx.has_bias else None
        return out.view(b, p, 3 * heads * d), dbias, None


def _caster(dtype: torch.dtype) -> Callable[[torch.Tensor | None], torch.Tensor | None]:
    """A parameter as ``dtype`` for this forward: a differentiable cast, so the float32
    weights still receive float32 gradients (the identity for float32)."""
    def cast(t: torch.Tensor | None) -> torch.Tensor | None:
        return t if t is None or t.dtype == dtype else t.to(dtype)
    return cast


@dataclass(frozen=True)
class TrainPrecision:
    """The training forward's dtypes: ``matmuls`` for the matrix products (linear layers,
    attention) and the feed-forward's inside, ``activations`` for the rest (residual stream,
    layer norms, softmax).

    float32 throughout is exact on every CPU. "mixed" multiplies in bfloat16 and keeps the
    rest in float32, as autocast does on a GPU: on a CPU with bf16 units (AVX512-BF16, AMX)
    the linear layers, most of a step's arithmetic, cost a fraction of their float32 time,
    while the sums that decide what a step learns (norm statistics, softmax, residual adds,
    optimiser state) keep float32. "bfloat16" runs the activations in bfloat16 too: the
    cheapest step, but each step learns less.
    """

    name: str = "float32"
    activations: torch.dtype = torch.float32
    matmuls: torch.dtype = torch.float32


PRECISIONS: dict[str, TrainPrecision] = {
    "float32": TrainPrecision(),
    "mixed": TrainPrecision("mixed", torch.float32, torch.bfloat16),
    "bfloat16": TrainPrecision("bfloat16", torch.bfloat16, torch.bfloat16),
}


class _Multiplies:
    """The forward's matrix products at one :class:`TrainPrecision`: operands cast to
    ``matmuls`` (differentiable casts, so the float32 weights still get float32 gradients),
    results cast back to ``activations`` unless the next product takes them as they are."""

    def __init__(self, precision: TrainPrecision) -> None:
        self.act, self.mm = precision.activations, precision.matmuls
        self.cast = _caster(self.mm)

    def linear(self, x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None = None,
               keep: bool = False) -> torch.Tensor:
        """``x @ weight.T + bias``; ``keep``: left in the ``matmuls`` dtype."""
        out = F.linear(self.cast(x), self.cast(weight), self.cast(bias))
        return out if keep else out.to(self.act)


def _attention(y: torch.Tensor, attn: nn.MultiheadAttention, drop: Dropout,
               mul: _Multiplies) -> torch.Tensor:
    b, p, dim = y.shape
    scale = _query_scale(attn, attn.in_proj_weight)
    bias = None if attn.in_proj_bias is None else mul.cast(attn.in_proj_bias * scale)
    q, k, v = _SplitHeads.apply(mul.linear(y, attn.in_proj_weight * scale[:, None], keep=True),
                                bias, attn.num_heads)                       # [B, H, P, d]
    # the softmax and its dropout in the activations' dtype (float32 in mixed precision)
    e = drop(torch.softmax(torch.matmul(q, k.transpose(-1, -2)), -1, dtype=mul.act))
    o = torch.matmul(mul.cast(e), v)                                        # [B, H, P, d]
    return mul.linear(o.transpose(1, 2).reshape(b, p, dim), attn.out_proj.weight,
                      attn.out_proj.bias)


def _layer(h: torch.Tensor, layer: nn.TransformerEncoderLayer, drop: Dropout,
           mul: _Multiplies) -> torch.Tensor:
    dim = h.shape[-1]
    cast = _caster(h.dtype)
    n1, n2 = layer.norm1, layer.norm2
    y = F.layer_norm(h, (dim,), cast(n1.weight), cast(n1.bias), n1.eps)
    h = drop.add(h, _attention(y, layer.self_attn, drop, mul))
    y = F.layer_norm(h, (dim,), cast(n2.weight), cast(n2.bias), n2.eps)
    # the feed-forward's inside stays in the multiplies' dtype, as autocast leaves it
    z = drop(F.gelu(mul.linear(y, layer.linear1.weight, layer.linear1.bias, keep=True)))
    return drop.add(h, mul.linear(z, layer.linear2.weight, layer.linear2.bias))


def train_tokens_and_pooled(encoder: nn.Module, x: torch.Tensor,
                            dropout: Dropout | None = None,
                            precision: TrainPrecision = PRECISIONS["float32"]
                            ) -> tuple[torch.Tensor, torch.Tensor]:
    """``encoder.tokens_and_pooled(x)`` for training: standardised ``[B, 22, F]`` ->
    (tokens ``[B, 22, D]``, pooled ``[B, D]``, both float32), differentiable in the
    encoder's parameters.

    ``dropout`` (None: none) applies only while ``encoder.training``, as the module's
    dropout layers do; an active one must have the encoder's probability. ``precision``
    (:class:`TrainPrecision`): weights are cast per call, gradients and optimiser state stay
    float32. ValueError for an encoder whose layout this forward does not reproduce.
    """
    # supported() also admits a tanh-approximate nn.GELU; this forward uses the exact one
    if not supported(encoder) or any(layer.activation is not F.gelu
                                     for layer in encoder.encoder.layers):
        raise ValueError("train_tokens_and_pooled needs pre-norm GELU TransformerEncoder "
                         "layers with batch_first attention and no final norm")
    drop = dropout if dropout is not None and encoder.training else NO_DROPOUT
    if drop.active and not math.isclose(drop.p, dropout_p(encoder)):
        raise ValueError(f"dropout p={drop.p} differs from the encoder's {dropout_p(encoder)}")
    dtype = precision.activations
    cast, mul = _caster(dtype), _Multiplies(precision)
    h = x.to(dtype)
    for module in encoder.embed:
        h = (mul.linear(h, module.weight, module.bias) if isinstance(module, nn.Linear)
             else module(h))
    for layer in encoder.encoder.layers:
        h = _layer(h, layer, drop, mul)
    norm, out = encoder.pool
    pooled = F.layer_norm(torch.cat([h.mean(dim=1), h.amax(dim=1)], dim=-1),
                          norm.normalized_shape, cast(norm.weight), cast(norm.bias), norm.eps)
    pooled = mul.linear(pooled, out.weight, out.bias)
    return h.float(), pooled.float()


def train_precision(precision: str, device: torch.device) -> TrainPrecision:
    """The training forward's :class:`TrainPrecision` for ``precision`` "float32",
    "mixed", "bfloat16" or "auto": mixed on a CPU with bf16 matrix units, float32 elsewhere
    (emulated bfloat16 loses to float32; on a GPU the trainer's autocast decides)."""
    if precision == "auto":
        precision = "mixed" if device.type == "cpu" and native_bf16() else "float32"
    if precision not in PRECISIONS:
        raise ValueError(f"training precision {precision!r}: expected auto or one of "
                         f"{', '.join(PRECISIONS)}")
    return PRECISIONS[precision]
