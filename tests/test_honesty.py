"""Every curve, metric and export says what its model was trained on and what data it is
applied to; on real data the app defaults to a real-trained model.

Stores are small simulated seasons ingested as *real* (their ``_source.json`` says so), with
predictions of two models: ``transformer`` (only a shipped, synthetic-trained checkpoint)
and ``lstm`` (a real-trained checkpoint in the store's own models folder, which wins over
the shipped synthetic ``lstm``).
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.builders.apptest import assert_clean as _clean
from tests.builders.apptest import player_figure
from tests.builders.apptest import run_page as _run
from tests.builders.stores import app_pointer

REPO = Path(__file__).resolve().parent.parent
MODELS = ("lstm", "transformer")


@pytest.fixture
def point_at(real_stores, monkeypatch):
    return app_pointer(real_stores, monkeypatch, models="shipped", default="real")


def _figure(at, index: int = 0) -> dict:
    if at.get("component_instance") and not at.get("plotly_chart"):
        return player_figure(at)  # the explorer's play player
    return json.loads(at.get("plotly_chart")[index].proto.spec)


def _legend_names(fig: dict) -> set[str]:
    return {t["name"] for t in fig["data"]
            if t.get("showlegend", True) and t.get("name") and t.get("mode") == "lines"
            and t.get("xaxis") in ("x2", None)}


# --------------------------------------------------------------------------- provenance
def test_trained_on_looks_in_the_store_models_first(real_stores, monkeypatch) -> None:
    from coverage.app.provenance import provenance, trained_on
    from coverage.store import Store

    monkeypatch.setenv("COVERAGE_MODELS_DIR", str(real_stores["shipped"]))
    real, bare = Store(real_stores["real"]), Store(real_stores["bare"])
    assert trained_on(real, "lstm") == "real"  # store.models_dir beats the shipped one
    assert trained_on(bare, "lstm") == "synthetic"  # only the shipped one
    assert trained_on(real, "transformer") == "synthetic"
    assert trained_on(real, "never_trained") == "unknown"
    assert trained_on(real, "../shipped/lstm") == "unknown"  # names never walk out
    prov = provenance(real, MODELS)
    assert prov.applied_to == "real"
    assert prov.label("transformer") == "transformer (trained on synthetic)"
    assert prov.label("lstm") == "lstm (trained on real)"
    assert prov.visible() == ["lstm"]
    assert prov.visible(show_synthetic=True) == ["lstm", "transformer"]
    # the architecture order prefers transformer, but the data it was trained on comes first
    assert prov.default(MODELS) == "lstm"
    assert prov.warning("lstm") is None
    assert "trained on synthetic" in prov.warning("transformer")


def test_broken_checkpoint_config_reads_as_unknown(real_stores, tmp_path, monkeypatch) -> None:
    from coverage.app.provenance import trained_on
    from coverage.store import Store

    (tmp_path / "weird").mkdir()
    (tmp_path / "weird" / "config.json").write_text("{not json")
    (tmp_path / "nosrc").mkdir()
    (tmp_path / "nosrc" / "config.json").write_text(json.dumps({"data": {"path": "x"}}))
    monkeypatch.setenv("COVERAGE_MODELS_DIR", str(tmp_path))
    store = Store(real_stores["bare"])
    assert trained_on(store, "weird") == "unknown"
    assert trained_on(store, "nosrc") == "unknown"


# --------------------------------------------------------------------------- explorer
def test_real_store_explorer_defaults_to_real_trained_model(point_at) -> None:
    point_at("real")
    at = _run("app_pages/1_Play_explorer.py")
    _clean(at)
    assert any("Real data" in s.value for s in at.success), "prominent real-data banner"
    box = at.sidebar.selectbox(key="model")
    assert box.value == "lstm" and box.options == ["lstm (trained on real)"]
    assert at.sidebar.toggle(key="show_synthetic").value is False
    names = _legend_names(_figure(at))
    assert names == {"lstm (trained on real)"}, names
    assert _figure(at)["layout"]["legend"]["title"]["text"] == "applied to real data:"
    assert not [w for w in at.warning if "trained on synthetic" in w.value]


def test_synthetic_trained_models_only_on_request_and_marked(point_at) -> None:
    point_at("real")
    at = _run("app_pages/1_Play_explorer.py")
    at.sidebar.toggle(key="show_synthetic").set_value(True).run()
    _clean(at)
    box = at.sidebar.selectbox(key="model")
    assert box.options == ["lstm (trained on real)", "transformer (trained on synthetic)"]
    assert box.value == "lstm"  # still the default
    names = _legend_names(_figure(at))
    assert names == {"lstm (trained on real)", "transformer (trained on synthetic)"}, names
    box.select("transformer").run()
    _clean(at)
    metric = next(m for m in at.metric if "accuracy at snap" in m.label)
    assert "transformer (trained on synthetic)" in metric.label
    assert "real data" in metric.label
    warnings = [w.value for w in at.warning if "trained on synthetic data" in w.value]
    assert len(warnings) >= 2, "a warning next to the accuracy and next to hit/miss"
    assert any("transformer (trained on synthetic) at snap" in m.value for m in at.markdown)


def test_real_store_without_real_trained_model_says_how_to_train(point_at) -> None:
    point_at("bare")
    for page in ("app_pages/0_Overview.py", "app_pages/1_Play_explorer.py",
                 "app_pages/2_Accuracy.py", "app_pages/3_Teams.py"):
        at = _run(page)
        _clean(at)
        notes = [i.value for i in at.info if "No model trained on real data yet" in i.value]
        assert notes and "coverage init --data DIR" in notes[0], page
    at = _run("app_pages/1_Play_explorer.py")
    assert at.sidebar.toggle(key="show_synthetic").value is False
    assert not at.sidebar.selectbox  # nothing real-trained to pick, nothing hidden shown
    assert not _legend_names(_figure(at))
    at.sidebar.toggle(key="show_synthetic").set_value(True).run()
    _clean(at)
    assert _legend_names(_figure(at)) == {"lstm (trained on synthetic)",
                                          "transformer (trained on synthetic)"}
    assert any("trained on synthetic data" in w.value for w in at.warning)


def _csv_download(at, managers: list) -> list[dict]:
    """The CSV behind the explorer's download button, read back from the media store the
    AppTest run used (what a browser would receive)."""
    button = next(b for b in at.download_button if b.label == "CSV of the list")
    file_id = button.proto.url.rsplit("/", 1)[-1]
    data = managers[-1]._storage.get_file(file_id).content
    return list(csv.DictReader(io.StringIO(data.decode())))


def test_csv_export_says_trained_on_and_applied_to(point_at) -> None:
    from coverage.app import play_data
    from coverage.store import Store

    store = Store(point_at("real"))
    preds = store.predictions()
    table = play_data.play_table(store.plays(), preds, "transformer")
    out = play_data.export_table(table, model="transformer", trained_on="synthetic",
                                 applied_to=store.source)
    assert {"model", "trained_on", "applied_to"} <= set(out.columns)
    text = out.write_csv()
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows and all(r["trained_on"] == "synthetic" and r["applied_to"] == "real"
                        and r["model"] == "transformer" for r in rows)
    assert all(len(r["p_man_snap"].split(".")[-1]) <= 3 for r in rows)
    assert "—" not in text
    # a missing value is an empty cell: no call, no model, no training data
    blank = play_data.export_table(play_data.play_table(store.plays()), applied_to="real")
    row = next(csv.DictReader(io.StringIO(blank.write_csv())))
    assert row["p_man_snap"] == "" and row["model"] == "" and row["trained_on"] == ""
    assert row["applied_to"] == "real"


def test_csv_download_in_the_app_has_the_columns(point_at, monkeypatch) -> None:
    from streamlit.testing.v1 import app_test

    managers: list = []

    class Recording(app_test.MediaFileManager):
        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            managers.append(self)

    monkeypatch.setattr(app_test, "MediaFileManager", Recording)
    point_at("real")
    at = _run("app_pages/1_Play_explorer.py")
    _clean(at)
    try:
        rows = _csv_download(at, managers)
    except (AttributeError, IndexError) as exc:  # the media store is Streamlit-internal
        pytest.skip(f"cannot read Streamlit's media store here: {exc}")
    assert rows and {r["trained_on"] for r in rows} == {"real"}
    assert {r["applied_to"] for r in rows} == {"real"}
    assert {r["model"] for r in rows} == {"lstm"}


# --------------------------------------------------------------------------- other pages
def test_accuracy_page_marks_every_model(point_at) -> None:
    point_at("real")
    at = _run("app_pages/2_Accuracy.py")
    _clean(at)
    at.sidebar.toggle(key="show_synthetic").set_value(True).run()
    _clean(at)
    curve = _figure(at, 0)
    names = {t["name"] for t in curve["data"] if t.get("mode") == "lines+markers"}
    assert names == {"lstm (trained on real)", "transformer (trained on synthetic)"}
    assert any("transformer was trained on synthetic data" in w.value for w in at.warning)
    assert any("(trained on real)" in s.value for s in at.subheader)


def test_teams_and_model_pages_mark_training_data(point_at) -> None:
    point_at("real")
    at = _run("app_pages/3_Teams.py")
    _clean(at)
    assert any("lstm (trained on real)" in c.value for c in at.caption)
    at = _run("app_pages/4_Model.py")
    _clean(at)
    table = at.dataframe[0].value
    rows = {(m, loc): src for m, loc, src in zip(table["model"], table["location"],
                                                 table["training data"], strict=True)}
    assert rows[("lstm", "trained on this data")] == "real"
    assert rows[("lstm", "shipped")] == "synthetic"
    page_text = " ".join(str(e.value) for e in at.get("markdown") + at.get("caption")
                         + at.get("json"))
    assert "/srv/secret" not in page_text  # training-data paths are not echoed in full


def test_banner_is_prominent_on_every_page(point_at) -> None:
    point_at("real")
    for page in ("app_pages/0_Overview.py", "app_pages/1_Play_explorer.py",
                 "app_pages/2_Accuracy.py", "app_pages/3_Teams.py", "app_pages/4_Model.py"):
        at = _run(page)
        assert any(s.value.startswith("**Real data.**") for s in at.success), page
        assert not any("Real data" in c.value for c in at.caption), page


# --------------------------------------------------------------------------- GIF
def test_gif_marks_each_curve_and_the_data_it_is_applied_to() -> None:
    from coverage.export import render_play_gif
    from coverage.export.gif import (
        REAL_GREEN,
        SYNTH_RED,
        _font,
        _layout,
        _legend_rows,
        _panel_font_size,
        _Renderer,
    )
    from coverage.views._common import play_arrays
    from tests.builders.sample_play import sample_play

    demo = sample_play(source="real")
    labels = {m: f"{m} (trained on synthetic)" for m in demo["preds"]["model"].unique()}
    data = render_play_gif(demo["frames"], demo["preds"], demo["play"], frame_stride=20,
                           model_labels=labels, applied_to="real")
    im = Image.open(io.BytesIO(data))
    first = np.asarray(im.convert("RGB"))
    bar = first[: _layout((1200, 480)).title_h, :250]
    assert int(np.all(bar == REAL_GREEN, axis=-1).sum()) > 200  # "REAL DATA" badge
    assert int(np.all(bar == SYNTH_RED, axis=-1).sum()) == 0
    pa = play_arrays(demo["frames"], demo["play"], frame_stride=20)
    rend = _Renderer(pa, demo["preds"], demo["play"], demo["frames"], (1200, 480),
                     model_labels=labels, applied_to="real")
    assert [rend.cv.label(m) for m in rend.cv.models] == [labels[m] for m in rend.cv.models]
    box = _layout((1200, 480)).curve_box
    rows = _legend_rows(rend.cv, _font(_panel_font_size(480)), box[0], box[2])
    assert sum(len(r) for r in rows) == len(labels)
    # long labels wrap onto more rows, and the plot moves down to make room
    assert len(rows) > 1 and rend.lay.curve_box[1] > box[1]
