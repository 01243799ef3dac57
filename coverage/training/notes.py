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

from coverage.training.data import held_out

# ``coverage init --data``'s state file in a store's models folder (coverage.bootstrap):
# besides its finished steps, the notes on what the data's weeks left out.
INIT_STATE_FILE = "bootstrap.json"
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
    try:
        state = json.loads((Path(models_dir) / INIT_STATE_FILE).read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return []
    notes = state.get("notes") if isinstance(state, dict) else None
    return [str(n) for n in notes] if isinstance(notes, list) else []
