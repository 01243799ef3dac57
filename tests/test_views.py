"""Plotly views: the play animation's frames as the browser player rebuilds them from its
spec (every tracking frame, moved traces, read-out labels, the synchronised curve cursor),
and the static charts."""

from __future__ import annotations

import json

import numpy as np
import polars as pl
import pytest

from coverage.errors import DataError
from coverage.views import (
    accuracy_by_time_figure,
    calibration_figure,
    combined_animation,
    confusion_figure,
    key_events,
    rate_bar_figure,
)
from tests.builders.fixtures import REAL_PLAY
from tests.builders.player_spec import animation_figure, frame_traces, trace_index
from tests.builders.sample_play import (
    LINE_SET_FRAME,
    MOTION_FRAME,
    N_FRAMES,
    SNAP_FRAME,
    sample_play,
)


@pytest.fixture(scope="module")
def demo() -> dict:
    return sample_play()


@pytest.fixture(scope="module")
def shown(demo) -> dict:
    """The sample play with predictions, as the browser player rebuilds it."""
    return animation_figure(combined_animation(demo["frames"], demo["preds"], demo["play"]))


def _side_xy(frames: pl.DataFrame, frame_id: int, side: str) -> tuple[np.ndarray, np.ndarray]:
    rows = frames.filter((pl.col("frameId") == frame_id) & (pl.col("side") == side)).sort("nflId")
    return rows["x"].to_numpy().astype(float), rows["y"].to_numpy().astype(float)


def test_one_frame_and_read_out_label_per_tracking_frame(demo) -> None:
    fig = animation_figure(combined_animation(demo["frames"], None, demo["play"],
                                              players=demo["players"]))
    spec = fig["spec"]
    assert len(fig["frames"]) == N_FRAMES
    assert spec["names"] == [str(i) for i in range(1, N_FRAMES + 1)]
    labels = spec["labels"]
    assert len(labels) == N_FRAMES
    assert "line set" in labels[LINE_SET_FRAME - 1]
    assert "motion" in labels[MOTION_FRAME - 1]
    assert "snap" in labels[SNAP_FRAME - 1]
    assert labels[0].startswith("-5.4 s")
    assert spec["frame_ms"] == 100  # tracking's 10 Hz, in real time


def test_field_traces_for_both_teams_and_ball(shown) -> None:
    off, de, ball = (trace_index(shown, n) for n in ("offense", "defense", "ball"))
    data = shown["data"]
    assert data[off]["name"] == "offense KC" and data[de]["name"] == "defense BUF"
    assert data[ball]["name"] == "ball"
    assert shown["spec"]["players"] == [off, de] and shown["spec"]["ball"] == ball
    assert len(data[off]["x"]) == 11 and len(data[de]["x"]) == 11
    assert list(data[off]["text"])[0] == "15"  # jersey numbers drawn on the markers
    # club colours: KC red offense, BUF blue defense
    assert data[off]["marker"]["color"] == "#E31837"
    assert data[de]["marker"]["color"] == "#00338D"


@pytest.mark.parametrize("k", [0, MOTION_FRAME + 10, N_FRAMES - 1])
def test_marker_positions_equal_the_data_at_frame_k(demo, shown, k: int) -> None:
    by_trace = frame_traces(shown, k)
    for side in ("offense", "defense"):
        x, y = _side_xy(demo["frames"], k + 1, side)
        np.testing.assert_allclose(by_trace[trace_index(shown, side)]["x"], x, atol=0.006)
        np.testing.assert_allclose(by_trace[trace_index(shown, side)]["y"], y, atol=0.006)
    ball = demo["frames"].filter((pl.col("frameId") == k + 1) & (pl.col("side") == "ball"))
    np.testing.assert_allclose(by_trace[trace_index(shown, "ball")]["x"],
                               ball["x"].to_numpy(), atol=0.006)


def test_every_frame_of_every_player_reaches_the_player(demo, shown) -> None:
    off, de = shown["spec"]["players"]
    for k in range(N_FRAMES):
        by_trace = frame_traces(shown, k)
        for idx, side in ((off, "offense"), (de, "defense")):
            x, y = _side_xy(demo["frames"], k + 1, side)
            np.testing.assert_allclose(by_trace[idx]["x"], x, atol=0.006, err_msg=str(k))
            np.testing.assert_allclose(by_trace[idx]["y"], y, atol=0.006, err_msg=str(k))


def test_frames_carry_only_moving_traces_and_attributes(shown) -> None:
    spec = shown["spec"]
    assert 0 not in spec["traces"] and 1 not in spec["traces"]  # field lines, numbers
    off = trace_index(shown, "offense")
    assert "text" not in frame_traces(shown, 5)[off]  # jersey numbers stay in the base trace
    assert len(json.dumps(spec)) < 400_000


