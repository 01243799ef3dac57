"""Every Streamlit page under ``streamlit.testing.v1.AppTest`` against a small store.

The app is pointed at the store with ``COVERAGE_DATA`` (read by
``coverage.app.session._cli_data_arg``) and ``COVERAGE_DATA_DIR`` is a tmp folder, so
tests never build or write the embedded season in the repo's data/.
"""

from __future__ import annotations

import io
import json
import math
import shutil
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from PIL import Image

from coverage.store import Store
from tests.builders.apptest import assert_clean as _assert_clean
from tests.builders.apptest import player_figure
from tests.builders.apptest import run_page as _run

REPO = Path(__file__).resolve().parent.parent
PAGES = ["app_pages/0_Overview.py", "app_pages/1_Play_explorer.py", "app_pages/2_Accuracy.py",
         "app_pages/3_Teams.py", "app_pages/4_Model.py"]
MODELS = ("context", "transformer")


def fake_predictions(store_path: Path, seed: int = 0) -> None:
    """Long-format P(man) for every pre-snap frame: drifts toward the label, with noise.

    Noisy enough to produce misses (so hit/miss filters have both values),
    deterministic so page assertions are stable.
    """
    from coverage.store import Store

    store = Store(store_path)
    rng = np.random.default_rng(seed)
    plays = store.plays().select("gameId", "playId", "pff_manZone")
    (store.path / "predictions").mkdir(exist_ok=True)
    for w in store.weeks:
        keys = (store.tracking(w).filter(pl.col("secs_from_snap") <= 0)
                .select("gameId", "playId", "frameId", "secs_from_snap").unique()
                .sort("gameId", "playId", "frameId").collect()
                .join(plays, on=["gameId", "playId"], how="left"))
        y = np.where(keys["pff_manZone"].to_numpy() == "Man", 1.0, -1.0)
        ramp = np.clip(1 + keys["secs_from_snap"].to_numpy() / 4, 0, 1)
        out = []
        for i, m in enumerate(MODELS):
            play_bias = rng.normal(0, 1.2 + i, keys.height)
            z = 3 * y * ramp + play_bias
            out.append(keys.select(pl.lit(m).alias("model"), "gameId", "playId",
                                   pl.col("frameId").cast(pl.Int32),
                                   pl.col("secs_from_snap").cast(pl.Float32),
                                   pl.Series("p_man", 1 / (1 + np.exp(-z))).cast(pl.Float32)))
        pl.concat(out).write_parquet(store.path / "predictions" / f"week_{w}.parquet")


def fake_checkpoint(root: Path) -> Path:
    d = root / "transformer"
    d.mkdir(parents=True, exist_ok=True)
    (d / "config.json").write_text(json.dumps({
        "schema_version": 1, "architecture": "transformer", "hparams": {"dim": 64},
        "features": ["x", "y"], "split": {"train": [1], "val": [2], "test": [2]},
        "data": {"path": "synthetic", "source": "synthetic"}}))
    (d / "metrics.json").write_text(json.dumps({
        "model": "transformer", "val": {"at_snap": {"accuracy": 0.8, "n": 10, "auc": 0.9}},
        "test": {"at_snap": {"accuracy": 0.75, "n": 12}}, "majority_class": "Zone"}))
    return root


def build_app_stores(base: Path) -> dict[str, Path]:
    """A 2-week simulated season store, a copy with predictions, and a models folder.

    Idempotent on ``base`` so several test modules share one build per session.
    """
    from coverage.ingest import ingest
    from coverage.simulate import simulate_season

    bare, with_preds = base / "store_bare", base / "store_preds"
    if not (base / "stores.built").exists():
        simulate_season(base / "raw", seed=1, weeks=2, games_per_week=2, plays_per_game=8)
        ingest(base / "raw", bare, progress=False)
        shutil.copytree(bare, base / "tmp_copy")
        fake_predictions(base / "tmp_copy")
        (base / "tmp_copy").rename(with_preds)
        (base / "stores.built").touch()
    models = base / "models"
    if not (models / "transformer" / "config.json").exists():
        fake_checkpoint(models)
    return {"bare": bare, "preds": with_preds, "models": models, "data_dir": base / "data"}


@pytest.fixture(scope="session")
def app_stores(tmp_path_factory) -> dict[str, Path]:
    return build_app_stores(tmp_path_factory.getbasetemp() / "app_stores")


@pytest.fixture
def point_at(app_stores, monkeypatch):
    """Point the app at one of the test stores (and keep generated data out of the repo)."""
    monkeypatch.chdir(REPO)
    monkeypatch.setenv("COVERAGE_DATA_DIR", str(app_stores["data_dir"]))
    monkeypatch.setenv("COVERAGE_MODELS_DIR", str(app_stores["models"]))

    def _point(which: str = "preds") -> Path:
        monkeypatch.setenv("COVERAGE_DATA", str(app_stores[which]))
        return app_stores[which]
    return _point


