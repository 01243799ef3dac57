"""What data each model was trained on, and how every view says so.

A model's name in a store's predictions is a checkpoint folder's name, from one of
two places: the store's own ``models_dir`` (trained on the user's data) or the
shipped ``models_root()``. A synthetic-trained model's hit rate on real plays says
nothing about real football, so no curve, metric or export may show a model
without its training data beside it; everything reads it from here.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from coverage.config import models_root
from coverage.models.checkpoint import CONFIG
from coverage.models.registry import DISPLAY_ORDER
from coverage.store import Store

SOURCES = ("synthetic", "real")
UNKNOWN = "unknown"
TRAIN_REAL_COMMAND = "coverage init --data DIR"


def checkpoint_dir(store: Store, model: str) -> Path | None:
    """The checkpoint folder behind a model name, looked up in the store's own models, then
    the shipped ones; None when neither place has it."""
    if not model or Path(model).name != model or model.startswith("."):
        return None  # names come from data files: never let one walk out of the roots
    for root in (Path(store.models_dir), models_root()):
        d = root / model
        if (d / CONFIG).is_file():  # provenance reads the config only, never weights
            return d
    return None


def trained_on(store: Store, model: str) -> str:
    """"synthetic", "real" or "unknown": what ``model`` was trained on (config data.source)."""
    d = checkpoint_dir(store, model)
    if d is None:
        return UNKNOWN
    try:
        cfg = json.loads((d / CONFIG).read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return UNKNOWN
    data = cfg.get("data") if isinstance(cfg, dict) else None
    src = data.get("source") if isinstance(data, dict) else None
    return src if src in SOURCES else UNKNOWN


def trained_phrase(trained: str) -> str:
    return f"trained on {trained}" if trained in SOURCES else "training data unknown"


@dataclass(frozen=True)
class Provenance:
    """Every model of a store with its training data, and the data it is applied to."""

    applied_to: str
    trained: Mapping[str, str] = field(default_factory=dict)

    @property
    def models(self) -> list[str]:
        return sorted(self.trained)

    def of(self, model: str) -> str:
        return self.trained.get(model, UNKNOWN)

    def label(self, model: str) -> str:
        """``transformer (trained on synthetic)``: the name every view shows for a model."""
        return f"{model} ({trained_phrase(self.of(model))})"

    def labels(self) -> dict[str, str]:
        return {m: self.label(m) for m in self.trained}

    def mismatched(self, model: str) -> bool:
        """True when the model was not (known to be) trained on the kind of data shown."""
        return self.of(model) != self.applied_to

    def with_source(self, source: str) -> list[str]:
        return [m for m in self.models if self.of(m) == source]

    def visible(self, *, show_synthetic: bool = False) -> list[str]:
        """Models to offer: on real data, synthetic-trained ones only when asked for."""
        if self.applied_to != "real" or show_synthetic:
            return self.models
        return [m for m in self.models if self.of(m) != "synthetic"]

    def default(self, models: Iterable[str]) -> str | None:
        """Prefer a model trained on the data shown, then the registry's display order
        (the strongest tracking model first)."""
        models = list(models)
        if not models:
            return None
        rank = {m: i for i, m in enumerate(DISPLAY_ORDER)}
        return min(models, key=lambda m: (self.mismatched(m), rank.get(m, len(rank)), m))

    def warning(self, model: str) -> str | None:
        """What to say next to a hit/miss or accuracy figure of ``model``, if anything."""
        trained = self.of(model)
        if not self.mismatched(model):
            return None
        if trained == UNKNOWN:
            return (f"**{model}**: its training data is unknown (no checkpoint folder named "
                    f"{model} with a {CONFIG} in the store's models or the shipped ones), "
                    f"so read its figures on {self.applied_to} data with care.")
        if trained == "synthetic":
            return (f"**{model} was trained on synthetic data** and is applied here to real "
                    "plays: its hit/miss and accuracy say nothing about how a model does on "
                    "real NFL coverage. Train on your data with "
                    f"`{TRAIN_REAL_COMMAND}`.")
        return (f"**{model} was trained on {trained} data** and is applied here to "
                f"{self.applied_to} data: its hit/miss and accuracy are not its real-data "
                "performance.")

    def secondary(self, model: str) -> bool:
        """Drawn secondary (dashed, faded): a synthetic-trained model shown on real data."""
        return self.applied_to == "real" and self.of(model) == "synthetic"

    def relabel(self, df: pl.DataFrame | None, column: str = "model") -> pl.DataFrame | None:
        """``df`` with each model name replaced by its label, for legends and hovers."""
        if df is None or column not in df.columns:
            return df
        return df.with_columns(pl.col(column).cast(pl.String).replace(self.labels()))


def provenance(store: Store, models: Iterable[str]) -> Provenance:
    """Training data of each model in ``models``, applied to ``store``'s data."""
    return Provenance(store.source, {m: trained_on(store, m) for m in models})
