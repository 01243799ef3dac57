"""The same context model trained on each side's labels: how much the situation says
about the coverage in each world.

It is the project's own LightGBM trainer (:func:`coverage.tabular.pipeline.train_tabular`)
with its own week split, so the AUCs are the ones the shipped context model reports.
Checkpoints go to a scratch folder and are thrown away.
"""

from __future__ import annotations

from pathlib import Path

from coverage.store import Store
from coverage.tabular.pipeline import train_tabular
from coverage.training.options import TrainOptions
from coverage.vocab import MAN_ZONE


def context_auc(store: Store, scratch: Path, *, seed: int = 0
                ) -> dict[str, float | int | list]:
    """Validation and held-out test-week AUC of the context model on ``store``'s labels
    (man/zone only: the family head says nothing about realism)."""
    opts = TrainOptions.of(model="tabular", name="tabular", out_root=scratch, seed=seed,
                           progress=False, hparams={"families": False})
    out = train_tabular(opts, store)
    m = out["metrics"]
    test = out["config"]["split"]["test"]
    n_test = sum(m["labels"]["test"][k] for k in MAN_ZONE)
    return {"val_auc": float(m["val"]["auc"]), "test_auc": float(m["test"]["auc"]),
            "test_weeks": test, "n_test_plays": int(n_test)}