def _shown(at) -> int:
    return int(next(m for m in at.metric if m.label == "Plays shown").value.replace(",", ""))


@pytest.mark.parametrize("page", PAGES)
def test_every_page_runs_with_predictions(point_at, page) -> None:
    point_at("preds")
    at = _run(page)
    _assert_clean(at)
    assert any("Synthetic data" in w.value for w in at.warning)  # the banner, every page
    if page == "app_pages/1_Play_explorer.py":
        assert player_figure(at)["data"], "no play drawn"
    elif page != "app_pages/4_Model.py":
        assert at.get("plotly_chart"), "no chart rendered"


@pytest.mark.parametrize("page", PAGES)
def test_every_page_handles_missing_predictions(point_at, page) -> None:
    point_at("bare")
    at = _run(page)
    _assert_clean(at)
    if page in ("app_pages/1_Play_explorer.py", "app_pages/2_Accuracy.py", "app_pages/3_Teams.py"):
        assert any("coverage predict" in i.value for i in at.info)


def test_filters_change_the_play_list(point_at) -> None:
    store = point_at("preds")
    at = _run("app_pages/1_Play_explorer.py")
    total = _shown(at)
    n_plays = Store(store).plays().height
    assert total == n_plays
    at.sidebar.multiselect(key="f_family").select("Man").run()
    _assert_clean(at)
    n_man = _shown(at)
    assert 0 < n_man < total
    assert len(at.selectbox(key="play_pick").options) == n_man
    at.sidebar.multiselect(key="f_family").unselect("Man").select("Zone").run()
    assert 0 < _shown(at) <= total - n_man  # the rest may hold Other / unlabelled plays
    at.sidebar.multiselect(key="f_family").unselect("Zone").run()
    at.sidebar.multiselect(key="f_distance").select("short (1-3)").run()
    assert _shown(at) < total
    at.sidebar.multiselect(key="f_distance").unselect("short (1-3)").run()
    outcomes = at.sidebar.multiselect(key="f_outcome").options
    assert set(outcomes) == {"hit", "miss"}
    at.sidebar.multiselect(key="f_outcome").select("miss").run()
    assert 0 < _shown(at) < total
    at.sidebar.multiselect(key="f_outcome").unselect("miss").run()
    at.text_input(key="search").input("no such play anywhere").run()
    _assert_clean(at)
    assert _shown(at) == 0
    assert any("No play matches" in w.value for w in at.warning)


def test_selecting_a_play_renders_the_combined_figure(point_at) -> None:
    point_at("preds")
    at = _run("app_pages/1_Play_explorer.py")
    box = at.selectbox(key="play_pick")
    assert len(box.options) > 2
    first_title = player_figure(at)["spec"]["title"]
    box.select_index(2).run()
    _assert_clean(at)
    assert not at.get("plotly_chart")  # the play player draws the play
    fig = player_figure(at)
    assert len(fig["frames"]) == len(fig["spec"]["secs"]) > 20, "every frame, animated"
    assert any(tr.get("xaxis") == "x2" for tr in fig["data"]), "P(man) panel missing"
    assert fig["spec"]["title"] != first_title  # the field shows the picked play
    assert fig["spec"]["title"]["synthetic"] is True  # the badge on synthetic data
    labels = [b.label for b in at.get("download_button")]
    assert "Download GIF" in labels and "CSV of the list" in labels


def test_gif_export_cli_gives_a_valid_gif(app_stores, tmp_path) -> None:
    from coverage.cli import main
    from coverage.store import Store

    store = Store(app_stores["preds"])
    g, p = store.plays().select("gameId", "playId").row(0)
    n_frames = store.play_frames(g, p)["frameId"].n_unique()
    out = tmp_path / "play.gif"
    assert main(["export-gif", str(g), str(p), "-o", str(out), "--store", str(store.path),
                 "--stride", "3"]) == 0
    im = Image.open(io.BytesIO(out.read_bytes()))
    assert im.format == "GIF"
    assert im.n_frames == math.ceil(n_frames / 3)


def test_gif_export_cli_reports_an_unknown_play(app_stores, tmp_path, capsys) -> None:
    from coverage.cli import main

    rc = main(["export-gif", "1", "2", "-o", str(tmp_path / "x.gif"), "--store",
               str(app_stores["preds"])])
    assert rc == 2
    assert "game 1 is not in the store" in capsys.readouterr().err


def test_model_page_without_checkpoints(point_at, monkeypatch, tmp_path) -> None:
    point_at("preds")
    monkeypatch.setenv("COVERAGE_MODELS_DIR", str(tmp_path / "none"))
    at = _run("app_pages/4_Model.py")
    _assert_clean(at)
    assert any("coverage train" in i.value for i in at.info)


