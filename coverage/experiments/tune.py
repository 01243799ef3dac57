"""Ray Tune search over the transformer's / LSTM's hyper-parameters, selected on validation.

Leakage guard: the reference project picked its configuration on the test week. Here the
driver builds train- and validation-week tensors only, ships them to every trial through
Ray's object store (so workers on other nodes need no copy of the data), and each trial
runs the normal ``train_tracking`` with ``score_test=False``: the test week is never
loaded during the search. ASHA stops weak trials early on the per-epoch validation
log-loss that ``fit`` reports through its ``on_epoch`` callback. The winning configuration
is then retrained once by the ordinary ``train()``, which scores the test week exactly
once and writes the usual safetensors + JSON checkpoint (plus ``tuning.json``).
"""

from __future__ import annotations

import logging
import math
import os
import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from coverage.atomic import write_json
from coverage.errors import CoverageError
from coverage.experiments import INSTALL_HINT

TUNABLE_MODELS = ("transformer", "lstm")
# sampled keys that are TrainOptions fields; every other sampled key is a model hparam
TRAIN_KEYS = ("lr", "batch_size", "history", "stride", "weight_decay", "frames_per_play")
METRIC = "best_val_loss"  # validation-week log-loss of the best epoch so far


@dataclass
class TuneOptions:
    trials: int = 20
    address: str | None = None  # None: start Ray locally; "auto" or "ray://host:10001"
    num_cpus: int | None = None  # local Ray only; default: every core
    cpus_per_trial: float = 1.0
    gpus_per_trial: float = 0.0
    grace_period: int = 2  # epochs every trial gets before ASHA may stop it
    storage: str | Path | None = None  # Ray results; default ./ray_results
    space: dict[str, Any] | None = None  # override the default search space


def require_ray() -> tuple[Any, Any]:
    """Import ray and ray.tune, or fail with the install command."""
    try:
        import ray
        from ray import tune
    except ImportError as exc:
        raise CoverageError(f"--tune needs Ray Tune, which is not installed: run "
                            f"{INSTALL_HINT} (e.g. .venv/bin/pip install -e '.[tune]')"
                            ) from exc
    return ray, tune


def search_space(model: str, tune: Any) -> dict[str, Any]:
    """Default spaces: sized for a CPU box to finish a trial in minutes on real data."""
    if model == "transformer":
        return {
            "dim": tune.choice([32, 64, 96, 128]),  # every dim divisible by every head count
            "depth": tune.choice([1, 2, 3]),
            "heads": tune.choice([2, 4, 8]),
            "dropout": tune.uniform(0.0, 0.3),
            "lr": tune.loguniform(2e-4, 3e-3),
            "batch_size": tune.choice([128, 256, 512]),
            "history": tune.choice([3, 5, 8]),
            "stride": tune.choice([1, 2, 3]),
        }
    return {
        "hidden": tune.choice([64, 128, 192, 256]),
        "layers": tune.choice([1, 2]),
        "dropout": tune.uniform(0.0, 0.3),
        "lr": tune.loguniform(2e-4, 3e-3),
        "batch_size": tune.choice([128, 256, 512]),
    }


def apply_config(opts: Any, config: dict[str, Any]) -> Any:
    """TrainOptions with a sampled config: training keys as fields, the rest as hparams."""
    train_keys = {k: config[k] for k in TRAIN_KEYS if k in config}
    hparams = {**opts.hparams, **{k: v for k, v in config.items() if k not in TRAIN_KEYS}}
    return replace(opts, hparams=hparams, **train_keys)


def _describe(domain: Any) -> Any:
    """A JSON-friendly description of a Tune search domain, for tuning.json / MLflow."""
    if hasattr(domain, "categories"):
        return {"choice": list(domain.categories)}
    if hasattr(domain, "lower") and hasattr(domain, "upper"):
        sampler = type(getattr(domain, "sampler", None)).__name__
        return {"low": domain.lower, "high": domain.upper, "sampler": sampler}
    return domain if isinstance(domain, int | float | str | bool | None) else repr(domain)


