"""ONNX Runtime execution of the shared frame encoder (``Standardize`` + ``PlayerSetEncoder``).

The encoder is a chain of small matmuls and memory-bound steps over ``[B, 22, 64]``
activations; PyTorch runs it as one fused kernel per layer, but still pays per-operator
dispatch and allocation for the embed MLP, the pooling head and the layer's inner steps.
ONNX Runtime with every graph optimisation (MatMul+Add, LayerNorm, GELU fusions, a
preallocated memory plan) runs the same float32 graph faster on the 2-core CPU
(``benchmarks/bench_inference.py --variants float32,onnx``).

The graph is exported from the live modules (weights and the ``inputs`` channel subset
baked in) into memory, never to disk, and the session is built once per set of weights
per process: :func:`onnx_encoder` caches it on a hash of the weights. When ``onnx`` (the
exporter needs it) or ``onnxruntime`` is missing, or the modules are not on the CPU,
:func:`onnx_encoder` returns ``None`` and the caller keeps the torch path.
"""

from __future__ import annotations

import copy
import hashlib
import io
import threading
import warnings
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import numpy as np
import torch
from torch import nn

EncoderFn = Callable[[torch.Tensor], tuple[torch.Tensor, torch.Tensor]]

OPSET = 17
_CACHE_SIZE = 8  # sessions kept per process (one per checkpoint in use)
_cache: OrderedDict[tuple, Any] = OrderedDict()
_lock = threading.Lock()


def ort_available() -> bool:
    """Whether both the exporter's ``onnx`` and ``onnxruntime`` import."""
    try:
        import onnx  # noqa: F401
        import onnxruntime  # noqa: F401
    except ImportError:
        return False
    return True


class _NormEncoder(nn.Module):
    """``raw [B, 22, F]`` -> (tokens, pooled): the graph that is exported."""

    def __init__(self, norm: nn.Module, encoder: nn.Module) -> None:
        super().__init__()
        self.norm, self.encoder = norm, encoder

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self.encoder.tokens_and_pooled(self.norm(x))


def weights_digest(modules: dict[str, nn.Module]) -> str:
    """A hash of every tensor of the named modules (buffers incl. the non-persistent
    ``inputs``): what a cache of anything built from their weights is keyed on."""
    h = hashlib.sha1()
    for prefix, mod in modules.items():
        for name, t in [*mod.named_parameters(), *mod.named_buffers()]:
            t = t.detach().cpu().contiguous()
            h.update(f"{prefix}.{name}{tuple(t.shape)}{t.dtype}".encode())
            h.update(t.view(torch.uint8).numpy().tobytes() if t.numel() else b"")
    return h.hexdigest()


def weights_key(norm: nn.Module, encoder: nn.Module, threads: int) -> tuple:
    """Session cache key: the weights and the thread count."""
    return weights_digest({"norm": norm, "enc": encoder}), threads


def export_bytes(norm: nn.Module, encoder: nn.Module, n_features: int) -> bytes:
    """The ONNX model (bytes) of ``norm`` + ``encoder.tokens_and_pooled``, dynamic batch.

    Exported from eval-mode copies with PyTorch's fused transformer fast path off, so the
    tracer records plain ops, also when called under ``torch.inference_mode``.
    """
    fast = torch.backends.mha.get_fastpath_enabled()
    buf = io.BytesIO()
    try:
        torch.backends.mha.set_fastpath_enabled(False)
        with torch.inference_mode(False), torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            # copies made outside inference mode: the tracer cannot use inference tensors
            graph = _NormEncoder(copy.deepcopy(norm), copy.deepcopy(encoder)).cpu().float()
            graph.eval()
            x = torch.zeros(2, 22, n_features)
            torch.onnx.export(
                graph, (x,), buf, dynamo=False, opset_version=OPSET,
                input_names=["x"], output_names=["tokens", "pooled"],
                dynamic_axes={"x": {0: "batch", 2: "features"}, "tokens": {0: "batch"},
                              "pooled": {0: "batch"}})
    finally:
        torch.backends.mha.set_fastpath_enabled(fast)
    return buf.getvalue()


def make_session(model_bytes: bytes, threads: int) -> Any:
    """A CPU ``InferenceSession`` with all graph optimisations and ``threads`` intra-op
    threads. Its pool does not spin between calls: the caller runs torch ops (the GRU,
    the heads) between encoder batches and the machine is shared."""
    import onnxruntime as ort

    so = ort.SessionOptions()
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    so.intra_op_num_threads = threads
    so.inter_op_num_threads = 1
    so.add_session_config_entry("session.intra_op.allow_spinning", "0")
    so.log_severity_level = 3
    return ort.InferenceSession(model_bytes, so, providers=["CPUExecutionProvider"])


def n_raw_features(norm: nn.Module) -> int:
    """Width of the raw frames ``norm`` takes (its ``inputs`` may pick a subset)."""
    inputs = getattr(norm, "inputs", None)
    if inputs is not None and inputs.numel():
        return int(inputs.max()) + 1
    return int(norm.mean.numel())


def onnx_encoder(norm: nn.Module, encoder: nn.Module) -> EncoderFn | None:
    """``raw [B, 22, F] float32 -> (tokens [B, 22, D], pooled [B, D])`` on ONNX Runtime,
    or ``None`` when it cannot be used here (packages missing, modules not on the CPU).

    The feature axis is dynamic like the batch: a model with an ``inputs`` subset picks
    its channels from frames of any width, as ``Standardize`` does.
    """
    if not ort_available():
        return None
    if any(t.device.type != "cpu" for t in [*norm.buffers(), *encoder.parameters()]):
        return None
    threads = torch.get_num_threads()
    key = weights_key(norm, encoder, threads)
    n_feat = n_raw_features(norm)
    with _lock:
        sess = _cache.get(key)
        if sess is None:
            sess = make_session(export_bytes(norm, encoder, n_feat), threads)
            _cache[key] = sess
            while len(_cache) > _CACHE_SIZE:
                _cache.popitem(last=False)
        else:
            _cache.move_to_end(key)

    def run(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        a = x.detach()
        if a.device.type != "cpu":
            a = a.cpu()
        a = np.ascontiguousarray(a.numpy(), dtype=np.float32)
        tokens, pooled = sess.run(None, {"x": a})
        return torch.from_numpy(tokens), torch.from_numpy(pooled)
    return run


def clear_cache() -> None:
    """Drop every cached session (tests)."""
    with _lock:
        _cache.clear()