def test_model_page_lists_checkpoint_and_metrics(point_at) -> None:
    point_at("preds")
    at = _run("app_pages/4_Model.py")
    _assert_clean(at)
    tables = at.dataframe
    assert tables and "transformer" in tables[0].value["model"].to_list()
    assert any("synthetic" in w.value for w in at.warning)


def test_bad_data_folder_shows_error_with_fix(point_at, tmp_path, monkeypatch) -> None:
    point_at("preds")
    empty = tmp_path / "empty_store"
    empty.mkdir()
    (empty / "meta.json").write_text("{}")  # a "store" with no tables
    monkeypatch.setenv("COVERAGE_DATA", str(empty))
    at = _run("app_pages/1_Play_explorer.py")
    assert not at.exception
    assert at.error and any("Fix" in i.value for i in at.info)


# --------------------------------------------------------------------------- explain mode
def build_explain_models(preds_store: Path, root: Path) -> Path:
    """An untrained tiny family checkpoint + its predictions/attribution in a store copy.

    Untrained weights are enough to exercise the page: explain mode only needs a model
    that loads and produces probabilities, not a good one. Idempotent on ``root`` so the
    AppTests and the browser test share one build.
    """
    import torch

    from coverage.explain.attribution import attribution_week
    from coverage.family.predict import predict_family_week
    from coverage.features import FEATURES
    from coverage.models import build_model, save_checkpoint
    from coverage.store import Store
    from coverage.vocab import ASSIGNMENTS, FAMILIES, MAN_FAMILY_INDEX

    if (root / "done").exists():
        return root
    torch.manual_seed(0)  # untrained weights: seed them so the page shows the same calls
    root.mkdir(parents=True, exist_ok=True)
    hp = {"n_features": len(FEATURES), "dim": 16, "depth": 1, "heads": 2,
          "n_families": len(FAMILIES), "n_assignments": len(ASSIGNMENTS),
          "man_families": list(MAN_FAMILY_INDEX)}
    save_checkpoint(root / "family", build_model("family", hp),
                    {"architecture": "family", "hparams": hp, "features": list(FEATURES),
                     "history": 3, "stride": 2, "temperature": 1.0,
                     "split": {"train": [1], "val": [2], "test": [2]}})
    store = root / "store"
    shutil.copytree(preds_store, store)
    for w in (1, 2):
        predict_family_week(root / "family", Store(store), w)
        attribution_week(root / "family", Store(store), w, max_plays=3)
    (root / "done").touch()
    return root


@pytest.fixture(scope="session")
def explain_models(app_stores, tmp_path_factory) -> Path:
    return build_explain_models(app_stores["preds"],
                                tmp_path_factory.getbasetemp() / "explain_models")


def test_explain_toggle_renders_attribution_tells_and_families(point_at, explain_models,
                                                               monkeypatch) -> None:
    point_at("preds")
    monkeypatch.setenv("COVERAGE_DATA", str(explain_models / "store"))
    monkeypatch.setenv("COVERAGE_MODELS_DIR", str(explain_models))
    at = _run("app_pages/1_Play_explorer.py")
    _assert_clean(at)
    toggle = at.toggle(key="explain")
    assert not toggle.value and not toggle.disabled
    toggle.set_value(True).run()
    _assert_clean(at)
    assert any("Tells" in m.value for m in at.markdown)
    assert any("Coverage family" in m.value for m in at.markdown)
    fig = player_figure(at)
    defense = next(t for t in fig["data"] if str(t.get("name", "")).startswith("defense"))
    from coverage.vocab import ASSIGNMENTS

    assert any(any(a in h for a in ASSIGNMENTS) for h in defense["hovertext"]), \
        "responsibility hover missing"
    upd = fig["frames"][0]["data"]
    assert any("marker" in d and "line" in d["marker"] for d in upd), "attribution rings"
    assert len(at.dataframe) >= 3  # play list, responsibilities, family probabilities


def test_explain_toggle_disabled_without_family_model(point_at) -> None:
    point_at("preds")
    at = _run("app_pages/1_Play_explorer.py")
    _assert_clean(at)
    assert at.toggle(key="explain").disabled


def test_teams_page_shows_position_giveaway(point_at, explain_models, monkeypatch) -> None:
    point_at("preds")
    monkeypatch.setenv("COVERAGE_DATA", str(explain_models / "store"))
    at = _run("app_pages/3_Teams.py")
    _assert_clean(at)
    assert any("Which positions give it away" in s.value for s in at.subheader)
    assert any(json.loads(c.proto.spec)["layout"].get("yaxis", {}).get("title", {})
               .get("text") == "position" for c in at.get("plotly_chart"))
