"""Partial downloads (labels for every week, tracking for a few) and honest notes.

``coverage init --data`` on such a folder trains what its weeks allow, says once what it
skipped and why, exits 0 and leaves a store the app opens with real-trained predictions;
``coverage init``, ``coverage info`` and the Model page say when a time budget stopped a
model, or when its test week is also its selection week.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from coverage import bootstrap as bs
from coverage.cli import main
from coverage.errors import DataError
from coverage.models.checkpoint import Checkpoint, checkpoints_in
from coverage.opener import derived_store_dir
from coverage.store import Store
from coverage.training import notes
from coverage.training.data import held_out, partial_split, resolve_split
from tests.builders.apptest import assert_clean, run_page

REPO = Path(__file__).resolve().parent.parent
TRACKING_NAMES = {bs.real_name(m) for m in bs.TRACKING}
BUDGET_STOP = {"stopped_by": "budget", "epochs_run": 3, "epochs_max": 10, "best_epoch": 1,
               "best_val_loss": 0.51234, "time_budget_s": 120.0}


# ------------------------------------------------------------------ splits and notes
def test_the_split_follows_the_weeks_there_are() -> None:
    assert partial_split([]) is None and partial_split([4]) is None
    two = partial_split([5, 3])
    assert two == {"train": (3,), "val": (5,), "test": (5,)} and not held_out(two)
    assert partial_split([1, 2, 3]) == {"train": (1,), "val": (2,), "test": (3,)}
    assert partial_split(range(1, 10)) == {"train": tuple(range(1, 8)), "val": (8,),
                                           "test": (9,)}
    assert held_out(partial_split([1, 2, 3]))
    # the refit tabular split: trained on 1-8, selected on 8, tested on the unseen 9
    assert held_out({"train": [1, 8], "selected_on": [8], "test": [9]})
    # a test week equal to the validation week must be asked for; any other overlap is refused
    with pytest.raises(DataError, match="more than one split"):
        resolve_split([1, 2, 3], train=[1, 2], val=[3], test=[2])
    with pytest.raises(DataError, match="more than one split"):
        resolve_split([1, 2, 3], train=[1, 2], val=[2, 3], test=[2])


def test_a_budget_stop_is_said_plainly_and_older_checkpoints_say_nothing() -> None:
    met = {"training": BUDGET_STOP}
    assert notes.budget_note(met, "transformer") == (
        "stopped by the time budget (2.0 min) at epoch 3 of 10; validation log-loss 0.5123 "
        "(best epoch 2): under-trained, not a finished model")
    assert "validation loss 0.5123" in notes.budget_note(met, "family")  # a multi-task loss
    assert notes.budget_note({}, "lstm") is None  # written before the training record
    assert notes.budget_note({"training": {**BUDGET_STOP, "stopped_by": "patience"}}) is None
    cfg = {"architecture": "lstm", "split": {"train": [1], "val": [2], "test": [2]}}
    assert notes.checkpoint_notes(cfg, met)[1].startswith("test week 2 is also its selection")
    assert notes.checkpoint_notes({**cfg, "split": {"train": [1], "val": [2], "test": [3]}},
                                  {"training": {"stopped_by": "epochs"}}) == []


# ------------------------------------------------------------------ end to end
def _partial_season(root: Path, tracking_weeks: int, plays: int = 10) -> Path:
    """A tiny simulated season of 9 labelled weeks (one game of ``plays`` plays each),
    marked as a real download, with the tracking files of all but the first
    ``tracking_weeks`` weeks removed."""
    from coverage.simulate import simulate_season

    simulate_season(root, seed=11, weeks=9, games_per_week=1, plays_per_game=plays)
    for week in range(tracking_weeks + 1, 10):
        (root / f"tracking_week_{week}.csv").unlink()
    (root / "_source.json").write_text(json.dumps({"source": "real"}))
    return root


@pytest.fixture()
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Generated data under tmp, no shipped checkpoints: the app can only serve real_*."""
    monkeypatch.chdir(REPO)
    monkeypatch.setenv("COVERAGE_DATA_DIR", str(tmp_path / "data"))
    (tmp_path / "no_shipped").mkdir()
    monkeypatch.setenv("COVERAGE_MODELS_DIR", str(tmp_path / "no_shipped"))
    return tmp_path


def _init(raw: Path, capsys) -> tuple[Store, str]:
    capsys.readouterr()
    assert main(["init", "--data", str(raw), "--budget-minutes", "0.5", "--quiet"]) == 0
    return Store(derived_store_dir(raw)), capsys.readouterr().out


def _info(raw: Path, capsys) -> str:
    capsys.readouterr()
    assert main(["info", str(raw)]) == 0
    return capsys.readouterr().out


