"""Every model this package trains and serves, in one table: its name, what trains, loads
and runs it, and what it needs.

Everything that lists models derives the list from :data:`MODELS`: the command line's
``--model`` choices, ``coverage init``'s training order, the app's default order, which
checkpoints may serve as a context prior, the network a checkpoint's ``"architecture"``
builds. The functions are named ``"module:attribute"`` and imported on first use, so
reading the table (``coverage --help``, the app's provenance) imports neither torch nor
LightGBM, and the networks' package does not depend on the trainers above it.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import importlib
import inspect
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from coverage.atomic import write_json
from coverage.config import cache_root
from coverage.errors import CheckpointError

if TYPE_CHECKING:
    from torch import nn

_FRAMES = "coverage.training.frame_models"
_TRACKING = "coverage.training.tracking"
_FAMILY = "coverage.family.predict"
_TABULAR = "coverage.tabular.pipeline"


@dataclass(frozen=True)
class ModelSpec:
    """One model kind (the ``"architecture"`` of its checkpoints).

    * ``trainer(opts, store) -> {"dir", "config", "metrics", ...}``
    * ``loader(model_dir) -> (model, config)``: refuses a checkpoint this code cannot feed
    * ``predictor(model, cfg, store, week, plays, *, device, batch_size)``: per-frame P(man)
    * ``week_writer(model_dir, store, week, *, name)`` puts a checkpoint's outputs of one
      week in the store; ``test_week_writer`` runs on its held-out weeks only
    * ``network``: the torch module its checkpoints hold (None: not a torch network)
    * ``needs_tracking``: False for a per-play model that trains and predicts from the
      plays table alone (a label-only download), which may then serve as a context prior
    * ``takes_prior``: a tracking model that may start from such a prior (``--prior``)
    * ``rank``: the app's default order, strongest first
    """

    name: str
    trainer: str
    loader: str
    predictor: str
    rank: int
    week_writer: str = "coverage.pipelines:predict_week"
    test_week_writer: str | None = None
    network: str | None = None
    needs_tracking: bool = True
    takes_prior: bool = False


# In training order: the cheap per-play model first, so the tracking models can start
# from its P(man).
MODELS: dict[str, ModelSpec] = {s.name: s for s in (
    # LightGBM on play context + personnel + learned tendencies; one P(man) per play
    ModelSpec("tabular", f"{_TABULAR}:train_tabular",
              "coverage.tabular.checkpoint:load_tabular_checkpoint",
              f"{_TABULAR}:predict_tabular_frames", rank=3, needs_tracking=False),
    ModelSpec("transformer", f"{_TRACKING}:train_tracking", f"{_FRAMES}:load_frame_model",
              f"{_FRAMES}:predict_frame_model", rank=0,
              network="coverage.models.transformer:CoverageTransformer", takes_prior=True),
    ModelSpec("lstm", f"{_TRACKING}:train_tracking", f"{_FRAMES}:load_frame_model",
              f"{_FRAMES}:predict_frame_model", rank=1,
              network="coverage.models.lstm:CoverageLSTM", takes_prior=True),
    # family probabilities, responsibilities and the P(man) rows in one pass
    ModelSpec("family", "coverage.family.train:train_family", f"{_FAMILY}:load_explainer",
              f"{_FAMILY}:predict_family_frames", rank=2,
              week_writer="coverage.pipelines:family_week",
              test_week_writer="coverage.explain.attribution:attribution_week",
              network="coverage.models.family:CoverageFamilyModel", takes_prior=True),
)}
NAMES = tuple(MODELS)
# tracking models first, strongest first: what a view shows when nothing else decides
DISPLAY_ORDER = tuple(sorted(NAMES, key=lambda n: MODELS[n].rank))
PER_PLAY = tuple(n for n in NAMES if not MODELS[n].needs_tracking)
TAKES_PRIOR = tuple(n for n in NAMES if MODELS[n].takes_prior)


def spec(name: str, *, error: type[Exception] = CheckpointError) -> ModelSpec:
    """The entry of ``name``; anything else cannot be trained or loaded."""
    if name not in MODELS:
        raise error(f"unknown architecture '{name}'; known: {', '.join(NAMES)}")
    return MODELS[name]


def resolve(ref: str) -> Any:
    """The object a ``"module:attribute"`` reference names."""
    module, _, attr = ref.partition(":")
    return getattr(importlib.import_module(module), attr)


# Sizes a network's hyper-parameters may take, (least, most): far above any model this
# project trains, far below what would ask for more memory than a workstation has. A
# hand-edited config (or ``--hparams``) outside them is refused before anything is built.
SIZE_BOUNDS: dict[str, tuple[int, int]] = {
    "n_features": (1, 1024), "dim": (1, 2048), "hidden": (1, 4096), "depth": (1, 32),
    "layers": (1, 32), "heads": (1, 64), "n_players": (1, 64), "n_context": (0, 1024),
    "n_families": (1, 256), "n_assignments": (1, 256),
}
# More weights than this (about 800 MB in float32) is no model of this project's.
MAX_PARAMETERS = 200_000_000
SHOWN_CHARS = 80


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= SHOWN_CHARS else text[:SHOWN_CHARS] + "…"


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _number(value: Any) -> bool:
    return (isinstance(value, int | float) and not isinstance(value, bool)
            and math.isfinite(value))


def _check_sizes(hp: Mapping[str, Any], bad: Any) -> None:
    for key, (lo, hi) in SIZE_BOUNDS.items():
        if key in hp and not (_whole(hp[key]) and lo <= hp[key] <= hi):
            bad(f"'{key}' is {_shown(hp[key])}; expected a whole number from {lo} to {hi}")
    if "heads" in hp and "dim" in hp and hp["dim"] % hp["heads"]:
        bad(f"'heads' {hp['heads']} does not divide 'dim' {hp['dim']}; attention splits the "
            "width evenly across heads")
    if "dropout" in hp and not (_number(hp["dropout"]) and 0 <= hp["dropout"] < 1):
        bad(f"'dropout' is {_shown(hp['dropout'])}; expected a number from 0 to below 1")


def _check_lists(hp: Mapping[str, Any], bad: Any) -> None:
    inputs = hp.get("inputs")
    n_features = hp.get("n_features", 0)
    if inputs is not None and not (
            isinstance(inputs, list | tuple)
            and all(_whole(i) and 0 <= i < n_features for i in inputs)
            and len(set(inputs)) == len(inputs)):
        bad(f"'inputs' is {_shown(inputs)}; expected distinct channel numbers from 0 to "
                f"{n_features - 1}")
    n_in = len(inputs) if inputs else n_features
    for key in ("mean", "std"):
        v = hp.get(key)
        if v is None:
            continue
        if not (isinstance(v, list | tuple) and len(v) == n_in and all(_number(x) for x in v)):
            bad(f"'{key}' is {_shown(v)}; expected {n_in} finite numbers, one per input "
                "channel")
        if key == "std" and any(x <= 0 for x in v):
            bad(f"'std' is {_shown(v)}; every entry must be above 0 (inputs are divided by it)")
    fams = hp.get("man_families")
    if fams is not None and not (isinstance(fams, list | tuple) and all(
            _whole(f) and 0 <= f < hp.get("n_families", 0) for f in fams)):
        bad(f"'man_families' is {_shown(fams)}; expected family numbers below 'n_families'")


def check_hparams(architecture: str, hparams: Mapping[str, Any]) -> dict[str, Any]:
    """The hyper-parameters a network is built with (its defaults filled in), refused with
    ``CheckpointError`` naming the key when a size is out of range or the values contradict
    one another, so nothing is allocated (or crashes inside torch) for an impossible config.
    """
    network = spec(architecture).network
    if network is None:
        raise CheckpointError(f"a '{architecture}' checkpoint holds no torch network")
    if not isinstance(hparams, Mapping):
        raise CheckpointError(f"hyper-parameters of '{architecture}' are {_shown(hparams)}; "
                              "expected an object")
    params = inspect.signature(resolve(network)).parameters
    unknown = [k for k in hparams if k not in params]
    if unknown:
        raise CheckpointError(f"hyper-parameters {_shown(unknown)} do not fit '{architecture}'"
                              f"; it takes {', '.join(params)}")
    missing = [k for k, p in params.items()
               if p.default is inspect.Parameter.empty and k not in hparams]
    if missing:
        raise CheckpointError(f"hyper-parameters of '{architecture}' lack {missing}")
    full = {**{k: p.default for k, p in params.items()
               if p.default is not inspect.Parameter.empty}, **hparams}

    def bad(reason: str) -> None:
        raise CheckpointError(f"hyper-parameters of '{architecture}': {reason}")

    _check_sizes(full, bad)
    _check_lists(full, bad)
    return full


def network_shapes(architecture: str, hparams: Mapping[str, Any]) -> dict[str, tuple[int, ...]]:
    """The weight shapes a network of these hyper-parameters holds, from a build on torch's
    ``meta`` device (no memory): what a checkpoint's file must match, and its size.

    Kept on disk by architecture, hyper-parameters and the networks' source code: the app
    checks every checkpoint on its first page, and importing torch for it would cost each
    server's first visitor seconds (``coverage init`` has built them already)."""
    path = _shapes_file(architecture, hparams)
    try:
        cached = json.loads(path.read_text())
        return {str(k): tuple(int(d) for d in v) for k, v in cached.items()}
    except (OSError, ValueError, TypeError, AttributeError):
        pass  # absent or unreadable: build once more
    shapes = _built_shapes(architecture, hparams)
    with contextlib.suppress(OSError):  # a read-only cache only costs the next build
        write_json({k: list(v) for k, v in shapes.items()}, path)
    return shapes


