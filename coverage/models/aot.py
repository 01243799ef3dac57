"""Inference graphs compiled ahead of time for this machine (AOTInductor).

Eager PyTorch runs the frame encoder as many small operators per layer, most of them
memory-bound passes over ``[B, 22, 64]`` activations (layer norms, a softmax over rows
of 22, casts, copies). Inductor fuses them into a few loops around the matmuls, and
the family model's heads (GRU, per-defender heads, softmaxes) likewise.

Compiling is slow and needs a C++ compiler, so it is never done behind a
prediction's back: ``coverage compile`` (:func:`build_encoder`, :func:`build_graph`)
writes one package per set of weights into a per-machine cache, and
:func:`load_encoder` / :func:`load_graph` return the compiled graph only when that
package exists. The cache key holds the weights, the torch version, the CPU's
instruction sets and the thread count (Inductor bakes its OpenMP thread count into the
code), so a package never runs where it was not built for. A package that fails to load
is ignored: the eager path runs instead.

A package holds the GIL while it runs, so it is called from one thread and its own
OpenMP threads take the cores (not one worker per core as the eager path).
"""

from __future__ import annotations

import hashlib
import os
import platform
import shutil
import threading
import warnings
from pathlib import Path
from typing import Any

import torch
from torch import nn

from coverage.atomic import atomic_path
from coverage.config import compiled_cache
from coverage.models.fast_encoder import FastEncoder, supported

# bump when the compiled graph changes meaning: older packages are then never loaded
FORMAT = 1
# below this many frames the eager encoder is used: a package call has a fixed cost and
# the app encodes one play at a time
MIN_FRAMES = 2048
# False: never load a package (the benchmark's eager variants)
USE_COMPILED = True
EXAMPLE_BATCH = 512  # the example batch traced (the batch axis stays dynamic)
_loaded: dict[str, Any] = {}
_lock = threading.Lock()


def compiler_available() -> bool:
    """Whether Inductor will find a C++ compiler (``$CXX`` or the usual names)."""
    return any(shutil.which(c) for c in (os.environ.get("CXX") or "", "g++", "c++", "clang++")
               if c)


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


def n_raw_features(norm: nn.Module) -> int:
    """Width of the raw frames ``norm`` takes (its ``inputs`` may pick a subset)."""
    inputs = getattr(norm, "inputs", None)
    if inputs is not None and inputs.numel():
        return int(inputs.max()) + 1
    return int(norm.mean.numel())


def _machine() -> str:
    try:
        caps = torch._C._cpu._get_cpu_capability()
    except (AttributeError, RuntimeError):
        caps = {}
    flags = ",".join(sorted(k for k, v in caps.items() if v is True))
    return f"{platform.machine()}|{caps.get('cpu_arch', '')}|{flags}"


def _package_path(name: str, modules: list[nn.Module], dtype: torch.dtype,
                  threads: int) -> Path:
    h = hashlib.sha256()
    for part in (FORMAT, name, torch.__version__, _machine(), str(dtype), threads):
        h.update(f"{part}\n".encode())
    h.update(weights_digest({str(i): m for i, m in enumerate(modules)}).encode())
    return compiled_cache() / f"{name}-{h.hexdigest()[:24]}.pt2"


def compilable(*modules: nn.Module) -> bool:
    return all(p.device.type == "cpu" for m in modules for p in m.parameters())


def _build(graph: nn.Module, examples: tuple[torch.Tensor, ...], path: Path,
           threads: int) -> Path:
    """Export ``graph`` with a dynamic batch axis (dim 0 of every input), compile it
    with ``threads`` OpenMP threads and write the package atomically to ``path``."""
    if not compiler_available():
        raise RuntimeError("no C++ compiler found (install g++ or set $CXX)")
    batch = torch.export.Dim("batch", min=1, max=1 << 20)
    prev = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")
            exported = torch.export.export(graph.eval(), examples,
                                           dynamic_shapes=tuple({0: batch} for _ in examples))
            with atomic_path(path) as tmp:
                out = tmp.with_suffix(".pt2")  # Inductor names the package by its suffix
                try:
                    torch._inductor.aoti_compile_and_package(exported, package_path=str(out))
                    out.replace(tmp)
                finally:
                    out.unlink(missing_ok=True)
    finally:
        torch.set_num_threads(prev)
    return path


