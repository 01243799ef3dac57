"""The play player's spec: the browser rebuilds exactly the animation's frames, from one
JSON text with every tracking frame (coverage/app/play_player.py)."""

from __future__ import annotations

import json
import math

import numpy as np
import polars as pl
import pytest

from coverage.app.play_player import legend_items, player_spec
from coverage.views import combined_animation
from tests.builders.player_spec import set_path
from tests.builders.sample_play import LINE_SET_FRAME, N_FRAMES, SNAP_FRAME, sample_play


@pytest.fixture(scope="module")
def demo() -> dict:
    return sample_play()


def _same(a, b) -> bool:
    """Equal as JSON would make them (arrays as lists, NaN as null)."""
    if isinstance(a, np.ndarray):
        a = a.tolist()
    if isinstance(a, float) and math.isnan(a):
        a = None
    if isinstance(a, list | tuple):
        return isinstance(b, list) and len(a) == len(b) and all(map(_same, a, b))
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    return a == b or (isinstance(a, float) and isinstance(b, int | float) and abs(a - b) < 1e-9)


def test_every_frame_and_every_moved_attribute_reach_the_browser(demo) -> None:
    anim = combined_animation(demo["frames"], demo["preds"], demo["play"])
    spec = json.loads(player_spec(anim, 1, 2))  # strict JSON: no NaN tokens
    assert spec["names"] == [str(i) for i in range(1, N_FRAMES + 1)]  # every frame, no stride
    assert len(spec["secs"]) == N_FRAMES and spec["secs"][SNAP_FRAME - 1] == 0
    rebuilt = [[{} for _ in spec["traces"]] for _ in spec["names"]]
    slot = {t: j for j, t in enumerate(spec["traces"])}
    for col in spec["columns"]:
        values = col["values"] if "values" in col else [col["unique"][i] for i in col["index"]]
        for k, value in enumerate(values):
            set_path(rebuilt[k][slot[col["trace"]]], col["path"], value)
    for k in range(N_FRAMES):
        for j in range(len(spec["traces"])):
            assert _same(anim.updates[k][j], rebuilt[k][j]), (k, j)


def test_events_players_and_legend_for_the_player(demo) -> None:
    anim = combined_animation(demo["frames"], demo["preds"], demo["play"])
    spec = json.loads(player_spec(anim, 1, 2))
    labels = {e["label"]: e["k"] for e in spec["events"]}
    assert labels["line set"] == LINE_SET_FRAME - 1 and labels["snap"] == SNAP_FRAME - 1
    data = spec["figure"]["data"]
    assert [data[i]["name"].split()[0] for i in spec["players"]] == ["offense", "defense"]
    assert data[spec["ball"]]["name"] == "ball"
    names = [it["name"] for it in spec["legend"]["items"]]
    models = sorted(demo["preds"]["model"].unique().to_list())
    assert all(any(n.startswith(m) for n in names) for m in models)
    assert spec["figure"]["layout"]["showlegend"] is False  # the player draws its own


def test_legend_skips_unnamed_and_hidden_traces(demo) -> None:
    anim = combined_animation(demo["frames"], None, demo["play"])
    items = legend_items(anim.figure)["items"]
    assert {it["name"].split()[0] for it in items} == {"offense", "defense", "ball"}
    assert all(isinstance(it["color"], str) for it in items)


def test_repeated_values_travel_once() -> None:
    from coverage.views.player_spec import _dedupe

    hover = [["#1 A<br>slot: CB1", "#2 B"]] * 30 + [["#1 A<br>slot: CB2", "#2 B"]] * 30
    packed = _dedupe(hover)
    assert len(packed["unique"]) == 2 and len(packed["index"]) == 60
    assert [packed["unique"][i] for i in packed["index"]] == hover
    xs = [[float(i), float(i + 1)] for i in range(60)]  # all different: sent as they are
    assert _dedupe(xs) == {"values": xs}


