"""Full training of the models a time budget stopped short, while the app is already open.

On a CPU, ``coverage init --data`` gives the tracking models a few minutes each, so the app
opens in minutes rather than hours; a run without a budget trains several times as many
epochs and reaches clearly better models. ``coverage finish-training`` is that untimed run,
model by model, at the lowest priority beside the app (:mod:`coverage.background`; ``make
app DATA=DIR`` starts it): each model trains with init's own plan and seed, only without
the budget, so it is exactly the model an untimed ``coverage init`` would have trained.

Each model trains into a staging folder and is swapped in only when it has finished, under
the store's lock and only if neither the data nor the checkpoint it replaces changed
meanwhile (a re-run ``coverage init`` wins); then its predictions are written as for any
changed checkpoint (:func:`coverage.serving.ensure_predictions`). Before any training it
writes what init deferred to it (the attribution summaries of the Teams page,
:func:`coverage.serving.write_deferred`), so those follow the app within minutes. Finished
epochs are kept,
so closing the app loses at most one: the next start goes on from there. Progress goes to a
small JSON file the Model page and ``coverage info`` read (:mod:`coverage.training.notes`).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import time
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from coverage.atomic import write_json
from coverage.background import signals_held
from coverage.bootstrap import (
    MODELS,
    STATE_FILE,
    BootstrapOptions,
    data_fingerprint,
    drop_resume,
    real_name,
    resume_dir,
    train_options,
    train_step,
)
from coverage.errors import CoverageError
from coverage.family.week_frames import WeekFrames
from coverage.models.checkpoint import METRICS, checkpoint_hash, is_checkpoint
from coverage.serving import ensure_predictions, write_deferred
from coverage.store import Store
from coverage.training.notes import FINISH_STATE_FILE, budget_stopped, read_json_object

Log = Callable[[str], None]
STAGING = ".full"  # in the store's models folder; hidden, so never listed as a checkpoint
LOCK_FILE = "finish.lock"


def full_plan(init_plan: Mapping[str, Any]) -> dict[str, Any]:
    """Init's plan without its time budget: what an untimed ``coverage init`` runs."""
    return {**init_plan, "budget_s": None, "limits": {m: {} for m in MODELS}}


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class Progress:
    """The status file: which models wait, train (at which epoch) or finished; written
    atomically after every change, so a reader never sees half of it."""

    def __init__(self, path: Path, names: list[str]) -> None:
        self.path = path
        self.state: dict[str, Any] = {"pid": os.getpid(), "started": _now(),
                                      "models": {n: {"state": "waiting"} for n in names}}
        self._write()

    def _write(self) -> None:
        self.state["updated"] = _now()
        write_json(self.state, self.path)

    def set(self, name: str, **entry: Any) -> None:
        self.state["models"][name] = {**self.state["models"].get(name, {}), **entry}
        self._write()

    def epoch_hook(self, name: str, epochs_max: int) -> Callable[[dict[str, float]], None]:
        def on_epoch(row: dict[str, float]) -> None:
            self.set(name, state="training", epoch=int(row["epoch"]) + 1,
                     epochs_max=epochs_max, best_val_loss=float(row["best_val_loss"]))
        return on_epoch


@contextlib.contextmanager
def _only_one(path: Path) -> Iterator[bool]:
    """An OS lock on ``path``: True inside when this process got it (a second finisher on
    the same store gets False and leaves); released when the process ends, however."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _init_state(store: Store) -> dict[str, Any]:
    state = read_json_object(store.models_dir / STATE_FILE)
    if state is None or not isinstance(state.get("plan"), dict):
        raise CoverageError(f"{store.path}: no `coverage init --data` has trained models here "
                            "yet; run it first (finish-training only completes what its "
                            "time budget stopped short)")
    return state


def _swap(staged: Path, live: Path) -> None:
    """Put the finished checkpoint folder where the budgeted one was: two renames that
    Ctrl-C cannot split, so the name always holds a whole checkpoint."""
    old = staged.parent / f"{live.name}.replaced"
    shutil.rmtree(old, ignore_errors=True)
    with signals_held():
        live.rename(old)
        staged.rename(live)
    shutil.rmtree(old, ignore_errors=True)


def _undo_torn_swap(models_dir: Path) -> None:
    """A swap killed outright between its two renames (SIGKILL cannot be held) left the
    budgeted checkpoint under its ``.replaced`` name and none under its own: put it back."""
    for old in (models_dir / STAGING).glob("*.replaced"):
        live = models_dir / old.name.removesuffix(".replaced")
        if not live.exists() and is_checkpoint(old):
            old.rename(live)


def finish_training(store: Store, *, device: str = "auto", log: Log | None = print,
                    overrides: Mapping[str, Any] | None = None) -> dict[str, str]:
    """Train each budget-stopped real_* model of the last init in full and swap it in;
    returns what became of each (``done``, ``discarded`` and why, or ``busy`` when another
    finisher holds the store); {} when none was stopped short (or init never ran).
    ``overrides``: training options over init's (tests shorten training with it)."""
    _undo_torn_swap(store.models_dir)
    todo = budget_stopped(store.models_dir)
    if not todo:
        _predictions_current(store, log)
        write_deferred(store, root=store.models_dir, log=log)
        return {}
    init = _init_state(store)
    root = store.models_dir / STAGING
    with _only_one(root / LOCK_FILE) as mine:
        if not mine:
            if log:
                log(f"another finish-training already runs on {store.path}")
            return dict.fromkeys(todo, "busy")
        # what init left for later (the Teams page's attribution): minutes, before hours
        write_deferred(store, root=store.models_dir, log=log)
        return _finish(store, init, todo, root, device, log, dict(overrides or {}))


