"""On real data, figures of models trained on synthetic plays are drawn secondary (dashed,
faded) and keep "(trained on synthetic)" in their names; the Teams page labels the
attribution model by its own checkpoint, never as the shipped synthetic "family"."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import polars as pl
import pytest

from coverage.app.provenance import Provenance
from coverage.export.gif import _curve_data
from coverage.views import accuracy_by_time_figure, calibration_figure, combined_animation
from coverage.views._common import SYNTHETIC_TRAINED, play_arrays
from tests.builders.apptest import assert_clean, run_page
from tests.builders.sample_play import sample_play
from tests.builders.stores import app_pointer, write_checkpoint_config

SYN, REAL = "transformer (trained on synthetic)", "real_lstm (trained on real)"


def test_provenance_labels_say_what_the_views_look_for() -> None:
    prov = Provenance("real", {"transformer": "synthetic", "real_lstm": "real"})
    assert prov.label("transformer") == SYN and SYNTHETIC_TRAINED in SYN
    assert prov.secondary("transformer") and not prov.secondary("real_lstm")
    assert not Provenance("synthetic", {"transformer": "synthetic"}).secondary("transformer")


def _curve() -> pl.DataFrame:
    rows = [{"model": m, "secs_from_snap": s, "accuracy": 0.6, "ci_low": 0.5, "ci_high": 0.7,
             "n_plays": 100, "majority_baseline": 0.7} for m in (SYN, REAL) for s in (-1.0, 0.0)]
    return pl.DataFrame(rows)


@pytest.mark.parametrize("applied_to", ["real", "synthetic"])
def test_accuracy_and_calibration_draw_synthetic_trained_secondary(applied_to: str) -> None:
    fig = accuracy_by_time_figure(_curve(), applied_to=applied_to)
    lines = {t.name: t for t in fig.data if getattr(t, "mode", None) == "lines+markers"}
    assert set(lines) == {SYN, REAL}
    on_real = applied_to == "real"
    assert (lines[SYN].line.dash == "dash") == on_real
    assert (lines[SYN].opacity is not None and lines[SYN].opacity < 1) == on_real
    assert lines[REAL].line.dash is None and lines[REAL].opacity is None
    assert lines[REAL].line.width > (lines[SYN].line.width if on_real else 0)
    if on_real:  # no band for a secondary model
        assert not any(t.name == f"{SYN} CI" for t in fig.data)
    cal = pl.DataFrame({"model": [SYN, SYN, REAL, REAL], "mean_pred": [0.2, 0.8] * 2,
                        "frac_man": [0.3, 0.7] * 2, "n": [10] * 4})
    traces = {t.name: t for t in calibration_figure(cal, applied_to=applied_to).data}
    assert (traces[SYN].line.dash == "dash") == on_real
    assert traces[REAL].line.dash is None


def test_play_curve_and_gif_draw_synthetic_trained_secondary() -> None:
    demo = sample_play()
    preds = pl.concat([demo["preds"].with_columns(pl.lit(m).alias("model"))
                       for m in (SYN, REAL)])
    play = {**demo["play"], "source": "real"}
    layout_lines = {t.name: t for t in combined_animation(demo["frames"], preds, play).figure.data
                    if t.name in (SYN, REAL)}
    assert layout_lines[SYN].line.dash == "dash" and layout_lines[SYN].opacity < 1
    assert layout_lines[REAL].line.dash is None
    pa = play_arrays(demo["frames"], play)
    cv = _curve_data(preds, pa, {SYN: SYN, REAL: REAL}, "real")
    assert cv.secondary == {SYN}
    assert cv.label(SYN).endswith(SYNTHETIC_TRAINED)  # the GIF legend names it
    # faded: lighter than the same palette colour at full strength
    full = _curve_data(preds, pa, {SYN: SYN, REAL: REAL}, "synthetic")
    assert sum(cv.colors[SYN]) > sum(full.colors[SYN]) and full.secondary == set()


@pytest.fixture
def real_family_store(real_stores, tmp_path, monkeypatch) -> Path:
    """The real store with attributions written by a real-trained family model
    (``real_family`` in the store's own models), beside the shipped synthetic ``family``."""
    from coverage.store import Store

    root = tmp_path / "real_store"
    shutil.copytree(real_stores["real"], root)
    store = Store(root)
    write_checkpoint_config(store.models_dir / "real_family", "real")
    shipped = tmp_path / "shipped"
    shutil.copytree(real_stores["shipped"], shipped)
    write_checkpoint_config(shipped / "family", "synthetic")
    players = store.players().select("nflId").head(3)["nflId"].to_list()
    plays = store.plays().head(4)
    for w in store.weeks:
        wk = plays.filter(pl.col("week") == w)
        rows = [{"gameId": g, "playId": p, "nflId": n, "side": "defense", "mean_abs": 0.1,
                 "peak": 0.2, "peak_secs": -1.0}
                for g, p in zip(wk["gameId"], wk["playId"], strict=True) for n in players]
        if rows:
            store.write_output("attribution", w, pl.DataFrame(rows), model="real_family")
    stores = {**real_stores, "mine": root, "shipped": shipped}
    app_pointer(stores, monkeypatch, models="shipped", default="mine")("mine")
    return root


def test_teams_page_names_the_real_trained_family_model(real_family_store) -> None:
    at = run_page("app_pages/3_Teams.py")
    assert_clean(at)
    titles = [json.loads(c.proto.spec)["layout"].get("title", {}).get("text", "")
              for c in at.get("plotly_chart")]
    assert any("real_family (trained on real)" in t for t in titles), titles
    text = " ".join(str(e.value) for e in at.warning) + " ".join(titles)
    assert "family (trained on synthetic)" not in text
    assert "real_family was trained" not in text and "family was trained on synthetic" \
        not in text
