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

import importlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

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


def build_model(architecture: str, hparams: Mapping[str, Any]) -> nn.Module:
    """Instantiate an architecture's network by name from its JSON hyper-parameters."""
    network = spec(architecture).network
    if network is None:
        raise CheckpointError(f"a '{architecture}' checkpoint holds no torch network")
    try:
        return resolve(network)(**hparams)
    except TypeError as exc:
        raise CheckpointError(f"hyper-parameters {dict(hparams)} do not fit "
                              f"'{architecture}': {exc}") from exc
