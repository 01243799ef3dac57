"""Every page that shows a model's predictions says, in one line, when its stored rows were
made with another context prior (or another checkpoint) than the present one, and how to
make them again."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from coverage.config import REPO_ROOT
from coverage.models.checkpoint import checkpoint_hash
from coverage.store import Store
from tests.builders.apptest import assert_clean, run_page
from tests.builders.stores import app_pointer

PAGES = ["app_pages/1_Play_explorer.py", "app_pages/2_Accuracy.py", "app_pages/4_Model.py"]


@pytest.fixture(scope="module")
def prior_store(app_stores, tmp_path_factory) -> dict[str, Path]:
    """A user's store with predictions of 'lstm', a checkpoint of its own whose context
    prior lives in a folder beside it; the manifest says the present lstm + prior made them."""
    base = tmp_path_factory.mktemp("stale_prior")
    store_dir = base / "store"
    shutil.copytree(app_stores["preds"], store_dir)
    store = Store(store_dir)
    prior = base / "my_prior"
    shutil.copytree(REPO_ROOT / "models" / "context_real_gbm", prior)
    lstm = store.models_dir / "lstm"
    shutil.copytree(REPO_ROOT / "models" / "lstm", lstm)
    cfg = json.loads((lstm / "config.json").read_text())
    cfg["prior"] = {**cfg["prior"], "checkpoint": "my_prior", "path": str(prior),
                    "hash": checkpoint_hash(prior)}
    (lstm / "config.json").write_text(json.dumps(cfg))
    digest = checkpoint_hash(lstm)
    store.write_manifest({"lstm": {"checkpoint": digest, "status": "ok",
                                   "weeks": {str(w): digest for w in store.weeks}}})
    return {"mine": store_dir, "prior": prior, "models": app_stores["models"],
            "data_dir": app_stores["data_dir"]}


def _stale_warnings(at) -> list[str]:
    return [w.value for w in at.warning if "stale" in w.value]


def test_stale_predictions_are_named_on_every_page(prior_store, monkeypatch) -> None:
    app_pointer(prior_store, monkeypatch, models="models", default="mine")()
    for page in PAGES:  # the prior the predictions were made with is still there: no word
        at = run_page(page)
        assert_clean(at)
        assert _stale_warnings(at) == [], page

    cfg = prior_store["prior"] / "config.json"  # the prior is retrained
    cfg.write_text(json.dumps({**json.loads(cfg.read_text()), "note": "retrained"}))
    for page in PAGES:
        at = run_page(page)
        assert_clean(at)
        lines = _stale_warnings(at)
        assert len(lines) == 1, (page, lines)  # one line, for the one stale model
        line = lines[0]
        assert "**lstm**" in line and "another context prior" in line and "my_prior" in line
        assert "`coverage predict " in line and "lstm --data " in line, line
        assert "\n" not in line


def test_rows_left_by_a_failed_refresh_are_named(prior_store, monkeypatch, tmp_path) -> None:
    store_dir = tmp_path / "store"
    shutil.copytree(prior_store["mine"], store_dir)
    store = Store(store_dir)
    store.write_manifest({"lstm": {"weeks": {str(w): "0123456789abcdef" for w in store.weeks},
                                   "status": "error: week 2 has no plays in the store",
                                   "failed_checkpoint": checkpoint_hash(
                                       store.models_dir / "lstm")}})
    app_pointer({**prior_store, "copy": store_dir}, monkeypatch, models="models",
                default="copy")()
    at = run_page("app_pages/2_Accuracy.py")
    assert_clean(at)
    [line] = _stale_warnings(at)
    assert "**lstm**" in line and "last refresh failed" in line and "week 2 has no plays" in line