def _load(path: Path) -> Any | None:
    key = str(path)
    with _lock:
        runner = _loaded.get(key)
        if runner is None:
            if not path.is_file():
                return None
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    runner = torch._inductor.aoti_load_package(key)
            except Exception:  # noqa: BLE001 - a bad package must never stop a prediction
                return None
            _loaded[key] = runner
    return runner


class Compiled:
    """A loaded package: float32 tensors in, a tuple of tensors out.

    Its kernels run on the OpenMP threads it was built for, so callers run it from one
    thread (:func:`coverage.models.workers.run_over_plays` with ``per_core=False``).
    """

    def __init__(self, runner: Any, path: Path) -> None:
        self.runner, self.path = runner, path

    def __call__(self, *xs: torch.Tensor) -> tuple[torch.Tensor, ...]:
        return tuple(self.runner(*(x.float().contiguous() for x in xs)))


class _EncoderGraph(nn.Module):
    """``raw [B, 22, F] float32 -> (tokens, pooled)`` float32: the encoder compiled."""

    def __init__(self, norm: nn.Module, encoder: nn.Module, dtype: torch.dtype) -> None:
        super().__init__()
        self.norm = norm
        self.fast = FastEncoder(encoder, dtype)
        self.pool = self.fast.pool  # registered, so export sees its weights as parameters

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self.fast(self.norm(x))


def build_encoder(norm: nn.Module, encoder: nn.Module, dtype: torch.dtype = torch.bfloat16,
                  threads: int | None = None) -> Path:
    """Compile the frame encoder for this machine into the cache (raises ``RuntimeError``
    with the reason when it cannot be compiled here)."""
    if not (supported(encoder) and compilable(norm, encoder)):
        raise RuntimeError("only the pre-norm GELU frame encoder on the CPU can be compiled")
    example = torch.zeros(EXAMPLE_BATCH, 22, n_raw_features(norm))
    return build_graph("encoder", _EncoderGraph(norm, encoder, dtype), (example,),
                       [norm, encoder], dtype, threads)


def load_encoder(norm: nn.Module, encoder: nn.Module, dtype: torch.dtype = torch.bfloat16,
                 frames: int | None = None) -> Compiled | None:
    """The compiled frame encoder for these weights on this machine, or ``None`` (no
    package built, one that does not load, or fewer than :data:`MIN_FRAMES` ``frames``
    to encode)."""
    if (frames is not None and frames < MIN_FRAMES) or not supported(encoder):
        return None
    return load_graph("encoder", [norm, encoder], dtype)


def build_graph(name: str, graph: nn.Module, examples: tuple[torch.Tensor, ...],
                weights: list[nn.Module], dtype: torch.dtype,
                threads: int | None = None) -> Path:
    """Compile any inference ``graph`` (the frame encoder, a model's heads) keyed on
    ``weights``."""
    if not compilable(*weights):
        raise RuntimeError(f"{name}: only modules on the CPU can be compiled")
    threads = threads or torch.get_num_threads()
    return _build(graph, examples, _package_path(name, weights, dtype, threads), threads)


def load_graph(name: str, weights: list[nn.Module], dtype: torch.dtype) -> Compiled | None:
    """The compiled ``name`` graph of these weights, or ``None``."""
    if not (USE_COMPILED and compilable(*weights)):
        return None
    path = _package_path(name, weights, dtype, torch.get_num_threads())
    runner = _load(path)
    return None if runner is None else Compiled(runner, path)


def clear_loaded() -> None:
    """Forget loaded packages (tests)."""
    with _lock:
        _loaded.clear()
