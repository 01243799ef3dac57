"""Inference-only forward of the frame encoder, written for the CPU's bf16 matrix units.

The encoder is tiny (22 tokens, 64 wide, 4 heads of 16), so PyTorch's fused
``TransformerEncoderLayer`` spends most of its time outside matrix multiplies: a
qkv reshuffle kernel, a softmax over rows of 22 and copies. This forward runs the same
layers from the same weights with

* the linear layers in ``dtype`` (bfloat16 uses AMX / AVX512-BF16), with the bias and
  the GELU in oneDNN's epilogue where PyTorch has that operator (one pass over the
  output instead of three: no bias broadcast copy, no separate GELU);
* attention as two batched matmuls over (frame, head) with the 1/sqrt(d) scale folded
  into the query weights;
* the softmax in float32 (PyTorch's bfloat16 softmax over short rows gains nothing).

The residual stream is kept in ``dtype`` and the pooled head in float32. Calls match
the module's within bfloat16 rounding; ``dtype=float32`` gives the module's output to
float rounding.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import nn
from torch.nn import functional as F  # noqa: N812


def native_bf16() -> bool:
    """Whether this CPU multiplies bfloat16 matrices in hardware (AMX or AVX512-BF16).

    Without it bfloat16 is emulated and loses to float32, so callers pick float32.
    """
    try:
        cap = torch._C._cpu._get_cpu_capability()
    except (AttributeError, RuntimeError):
        return False
    return bool(cap.get("amx_bf16") or cap.get("avx512_bf16"))


@dataclass(frozen=True)
class _Layer:
    qkv: tuple[torch.Tensor, torch.Tensor]
    out: tuple[torch.Tensor, torch.Tensor]
    norm1: tuple[torch.Tensor, torch.Tensor, float]
    norm2: tuple[torch.Tensor, torch.Tensor, float]
    ff1: tuple[torch.Tensor, torch.Tensor]
    ff2: tuple[torch.Tensor, torch.Tensor]
    heads: int


Linear = Callable[..., torch.Tensor]  # (x, weight, bias, gelu=False) -> y


def _plain_linear(x: torch.Tensor, w: torch.Tensor, b: torch.Tensor,
                  gelu: bool = False) -> torch.Tensor:
    y = F.linear(x, w, b)
    return F.gelu(y) if gelu else y


@functools.cache
def fused_linear() -> Linear:
    """The linear layer with its bias and (``gelu=True``) exact GELU applied by oneDNN as
    the matmul writes its output; :func:`torch.nn.functional.linear` (then GELU) where
    this PyTorch has no such operator or it fails on a probe."""
    try:
        op = torch.ops.mkldnn._linear_pointwise
        x = torch.ones(2, 3, 4, dtype=torch.bfloat16)
        w, b = torch.ones(5, 4, dtype=torch.bfloat16), torch.ones(5, dtype=torch.bfloat16)
        with torch.inference_mode():
            ok = torch.equal(op(x, w, b, "gelu", [], "none"), F.gelu(F.linear(x, w, b)))
            ok &= torch.equal(op(x, w, b, "none", [], ""), F.linear(x, w, b))
    except (AttributeError, RuntimeError, NotImplementedError):
        return _plain_linear
    if not ok:
        return _plain_linear

    def linear(x: torch.Tensor, w: torch.Tensor, b: torch.Tensor,
               gelu: bool = False) -> torch.Tensor:
        return op(x, w, b, "gelu", [], "none") if gelu else op(x, w, b, "none", [], "")
    return linear


def supported(encoder: nn.Module) -> bool:
    """The layer layout this forward reproduces: pre-norm, GELU, no extra final norm."""
    layers = getattr(getattr(encoder, "encoder", None), "layers", None)
    if layers is None or getattr(encoder.encoder, "norm", None) is not None:
        return False
    # PyTorch's own flags for its fused path (2 = GELU); absent in another version: no
    return all(getattr(layer, "norm_first", False)
               and getattr(layer, "activation_relu_or_gelu", None) == 2
               and getattr(layer.self_attn, "batch_first", False)
               and getattr(layer.self_attn, "_qkv_same_embed_dim", False)
               for layer in layers)


def _cast(*ts: torch.Tensor, dtype: torch.dtype) -> tuple[torch.Tensor, ...]:
    return tuple(t.detach().to(dtype).contiguous() for t in ts)


class FastEncoder:
    """``normalised [B, 22, F] float32 -> (tokens [B, 22, D], pooled [B, D])`` in float32.

    Weights are copied (and cast) once here; the module is not changed.
    """

    def __init__(self, encoder: nn.Module, dtype: torch.dtype = torch.bfloat16) -> None:
        if not supported(encoder):
            raise ValueError("FastEncoder needs pre-norm GELU TransformerEncoder layers")
        self.dtype = dtype
        # the oneDNN epilogue for bfloat16 (its float32 path gains nothing on the CPU)
        self.linear = fused_linear() if dtype == torch.bfloat16 else _plain_linear
        lin1, lin2 = encoder.embed[0], encoder.embed[2]
        self.embed = (_cast(lin1.weight, lin1.bias, dtype=dtype),
                      _cast(lin2.weight, lin2.bias, dtype=dtype))
        self.layers = [self._layer(layer, dtype) for layer in encoder.encoder.layers]
        self.pool = encoder.pool  # float32, on [B, 2D]: cheap

    @staticmethod
    def _layer(layer: nn.Module, dtype: torch.dtype) -> _Layer:
        attn = layer.self_attn
        dim, heads = attn.embed_dim, attn.num_heads
        w, b = attn.in_proj_weight.detach().clone(), attn.in_proj_bias.detach().clone()
        scale = 1.0 / math.sqrt(dim // heads)
        w[:dim] *= scale
        b[:dim] *= scale
        return _Layer(
            qkv=_cast(w, b, dtype=dtype),
            out=_cast(attn.out_proj.weight, attn.out_proj.bias, dtype=dtype),
            norm1=(*_cast(layer.norm1.weight, layer.norm1.bias, dtype=dtype), layer.norm1.eps),
            norm2=(*_cast(layer.norm2.weight, layer.norm2.bias, dtype=dtype), layer.norm2.eps),
            ff1=_cast(layer.linear1.weight, layer.linear1.bias, dtype=dtype),
            ff2=_cast(layer.linear2.weight, layer.linear2.bias, dtype=dtype),
            heads=heads)

    def _attention(self, y: torch.Tensor, layer: _Layer) -> torch.Tensor:
        b, p, dim = y.shape
        heads = layer.heads
        # one copy to [3, B, H, P, d]: bmm copies strided operands anyway, and one
        # permute of the projection is cheaper than three per-head gathers
        qkv = self.linear(y, *layer.qkv).view(b, p, 3, heads, dim // heads)
        q, k, v = qkv.permute(2, 0, 3, 1, 4).contiguous()
        s = torch.matmul(q, k.transpose(-1, -2))                            # [B, H, P, P]
        e = torch.softmax(s.float(), -1).to(self.dtype)  # the bf16 softmax is slower here
        o = torch.matmul(e, v)                                                # [B, H, P, d]
        return self.linear(o.transpose(1, 2).reshape(b, p, dim), *layer.out)

    def __call__(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        (w1, b1), (w2, b2) = self.embed
        lin = self.linear
        h = lin(lin(x.to(self.dtype), w1, b1, gelu=True), w2, b2)
        dim = h.shape[-1]
        for layer in self.layers:
            h = h + self._attention(F.layer_norm(h, (dim,), *layer.norm1), layer)
            y = F.layer_norm(h, (dim,), *layer.norm2)
            h = h + lin(lin(y, *layer.ff1, gelu=True), *layer.ff2)
        h = h.float()
        return h, self.pool(torch.cat([h.mean(dim=1), h.amax(dim=1)], dim=-1))
