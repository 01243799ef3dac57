"""Every Streamlit page under ``streamlit.testing.v1.AppTest`` against a small store.

The app is pointed at the store with ``COVERAGE_DATA`` (read by
``coverage.app.session._cli_data_arg``) and ``COVERAGE_DATA_DIR`` is a tmp folder, so
tests never build or write the embedded season in the repo's data/.
"""

from __future__ import annotations

import io
import json
import math
from pathlib import Path

import pytest
from PIL import Image

from coverage.store import Store
from tests.builders.apptest import assert_clean as _assert_clean
from tests.builders.apptest import picker, player_figure
from tests.builders.apptest import run_page as _run

REPO = Path(__file__).resolve().parent.parent
PAGES = ["app_pages/0_Overview.py", "app_pages/1_Play_explorer.py", "app_pages/2_Accuracy.py",
         "app_pages/3_Teams.py", "app_pages/4_Model.py", "app_pages/5_Scouting.py"]
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
    elif page not in ("app_pages/4_Model.py", "app_pages/5_Scouting.py"):  # tables / HTML
        assert at.get("plotly_chart"), "no chart rendered"


@pytest.mark.parametrize("page", PAGES)
def test_every_page_head_waits_for_the_page_style(point_at, page) -> None:
    """The title and banner sit in a 1 px box that only the page's one style element opens:
    a browser never shows them at Streamlit's default padding before that style arrives."""
    from coverage.app.session import HEAD_KEY

    point_at("preds")
    at = _run(page)
    (head,) = [b for b in at.main.children.values()
               if getattr(b, "type", None) == "flex_container"
               and b.proto.height_config.pixel_height]
    assert head.proto.height_config.pixel_height == 1 and head.proto.id.endswith(HEAD_KEY)
    assert any("Synthetic data" in w.value for w in head.warning)
    assert head.title or head.markdown  # the page title: st.title or a compact ###
    styles = [h.proto.body for h in at._tree.children[2].get("html")]  # the event container
    assert len(styles) == 1 and f".st-key-{HEAD_KEY}" in styles[0], styles


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
    assert len(picker(at).options) == n_man
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
    box = picker(at)
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
