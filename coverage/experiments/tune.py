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

import json
import logging
import math
import os
import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import torch

from coverage.atomic import write_json
from coverage.errors import CoverageError
from coverage.evaluation import flatten_metrics
from coverage.experiments import INSTALL_HINT
from coverage.experiments.mlflow_runs import MlflowSettings, Tracker, log_trials, tracked
from coverage.pipelines import train
from coverage.store import Store
from coverage.training import tracking
from coverage.training.data import resolve_split
from coverage.training.frames import load_frames
from coverage.training.options import ExperimentHooks, TrainOptions

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


def apply_config(opts: TrainOptions, config: dict[str, Any]) -> TrainOptions:
    """TrainOptions with a sampled config: training keys as options, the rest as hparams."""
    train_keys = {k: config[k] for k in TRAIN_KEYS if k in config}
    hparams = {**opts.inputs.hparams, **{k: v for k, v in config.items() if k not in TRAIN_KEYS}}
    return opts.with_values(hparams=hparams, **train_keys)


def _describe(domain: Any) -> Any:
    """A JSON-friendly description of a Tune search domain, for tuning.json / MLflow."""
    if hasattr(domain, "categories"):
        return {"choice": list(domain.categories)}
    if hasattr(domain, "lower") and hasattr(domain, "upper"):
        sampler = type(getattr(domain, "sampler", None)).__name__
        return {"low": domain.lower, "high": domain.upper, "sampler": sampler}
    return domain if isinstance(domain, int | float | str | bool | None) else repr(domain)


def _trial(config: dict[str, Any], base: TrainOptions | None = None, store: Any = None,
           frames: Any = None, threads: int = 1) -> None:
    """One Tune trial: the normal training path, validation metrics reported per epoch."""
    from ray import tune

    torch.set_num_threads(max(1, threads))

    def report(row: dict[str, float]) -> None:
        tune.report({k: (float(v) if v is not None else math.nan) for k, v in row.items()})

    with tempfile.TemporaryDirectory() as tmp:  # the trial's weights are not kept
        opts = apply_config(base, config).with_values(progress=False, out_root=Path(tmp))
        opts = replace(opts, hooks=ExperimentHooks(on_epoch=report, score_test=False))
        tracking.train_tracking(opts, store, frames)


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


def _search(opts: TrainOptions, topts: TuneOptions, store: Store, frames: dict[str, Any],
            space: dict[str, Any], name: str, storage: str) -> list[dict[str, Any]]:
    """Run the trials on Ray (started here unless already up) and return their rows."""
    ray, rtune = require_ray()
    from ray.tune.schedulers import ASHAScheduler

    started = False
    try:
        started = _init_ray(ray, topts)
        base = replace(opts, hooks=ExperimentHooks())
        trainable = rtune.with_parameters(_trial, base=base, store=store, frames=frames,
                                          threads=max(1, int(topts.cpus_per_trial)))
        trainable = rtune.with_resources(trainable, {"cpu": topts.cpus_per_trial,
                                                     "gpu": topts.gpus_per_trial})
        epochs = opts.optim.epochs
        tuner = rtune.Tuner(
            trainable, param_space=space,
            tune_config=rtune.TuneConfig(
                metric="val_loss", mode="min", num_samples=topts.trials,
                scheduler=ASHAScheduler(max_t=max(1, epochs),
                                        grace_period=max(1, min(topts.grace_period, epochs)))),
            run_config=rtune.RunConfig(name=name, storage_path=storage,
                                       verbose=1 if opts.optim.progress else 0))
        return _trial_rows(tuner.fit(), epochs)
    finally:
        if started:
            ray.shutdown()


def _best(trials: list[dict[str, Any]]) -> dict[str, Any]:
    ok = [t for t in trials if not math.isnan(t["best_val_loss"])]
    if not ok:
        first = next((t["error"] for t in trials if t["error"]), "no trial reported")
        raise CoverageError(f"every tuning trial failed; first error: {first}")
    return min(ok, key=lambda t: t["best_val_loss"])