def _trial(config: dict[str, Any], base: Any = None, source: Any = None,
           frames: Any = None, threads: int = 1) -> None:
    """One Tune trial: the normal training path, validation metrics reported per epoch."""
    import torch
    from ray import tune

    from coverage.training.tracking import train_tracking

    torch.set_num_threads(max(1, threads))

    def report(row: dict[str, float]) -> None:
        tune.report({k: (float(v) if v is not None else math.nan) for k, v in row.items()})

    opts = replace(apply_config(base, config), progress=False, score_test=False,
                   mlflow=False, on_epoch=report)
    with tempfile.TemporaryDirectory() as tmp:  # the trial's weights are not kept
        train_tracking(replace(opts, out_root=Path(tmp)), source, frames)


def _init_ray(ray: Any, topts: TuneOptions) -> bool:
    """Start (or connect to) Ray quietly; True when we did and must shut it down."""
    if ray.is_initialized():
        return False
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    common = {"log_to_driver": False, "logging_level": logging.WARNING}
    if topts.address and topts.address.startswith("ray://"):
        ray.init(address=topts.address)  # Ray Client: keep to the arguments it supports
    elif topts.address:
        ray.init(address=topts.address, **common)
    else:
        ray.init(num_cpus=topts.num_cpus or os.cpu_count() or 1, include_dashboard=False,
                 **common)
    return True


def _trial_rows(grid: Any, max_t: int) -> list[dict[str, Any]]:
    """Per trial: config, per-epoch history, best validation loss and how it ended
    (``STOPPED_EARLY`` = ASHA or patience ended it before ``max_t`` epochs)."""
    rows = []
    for res in grid:
        hist = res.metrics_dataframe
        history = ([] if hist is None or hist.empty else
                   hist[[c for c in ("epoch", "train_loss", "val_loss", "val_auc", METRIC)
                         if c in hist.columns]].to_dict("records"))
        best = min((h[METRIC] for h in history if not math.isnan(h[METRIC])), default=math.nan)
        rows.append({
            "trial_id": (res.metrics or {}).get("trial_id") or Path(res.path).name,
            "config": dict(res.config or {}), "best_val_loss": best,
            "epochs": len(history),
            "status": ("ERROR" if res.error else
                       "STOPPED_EARLY" if len(history) < max_t else "DONE"),
            "error": None if res.error is None else str(res.error).splitlines()[0],
            "history": history,
        })
    return rows


