"""Only the Play explorer loads torch: every other page, the app's entry and its warm-up
module render without importing it (torch's import alone costs about a plain page's load).

Each check runs in a fresh interpreter, since this test process has long imported torch.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
OTHER_PAGES = ["app_pages/0_Overview.py", "app_pages/2_Accuracy.py", "app_pages/3_Teams.py",
               "app_pages/4_Model.py", "app_pages/5_Scouting.py"]

# runs each page once (AppTest), then the app entry's imports; prints which loaded torch
_RUN_PAGES = r"""
import ast, json, sys
from streamlit.testing.v1 import AppTest
out = {}
for page in sys.argv[1:]:
    at = AppTest.from_file(page, default_timeout=120).run()
    out[page] = {"torch": "torch" in sys.modules,
                 "errors": [e.message for e in at.exception] + [e.value for e in at.error]}
# app.py's own imports (running it would start the warm-up, which loads Explain on purpose)
src = open("app.py").read()
tree = ast.parse(src)
exec(compile(ast.Module([n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))],
                        type_ignores=[]), "app.py", "exec"), {"__name__": "app_imports"})
out["app.py"] = {"torch": "torch" in sys.modules, "errors": []}
print(json.dumps(out))
"""

_EXPLORER = r"""
import sys
from streamlit.testing.v1 import AppTest
at = AppTest.from_file("app_pages/1_Play_explorer.py", default_timeout=120).run()
assert not at.exception, [e.message for e in at.exception]
print("torch" in sys.modules)
"""

_NOTHING_STALE = r"""
import sys
from coverage.serving import ensure_predictions
from coverage.store import Store
ensure_predictions(Store(sys.argv[1]), root=sys.argv[2], log=None)
print("torch" in sys.modules)
"""


def _fresh(code: str, *args: str, env: dict[str, str]) -> str:
    done = subprocess.run([sys.executable, "-c", code, *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.strip().splitlines()[-1]


@pytest.fixture
def app_env(app_stores) -> dict[str, str]:
    return {**os.environ, "COVERAGE_DATA": str(app_stores["preds"]),
            "COVERAGE_DATA_DIR": str(app_stores["data_dir"]),
            "COVERAGE_MODELS_DIR": str(app_stores["models"])}


def test_pages_other_than_the_explorer_render_without_torch(app_env) -> None:
    shown = json.loads(_fresh(_RUN_PAGES, *OTHER_PAGES, env=app_env))
    assert {p: r["errors"] for p, r in shown.items() if r["errors"]} == {}
    loaded = [p for p, r in shown.items() if r["torch"]]
    assert loaded == [], f"torch imported by (the first of) {loaded}"


_CHECK_WEIGHTS = r"""
import sys
from coverage.models.checkpoint import checkpoints_in
checkpoints_in(sys.argv[1])
print("torch" in sys.modules)
"""


def test_pages_beside_the_shipped_networks_render_without_torch(app_env, tmp_path) -> None:
    """With real network checkpoints beside the tabular one (the Teams page looks for team
    tendencies among them), the Model page included: it checks each network's weights
    against the shapes its config builds, which torch builds once (``coverage init`` does)
    and every later process reads from the cache."""
    if not (REPO / "models" / "transformer" / "model.safetensors").is_file():
        pytest.skip("no shipped network checkpoint")
    env = {**app_env, "COVERAGE_MODELS_DIR": str(REPO / "models"),
           "COVERAGE_CACHE_DIR": str(tmp_path / "cache")}
    assert _fresh(_CHECK_WEIGHTS, str(REPO / "models"), env=env) == "True"  # built once
    assert _fresh(_CHECK_WEIGHTS, str(REPO / "models"), env=env) == "False"  # then read
    shown = json.loads(_fresh(_RUN_PAGES, *OTHER_PAGES, env=env))
    assert {p: r["errors"] for p, r in shown.items() if r["errors"]} == {}
    assert [p for p, r in shown.items() if r["torch"]] == []


def test_the_explorer_still_loads_explain(app_env) -> None:
    # the control: the check above would see torch if a page imported it
    assert _fresh(_EXPLORER, env=app_env) == "True"


def test_the_apps_prediction_check_is_torch_free_when_nothing_is_stale(app_stores, tmp_path
                                                                       ) -> None:
    """Every server's first page asks whether the shipped models' predictions are current:
    the answer (usually "yes") must not import the models' code."""
    env = {**os.environ, "COVERAGE_DATA_DIR": str(app_stores["data_dir"])}
    (tmp_path / "models").mkdir()
    assert _fresh(_NOTHING_STALE, str(app_stores["preds"]), str(tmp_path / "models"),
                  env=env) == "False"
