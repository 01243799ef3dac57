"""MLflow runs of training and tuning, through one explicit ``MlflowClient``.

Why a client and not ``mlflow.start_run()``: the fluent API keeps a process-global
"active run" and tracking URI, which would leak between tests, between a tuning parent
run and its children, and into any code that imports us. Every call here names its run.

Default store: ``sqlite:///<cwd>/mlflow.db`` (``MLFLOW_TRACKING_URI`` or ``--tracking-uri``
override it), with artifacts in ``mlruns/`` next to the database, so a run never writes
outside the folder the user chose. Each run records what is needed to reproduce it: all
options and resolved hyper-parameters, the seed, the training-data fingerprint and the
git revision of the code.

Training knows nothing of MLflow: :func:`tracked` returns options whose
:class:`~coverage.training.options.ExperimentHooks` open a run when ``train()`` starts,
log every epoch, and log the result (or mark the run failed); the command layer and the
tuner wire it in.
"""

from __future__ import annotations

import importlib.util
import json
import math
import os
import subprocess
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import polars as pl

from coverage.config import REPO_ROOT
from coverage.errors import CoverageError
from coverage.evaluation import flatten_metrics
from coverage.experiments import INSTALL_HINT
from coverage.training.options import TrainOptions
from coverage.views.charts import accuracy_by_time_figure

DEFAULT_EXPERIMENT = "coverage"
_NOT_PARAMS = {"mean", "std"}  # per-feature normalisation arrays live in config.json


def mlflow_available() -> bool:
    """True when the optional mlflow package can be imported (without importing it)."""
    return importlib.util.find_spec("mlflow") is not None


def require_mlflow() -> Any:
    try:
        import mlflow
    except ImportError as exc:
        raise CoverageError(f"MLflow tracking needs the optional 'tune' extra: run "
                            f"{INSTALL_HINT} (or train with --no-mlflow)") from exc
    return mlflow


def default_tracking_uri() -> str:
    """``MLFLOW_TRACKING_URI`` if set, else a SQLite file in the current directory."""
    env = os.environ.get("MLFLOW_TRACKING_URI")
    if env:
        return env
    return f"sqlite:///{(Path.cwd() / 'mlflow.db').resolve()}"


def _artifact_location(uri: str) -> str | None:
    """``mlruns/`` beside a SQLite file; else None (the server decides)."""
    if uri.startswith("sqlite:///"):
        db = Path(uri[len("sqlite:///"):])
        return (db.resolve().parent / "mlruns").as_uri()
    return None


def git_revision(root: Path = REPO_ROOT) -> str:
    """``git rev-parse HEAD`` (+ ``-dirty`` with uncommitted changes), else ``unknown``."""
    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True,
                              text=True, timeout=10, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                               cwd=root, capture_output=True, text=True, timeout=10
                               ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return (head + "-dirty" if dirty else head) or "unknown"


def _param_value(v: Any) -> str:
    text = json.dumps(v) if isinstance(v, list | tuple | dict) else str(v)
    return text if len(text) <= 500 else text[:497] + "..."


class Tracker:
    """One MLflow tracking store + experiment; every method takes the run id it acts on."""

    def __init__(self, tracking_uri: str | None = None,
                 experiment: str | None = None) -> None:
        require_mlflow()
        from mlflow.tracking import MlflowClient

        self.uri = tracking_uri or default_tracking_uri()
        self.client = MlflowClient(tracking_uri=self.uri)
        name = experiment or os.environ.get("MLFLOW_EXPERIMENT_NAME") or DEFAULT_EXPERIMENT
        self.experiment_id = self._experiment(name)

    def _experiment(self, name: str) -> str:
        from mlflow.exceptions import MlflowException

        exp = self.client.get_experiment_by_name(name)
        if exp is not None:
            return exp.experiment_id
        try:
            return self.client.create_experiment(name, _artifact_location(self.uri))
        except MlflowException:  # created concurrently by another process
            exp = self.client.get_experiment_by_name(name)
            if exp is None:
                raise
            return exp.experiment_id

    def start_run(self, name: str, *, params: Mapping[str, Any] | None = None,
                  tags: Mapping[str, str] | None = None, parent: str | None = None) -> str:
        git = git_revision()
        all_tags = {"git_revision": git, "mlflow.source.git.commit": git.removesuffix("-dirty"),
                    **(tags or {})}
        if parent:
            all_tags["mlflow.parentRunId"] = parent
        run = self.client.create_run(self.experiment_id, run_name=name, tags=all_tags)
        if params:
            self.log_params(run.info.run_id, params)
        return run.info.run_id

    def log_params(self, run_id: str, params: Mapping[str, Any]) -> None:
        from mlflow.entities import Param

        items = [Param(k, _param_value(v)) for k, v in params.items()]
        for i in range(0, len(items), 100):  # MLflow's per-batch limit
            self.client.log_batch(run_id, params=items[i:i + 100])

    def log_metrics(self, run_id: str, values: Mapping[str, float], step: int = 0) -> None:
        from mlflow.entities import Metric
        from mlflow.utils.time import get_current_time_millis

        now = get_current_time_millis()
        items = [Metric(k, float(v), now, step) for k, v in values.items()
                 if v is not None and not (isinstance(v, float) and math.isinf(v))]
        for i in range(0, len(items), 1000):
            self.client.log_batch(run_id, metrics=items[i:i + 1000])

    def set_tags(self, run_id: str, tags: Mapping[str, Any]) -> None:
        for k, v in tags.items():
            self.client.set_tag(run_id, k, str(v))

    def end(self, run_id: str, status: str = "FINISHED") -> None:
        self.client.set_terminated(run_id, status)


