"""``coverage finish-training``: the models ``coverage init``'s time budget stopped short,
trained in full beside the app and swapped in (with their predictions) when they finish;
what the Model page and ``coverage info`` say meanwhile; the app launcher's child that
never outlives the app."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from coverage import bootstrap as bs
from coverage import finish
from coverage.cli import main
from coverage.models.checkpoint import checkpoint_hash
from coverage.opener import derived_store_dir
from coverage.serving import DEFERRED, write_deferred
from coverage.store import Store
from coverage.training.notes import (
    FINISH_STATE_FILE,
    INIT_STATE_FILE,
    budget_stopped,
    checkpoint_notes,
    finish_note,
    predictions_pending,
)

REPO = Path(__file__).resolve().parent.parent


def _metrics(stopped_by: str) -> dict:
    return {"training": {"stopped_by": stopped_by, "epochs_run": 2, "epochs_max": 30,
                         "best_epoch": 1, "best_val_loss": 0.4, "time_budget_s": 60.0}}


def _models_dir(tmp_path: Path, stopped: dict[str, str]) -> Path:
    d = tmp_path / "models"
    for name, how in stopped.items():
        (d / name).mkdir(parents=True)
        (d / name / "metrics.json").write_text(json.dumps(_metrics(how)))
    plan = {"models": [n.removeprefix("real_") for n in stopped], "budget_s": 480.0}
    (d / INIT_STATE_FILE).write_text(json.dumps({"plan": plan}))
    return d


def test_only_the_models_a_budget_stopped_are_finished(tmp_path: Path) -> None:
    d = _models_dir(tmp_path, {"real_tabular": "epochs", "real_transformer": "budget",
                               "real_lstm": "patience", "real_family": "budget"})
    assert budget_stopped(d) == ["real_transformer", "real_family"]
    assert budget_stopped(tmp_path / "nowhere") == []
    (d / INIT_STATE_FILE).write_text("{not json")
    assert budget_stopped(d) == []  # no init state: nothing of init's to finish


def _status(d: Path, pid: int, **entry) -> None:
    (d / FINISH_STATE_FILE).write_text(json.dumps({"pid": pid, "models": {
        "real_transformer": entry}}))


def test_the_note_says_whether_full_training_runs_stopped_or_failed(tmp_path: Path) -> None:
    d = _models_dir(tmp_path, {"real_transformer": "budget"})
    assert finish_note(d, "real_transformer") is None  # never started
    _status(d, os.getpid(), state="training", epoch=4, epochs_max=30, best_val_loss=0.2512)
    note = finish_note(d, "real_transformer")
    assert "runs in the background" in note and "epoch 4 of at most 30" in note
    assert "0.2512" in note and "replaces this one" in note
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    _status(d, int(dead.stdout), state="training", epoch=4, epochs_max=30)
    note = finish_note(d, "real_transformer")
    assert "stopped with the app" in note and "coverage finish-training --data" in note
    _status(d, os.getpid(), state="failed", reason="disk full")
    assert finish_note(d, "real_transformer") == "full training failed: disk full"
    _status(d, os.getpid(), state="done")
    assert finish_note(d, "real_transformer") is None


def test_nothing_to_finish_without_an_init_or_with_a_dead_parent(tmp_path: Path) -> None:
    """The launcher starts the command on every start: with nothing to do it leaves at once,
    silently; a child whose app is already gone leaves too."""
    env = {**os.environ, "COVERAGE_DATA_DIR": str(tmp_path / "data")}
    store = tmp_path / "store"
    from coverage.simulate import simulate_season

    simulate_season(tmp_path / "raw", seed=3, weeks=1, games_per_week=1, plays_per_game=2)
    assert main(["ingest", str(tmp_path / "raw"), "--out", str(store), "-q"]) == 0
    cmd = [sys.executable, "-m", "coverage", "finish-training", "--data", str(store)]
    out = subprocess.run([*cmd, "--with-parent", str(os.getpid())], capture_output=True,
                         text=True, env=env, timeout=120)
    assert out.returncode == 0 and out.stdout == "" and out.stderr == ""
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode == 0 and "nothing to finish" in out.stdout
    out = subprocess.run([*cmd, "--with-parent", "1"], capture_output=True, text=True,
                         env=env, timeout=120)  # not its parent: it stops before any work
    assert out.returncode == 0 and out.stdout == ""


# ------------------------------------------------------------------ end to end
@pytest.fixture()
def budgeted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Store:
    """A tiny season marked real, through ``coverage init`` with a budget so short that
    every tracking model stops after its first epoch."""
    from coverage.simulate import simulate_season

    raw = tmp_path / "raw"
    simulate_season(raw, seed=11, weeks=3, games_per_week=2, plays_per_game=10)
    (raw / "_source.json").write_text(json.dumps({"source": "real"}))
    monkeypatch.setenv("COVERAGE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setattr(bs, "MIN_STEP_SECONDS", 0.01)
    assert main(["init", "--data", str(raw), "--budget-minutes", "0.0005", "--quiet"]) == 0
    return Store(derived_store_dir(raw))


@pytest.mark.slow
def test_budget_stopped_models_are_trained_in_full_and_swapped_in(
        budgeted: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each finished model replaces its budgeted one and is predicted with; while its
    predictions are written, the app says the rows are about to be replaced (not stale)."""
    from coverage.app.staleness import stale_lines

    store = budgeted
    stopped = budget_stopped(store.models_dir)
    assert stopped == [bs.real_name(m) for m in bs.TRACKING]
    before = {n: checkpoint_hash(store.models_dir / n) for n in stopped}
    tabular = checkpoint_hash(store.models_dir / "real_tabular")
    pending: list[set[str]] = []
    said: list[str] = []
    real_predict = finish.ensure_predictions

    def predicting(st, **kwargs):
        pending.append({n for n in stopped if predictions_pending(store.models_dir, n)})
        said.extend(stale_lines(store, sorted(pending[-1]), str).values())
        return real_predict(st, **kwargs)

    monkeypatch.setattr(finish, "ensure_predictions", predicting)
    lines: list[str] = []
    result = finish.finish_training(store, log=lines.append, overrides={"epochs": 2})
    assert result == dict.fromkeys(stopped, "done")
    assert all(len(p) == 1 for p in pending)  # one at a time, each swapped then predicted
    assert sorted(n for p in pending for n in p) == sorted(stopped)
    assert len(said) == len(stopped) and all("being written" in s for s in said)
    assert not any(predictions_pending(store.models_dir, n) for n in stopped)
    assert stale_lines(store, stopped, str) == {}
    assert budget_stopped(store.models_dir) == []
    manifest = store.manifest()
    for name in stopped:
        ckpt = store.models_dir / name
        assert checkpoint_hash(ckpt) != before[name]  # the finished model is served
        metrics = json.loads((ckpt / "metrics.json").read_text())
        assert metrics["training"]["stopped_by"] in ("epochs", "patience")
        assert not checkpoint_notes(json.loads((ckpt / "config.json").read_text()), metrics)
        assert manifest[name]["checkpoint"] == checkpoint_hash(ckpt)  # predicted with it
        assert manifest[name]["status"] == "ok"
        assert finish_note(store.models_dir, name) is None
    assert checkpoint_hash(store.models_dir / "real_tabular") == tabular  # untouched
    assert "real_family" in _attribution_models(store)  # the finished model's own
    assert not any(DEFERRED in e for e in manifest.values())
    status = json.loads((store.models_dir / FINISH_STATE_FILE).read_text())
    assert {s["state"] for s in status["models"].values()} == {"done"}
    assert not any((store.models_dir / finish.STAGING).glob("real_*"))  # nothing left
    assert any("swapped in" in line for line in lines)
    assert finish.finish_training(store, log=None) == {}  # and nothing left to do

    # a swap killed between its renames: the next start puts the checkpoint back
    torn = store.models_dir / finish.STAGING / "real_lstm.replaced"
    (store.models_dir / "real_lstm").rename(torn)
    assert finish.finish_training(store, log=None) == {}
    assert (store.models_dir / "real_lstm" / "config.json").exists() and not torn.exists()

    # the app closed between a swap and its predictions: the next start writes them
    store.update_manifest(lambda m: m.__setitem__("real_lstm", {"checkpoint": "earlier"}))
    status["models"]["real_lstm"]["state"] = "predicting"
    (store.models_dir / FINISH_STATE_FILE).write_text(json.dumps(status))
    lines.clear()
    assert finish.finish_training(store, log=lines.append) == {}
    assert store.manifest()["real_lstm"]["checkpoint"] == checkpoint_hash(
        store.models_dir / "real_lstm")
    assert any("predictions written for real_lstm" in line for line in lines)
    status = json.loads((store.models_dir / FINISH_STATE_FILE).read_text())
    assert status["models"]["real_lstm"]["state"] == "done"