def test_motion_man_moves_across_the_formation(demo, shown) -> None:
    off = trace_index(shown, "offense")
    ids = np.sort(demo["frames"].filter(pl.col("side") == "offense")["nflId"].unique().to_numpy())
    j = int(np.flatnonzero(ids == 1011)[0])
    y_before = frame_traces(shown, MOTION_FRAME - 2)[off]["y"][j]
    y_snap = frame_traces(shown, SNAP_FRAME - 1)[off]["y"][j]
    assert y_before - y_snap > 10


def test_stride_keeps_the_snap_event(demo) -> None:
    fig = animation_figure(combined_animation(demo["frames"], None, demo["play"],
                                              frame_stride=4))
    assert len(fig["frames"]) == len(fig["spec"]["labels"]) == -(-N_FRAMES // 4)
    labels = " ".join(fig["spec"]["labels"])
    assert "snap" in labels and "motion" in labels and "line set" in labels


def test_title_has_situation_and_synthetic_tag(demo) -> None:
    fig = combined_animation(demo["frames"], None, demo["play"]).figure
    title = fig.layout.title.text
    for part in ("KC vs BUF", "Q2", "3rd & 7", "Man (Cover-1)", "SYNTHETIC DATA"):
        assert part in title
    real = {**demo["play"], "source": "real"}
    real_fig = combined_animation(demo["frames"], None, real).figure
    assert "SYNTHETIC" not in real_fig.layout.title.text


def test_hover_shows_position_and_slots(demo) -> None:
    slots = pl.DataFrame({"nflId": [1011, 1009], "slot": ["slot R", "wide R"]})
    fig = animation_figure(combined_animation(demo["frames"], None, demo["play"],
                                              players=demo["players"], slots=slots))
    off = trace_index(fig, "offense")
    hover = " ".join(fig["data"][off]["hovertext"])
    assert "(QB)" in hover and "slot: slot R" in hover and "#17 Sam Slot" in hover
    per_frame = pl.DataFrame({"nflId": [1011, 1011], "frameId": [1, 50],
                              "slot": ["wide R", "slot R"]})
    fig = animation_figure(combined_animation(demo["frames"], None, demo["play"],
                                              slots=per_frame))
    assert "slot: wide R" in " ".join(frame_traces(fig, 0)[off]["hovertext"])
    assert "slot: slot R" in " ".join(frame_traces(fig, 49)[off]["hovertext"])


def test_attribution_hook_scales_defender_outlines(demo) -> None:
    attr = pl.DataFrame({"nflId": [2011], "frameId": [40], "value": [0.8]})
    fig = animation_figure(combined_animation(demo["frames"], None, demo["play"],
                                              attribution=attr))
    widths = frame_traces(fig, 39)[trace_index(fig, "defense")]["marker"]["line"]["width"]
    assert max(widths) > 5 and min(widths) == 1.0


def test_missing_columns_name_the_column(demo) -> None:
    with pytest.raises(DataError, match="side"):
        combined_animation(demo["frames"].drop("side"), None, demo["play"])


def test_the_curve_cursor_moves_with_the_players(demo, shown) -> None:
    now, dots, off = (trace_index(shown, n) for n in ("now", "P(man) now", "offense"))
    assert shown["data"][now]["xaxis"] == "x2" and shown["data"][off]["xaxis"] == "x"
    assert {now, dots, off} <= set(shown["frames"][0]["traces"])
    preds = demo["preds"]
    for k in (10, 40):
        by_trace = frame_traces(shown, k)
        secs = (k + 1 - SNAP_FRAME) / 10
        assert by_trace[now]["x"][0] == pytest.approx(secs)
        assert shown["spec"]["secs"][k] == pytest.approx(secs)
        expected = (preds.filter(pl.col("frameId") == k + 1).sort("model")["p_man"]
                    .to_numpy().astype(float))
        np.testing.assert_allclose(by_trace[dots]["y"], expected, atol=1e-3)
        x, _ = _side_xy(demo["frames"], k + 1, "offense")
        np.testing.assert_allclose(by_trace[off]["x"], x, atol=0.006)
    assert frame_traces(shown, 10)[now]["x"] != frame_traces(shown, 40)[now]["x"]
    # one line per model on the curve axes
    lines = [t for t in shown["data"] if t.get("name") in ("logreg", "transformer")]
    assert len(lines) == 2 and all(t["xaxis"] == "x2" for t in lines)


def test_animation_without_predictions(demo) -> None:
    empty = demo["preds"].clear()
    anim = combined_animation(demo["frames"], empty, demo["play"], frame_stride=5)
    assert len(animation_figure(anim)["frames"]) == 12
    assert any("no predictions" in (a.text or "") for a in anim.figure.layout.annotations)


def test_curve_panel_truth_events_and_half_line(demo) -> None:
    ev = key_events(demo["frames"])
    assert [e.event for e in ev] == ["line_set", "man_in_motion", "ball_snap"]
    layout = combined_animation(demo["frames"], demo["preds"], demo["play"]).figure.layout
    texts = " ".join(a.text for a in layout.annotations)
    assert "true: Man (Cover-1)" in texts and "motion" in texts and "snap" in texts
    assert any(s.y0 == 0.5 and s.y1 == 0.5 and s.yref == "y2" for s in layout.shapes)


def test_accuracy_by_time_has_bands_counts_and_baseline() -> None:
    secs = [-3.0, -2.0, -1.0, 0.0]
    df = pl.DataFrame({
        "model": ["a"] * 4 + ["b"] * 4, "secs_from_snap": secs * 2,
        "accuracy": [0.6, 0.65, 0.7, 0.8, 0.62, 0.7, 0.75, 0.85],
        "ci_low": [0.5] * 8, "ci_high": [0.9] * 8, "n_plays": [20, 60, 90, 100] * 2,
        "majority_baseline": [0.73] * 8,
    })
    fig = accuracy_by_time_figure(df)
    bars = [t for t in fig.data if t.type == "bar"]
    assert len(bars) == 1 and bars[0].yaxis == "y2" and list(bars[0].y) == [20, 60, 90, 100]
    assert sum(1 for t in fig.data if t.type == "scatter" and t.fill == "toself") == 2
    assert any(t.name == "baseline" for t in fig.data)
    with pytest.raises(DataError, match="ci_low"):
        accuracy_by_time_figure(df.drop("ci_low"))


def test_calibration_confusion_and_rate_bars() -> None:
    cal = calibration_figure(pl.DataFrame({"model": ["a", "a"], "mean_pred": [0.2, 0.8],
                                           "frac_man": [0.25, 0.7], "n": [100, 30]}))
    assert cal.data[0].name == "perfect" and cal.data[1].name == "a"
    conf = confusion_figure([[30, 10], [5, 80]], ["Man", "Zone"])
    assert conf.data[0].text[0][0] == "30<br>75%"
    with pytest.raises(DataError):
        confusion_figure([[1, 2, 3]], ["Man", "Zone"])
    rates = pl.DataFrame({"team": ["NE", "KC", "XYZ"], "man_rate": [0.3, 0.4, 0.2],
                          "n_plays": [10, 20, 30], "lo": [0.2, 0.3, 0.1], "hi": [0.4, 0.5, 0.3]})
    bars = rate_bar_figure(rates, ci_low="lo", ci_high="hi", reference=0.27)
    assert list(bars.data[0].y) == ["XYZ", "NE", "KC"]  # sorted by rate
    assert bars.data[0].marker.color[2] == "#E31837"  # KC red
    np.testing.assert_allclose(bars.data[0].error_x.array, [0.1, 0.1, 0.1])


def test_real_play_draws(real_store) -> None:
    frames = real_store.play_frames(*REAL_PLAY)
    plays = real_store.plays()
    play = plays.filter((pl.col("gameId") == REAL_PLAY[0]) & (pl.col("playId") == REAL_PLAY[1]))
    play = play.row(0, named=True)
    n = frames["frameId"].n_unique()
    fig = animation_figure(combined_animation(frames, None, play, players=real_store.players()))
    assert len(fig["frames"]) == n
    off, de = fig["spec"]["players"]
    assert len(fig["data"][off]["x"]) == 11 and len(fig["data"][de]["x"]) == 11
    for k in (0, n - 1):  # every player at the first and the last frame
        assert len(frame_traces(fig, k)[off]["x"]) == 11
    title = fig["layout"]["title"]["text"]
    assert "Zone" in title and "SYNTHETIC" not in title
    labels = " ".join(fig["spec"]["labels"])
    assert "line set" in labels and "snap" in labels


def test_man_coverage_links_follow_the_animation(demo) -> None:
    frames, play = demo["frames"], demo["play"]
    off = frames.filter(pl.col("side") == "offense")["nflId"].unique().sort().to_list()
    de = frames.filter(pl.col("side") == "defense")["nflId"].unique().sort().to_list()
    fids = frames["frameId"].unique().sort().to_list()
    links = pl.DataFrame({"frameId": fids * 2, "nflId": [de[0]] * len(fids) + [de[1]] * len(fids),
                          "target_nflId": [off[0]] * len(fids) + [None] * len(fids)})
    base = combined_animation(frames, demo["preds"], play)
    fig = animation_figure(combined_animation(frames, demo["preds"], play, links=links))
    assert len(fig["data"]) == len(base.figure.data) + 1
    line = trace_index(fig, "man coverage")
    k = 5
    seg = frame_traces(fig, k)[line]
    f = frames.filter(pl.col("frameId") == fids[k])
    dx = f.filter(pl.col("nflId") == de[0])["x"].item()
    ox = f.filter(pl.col("nflId") == off[0])["x"].item()
    assert list(seg["x"][:2]) == pytest.approx([dx, ox], abs=0.01)
    assert len(seg["x"]) == 3  # one man defender, the zone one draws nothing
