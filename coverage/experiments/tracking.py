"""MLflow tracking for training and tuning runs, through one explicit ``MlflowClient``.

Why a client and not ``mlflow.start_run()``: the fluent API keeps a process-global
"active run" and tracking URI, which would leak between tests, between a tuning parent
run and its children, and into any code that imports us. Every call here names its run.

Default store: ``sqlite:///<cwd>/mlflow.db`` (``MLFLOW_TRACKING_URI`` or ``--tracking-uri``
override it), with artifacts in ``mlruns/`` next to the database, so a run never writes
outside the folder the user chose. Each run records what is needed to reproduce it: all
options and resolved hyper-parameters, the seed, the training-data fingerprint and the
git revision of the code.
"""

from __future__ import annotations

import importlib.util
import json
import math
import os
import subprocess
import tempfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from coverage.errors import CoverageError
from coverage.experiments import INSTALL_HINT

DEFAULT_EXPERIMENT = "coverage"
REPO_ROOT = Path(__file__).resolve().parents[2]
# options that describe where output goes or how it is shown, not the experiment itself
_SKIP_OPTIONS = {"hparams", "progress", "out_root", "mlflow", "tracking_uri", "mlflow_parent",
                 "on_epoch", "score_test"}
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


def flat_metrics(obj: Mapping[str, Any], prefix: str = "") -> dict[str, float]:
    """Numeric leaves of a nested metrics dict as ``a.b.c`` keys (bools and text dropped)."""
    out: dict[str, float] = {}
    for k, v in obj.items():
        key = f"{prefix}{k}"
        if isinstance(v, Mapping):
            out.update(flat_metrics(v, key + "."))
        elif isinstance(v, int | float) and not isinstance(v, bool):
            out[key] = float(v)
    return out


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

    def log_artifacts(self, run_id: str, folder: str | Path, path: str | None = None) -> None:
        self.client.log_artifacts(run_id, str(folder), path)

    def log_json(self, run_id: str, obj: Any, name: str) -> None:
        self.client.log_text(run_id, json.dumps(obj, indent=2, default=str), name)

    def end(self, run_id: str, status: str = "FINISHED") -> None:
        self.client.set_terminated(run_id, status)


def options_params(opts: Any) -> dict[str, Any]:
    """The experiment-defining fields of a ``TrainOptions`` (not where output goes)."""
    return {f.name: getattr(opts, f.name) for f in fields(opts)
            if f.name not in _SKIP_OPTIONS}


def curve_artifacts(curve: Mapping[str, Any], name: str, folder: Path) -> None:
    """Accuracy-by-time as parquet + JSON (the numbers) and a self-contained-ish HTML plot.

    No PNG: plotly needs kaleido for static images, which we do not ship; the HTML loads
    plotly.js from its CDN, so it stays a few kB.
    """
    import polars as pl

    from coverage.views.charts import accuracy_by_time_figure

    df = pl.DataFrame({k: list(v) for k, v in curve.items()})
    df.write_parquet(folder / "accuracy_by_time.parquet")
    (folder / "accuracy_by_time.json").write_text(json.dumps(df.to_dicts(), default=float))
    fig = accuracy_by_time_figure(df.with_columns(pl.lit(name).alias("model"),
                                                  pl.col("majority_baseline").alias("baseline")))
    fig.update_layout(title=f"{name}: test-week accuracy by time to snap")
    fig.write_html(folder / "accuracy_by_time.html", include_plotlyjs="cdn")


@dataclass
class TrainingRun:
    """The MLflow run of one ``coverage.training.train.train`` call."""

    tracker: Tracker
    run_id: str
    step: int = 0

    @classmethod
    def start(cls, opts: Any, kind: str = "train") -> TrainingRun:
        tracker = Tracker(opts.tracking_uri)
        tags = {"kind": "final" if opts.mlflow_parent else kind, "model": opts.model}
        run_id = tracker.start_run(opts.name or opts.model, params=options_params(opts),
                                   tags=tags, parent=opts.mlflow_parent)
        return cls(tracker, run_id)

    def epoch_callback(self, inner: Callable[[dict[str, float]], None] | None = None
                       ) -> Callable[[dict[str, float]], None]:
        """Log each epoch's metrics (then call ``inner``); steps keep counting across the
        several fits of the context model, so its variants never overwrite each other."""
        def on_epoch(row: dict[str, float]) -> None:
            self.tracker.log_metrics(self.run_id, {k: v for k, v in row.items()
                                                   if k != "epoch"}, step=self.step)
            self.step += 1
            if inner is not None:
                inner(row)
        return on_epoch

    def fail(self) -> None:
        self.tracker.end(self.run_id, "FAILED")

    def finish(self, out: Mapping[str, Any]) -> str:
        """Final metrics, resolved hyper-parameters, fingerprint, checkpoint and curve."""
        cfg, rep = out["config"], out["metrics"]
        self.tracker.log_params(self.run_id, {
            f"hp.{k}": v for k, v in cfg.get("hparams", {}).items() if k not in _NOT_PARAMS})
        final = {k: v for k, v in rep.items() if k in ("val", "test")}
        values = flat_metrics(final)
        values["seconds"] = float(out.get("seconds", 0.0))
        if isinstance(rep.get("best_epoch"), int):
            values["best_epoch"] = float(rep["best_epoch"])
        self.tracker.log_metrics(self.run_id, values, step=self.step)
        self.tracker.set_tags(self.run_id, {
            "data_fingerprint": cfg.get("fingerprint", "unknown"),
            "data_source": cfg.get("data", {}).get("source", "unknown"),
            "data_path": cfg.get("data", {}).get("path", "unknown"),
            "split": json.dumps(cfg.get("split", {})), "checkpoint": out["dir"]})
        self.tracker.log_artifacts(self.run_id, out["dir"], "checkpoint")
        if out.get("accuracy_by_time") is not None:
            with tempfile.TemporaryDirectory() as tmp:
                curve_artifacts(out["accuracy_by_time"], rep.get("model", "model"), Path(tmp))
                self.tracker.log_artifacts(self.run_id, tmp, "accuracy_by_time")
        self.tracker.end(self.run_id)
        return self.run_id


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