def _start_parent(tracker: Tracker, opts: TrainOptions, topts: TuneOptions,
                  split: dict[str, tuple[int, ...]], described: dict[str, Any]) -> str:
    run = opts.run
    return tracker.start_run(f"tune-{run.name}", tags={"kind": "tune", "model": run.model},
                             params={
        "model": run.model, "trials": topts.trials, "epochs": opts.optim.epochs,
        "seed": run.seed, "grace_period": topts.grace_period,
        "address": topts.address or "local", "selection_metric": f"val {METRIC}",
        "val_weeks": list(split["val"]), "train_weeks": list(split["train"]),
        "search_space": described})


def _finish_parent(tracker: Tracker, parent: str, out: dict[str, Any],
                   summary: dict[str, Any]) -> None:
    test = out["metrics"].get("test") or {}
    tracker.log_params(parent, {f"best.{k}": v for k, v in summary["best_config"].items()})
    tracker.log_metrics(parent, {"best_val_loss": summary["best_val_loss"],
                                 "search_seconds": summary["search_seconds"],
                                 **flatten_metrics({"test": test})})
    tracker.set_tags(parent, {"checkpoint": out["dir"],
                              "data_fingerprint": out["config"].get("fingerprint", "")})
    tracker.client.log_text(parent, json.dumps(summary, indent=2, default=str), "tuning.json")
    tracker.end(parent)


def tune(opts: TrainOptions, store: Store, topts: TuneOptions | None = None,
         mlflow: MlflowSettings | None = None) -> dict[str, Any]:
    """Search, then retrain the best config once with ``train()``; returns its output
    (checkpoint dir, config, metrics) plus a ``tuning`` summary.

    With ``mlflow`` the search is a parent run with one child per trial and one for the
    final retrain.
    """
    topts = topts or TuneOptions()
    _, rtune = require_ray()
    run = opts.run
    # never overwrite the plainly trained checkpoint of the same model by default
    opts = opts.with_values(name=run.name or f"{run.model}-tuned")
    if run.model not in TUNABLE_MODELS:
        raise CoverageError(f"--tune searches the transformer and the LSTM, not "
                            f"'{run.model}' (the context prior already picks its own variant)")
    if topts.trials < 1:
        raise CoverageError("--trials must be at least 1")
    tracker = Tracker(mlflow.tracking_uri) if mlflow is not None else None
    t0 = time.perf_counter()
    split = resolve_split(store.weeks, run.train_weeks, run.val_weeks, run.test_weeks)
    # the search sees train and validation weeks only
    frames = {k: load_frames(store, split[k], opts.inputs.max_secs)
              for k in ("train", "val")}
    space = dict(topts.space) if topts.space is not None else search_space(run.model, rtune)
    described = {k: _describe(v) for k, v in space.items()}
    name = f"{opts.run.name}-{time.strftime('%Y%m%d-%H%M%S')}"
    storage = str(topts.storage or Path.cwd() / "ray_results")
    if "://" not in storage:
        storage = str(Path(storage).resolve())

    parent = _start_parent(tracker, opts, topts, split, described) if tracker else None
    try:
        trials = _search(opts, topts, store, frames, space, name, storage)
        best = _best(trials)
        if tracker is not None:
            log_trials(tracker, parent, trials)
        best_config = dict(best["config"])
        search_s = time.perf_counter() - t0
        # --- retrain the winner with the ordinary path: the test week is scored once, here
        final = apply_config(opts, best_config)
        if mlflow is not None:
            final = tracked(final, replace(mlflow, parent=parent))
        out = train(final, store)
    except BaseException:
        if tracker is not None:
            tracker.end(parent, "FAILED")
        raise
    summary = {
        "trials": len(trials), "selection": {"metric": f"validation {METRIC}",
                                             "weeks": list(split["val"]),
                                             "test_weeks_seen": []},
        "best_config": best_config, "best_trial": best["trial_id"],
        "best_val_loss": best["best_val_loss"], "search_space": described,
        "search_seconds": search_s, "ray_results": f"{storage}/{name}",
        "address": topts.address or "local",
        "trial_results": [{k: v for k, v in t.items() if k != "history"} for t in trials],
    }
    write_json(summary, Path(out["dir"]) / "tuning.json")
    if tracker is not None:
        _finish_parent(tracker, parent, out, summary)
    out["tuning"] = summary
    out["seconds"] = time.perf_counter() - t0
    return out