def _predictions_current(store: Store, log: Log | None) -> None:
    """Write the predictions of a model swapped in by a run that was stopped before it
    had written them (the app was closed right then): nothing when all are current."""
    if not (store.models_dir / STATE_FILE).exists():
        return
    before = store.manifest()
    after = ensure_predictions(store, root=store.models_dir, log=None)
    redone = sorted(n for n, e in after.items() if e != before.get(n))
    status_path = store.models_dir / FINISH_STATE_FILE
    status = read_json_object(status_path) or {}
    models = status.get("models")
    stuck = [e for e in models.values() if isinstance(e, dict) and e.get("state") == "predicting"
             ] if isinstance(models, dict) else []
    for entry in stuck:
        entry["state"] = "done"
    if stuck:
        write_json(status, status_path)
    if redone and log:
        log(f"predictions written for {', '.join(redone)} (a finished model's were "
            "interrupted)")


def _finish(store: Store, init: Mapping[str, Any], todo: list[str], root: Path,
            device: str, log: Log | None, overrides: dict[str, Any]) -> dict[str, str]:
    data = data_fingerprint(store)
    if init.get("data") != data:
        raise CoverageError(f"{store.path} changed since `coverage init --data` trained its "
                            "models; run it again first")
    the_plan = full_plan(init["plan"])
    opts = BootstrapOptions(budget_minutes=0, device=device, seed=int(the_plan["seed"]),
                            progress=False)
    models = sorted((m for m in MODELS if real_name(m) in todo),
                    key=lambda m: _expected_seconds(store.models_dir / real_name(m)))
    resumes = {m: resume_dir(root, data, {**the_plan, **overrides}, m) for m in models}
    for stale in resumes[models[0]].parent.glob("*"):
        if stale not in resumes.values():
            shutil.rmtree(stale, ignore_errors=True)  # another data's or plan's epochs
    progress = Progress(store.models_dir / FINISH_STATE_FILE, todo)
    if log:
        log(f"training {', '.join(todo)} in full (the time budget stopped them short); "
            "each replaces its budgeted model when it finishes")
    week_frames, result = WeekFrames(store), {}
    for model in models:
        name, live = real_name(model), store.models_dir / real_name(model)
        before = checkpoint_hash(live)
        epochs = train_options(store, model, the_plan, opts, time_budget_s=None,
                               resume_dir=None).with_values(**overrides).optim.epochs
        progress.set(name, state="training", epochs_max=epochs)
        shutil.rmtree(root / name, ignore_errors=True)  # its epochs live in the resume file
        t0 = time.perf_counter()
        try:
            out = train_step(store, model, the_plan, data, opts, None, week_frames,
                             resume=resumes[model], out_root=root, overrides=overrides,
                             on_epoch=progress.epoch_hook(name, epochs))
        except CoverageError as exc:  # bad data or a full disk: the next model may still go
            progress.set(name, state="failed", reason=str(exc))
            result[name] = f"failed: {exc}"
            if log:
                log(f"{name}: full training failed: {exc}")
            continue
        except Exception as exc:  # a bug: said in the status, then the traceback
            progress.set(name, state="failed", reason=f"{type(exc).__name__}: {exc}")
            raise
        week_frames.clear()  # predicting maps its own; the app runs beside this process
        result[name] = _publish(store, name, Path(out["dir"]), before, data, init, log,
                                lambda n=name: progress.set(n, state="predicting"))
        drop_resume(resumes[model])
        progress.set(name, state=result[name].split(":")[0], reason=result[name],
                     finished=_now(), seconds=round(time.perf_counter() - t0, 1))
    return result


def _expected_seconds(checkpoint: Path) -> float:
    """About how long a full run of this budget-stopped model takes (its budget's seconds
    per epoch times its epoch limit): the quickest train first, so full models start
    arriving within minutes rather than after the slowest one."""
    t = (read_json_object(checkpoint / METRICS) or {}).get("training")
    try:
        return float(t["time_budget_s"]) / max(int(t["epochs_run"]), 1) * int(t["epochs_max"])
    except (ValueError, KeyError, TypeError):
        return float("inf")


def _publish(store: Store, name: str, staged: Path, before: str, data: str,
             init: Mapping[str, Any], log: Log | None, swapping: Callable[[], None]) -> str:
    """Swap the finished checkpoint in and predict with it, unless init retrained the model
    or the data changed while it trained (then it is thrown away). ``swapping()`` runs
    first: the status then tells the app that the rows it shows are about to be replaced."""
    with store.writing(log=log):
        live = store.models_dir / name
        now = _init_state(store)
        if (now.get("data"), now.get("plan")) != (data, init["plan"]):
            why = "`coverage init` ran again with other data or another plan meanwhile"
        elif not is_checkpoint(live) or checkpoint_hash(live) != before:
            why = f"{name} was retrained meanwhile"
        else:
            why = ""
        if why:
            shutil.rmtree(staged, ignore_errors=True)
            if log:
                log(f"{name}: full training discarded ({why})")
            return f"discarded: {why}"
        swapping()
        _swap(staged, live)
        entry = ensure_predictions(store, root=store.models_dir, log=None).get(name, {})
    acc = entry.get("accuracy_at_snap")
    if log:
        log(f"{name}: trained in full and swapped in" + (
            f" (accuracy at the snap {acc:.3f} on week {entry.get('test_week')})"
            if isinstance(acc, float) else "") + "; reload the app's page to see it")
    return "done"