def test_one_jump_per_event_and_snap_at_the_anchor(demo) -> None:
    """Real plays chart the snap several times (ball_snap, autoevent_ballsnap): the player
    offers one snap button, at the frame 0.0 s from the snap."""
    frames = demo["frames"].with_columns(
        pl.when(pl.col("frameId") == SNAP_FRAME - 1).then(pl.lit("autoevent_ballsnap"))
        .otherwise(pl.col("event")).alias("event"))
    spec = json.loads(player_spec(combined_animation(frames, None, demo["play"]), 1, 2))
    labels = [e["label"] for e in spec["events"]]
    assert labels.count("snap") == 1 and len(labels) == len(set(labels))
    snap = next(e["k"] for e in spec["events"] if e["label"] == "snap")
    assert spec["secs"][snap] == 0


def test_the_player_ships_a_light_plotly_bundle_of_the_same_major_version(
        demo, tmp_path, monkeypatch) -> None:
    """The player loads plotly.js's basic bundle (scatter only is drawn: a fifth of the full
    bundle to evaluate on first load), of the plotly.js that plotly.py writes figures for."""
    import re

    from coverage.app import play_player

    def version(path) -> tuple[int, ...]:
        head = path.read_text(encoding="utf-8")[:300]
        return tuple(int(v) for v in re.search(r" v(\d+)\.(\d+)\.(\d+)", head).groups())

    bundle = play_player.ASSETS / play_player.PLOTLY_BUNDLE
    assert bundle.stat().st_size < 2_000_000
    assert version(bundle)[0] == version(play_player.PLOTLY_JS)[0]
    js = (play_player.ASSETS / "player.js").read_text()
    # from the app's static route (browser-cacheable), else the player's own copy
    assert (f'addScript("../../app/static/{play_player.PLOTLY_BUNDLE}",\n'
            f'{" " * 59}"{play_player.PLOTLY_BUNDLE}")') in js
    assert "preview.js" in (play_player.ASSETS / "index.html").read_text()
    app_dir = tmp_path / "app"
    assert play_player.publish_static(app_dir)
    published = app_dir / play_player.STATIC_DIR / play_player.PLOTLY_BUNDLE
    assert published.read_bytes() == bundle.read_bytes()
    assert play_player.publish_static(app_dir)  # again: nothing to do
    (app_dir / "blocked").write_text("a file where a folder should be")
    assert not play_player.publish_static(app_dir / "blocked")  # the player's copy serves
    monkeypatch.setenv("COVERAGE_CACHE_DIR", str(tmp_path))
    served = play_player.served_dir()
    assert {p.name for p in served.iterdir()} >= set(play_player.ASSET_FILES)
    assert not (served / "plotly.min.js").exists()  # the full bundle is not served
    # the served page carries its stylesheet and scripts: one request on a first load
    page = (served / "index.html").read_text()
    assert 'src="player.js"' not in page and 'href="player.css"' not in page
    assert (play_player.ASSETS / "player.js").read_text() in page
    assert page.index("coveragePreview = {") < page.index('addScript("../../app/static/')
    # every trace the player draws is of a kind the basic bundle has
    anim = combined_animation(demo["frames"], demo["preds"], demo["play"])
    assert {t.type for t in anim.figure.data} <= {"scatter", "bar", "pie"}


def test_the_player_gets_the_field_geometry_from_the_server(demo) -> None:
    """The followed window is the server's zoom on the server's field: player.js holds no
    copy of the field's extent."""
    from coverage import pitch
    from coverage.app.play_player import ASSETS
    from coverage.views import zoom_to_box

    anim = combined_animation(demo["frames"], demo["preds"], demo["play"])
    spec = json.loads(player_spec(anim, 1, 2))
    field = spec["field"]
    assert field["x"] == spec["figure"]["layout"]["xaxis"]["range"]  # the field as drawn
    assert field["y"] == spec["figure"]["layout"]["yaxis"]["range"]
    assert field["x"][1] - field["x"][0] == pytest.approx(pitch.LENGTH + 1.0)
    zoomed = zoom_to_box(combined_animation(demo["frames"], None, demo["play"]).figure,
                         demo["play"])
    y0, y1 = zoomed.layout.yaxis.range
    assert y1 - y0 == pytest.approx(field["zoom_yd"])
    js = (ASSETS / "player.js").read_text()
    assert "spec.field" in js
    assert not any(str(v) in js for v in (*field["x"], *field["y"]))