def test_one_tracking_week_trains_the_label_only_model_and_opens_the_app(
        env: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    raw = _partial_season(env / "raw", tracking_weeks=1)
    store, out = _init(raw, capsys)
    assert store.weeks == [1] and store.label_weeks == list(range(1, 10))
    assert [d.name for d in checkpoints_in(store.models_dir)] == ["real_tabular"]
    cfg = Checkpoint(store.models_dir / "real_tabular").config
    assert cfg["split"] == {"train": list(range(1, 8)), "val": [8], "test": [9]}
    assert cfg["data"]["source"] == "real"
    assert set(store.predictions(1)["model"].unique().to_list()) == {"real_tabular"}
    entry = store.manifest()["real_tabular"]
    # scored on its test week from its per-play calls, though week 9 has no tracking
    assert entry["status"] == "ok" and entry["test_week"] == 9
    assert entry["accuracy_at_snap"] is not None
    assert "real_tabular: accuracy at the snap" in out and "on week 9" in out
    assert out.count("skipped real_transformer, real_lstm, real_family") == 1
    assert "tracking with labels for week 1 only" in out
    assert "opens with real_tabular" in out and "Traceback" not in out

    info = _info(raw, capsys)
    assert "real_tabular: tabular, trained on real data" in info
    assert "note: skipped real_transformer, real_lstm, real_family" in info

    monkeypatch.setenv("COVERAGE_DATA", str(raw))  # what `make app DATA=raw` opens
    at = run_page("app_pages/1_Play_explorer.py")
    assert_clean(at)
    pickers = [s for s in at.selectbox if s.label == "Model"]
    assert pickers and pickers[0].options == ["real_tabular (trained on real)"]
    at = run_page("app_pages/4_Model.py")
    assert_clean(at)
    assert any("skipped real_transformer" in i.value for i in at.info)
    _no_held_out_claim()


def _no_held_out_claim() -> None:
    """The Accuracy page calls no week with tracking here a held-out test week: week 9 has
    no tracking (1 week), or the test week is the selection week (2 weeks)."""
    at = run_page("app_pages/2_Accuracy.py")
    assert_clean(at)
    assert all("held out" not in o for o in at.sidebar.radio(key="acc_scope").options)
    assert not any("held-out test" in c.value for c in at.caption)
    assert any("include training weeks" in c.value for c in at.caption)


def test_two_tracking_weeks_train_every_model_and_name_the_test_week(
        env: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    """Train on week 1, select on week 2, test on week 2 and say it is not held out; a
    budget stop recorded in a checkpoint's metrics shows in info, init's summary and the
    Model page."""
    for m in bs.TRACKING:  # one epoch each: the test checks the plumbing, not the fit
        monkeypatch.setitem(bs.CPU_LIMITS, m, {**bs.CPU_LIMITS[m], "epochs": 1})
    raw = _partial_season(env / "raw", tracking_weeks=2, plays=5)
    store, out = _init(raw, capsys)
    names = {d.name for d in checkpoints_in(store.models_dir)}
    assert names == TRACKING_NAMES | {"real_tabular"}
    for name in TRACKING_NAMES:
        cfg = Checkpoint(store.models_dir / name).config
        assert cfg["split"] == {"train": [1], "val": [2], "test": [2]}, name
        assert cfg["prior"]["checkpoint"] == "real_tabular"
        assert store.manifest()[name]["test_week"] == 2
    for week in (1, 2):
        assert set(store.predictions(week)["model"].unique().to_list()) == names
    (note,) = [line for line in out.splitlines() if line.startswith("note: ")]
    assert "train on week 1 and select on week 2" in note
    assert "test figures are on week 2, the selection week" in note

    ck = Checkpoint(store.models_dir / "real_transformer")
    ck.write(metrics={**ck.metrics, "training": BUDGET_STOP})
    said = "real_transformer: stopped by the time budget (2.0 min) at epoch 3 of 10"
    info = _info(raw, capsys)
    assert "stopped by the time budget (2.0 min) at epoch 3 of 10; validation log-loss " \
           "0.5123 (best epoch 2)" in info
    assert info.count("is also its selection week") == 3  # each tracking model says so
    lines = bs.summary_lines({"models": {"real_transformer": {"status": "ok"},
                                         "real_lstm": {"status": "ok"}},
                              "models_dir": store.models_dir})
    assert [ln for ln in lines if "time budget" in ln] == [
        f"  {said}; validation log-loss 0.5123 (best epoch 2): under-trained, not a finished "
        "model", "note: the time budget stopped real_transformer short: `make app DATA=DIR` "
        "trains it in full beside the app (lowest priority, swapped in with its predictions "
        "when it finishes), or run `coverage finish-training --data DIR`"]

    monkeypatch.setenv("COVERAGE_DATA", str(raw))
    at = run_page("app_pages/4_Model.py")
    assert_clean(at)
    budget = [w.value for w in at.warning if "time budget" in w.value]
    assert budget == ["**real_transformer**: stopped by the time budget (2.0 min) at epoch 3 "
                      "of 10; validation log-loss 0.5123 (best epoch 2): under-trained, not a "
                      "finished model."]
    table = at.dataframe[0].value
    ended = dict(zip(table["model"], table["training ended"], strict=True))
    assert ended["real_transformer"] == "by the time budget: under-trained"
    _no_held_out_claim()
