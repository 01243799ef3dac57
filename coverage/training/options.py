"""Training options, grouped by who reads them.

Grouped so that nothing depends on every field: a trainer reads the run and optimisation
groups plus the inputs its model needs, and experiment tooling (MLflow, Ray Tune) only
ever touches :class:`ExperimentHooks`.
Callers that think in flat keyword arguments (the CLI, a tuner's sampled config) use
:meth:`TrainOptions.of` / :meth:`TrainOptions.with_values`, which route each name to its group.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields, is_dataclass, replace
from pathlib import Path
from typing import Any, Self

from coverage.config import models_root

EpochCallback = Callable[[dict[str, float]], None]
# ``coverage init --data``'s training time on a CPU, in minutes, all models together
# (coverage.bootstrap shares it out; ``coverage finish-training`` completes what it cut)
DEFAULT_BUDGET_MINUTES = 8.0
# Optimisation.precision's values, for option parsers that must not import torch; each but
# "auto" names a coverage.models.train_encoder.PRECISIONS entry
PRECISION_NAMES = ("auto", "float32", "mixed", "bfloat16")
# The network a run trains when ModelInputs.hparams says nothing else, by architecture.
# No dropout: these models see each play a few moments an epoch and stop (by patience or
# a time budget) long before they fit the training weeks, so dropout's noise only slowed
# their learning, and a step without it draws no masks.
_SET_ENCODER = {"dim": 64, "depth": 2, "heads": 4, "dropout": 0.0}
NETWORK_DEFAULTS: dict[str, dict[str, Any]] = {
    "transformer": _SET_ENCODER,
    "family": _SET_ENCODER,  # the transformer's design, with more heads on the same encoder
    "lstm": {"hidden": 128, "layers": 1, "dropout": 0.0},
}


@dataclass
class RunSpec:
    """What to train, on which data and week split, and where the checkpoint goes."""

    model: str = "transformer"
    data: str | None = None
    name: str | None = None
    out_root: Path = field(default_factory=models_root)
    seed: int = 0
    train_weeks: Sequence[int] | None = None
    val_weeks: Sequence[int] | None = None
    test_weeks: Sequence[int] | None = None


@dataclass
class Optimisation:
    """How :func:`coverage.training.loop.fit` runs."""

    epochs: int = 30
    batch_size: int = 256
    lr: float = 1e-3
    # linear warm-up of the learning rate over this many optimiser steps (see fit())
    warmup_steps: int = 0
    # validate, select and keep a moving average of the weights over about this many
    # epochs (coverage.training.averaging); 0: the last step's weights
    average_epochs: float = 1.0
    weight_decay: float = 1e-4
    patience: int = 5
    pos_weight: str | float = "auto"  # man/zone objective only
    device: str = "auto"
    # the training forward's frame encoder: auto (bfloat16 multiplies on a CPU with bf16
    # units, float32 elsewhere), float32, mixed or bfloat16 (train_precision())
    precision: str = "auto"
    compile: bool = False
    progress: bool = True
    # Limits for long CPU runs (``coverage init --data``); fit() explains both. None: off.
    time_budget_s: float | None = None
    resume_dir: Path | None = None


@dataclass
class ModelInputs:
    """What the model sees: frame history and sampling (tracking models), its feature set,
    a prior, and hyper-parameters over the architecture's defaults."""

    history: int = 5
    stride: int = 2
    frames_per_play: int = 8
    # windowed models: those frames come as chunks of this many consecutive moments, whose
    # overlapping windows share their frames' encodings (coverage.training.sampling).
    # Short chunks: a batch then holds moments of four times as many plays as with chunks
    # of 8, for twice the frames encoded, and consecutive moments of one play add little
    # that its other moments do not; at the same time budget the models learn clearly more
    chunk: int = 2
    max_secs: float | None = None
    # tracking models: which channels of coverage.features.FEATURE_SETS they read
    feature_set: str = "full"
    # tracking models: a per-play checkpoint (tabular / context) whose P(man) they start
    # from (coverage.prior); None: none
    prior: str | None = None
    hparams: dict[str, Any] = field(default_factory=dict)


@dataclass
class ExperimentHooks:
    """Callbacks through which trackers and tuners follow a run; training never imports them.

    ``on_start(opts)`` before any data is read; ``on_epoch(row)`` after every epoch (a
    scheduler may raise to stop the trial); ``on_finish(out)`` with the trainer's result,
    whatever mapping it returns is merged into it; ``on_fail()`` when training raised.
    ``score_test=False`` (tuning trials) never loads the test week.
    """

    on_start: Callable[[Any], None] | None = None
    on_epoch: EpochCallback | None = None
    on_finish: Callable[[dict[str, Any]], Mapping[str, Any] | None] | None = None
    on_fail: Callable[[], None] | None = None
    score_test: bool = True


@dataclass
class TrainOptions:
    run: RunSpec = field(default_factory=RunSpec)
    optim: Optimisation = field(default_factory=Optimisation)
    inputs: ModelInputs = field(default_factory=ModelInputs)
    hooks: ExperimentHooks = field(default_factory=ExperimentHooks)

    @classmethod
    def of(cls, **values: Any) -> Self:
        """Defaults of this class with flat ``name=value`` overrides, e.g. ``of(lr=3e-4)``."""
        return cls().with_values(**values)

    def with_values(self, **values: Any) -> Self:
        """A copy with flat ``name=value`` overrides, each routed to the group that has it."""
        owner = {f.name: g.name for g in fields(self) if is_dataclass(getattr(self, g.name))
                 for f in fields(getattr(self, g.name))}
        unknown = sorted(set(values) - set(owner))
        if unknown:
            raise TypeError(f"{type(self).__name__} has no option(s) {unknown}")
        groups: dict[str, dict[str, Any]] = {}
        for name, value in values.items():
            groups.setdefault(owner[name], {})[name] = value
        return replace(self, **{g: replace(getattr(self, g), **kv) for g, kv in groups.items()})

    def params(self) -> dict[str, Any]:
        """The options that define the experiment, flat: not where output goes, how it is
        shown, the hyper-parameters (logged resolved, from the checkpoint) or the hooks."""
        skip = {"hparams", "progress", "out_root", "resume_dir"}
        return {f.name: getattr(group, f.name)
                for g in fields(self) if g.name != "hooks"
                and is_dataclass(group := getattr(self, g.name))
                for f in fields(group) if f.name not in skip}