@functools.lru_cache(maxsize=1)
def _networks_code() -> str:
    """A digest of the networks' source files: shapes built by other code are not reused."""
    h = hashlib.sha256()
    for f in sorted(Path(__file__).parent.glob("*.py")):
        h.update(f.name.encode() + f.read_bytes())
    return h.hexdigest()[:16]


def _shapes_file(architecture: str, hparams: Mapping[str, Any]) -> Path:
    key = hashlib.sha256(json.dumps([architecture, hparams, _networks_code()],
                                    sort_keys=True, default=str).encode()).hexdigest()[:24]
    return cache_root() / "network_shapes" / f"{key}.json"


def _built_shapes(architecture: str, hparams: Mapping[str, Any]
                  ) -> dict[str, tuple[int, ...]]:
    import torch

    full = check_hparams(architecture, hparams)
    try:
        with torch.device("meta"):
            net = resolve(spec(architecture).network)(**full)
    except (TypeError, ValueError, AssertionError, RuntimeError) as exc:
        raise CheckpointError(f"hyper-parameters {_shown(dict(hparams))} do not fit "
                              f"'{architecture}': {str(exc)[:200]}") from exc
    shapes = {k: tuple(v.shape) for k, v in net.state_dict().items()}
    n = sum(math.prod(s) for s in shapes.values())
    if n > MAX_PARAMETERS:
        raise CheckpointError(f"hyper-parameters of '{architecture}' ask for {n:,} weights "
                              f"(about {4 * n / 2**30:.1f} GiB); the most this code builds is "
                              f"{MAX_PARAMETERS:,}")
    return shapes


def build_model(architecture: str, hparams: Mapping[str, Any]) -> nn.Module:
    """Instantiate an architecture's network by name from its JSON hyper-parameters, after
    checking them (sizes, heads dividing the width, total weights) without allocating."""
    network_shapes(architecture, hparams)
    try:
        return resolve(spec(architecture).network)(**hparams)
    except TypeError as exc:
        raise CheckpointError(f"hyper-parameters {_shown(dict(hparams))} do not fit "
                              f"'{architecture}': {exc}") from exc