def tune(opts: Any, topts: TuneOptions | None = None) -> dict[str, Any]:
    """Search, then retrain the best config once with ``train()``; returns its output
    (checkpoint dir, config, metrics) plus a ``tuning`` summary."""
    from coverage.training.data import open_source, resolve_split
    from coverage.training.tracking import load_frames
    from coverage.training.train import train

    topts = topts or TuneOptions()
    ray, rtune = require_ray()
    # never overwrite the plainly trained checkpoint of the same model by default
    opts = replace(opts, name=opts.name or f"{opts.model}-tuned")
    if opts.model not in TUNABLE_MODELS:
        raise CoverageError(f"--tune searches the transformer and the LSTM, not "
                            f"'{opts.model}' (the context prior already picks its own variant)")
    if topts.trials < 1:
        raise CoverageError("--trials must be at least 1")
    tracker = None
    if opts.mlflow:
        from coverage.experiments.tracking import Tracker

        tracker = Tracker(opts.tracking_uri)
    t0 = time.perf_counter()
    source = open_source(opts.data)
    split = resolve_split(source.weeks, opts.train_weeks, opts.val_weeks, opts.test_weeks)
    # the search sees train and validation weeks only
    frames = {k: load_frames(source, split[k], opts.max_secs) for k in ("train", "val")}
    space = dict(topts.space) if topts.space is not None else search_space(opts.model, rtune)
    described = {k: _describe(v) for k, v in space.items()}
    name = f"{opts.name}-{time.strftime('%Y%m%d-%H%M%S')}"
    storage = topts.storage or Path.cwd() / "ray_results"
    storage = storage if "://" in str(storage) else str(Path(storage).resolve())

    parent = None
    if tracker is not None:
        parent = tracker.start_run(f"tune-{opts.name}", tags={
            "kind": "tune", "model": opts.model}, params={
            "model": opts.model, "trials": topts.trials, "epochs": opts.epochs,
            "seed": opts.seed, "grace_period": topts.grace_period,
            "address": topts.address or "local", "selection_metric": f"val {METRIC}",
            "val_weeks": list(split["val"]), "train_weeks": list(split["train"]),
            "search_space": described})
    started = False
    try:
        started = _init_ray(ray, topts)
        trainable = rtune.with_parameters(
            _trial, base=replace(opts, on_epoch=None, mlflow=False), source=source,
            frames=frames, threads=max(1, int(topts.cpus_per_trial)))
        trainable = rtune.with_resources(trainable, {"cpu": topts.cpus_per_trial,
                                                     "gpu": topts.gpus_per_trial})
        from ray.tune.schedulers import ASHAScheduler

        tuner = rtune.Tuner(
            trainable, param_space=space,
            tune_config=rtune.TuneConfig(
                metric="val_loss", mode="min", num_samples=topts.trials,
                scheduler=ASHAScheduler(max_t=max(1, opts.epochs),
                                        grace_period=max(1, min(topts.grace_period,
                                                                opts.epochs)))),
            run_config=rtune.RunConfig(name=name, storage_path=storage,
                                       verbose=1 if opts.progress else 0))
        grid = tuner.fit()
        trials = _trial_rows(grid, opts.epochs)
        ok = [t for t in trials if not math.isnan(t["best_val_loss"])]
        if not ok:
            first = next((t["error"] for t in trials if t["error"]), "no trial reported")
            raise CoverageError(f"every tuning trial failed; first error: {first}")
        best = min(ok, key=lambda t: t["best_val_loss"])
    except BaseException:
        if tracker is not None and parent is not None:
            tracker.end(parent, "FAILED")
        raise
    finally:
        if started:
            ray.shutdown()
    if tracker is not None and parent is not None:
        from coverage.experiments.tracking import log_trials

        log_trials(tracker, parent, trials)
    best_config = dict(best["config"])
    search_s = time.perf_counter() - t0

    # --- retrain the winner with the ordinary path: the test week is scored once, here
    final = replace(apply_config(opts, best_config), mlflow_parent=parent)
    try:
        out = train(final)
    except BaseException:
        if tracker is not None and parent is not None:
            tracker.end(parent, "FAILED")
        raise
    summary = {
        "trials": len(trials), "selection": {"metric": f"validation {METRIC}",
                                             "weeks": list(split["val"]),
                                             "test_weeks_seen": []},
        "best_config": best_config, "best_trial": best["trial_id"],
        "best_val_loss": best["best_val_loss"], "search_space": described,
        "search_seconds": search_s, "ray_results": str(Path(str(storage)) / name)
        if "://" not in str(storage) else f"{storage}/{name}",
        "address": topts.address or "local",
        "trial_results": [{k: v for k, v in t.items() if k != "history"} for t in trials],
    }
    write_json(summary, Path(out["dir"]) / "tuning.json")
    if tracker is not None and parent is not None:
        test = out["metrics"].get("test") or {}
        from coverage.experiments.tracking import flat_metrics

        tracker.log_params(parent, {f"best.{k}": v for k, v in best_config.items()})
        tracker.log_metrics(parent, {"best_val_loss": best["best_val_loss"],
                                     "search_seconds": search_s,
                                     **flat_metrics({"test": test})})
        tracker.set_tags(parent, {"checkpoint": out["dir"],
                                  "data_fingerprint": out["config"].get("fingerprint", "")})
        tracker.log_json(parent, summary, "tuning.json")
        tracker.end(parent)
    out["tuning"] = summary
    out["seconds"] = time.perf_counter() - t0
    return out