def _attribution_models(store: Store) -> set[str]:
    rows = store.read_output("attribution")
    return set() if rows is None else set(rows["model"].unique())


@pytest.mark.slow
def test_init_leaves_the_attribution_to_the_finisher_which_writes_it_first(
        budgeted: Store, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    """The Teams page's attribution summaries of a budget-stopped family model are not
    what the explorer waits for: init leaves them to the background finisher, which writes
    them before it trains anything, and the page says they are on their way."""
    from coverage.app import team_data
    from coverage.serving import deferred_outputs

    store = budgeted
    test_week = json.loads((store.models_dir / "real_family" / "config.json").read_text()
                           )["split"]["test"]
    assert deferred_outputs(store.manifest()) == {"real_family": test_week}
    assert "real_family" not in _attribution_models(store)
    assert team_data.attribution_pending(store) == ["real_family"]
    result = {"models_dir": str(store.models_dir), "models": store.manifest()}
    assert any("real_family's attribution summaries" in line and "finish-training" in line
               for line in bs.summary_lines(result))
    digest = store.manifest()["real_family"]["checkpoint"]
    capsys.readouterr()
    assert main(["info", str(store.root)]) == 0
    assert "real_family's attribution summaries (Teams page)" in capsys.readouterr().out

    seen: list[set[str]] = []
    monkeypatch.setattr(finish, "_finish", lambda st, *a, **k: seen.append(
        _attribution_models(st)) or {})
    lines: list[str] = []
    assert finish.finish_training(store, log=lines.append) == {}
    assert seen == [{"real_family"}]  # written before any training started
    assert deferred_outputs(store.manifest()) == {}
    assert team_data.attribution_pending(store) == []
    entry = store.manifest()["real_family"]
    assert entry["checkpoint"] == digest and entry["status"] == "ok"  # still current
    assert any("real_family: test-week outputs written" in line for line in lines)
    # nothing left for a later start
    assert write_deferred(store, root=store.models_dir, log=None) == []

    # without the background finisher (COVERAGE_FINISH_TRAINING=0) init defers nothing
    monkeypatch.setenv("COVERAGE_FINISH_TRAINING", "0")
    assert bs.deferrable(store) == []
    monkeypatch.setenv("COVERAGE_FINISH_TRAINING", "1")
    assert bs.deferrable(store) == budget_stopped(store.models_dir)


@pytest.mark.slow
def test_info_says_what_was_stopped_short_and_how_to_finish_it(budgeted: Store,
                                                              capsys) -> None:
    assert main(["info", str(budgeted.root)]) == 0
    out = capsys.readouterr().out
    assert "stopped by the time budget" in out
    lines = bs.summary_lines({"models_dir": str(budgeted.models_dir),
                              "models": {n: {"status": "ok"} for n in
                                         budget_stopped(budgeted.models_dir)}})
    assert "coverage finish-training --data DIR" in lines[-1]


@pytest.mark.slow
def test_a_model_retrained_meanwhile_is_not_overwritten(budgeted: Store,
                                                        monkeypatch: pytest.MonkeyPatch
                                                        ) -> None:
    """``coverage init --force`` (or any retraining) while the full run trains: the newer
    checkpoint stays, the full run is thrown away and says why."""
    store = budgeted
    real_step = finish.train_step

    def retrained_meanwhile(*args, **kwargs):
        out = real_step(*args, **kwargs)
        cfg = store.models_dir / "real_lstm" / "config.json"
        cfg.write_text(cfg.read_text() + "\n")  # another checkpoint under the same name
        return out

    monkeypatch.setattr(finish, "train_step", retrained_meanwhile)
    result = finish.finish_training(store, log=None, overrides={"epochs": 1})
    assert result["real_lstm"].startswith("discarded: real_lstm was retrained")
    assert "budget" in json.loads(
        (store.models_dir / "real_lstm" / "metrics.json").read_text())["training"]["stopped_by"]
    note = finish_note(store.models_dir, "real_lstm")
    assert note and "discarded" in note


def _children(pid: int) -> list[int]:
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            out.append(int(stat.parent.name))
    return out


def _cmdline(pid: int) -> str:
    try:
        return (Path("/proc") / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def _wait(until, seconds: float) -> bool:
    import time

    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if until():
            return True
        time.sleep(0.2)
    return False


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_the_app_trains_beside_itself_at_low_priority_and_never_outlives_it(
        budgeted: Store) -> None:
    """``python app.py -- --data DIR`` (``make app DATA=DIR``) starts ``finish-training`` as
    its child at the lowest priority; killed outright, the server takes the child along."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, str(REPO / "app.py"), "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true",
         "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none",
         "--", "--data", str(budgeted.root)],
        cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        child: list[int] = []

        def started() -> bool:
            child[:] = [p for p in _children(server.pid) if "finish-training" in _cmdline(p)]
            return bool(child) and os.getpriority(os.PRIO_PROCESS, child[0]) == 19
        assert _wait(started, 90), "no low-priority finish-training child"
        assert f"--with-parent {server.pid}" in _cmdline(child[0])
        server.kill()
        server.wait(30)
        assert _wait(lambda: not Path(f"/proc/{child[0]}").exists()
                     or "finish-training" not in _cmdline(child[0]), 60), "child outlived it"
    finally:
        if server.poll() is None:
            server.kill()