def curve_artifacts(curve: pl.DataFrame, name: str, folder: Path) -> None:
    """Accuracy-by-time as parquet + JSON (the numbers) and a self-contained-ish HTML plot.

    No PNG: plotly needs kaleido for static images, which we do not ship; the HTML loads
    plotly.js from its CDN, so it stays a few kB.
    """
    curve.write_parquet(folder / "accuracy_by_time.parquet")
    (folder / "accuracy_by_time.json").write_text(json.dumps(curve.to_dicts(), default=float))
    fig = accuracy_by_time_figure(curve.with_columns(pl.lit(name).alias("model")))
    fig.update_layout(title=f"{name}: test-week accuracy by time to snap")
    fig.write_html(folder / "accuracy_by_time.html", include_plotlyjs="cdn")


@dataclass(frozen=True)
class MlflowSettings:
    """Where runs go: the tracking store (None: the default) and, for the final retrain of
    a tuning search, the parent run it belongs under."""

    tracking_uri: str | None = None
    parent: str | None = None


class TrainingRun:
    """The MLflow run of a ``train()`` call; its methods are that call's experiment hooks."""

    def __init__(self, settings: MlflowSettings) -> None:
        self.settings = settings
        self.tracker = Tracker(settings.tracking_uri)
        self.run_id: str | None = None
        self.step = 0

    def start(self, opts: TrainOptions) -> None:
        model, parent = opts.run.model, self.settings.parent
        tags = {"kind": "final" if parent else "train", "model": model}
        self.run_id = self.tracker.start_run(opts.run.name or model, params=opts.params(),
                                             tags=tags, parent=parent)
        self.step = 0

    def log_epoch(self, row: dict[str, float]) -> None:
        """One epoch's metrics; steps keep counting across the several fits of the context
        model, so its variants never overwrite each other."""
        self.tracker.log_metrics(self.run_id, {k: v for k, v in row.items() if k != "epoch"},
                                 step=self.step)
        self.step += 1

    def fail(self) -> None:
        if self.run_id is not None:
            self.tracker.end(self.run_id, "FAILED")

    def finish(self, out: Mapping[str, Any]) -> dict[str, str]:
        """Final metrics, resolved hyper-parameters, fingerprint, checkpoint and curve."""
        cfg, rep = out["config"], out["metrics"]
        self.tracker.log_params(self.run_id, {
            f"hp.{k}": v for k, v in cfg.get("hparams", {}).items() if k not in _NOT_PARAMS})
        final = {k: v for k, v in rep.items() if k in ("val", "test")}
        values = flatten_metrics(final)
        values["seconds"] = float(out.get("seconds", 0.0))
        if isinstance(rep.get("best_epoch"), int):
            values["best_epoch"] = float(rep["best_epoch"])
        self.tracker.log_metrics(self.run_id, values, step=self.step)
        self.tracker.set_tags(self.run_id, {
            "data_fingerprint": cfg.get("fingerprint", "unknown"),
            "data_source": cfg.get("data", {}).get("source", "unknown"),
            "data_path": cfg.get("data", {}).get("path", "unknown"),
            "split": json.dumps(cfg.get("split", {})), "checkpoint": out["dir"]})
        self.tracker.client.log_artifacts(self.run_id, str(out["dir"]), "checkpoint")
        if out.get("accuracy_by_time") is not None:
            with tempfile.TemporaryDirectory() as tmp:
                curve_artifacts(out["accuracy_by_time"], rep.get("model", "model"), Path(tmp))
                self.tracker.client.log_artifacts(self.run_id, tmp, "accuracy_by_time")
        self.tracker.end(self.run_id)
        return {"mlflow_run_id": self.run_id}


def tracked(opts: TrainOptions, settings: MlflowSettings | None = None) -> TrainOptions:
    """``opts`` whose ``train()`` run is logged to MLflow as it happens: its hooks open the
    run, log every epoch and the result, or mark the run failed."""
    run = TrainingRun(settings or MlflowSettings())
    return replace(opts, hooks=replace(opts.hooks, on_start=run.start, on_epoch=run.log_epoch,
                                       on_finish=run.finish, on_fail=run.fail))


def log_trials(tracker: Tracker, parent: str, trials: Iterable[Mapping[str, Any]]) -> list[str]:
    """One child run per tuning trial: its sampled config and per-epoch validation metrics.

    Logged from the driver after the search, not from the trials, so workers on other
    machines never need to reach (or lock) the local SQLite store.
    """
    ids = []
    for t in trials:
        rid = tracker.start_run(t["trial_id"], params={f"cfg.{k}": v
                                                        for k, v in t["config"].items()},
                                tags={"kind": "trial", "status": t["status"]}, parent=parent)
        for step, row in enumerate(t["history"]):
            tracker.log_metrics(rid, {k: v for k, v in row.items() if k != "epoch"}, step)
        tracker.end(rid, "FINISHED" if t["status"] != "ERROR" else "FAILED")
        ids.append(rid)
    return ids
