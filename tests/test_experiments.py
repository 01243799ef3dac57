"""Ray Tune search + MLflow tracking (the optional ``tune`` extra).

The tuning test runs a real 2-trial search on the simulated store (weeks 1/2/3 =
train/val/test) with tiny models, so it stays fast on 2 cores; Ray's temp dir, its
results and the MLflow SQLite store all live under temporary folders, never the repo.
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
from pathlib import Path

import pytest

from coverage.cli import main

# Ray / MLflow imports, a tuning search and training runs: the slow tier (`make test`).
pytestmark = pytest.mark.slow

TINY = {"dim": 8, "depth": 1, "heads": 2, "dropout": 0.0, "lr": 2e-3, "batch_size": 64,
        "history": 2, "stride": 1}


def _opts(store_path: Path, out: Path, **kw):
    from coverage.training.options import TrainOptions

    base = dict(model="transformer", data=str(store_path), out_root=out, epochs=2,
                frames_per_play=2, batch_size=64, progress=False, history=2, stride=1,
                hparams={"dim": 8, "depth": 1, "heads": 2})
    return TrainOptions.of(**{**base, **kw})


def _runs(uri: str) -> list:
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=uri)
    exp = client.get_experiment_by_name("coverage")
    return client.search_runs([exp.experiment_id]) if exp else []


@pytest.fixture
def ray_tmp(monkeypatch):
    """A short RAY_TMPDIR: Ray's unix sockets live under it (107-byte path limit), which
    pytest's long tmp_path can exceed. Removed after the test."""
    d = tempfile.mkdtemp(prefix="ray", dir="/tmp")
    monkeypatch.setenv("RAY_TMPDIR", d)
    monkeypatch.setenv("RAY_USAGE_STATS_ENABLED", "0")
    yield d
    shutil.rmtree(d, ignore_errors=True)


@pytest.mark.slow
def test_tune_two_trials_selects_on_val_and_tracks(sim_store, tmp_path, ray_tmp, monkeypatch):
    pytest.importorskip("ray.tune", reason="needs the 'tune' extra: pip install -e '.[tune]'")
    pytest.importorskip("mlflow", reason="needs the 'tune' extra: pip install -e '.[tune]'")
    import ray
    from ray import tune as rtune

    import coverage.experiments.tune as tune_module
    import coverage.training.tracking as tracking
    from coverage.experiments.mlflow_runs import MlflowSettings
    from coverage.experiments.tune import TuneOptions, tune
    from coverage.models.checkpoint import load_checkpoint

    seen: list[tuple[int, ...]] = []
    real_load = tune_module.load_frames

    def spy(source, weeks, max_secs=None):
        seen.append(tuple(weeks))
        return real_load(source, weeks, max_secs)

    monkeypatch.setattr(tune_module, "load_frames", spy)  # the search's frames
    monkeypatch.setattr(tracking, "load_frames", spy)  # the final retrain's
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    space = {**TINY, "dim": rtune.choice([8, 16])}
    opts = _opts(sim_store.path, tmp_path / "models", name="tuned")
    try:
        out = tune(opts, sim_store, TuneOptions(trials=2, num_cpus=2, storage=tmp_path / "ray",
                                     space=space, grace_period=1), MlflowSettings(uri))
    finally:
        ray.shutdown()

    # the search read train (1) + val (2) only; week 3 is read once, by the final retrain
    assert seen.count((3,)) == 1 and seen[-1] == (3,)
    assert (3,) not in seen[:2]
    t = out["tuning"]
    assert t["trials"] == 2 and t["selection"]["weeks"] == [2]
    assert t["best_config"]["dim"] in (8, 16)
    assert all(r["status"] != "ERROR" for r in t["trial_results"])
    assert t["best_val_loss"] == min(r["best_val_loss"] for r in t["trial_results"])

    d = Path(out["dir"])
    assert {p.name for p in d.iterdir()} >= {"model.safetensors", "config.json",
                                             "metrics.json", "tuning.json"}
    model, cfg = load_checkpoint(d)
    assert cfg["hparams"]["dim"] == t["best_config"]["dim"]
    assert cfg["history"] == 2 and cfg["split"]["test"] == [3]
    assert json.loads((d / "tuning.json").read_text())["best_trial"] == t["best_trial"]
    assert out["metrics"]["test"]["at_snap"]["n"] > 0
    assert (tmp_path / "ray").is_dir()

    runs = _runs(uri)
    kinds = sorted(r.data.tags["kind"] for r in runs)
    assert kinds == ["final", "trial", "trial", "tune"]
    parent = next(r for r in runs if r.data.tags["kind"] == "tune")
    children = [r for r in runs if r.data.tags.get("mlflow.parentRunId") == parent.info.run_id]
    assert len(children) == 3
    final = next(r for r in runs if r.data.tags["kind"] == "final")
    assert final.data.tags["data_fingerprint"] == cfg["fingerprint"]
    assert "test.at_snap.accuracy" in final.data.metrics
    assert "test.at_snap.accuracy" in parent.data.metrics
    assert json.loads(parent.data.params["val_weeks"]) == [2]
    assert parent.info.status == "FINISHED"


