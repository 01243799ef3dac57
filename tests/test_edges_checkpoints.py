"""Checkpoint edges: impossible configs and weights that disagree with them are refused
before anything is built, and a broken folder never takes the other models down."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from coverage.cli import main
from coverage.errors import CheckpointError
from coverage.models.checkpoint import (
    checkpoints_in,
    load_checkpoint,
    validate_checkpoint,
    weight_shapes,
)
from coverage.models.registry import build_model, check_hparams, network_shapes
from tests.builders.apptest import assert_clean, run_page

REPO = Path(__file__).resolve().parent.parent
GOOD = REPO / "models" / "transformer"

# name -> (edit of the good config, words the refusal must contain)
BROKEN = {
    "heads_5": (lambda c: c["hparams"].update(heads=5), "does not divide"),
    "dim_zero": (lambda c: c["hparams"].update(dim=0), "'dim' is 0"),
    "depth_negative": (lambda c: c["hparams"].update(depth=-2), "'depth' is -2"),
    "dim_absurd": (lambda c: c["hparams"].update(dim=2**40, heads=1), "'dim' is"),
    "dim_text": (lambda c: c["hparams"].update(dim="64"), "'dim' is '64'"),
    "dim_mismatch": (lambda c: c["hparams"].update(dim=96), "do not fit its config"),
    "wide_and_deep": (lambda c: c["hparams"].update(dim=2048, depth=32), "weights"),
    "mean_short": (lambda c: c["hparams"].update(mean=[0.0]), "'mean'"),
    "unknown_key": (lambda c: c["hparams"].update(width=3), "width"),
    "unknown_arch": (lambda c: c.update(architecture="resnet"), "unknown architecture"),
    "hparams_list": (lambda c: c.update(hparams=[1, 2]), "'hparams'"),
}
RAW_CONFIGS = {"config_null": "null", "config_list": "[1, 2, 3]", "config_empty": "{}",
               "config_text": "not json"}


def _copy_good(dst: Path) -> dict:
    shutil.copytree(GOOD, dst)
    return json.loads((dst / "config.json").read_text())


@pytest.fixture(scope="module")
def models_dir(tmp_path_factory) -> Path:
    """The shipped transformer next to one broken copy per case."""
    root = tmp_path_factory.mktemp("models")
    _copy_good(root / "transformer")
    for name, (edit, _) in BROKEN.items():
        cfg = _copy_good(root / name)
        edit(cfg)
        (root / name / "config.json").write_text(json.dumps(cfg))
    for name, text in RAW_CONFIGS.items():
        _copy_good(root / name)
        (root / name / "config.json").write_text(text)
    _copy_good(root / "weights_garbage")
    (root / "weights_garbage" / "model.safetensors").write_bytes(b"\xff" * 64)
    return root


def test_the_listing_keeps_the_good_model_and_names_each_broken_one(models_dir) -> None:
    skipped: dict[str, str] = {}
    listed = checkpoints_in(models_dir, on_skip=lambda p, why: skipped.setdefault(p.name, why))
    assert [p.name for p in listed] == ["transformer"]
    assert set(skipped) == set(BROKEN) | set(RAW_CONFIGS) | {"weights_garbage"}
    for name, (_, words) in BROKEN.items():
        assert words in skipped[name], (name, skipped[name])
        assert len(skipped[name]) < 400 and "\n" not in skipped[name]


def test_the_default_listing_says_one_line_per_broken_folder(models_dir, capsys) -> None:
    checkpoints_in(models_dir)
    checkpoints_in(models_dir)  # said once per process, not on every listing
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == len(BROKEN) + len(RAW_CONFIGS) + 1
    assert all(line.startswith("skipped checkpoint ") for line in lines)
    assert any("heads_5" in line and "does not divide" in line for line in lines)


@pytest.mark.parametrize("name", ["heads_5", "dim_zero", "dim_absurd", "dim_mismatch",
                                  "config_null", "config_list"])
def test_loading_refuses_before_building(models_dir, name, monkeypatch) -> None:
    import coverage.models.checkpoint as ck

    def no_build(*a, **k):
        raise AssertionError("built a network for a broken checkpoint")
    monkeypatch.setattr(ck, "build_model", no_build)
    with pytest.raises(CheckpointError):
        load_checkpoint(models_dir / name)


def test_the_good_checkpoint_loads_and_matches_its_header() -> None:
    validate_checkpoint(GOOD)
    model, cfg = load_checkpoint(GOOD)
    assert {k: tuple(v.shape) for k, v in model.state_dict().items()} == weight_shapes(GOOD)
    assert network_shapes(cfg["architecture"], cfg["hparams"]) == weight_shapes(GOOD)


@pytest.mark.parametrize("hp,words", [
    ({"n_features": 12, "dim": 64, "heads": 3}, "does not divide"),
    ({"n_features": 0}, "'n_features' is 0"),
    ({"n_features": 12, "dropout": 1.5}, "'dropout'"),
    ({"n_features": 12, "inputs": [0, 0]}, "'inputs'"),
    ({"n_features": 12, "inputs": [99]}, "'inputs'"),
    ({"n_features": 12, "std": [0.0] * 12}, "'std'"),
    ({"n_features": True}, "'n_features' is True"),
    ({}, "lack"),
])
def test_training_hparams_are_checked_too(hp, words) -> None:
    with pytest.raises(CheckpointError, match=words):
        build_model("transformer", hp)


def test_lstm_and_family_bounds() -> None:
    with pytest.raises(CheckpointError, match="'hidden'"):
        check_hparams("lstm", {"n_features": 12, "hidden": 10**7})
    with pytest.raises(CheckpointError, match="'man_families'"):
        check_hparams("family", {"n_features": 12, "n_families": 4, "man_families": [6]})
    assert check_hparams("lstm", {"n_features": 12})["hidden"] == 128


def test_predict_with_a_broken_checkpoint_is_one_line(models_dir, app_stores, tmp_path,
                                                      capsys) -> None:
    store = tmp_path / "store"
    shutil.copytree(app_stores["bare"], store)
    for name in ("heads_5", "dim_mismatch", "config_null"):
        rc = main(["predict", str(models_dir / name), "--data", str(store)])
        err = capsys.readouterr().err.strip()
        assert rc == 2, err
        assert err.startswith("error: ") and "\n" not in err and name in err, err


def test_an_app_page_works_beside_a_broken_checkpoint(models_dir, point_at, monkeypatch
                                                      ) -> None:
    point_at("preds")
    monkeypatch.setenv("COVERAGE_MODELS_DIR", str(models_dir))
    assert_clean(run_page("app_pages/0_Overview.py"))
    at = run_page("app_pages/4_Model.py")  # lists every folder: the broken ones say why
    assert not at.exception, [e.message for e in at.exception]
    errors = [e.value for e in at.error]
    assert len(errors) == len(BROKEN) + len(RAW_CONFIGS) + 1
    assert any("heads_5" in e and "does not divide" in e for e in errors)
    assert any("config_list" in e or "holds a JSON list" in e for e in errors)


def test_init_predictions_skip_the_broken_folders(models_dir, app_stores, tmp_path,
                                                  capsys) -> None:
    """What ``coverage init`` and the embedded season run over a models folder."""
    from coverage.serving import ensure_predictions
    from coverage.store import Store

    store = tmp_path / "store"
    shutil.copytree(app_stores["bare"], store)
    said: list[str] = []
    manifest = ensure_predictions(Store(store), root=models_dir, log=said.append)
    assert manifest["transformer"]["status"] == "ok"
    assert set(manifest) & (set(BROKEN) | set(RAW_CONFIGS)) == set()
    assert said == ["predictions ready: transformer"]


def test_network_shapes_are_kept_and_a_broken_copy_is_rebuilt(tmp_path: Path,
                                                              monkeypatch) -> None:
    """The shapes a config builds are kept on disk (the app checks checkpoints without
    torch); a torn or edited copy is built again, and hyper-parameters that fail their
    checks are refused every time, never kept."""
    from coverage.models import registry

    monkeypatch.setenv("COVERAGE_CACHE_DIR", str(tmp_path))
    cfg = json.loads((GOOD / "config.json").read_text())
    want = weight_shapes(GOOD)
    assert network_shapes(cfg["architecture"], cfg["hparams"]) == want
    (kept,) = (tmp_path / "coverage" / "network_shapes").glob("*.json")
    kept.write_text('{"torn": [1')
    assert network_shapes(cfg["architecture"], cfg["hparams"]) == want
    assert json.loads(kept.read_text()) == {k: list(v) for k, v in want.items()}
    bad = {**cfg["hparams"], "dim": -4}
    for _ in range(2):
        with pytest.raises(CheckpointError):
            network_shapes(cfg["architecture"], bad)
    assert len(list(kept.parent.glob("*.json"))) == 1
    assert registry._shapes_file("x", {}) != registry._shapes_file("y", {})
