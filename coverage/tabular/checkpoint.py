"""The tabular checkpoint: LightGBM's own text files + safetensors + JSON, never pickle.

```
<dir>/config.json        architecture "tabular", features, vocabularies, calibration,
                         tendency layout, split, fingerprint, sha256 of every model file
<dir>/model.safetensors  the tendency count tables (float64 tensors; row keys in config)
<dir>/man.txt            man/zone booster   (booster.save_model / lgb.Booster(model_file=))
<dir>/family.txt         family booster (8 classes), when trained
<dir>/metrics.json       val / test metrics with Wilson intervals
```

``coverage.models.checkpoint.checkpoint_hash`` reads config + safetensors; the config
holds the boosters' sha256, which the loader checks, so the hash covers every file and an
edited or truncated booster is refused instead of giving other probabilities.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import lightgbm as lgb
import numpy as np
import polars as pl
import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

from coverage.atomic import atomic_path, write_json
from coverage.errors import CheckpointError
from coverage.models.checkpoint import CONFIG, METRICS, SCHEMA_VERSION, WEIGHTS, read_config
from coverage.tabular.model import TabularModel
from coverage.tabular.tendencies import Counts, Tendencies

ARCHITECTURE = "tabular"
BOOSTERS = {"man": "man.txt", "family": "family.txt"}
_TABLES = ("defense", "families", "defense_late", "offense", "players")


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _counts_spec(c: Counts) -> tuple[dict[str, Any], torch.Tensor]:
    values = [col for col in c.totals.columns if col not in c.keys]
    spec = {"keys": list(c.keys), "values": values, "prior": c.prior, "strength": c.strength,
            "rows": {k: [(float(v) if isinstance(v, bool) else v)
                         for v in c.totals[k].to_list()] for k in c.keys}}
    return spec, torch.from_numpy(np.ascontiguousarray(c.totals.select(values).to_numpy(),
                                                      dtype=np.float64))


def _counts_from(spec: Mapping[str, Any], tensor: torch.Tensor) -> Counts:
    keys = tuple(spec["keys"])
    cols = {k: spec["rows"][k] for k in keys}
    if "late_down" in cols:
        cols["late_down"] = [bool(v) for v in cols["late_down"]]
    values = tensor.numpy()
    if values.shape != (len(next(iter(cols.values()), [])), len(spec["values"])):
        raise CheckpointError(f"tendency table {keys} has shape {tuple(values.shape)}; the "
                              f"config describes {len(spec['values'])} value columns")
    totals = pl.DataFrame(cols).with_columns(
        *[pl.Series(n, values[:, j]) for j, n in enumerate(spec["values"])])
    if "nflId" in totals.columns:
        totals = totals.with_columns(pl.col("nflId").cast(pl.Int64))
    empty = totals.head(0).with_columns(pl.lit(0, pl.Int64).alias("gameId"))
    return Counts(keys, totals, empty, dict(spec["prior"]), float(spec["strength"]))


def save_tabular(directory: str | Path, model: TabularModel, config: Mapping[str, Any],
                 metrics: Mapping[str, Any] | None = None) -> Path:
    """Write the boosters, the tendency tables and the config, each file atomically."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    files: dict[str, str] = {}
    for key, name in BOOSTERS.items():
        booster = getattr(model, key)
        if booster is None:
            continue
        with atomic_path(directory / name) as tmp:
            booster.save_model(str(tmp))
        files[name] = _sha(directory / name)
    specs, tensors = {}, {}
    t = model.tendencies
    for name in _TABLES:
        c = getattr(t, name)
        if c is not None:
            specs[name], tensors[name] = _counts_spec(c)
    with atomic_path(directory / WEIGHTS) as tmp:
        save_file(tensors, str(tmp), metadata={"architecture": ARCHITECTURE})
    cfg = {"schema_version": SCHEMA_VERSION, "architecture": ARCHITECTURE,
           **dict(config), "features": list(model.columns), "vocab": model.vocab,
           "calibration": {"platt": list(model.platt),
                           "family_temperature": model.family_temperature,
                           "method": model.info.get("calibration_method", "validation week")},
           "tendencies": {"weeks": list(t.weeks), "tables": specs}, "files": files}
    write_json(cfg, directory / CONFIG)
    if metrics is not None:
        write_json(dict(metrics), directory / METRICS)
    return directory