def test_train_logs_params_metrics_and_artifacts(sim_store, tmp_path):
    pytest.importorskip("mlflow", reason="needs the 'tune' extra: pip install -e '.[tune]'")
    from mlflow.tracking import MlflowClient

    from coverage.experiments.mlflow_runs import MlflowSettings, tracked
    from coverage.pipelines import train

    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    out = train(tracked(_opts(sim_store.path, tmp_path / "models", seed=3, patience=10),
                        MlflowSettings(uri)), sim_store)
    (run,) = _runs(uri)
    assert run.info.run_id == out["mlflow_run_id"] and run.info.status == "FINISHED"
    p = run.data.params
    assert p["seed"] == "3" and p["model"] == "transformer" and p["hp.dim"] == "8"
    assert run.data.tags["git_revision"]  # a sha (maybe -dirty) or "unknown"
    assert run.data.tags["data_fingerprint"] == out["config"]["fingerprint"]
    client = MlflowClient(tracking_uri=uri)
    hist = client.get_metric_history(run.info.run_id, "val_loss")
    assert [m.step for m in hist] == [0, 1]
    assert run.data.metrics["test.at_snap.accuracy"] == pytest.approx(
        out["metrics"]["test"]["at_snap"]["accuracy"])
    names = {a.path for a in client.list_artifacts(run.info.run_id, "accuracy_by_time")}
    assert names == {"accuracy_by_time/accuracy_by_time.html",
                     "accuracy_by_time/accuracy_by_time.json",
                     "accuracy_by_time/accuracy_by_time.parquet"}
    ckpt = {a.path for a in client.list_artifacts(run.info.run_id, "checkpoint")}
    assert "checkpoint/config.json" in ckpt
    # artifacts sit beside the database, not in the working directory
    assert (tmp_path / "mlruns").is_dir()


def test_cli_no_mlflow_writes_no_store(sim_store, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    rc = main(["train", "--model", "lstm", "--data", str(sim_store.path), "--out",
               str(tmp_path / "m"), "--epochs", "1", "--quiet", "--hparams", '{"hidden": 8}',
               "--no-mlflow"])
    assert rc == 0 and "mlflow run" not in capsys.readouterr().out
    assert not (tmp_path / "mlflow.db").exists()


def test_tune_without_ray_names_the_install_command(sim_store, monkeypatch, capsys):
    # an entry of None in sys.modules makes `import ray` raise ImportError
    monkeypatch.setitem(sys.modules, "ray", None)
    monkeypatch.setitem(sys.modules, "ray.tune", None)
    rc = main(["train", "--tune", "--data", str(sim_store.path), "--quiet"])
    err = capsys.readouterr().err
    assert rc == 2
    assert err.startswith("error: --tune needs Ray Tune") and "pip install -e '.[tune]'" in err


def test_mlflow_flag_without_mlflow_names_the_install_command(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "mlflow", None)
    rc = main(["train", "--model", "tabular", "--mlflow", "--quiet"])
    err = capsys.readouterr().err
    assert rc == 2 and "pip install -e '.[tune]'" in err and "--no-mlflow" in err


def test_base_package_imports_without_the_extra():
    """The experiments modules import ray/mlflow lazily: the app never needs the extra."""
    import subprocess

    code = ("import sys; sys.modules['ray'] = None; sys.modules['mlflow'] = None\n"
            "import coverage.experiments.tune, coverage.experiments.mlflow_runs\n"
            "import coverage.commands.models, coverage.pipelines\n"
            "from coverage.experiments.mlflow_runs import mlflow_available\n"
            "print('ok')")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == "ok"
