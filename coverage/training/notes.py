"""Plain sentences about how a checkpoint was trained, said the same way by ``coverage
init``, ``coverage info`` and the app's Model page.

A model that a time budget stopped early, or whose test figures come from the week it was
selected on, looks finished and held out in a metrics table; these notes say otherwise, so
nobody reads an under-trained or optimistic model as a finished, fairly tested one.
Reads only a checkpoint's config and metrics dicts (no torch), so the app can use it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from coverage.background import process_alive
from coverage.training.data import held_out

# ``coverage init --data``'s state file in a store's models folder (coverage.bootstrap):
# besides its finished steps, the notes on what the data's weeks left out.
INIT_STATE_FILE = "bootstrap.json"
# ``coverage finish-training``'s progress (coverage.finish), read by the app and ``info``
FINISH_STATE_FILE = "finish.json"
METRICS_FILE = "metrics.json"
# Models whose validation loss is the man/zone log-loss; the family model's is its
# weighted multi-task objective.
LOG_LOSS_MODELS = ("transformer", "lstm")


def stopped_by_budget(metrics: Mapping[str, Any] | None) -> bool:
    """Whether the time budget (not early stopping or the epoch limit) ended training.
    Checkpoints older than the metrics' ``training`` record say nothing: False."""
    training = (metrics or {}).get("training")
    return isinstance(training, Mapping) and training.get("stopped_by") == "budget"


def budget_note(metrics: Mapping[str, Any] | None, architecture: str | None = None
                ) -> str | None:
    """"stopped by the time budget (m min) at epoch k of n; validation log-loss v (best
    epoch b): ...", epochs counted from 1; None unless the budget stopped it."""
    if not stopped_by_budget(metrics):
        return None
    t = metrics["training"]
    loss = "log-loss" if architecture in LOG_LOSS_MODELS else "loss"
    budget = t.get("time_budget_s")
    of = f" ({budget / 60:.1f} min)" if isinstance(budget, int | float) else ""
    parts = [f"stopped by the time budget{of} at epoch {t.get('epochs_run', '?')} of "
             f"{t.get('epochs_max', '?')}"]
    if isinstance(t.get("best_val_loss"), int | float):
        best = t.get("best_epoch")
        at = f" (best epoch {best + 1})" if isinstance(best, int) else ""
        parts.append(f"validation {loss} {t['best_val_loss']:.4f}{at}")
    return "; ".join(parts) + ": under-trained, not a finished model"


def held_out_note(config: Mapping[str, Any] | None) -> str | None:
    """A sentence when the test weeks are also training or selection weeks (too few weeks to
    hold one out); None when they are held out or the config names no split."""
    split = (config or {}).get("split")
    if not isinstance(split, Mapping) or not split.get("test") or held_out(split):
        return None
    weeks = ", ".join(str(w) for w in split["test"])
    return (f"test week {weeks} is also its selection week (too few weeks to "
            "hold one out): its test figures are not held out and read optimistic")


def checkpoint_notes(config: Mapping[str, Any] | None, metrics: Mapping[str, Any] | None
                     ) -> list[str]:
    """Every note that applies to one checkpoint, in the order to show them."""
    arch = (config or {}).get("architecture")
    return [n for n in (budget_note(metrics, arch), held_out_note(config)) if n]


def init_notes(models_dir: str | Path) -> list[str]:
    """The notes the last ``coverage init --data`` left on what the data's weeks left out
    (models skipped, test weeks not held out); none when it never ran or left none."""
    state = read_json_object(Path(models_dir) / INIT_STATE_FILE) or {}
    notes = state.get("notes")
    return [str(n) for n in notes] if isinstance(notes, list) else []


def read_json_object(path: Path) -> dict[str, Any] | None:
    try:
        out = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None
    return out if isinstance(out, dict) else None


def budget_stopped(models_dir: str | Path) -> list[str]:
    """The models of the last ``coverage init --data`` whose served checkpoint a time
    budget stopped short (``real_<model>`` names, in training order): what
    ``coverage finish-training`` trains in full."""
    state = read_json_object(Path(models_dir) / INIT_STATE_FILE) or {}
    models = (state.get("plan") or {}).get("models") or []
    names = [f"real_{m}" for m in models if isinstance(m, str)]
    return [n for n in names
            if stopped_by_budget(read_json_object(Path(models_dir) / n / METRICS_FILE))]


def finish_note(models_dir: str | Path, name: str) -> str | None:
    """Where the full training of a budget-stopped model stands, in one sentence; None when
    none was started for it or it finished (the checkpoint then says nothing of a budget)."""
    state = read_json_object(Path(models_dir) / FINISH_STATE_FILE) or {}
    entry = (state.get("models") or {}).get(name)
    if not isinstance(entry, dict) or entry.get("state") in (None, "done"):
        return None
    pid = state.get("pid")
    running = isinstance(pid, int) and process_alive(pid)
    epoch, most = entry.get("epoch"), entry.get("epochs_max")
    at = (f"epoch {epoch} of at most {most} done" if isinstance(epoch, int) else
          "starting")
    if isinstance(v := entry.get("best_val_loss"), int | float):
        at += f", best validation loss so far {v:.4f}"
    if entry.get("state") == "failed":
        return f"full training failed: {entry.get('reason', 'unknown error')}"
    if entry.get("state") == "discarded":
        return f"full training was discarded: {entry.get('reason', 'the data changed')}"
    if running and entry.get("state") == "waiting":
        return ("full training waits its turn in the background (the models train one "
                "after the other, at low priority); the finished model replaces this one "
                "and its predictions when it is done")
    if running:
        return (f"full training runs in the background at low priority ({at}); the "
                "finished model replaces this one and its predictions when it is done")
    return (f"full training stopped with the app ({at}); it goes on from there the next "
            "time the app starts with this data, or run `coverage finish-training --data "
            "DIR`")


def predictions_pending(models_dir: str | Path, name: str) -> bool:
    """Whether ``coverage finish-training`` has just swapped in this model and is writing its
    predictions (the rows in the store are still the budgeted model's)."""
    state = read_json_object(Path(models_dir) / FINISH_STATE_FILE) or {}
    entry = (state.get("models") or {}).get(name)
    pid = state.get("pid")
    return (isinstance(entry, dict) and entry.get("state") == "predicting"
            and isinstance(pid, int) and process_alive(pid))


def served_notes(checkpoint_dir: str | Path, config: Mapping[str, Any] | None,
                 metrics: Mapping[str, Any] | None) -> list[str]:
    """:func:`checkpoint_notes`, then where the full training of a budget-stopped
    checkpoint stands (from the status file beside it)."""
    notes = checkpoint_notes(config, metrics)
    if stopped_by_budget(metrics):
        d = Path(checkpoint_dir)
        notes += [n for n in (finish_note(d.parent, d.name),) if n]
    return notes


def finish_hint(names: list[str]) -> str:
    """What to run to train budget-stopped models in full."""
    them, each = ("them", "each ") if len(names) > 1 else ("it", "")
    return (f"the time budget stopped {', '.join(names)} short: `make app DATA=DIR` trains "
            f"{them} in full beside the app (lowest priority, {each}swapped in with its "
            "predictions when it finishes), or run `coverage finish-training --data DIR`")