def _check_calibration(cfg: Mapping[str, Any], where: Path) -> tuple[tuple[float, float], float]:
    cal = cfg.get("calibration")
    try:
        a, b = (float(v) for v in cal["platt"])
        temp = float(cal["family_temperature"])
    except (TypeError, KeyError, ValueError) as exc:
        raise CheckpointError(f"checkpoint config {where / CONFIG}: 'calibration' is {cal!r}; "
                              "expected {'platt': [a, b], 'family_temperature': t}") from exc
    if not all(math.isfinite(v) for v in (a, b, temp)) or temp <= 0 or a <= 0:
        raise CheckpointError(f"checkpoint config {where / CONFIG}: calibration {cal!r} is "
                              "not finite and positive; retrain it")
    return (a, b), temp


def _booster(directory: Path, name: str, want: str | None) -> lgb.Booster | None:
    path = directory / name
    if want is None:
        return None
    if not path.is_file():
        raise CheckpointError(f"checkpoint {directory}: {name} is missing; the config lists it")
    if _sha(path) != want:
        raise CheckpointError(f"checkpoint {directory}: {name} does not match the sha256 in "
                              f"{CONFIG} (edited or truncated?); retrain it")
    try:
        return lgb.Booster(model_file=str(path))
    except lgb.basic.LightGBMError as exc:
        raise CheckpointError(f"cannot read LightGBM model {path}: {exc}") from exc


def load_tabular_checkpoint(model_dir: str | Path) -> tuple[TabularModel, dict[str, Any]]:
    """Rebuild the model of a tabular checkpoint; refuse anything inconsistent."""
    directory = Path(model_dir)
    cfg = read_config(directory)
    if cfg["architecture"] != ARCHITECTURE:
        raise CheckpointError(f"checkpoint {directory} is a '{cfg['architecture']}' model, "
                              f"not '{ARCHITECTURE}'")
    platt, temp = _check_calibration(cfg, directory)
    files = cfg.get("files") or {}
    if BOOSTERS["man"] not in files:
        raise CheckpointError(f"checkpoint config {directory / CONFIG} lists no "
                              f"{BOOSTERS['man']} in 'files'")
    man = _booster(directory, BOOSTERS["man"], files[BOOSTERS["man"]])
    family = _booster(directory, BOOSTERS["family"], files.get(BOOSTERS["family"]))
    if not (directory / WEIGHTS).is_file():
        raise CheckpointError(f"no checkpoint in {directory}: {WEIGHTS} missing")
    try:
        tensors = load_file(str(directory / WEIGHTS))
    except (SafetensorError, OSError) as exc:
        raise CheckpointError(f"cannot read {directory / WEIGHTS}: {exc}") from exc
    try:
        spec = cfg["tendencies"]
        tables = {name: (_counts_from(spec["tables"][name], tensors[name])
                         if name in spec["tables"] else None) for name in _TABLES}
        t = Tendencies(**tables, weeks=tuple(spec["weeks"]))
    except (KeyError, TypeError) as exc:
        raise CheckpointError(f"checkpoint {directory}: tendency tables and config disagree "
                              f"({exc!r}); retrain it") from exc
    if man.num_feature() != len(cfg["features"]):
        raise CheckpointError(f"checkpoint {directory}: {BOOSTERS['man']} takes "
                              f"{man.num_feature()} features, the config lists "
                              f"{len(cfg['features'])}")
    model = TabularModel(tuple(cfg["features"]), dict(cfg.get("vocab", {})), t, man, platt,
                         family, temp, info=dict(cfg.get("selected", {})))
    return model, cfg
