"""Keep a store's predictions in step with the checkpoints in models/.

The app reads predictions, never runs models per request. A manifest records
which checkpoint (by weights hash) produced each model's predictions, so a
retrained checkpoint is re-run and an unchanged one is not.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path

from coverage.atomic import write_json
from coverage.errors import CoverageError
from coverage.store import REPO_ROOT, Store

MANIFEST = "predictions/manifest.json"


def models_dir() -> Path:
    import os

    return Path(os.environ.get("COVERAGE_MODELS_DIR", REPO_ROOT / "models"))


def shipped_models(root: str | Path | None = None) -> list[Path]:
    """Checkpoint folders (config.json + model.safetensors) under ``root``."""
    root = Path(root) if root is not None else models_dir()
    if not root.exists():
        return []
    return sorted(p for p in root.iterdir()
                  if (p / "config.json").exists() and (p / "model.safetensors").exists())


def _checkpoint_hash(model_dir: Path) -> str:
    h = hashlib.sha256()
    for name in ("model.safetensors", "config.json"):
        h.update((model_dir / name).read_bytes())
    return h.hexdigest()[:16]


def stale_models(store: Store, root: str | Path | None = None) -> list[Path]:
    """Checkpoints whose predictions are missing from the store or out of date."""
    manifest_path = store.path / MANIFEST
    manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else {}
    return [m for m in shipped_models(root)
            if manifest.get(m.name, {}).get("checkpoint") != _checkpoint_hash(m)]


def ensure_predictions(store: Store, root: str | Path | None = None, *,
                       log: Callable[[str], None] | None = print) -> dict[str, dict]:
    """Predict every week with each stale checkpoint, then evaluate on its test week.

    A checkpoint that cannot run on this store (e.g. a feature mismatch) is
    reported and skipped; it never takes the others down with it.
    """
    from coverage.training.evaluate import evaluate
    from coverage.training.predict import predict_week

    manifest_path = store.path / MANIFEST
    manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else {}
    for m in stale_models(store, root):
        try:
            cfg = json.loads((m / "config.json").read_text())
            test_weeks = [w for w in cfg.get("split", {}).get("test", []) if w in store.weeks]
            if cfg.get("architecture") == "family":
                # family probabilities, responsibilities and the p_man rows in one pass;
                # attribution summaries (Teams page) for the held-out week only
                from coverage.explain.predict import attribution_week, predict_family_week

                for week in store.weeks:
                    predict_family_week(m, store.path, week, name=m.name)
                for week in test_weeks:
                    attribution_week(m, store.path, week, name=m.name)
            else:
                for week in store.weeks:
                    predict_week(m, store.path, week, name=m.name)
            report = evaluate(m, store.path, test_weeks[0], name=m.name) if test_weeks else {}
            manifest[m.name] = {"checkpoint": _checkpoint_hash(m), "status": "ok",
                                "test_week": test_weeks[0] if test_weeks else None,
                                "accuracy_at_snap": report.get("at_snap", {}).get("accuracy")}
            if log:
                log(f"predictions ready: {m.name}")
        except CoverageError as exc:
            manifest[m.name] = {"checkpoint": _checkpoint_hash(m), "status": f"error: {exc}"}
            if log:
                log(f"skipped {m.name}: {exc}")
        write_json(manifest, manifest_path)
    return manifest
