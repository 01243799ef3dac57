"""The same context prior trained on each side's labels: how much the situation says
about the coverage in each world.

It is the project's own trainer (:func:`coverage.training.context.train_context`) with
its own week split, so the AUCs are the ones the README quotes for the shipped prior.
Checkpoints go to a scratch folder and are thrown away.
"""

from __future__ import annotations

from pathlib import Path

from coverage.store import Store
from coverage.training.context import train_context
from coverage.training.options import TrainOptions


def context_auc(store: Store, scratch: Path, *, epochs: int = 30,
                seed: int = 0) -> dict[str, float | int | list]:
    """Validation and held-out test-week AUC of the context prior on ``store``'s labels."""
    opts = TrainOptions.of(model="context", name="context", out_root=scratch, seed=seed,
                           epochs=epochs, progress=False, device="cpu")
    out = train_context(opts, store)
    m = out["metrics"]
    test = out["config"]["split"]["test"]
    n_test = sum(m["labels"]["test"][k] for k in ("Man", "Zone"))
    return {"val_auc": float(m["val"]["auc"]), "test_auc": float(m["test"]["auc"]),
            "test_weeks": test, "n_test_plays": int(n_test)}
