"""Plotly views: animation frames, slider, traces and synchronised curve cursor."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest

from coverage.errors import DataError
from coverage.views import (
    accuracy_by_time_figure,
    calibration_figure,
    combined_figure,
    confusion_figure,
    field_figure,
    key_events,
    probability_figure,
    rate_bar_figure,
)
from tests.builders.fixtures import REAL_PLAY
from tests.builders.sample_play import (
    LINE_SET_FRAME,
    MOTION_FRAME,
    N_FRAMES,
    SNAP_FRAME,
    sample_play,
)

OFF, DEF, BALL = 3, 4, 5  # documented trace order of field_figure


@pytest.fixture(scope="module")
def demo() -> dict:
    return sample_play()


def _trace(fig, name_prefix: str) -> int:
    return next(i for i, t in enumerate(fig.data) if (t.name or "").startswith(name_prefix))


def _side_xy(frames: pl.DataFrame, frame_id: int, side: str) -> tuple[np.ndarray, np.ndarray]:
    rows = frames.filter((pl.col("frameId") == frame_id) & (pl.col("side") == side)).sort("nflId")
    return rows["x"].to_numpy().astype(float), rows["y"].to_numpy().astype(float)


def test_field_has_one_animation_frame_and_slider_step_per_tracking_frame(demo) -> None:
    fig = field_figure(demo["frames"], demo["play"], players=demo["players"])
    assert len(fig.frames) == N_FRAMES
    steps = fig.layout.sliders[0].steps
    assert len(steps) == N_FRAMES
    assert [f.name for f in fig.frames] == [str(i) for i in range(1, N_FRAMES + 1)]
    assert "line set" in steps[LINE_SET_FRAME - 1].label
    assert "motion" in steps[MOTION_FRAME - 1].label
    assert "snap" in steps[SNAP_FRAME - 1].label
    assert steps[0].label.startswith("-5.4 s")
    buttons = [b.label for b in fig.layout.updatemenus[0].buttons]
    assert any("Play" in b for b in buttons) and any("Pause" in b for b in buttons)


def test_field_traces_for_both_teams_and_ball(demo) -> None:
    fig = field_figure(demo["frames"], demo["play"])
    names = [t.name for t in fig.data]
    assert names[OFF] == "offense KC" and names[DEF] == "defense BUF" and names[BALL] == "ball"
    assert len(fig.data[OFF].x) == 11 and len(fig.data[DEF].x) == 11
    assert list(fig.data[OFF].text)[0] == "15"  # jersey numbers drawn on the markers
    # club colours: KC red offense, BUF blue defense
    assert fig.data[OFF].marker.color == "#E31837"
    assert fig.data[DEF].marker.color == "#00338D"


@pytest.mark.parametrize("k", [0, MOTION_FRAME + 10, N_FRAMES - 1])
def test_marker_positions_equal_the_data_at_frame_k(demo, k: int) -> None:
    fig = field_figure(demo["frames"], demo["play"])
    frame = fig.frames[k]
    by_trace = dict(zip(frame.traces, frame.data, strict=True))
    for idx, side in ((OFF, "offense"), (DEF, "defense")):
        x, y = _side_xy(demo["frames"], k + 1, side)
        np.testing.assert_allclose(by_trace[idx].x, x, atol=0.006)
        np.testing.assert_allclose(by_trace[idx].y, y, atol=0.006)
    ball = demo["frames"].filter((pl.col("frameId") == k + 1) & (pl.col("side") == "ball"))
    np.testing.assert_allclose(by_trace[BALL].x, ball["x"].to_numpy(), atol=0.006)


def test_frames_carry_only_moving_traces_and_attributes(demo) -> None:
    fig = field_figure(demo["frames"], demo["play"])
    for frame in fig.frames:
        assert 0 not in frame.traces and 1 not in frame.traces  # field lines, numbers
    by_trace = dict(zip(fig.frames[5].traces, fig.frames[5].data, strict=True))
    assert by_trace[OFF].text is None  # jersey numbers stay in the base trace
    assert len(fig.to_json()) < 400_000


def test_motion_man_moves_across_the_formation(demo) -> None:
    fig = field_figure(demo["frames"], demo["play"])
    ids = np.sort(demo["frames"].filter(pl.col("side") == "offense")["nflId"].unique().to_numpy())
    j = int(np.flatnonzero(ids == 1011)[0])
    y_before = fig.frames[MOTION_FRAME - 2].data[1].y[j]
    y_snap = fig.frames[SNAP_FRAME - 1].data[1].y[j]
    assert y_before - y_snap > 10


def test_stride_keeps_the_snap_event(demo) -> None:
    fig = field_figure(demo["frames"], demo["play"], frame_stride=4)
    assert len(fig.frames) == math.ceil(N_FRAMES / 4)
    assert len(fig.layout.sliders[0].steps) == len(fig.frames)
    labels = " ".join(s.label for s in fig.layout.sliders[0].steps)
    assert "snap" in labels and "motion" in labels and "line set" in labels


def test_title_has_situation_and_synthetic_tag(demo) -> None:
    fig = field_figure(demo["frames"], demo["play"])
    title = fig.layout.title.text
    for part in ("KC vs BUF", "Q2", "3rd & 7", "Man (Cover-1)", "SYNTHETIC DATA"):
        assert part in title
    real = {**demo["play"], "source": "real"}
    assert "SYNTHETIC" not in field_figure(demo["frames"], real).layout.title.text


def test_hover_shows_position_and_slots(demo) -> None:
    slots = pl.DataFrame({"nflId": [1011, 1009], "slot": ["slot R", "wide R"]})
    fig = field_figure(demo["frames"], demo["play"], players=demo["players"], slots=slots)
    hover = " ".join(fig.data[OFF].hovertext)
    assert "(QB)" in hover and "slot: slot R" in hover and "#17 Sam Slot" in hover
    per_frame = pl.DataFrame({"nflId": [1011, 1011], "frameId": [1, 50],
                              "slot": ["wide R", "slot R"]})
    fig = field_figure(demo["frames"], demo["play"], slots=per_frame)
    assert "slot: wide R" in " ".join(fig.frames[0].data[1].hovertext)
    assert "slot: slot R" in " ".join(fig.frames[49].data[1].hovertext)


def test_attribution_hook_scales_defender_outlines(demo) -> None:
    attr = pl.DataFrame({"nflId": [2011], "frameId": [40], "value": [0.8]})
    fig = field_figure(demo["frames"], demo["play"], attribution=attr)
    widths = fig.frames[39].data[2].marker.line.width
    assert max(widths) > 5 and min(widths) == 1.0


def test_missing_columns_name_the_column(demo) -> None:
    with pytest.raises(DataError, match="side"):
        field_figure(demo["frames"].drop("side"), demo["play"])


def test_combined_figure_moves_players_and_curve_marker(demo) -> None:
    fig = combined_figure(demo["frames"], demo["preds"], demo["play"])
    assert len(fig.frames) == N_FRAMES
    now, dots, off = _trace(fig, "now"), _trace(fig, "P(man) now"), _trace(fig, "offense")
    assert fig.data[now].xaxis == "x2" and fig.data[off].xaxis == "x"
    assert {now, dots, off} <= set(fig.frames[0].traces)
    preds = demo["preds"]
    for k in (10, 40):
        by_trace = dict(zip(fig.frames[k].traces, fig.frames[k].data, strict=True))
        secs = (k + 1 - SNAP_FRAME) / 10
        assert by_trace[now].x[0] == pytest.approx(secs)
        expected = (preds.filter(pl.col("frameId") == k + 1).sort("model")["p_man"]
                    .to_numpy().astype(float))
        np.testing.assert_allclose(by_trace[dots].y, expected, atol=1e-3)
        x, _ = _side_xy(demo["frames"], k + 1, "offense")
        np.testing.assert_allclose(by_trace[off].x, x, atol=0.006)
    assert fig.frames[10].data[-2].x != fig.frames[40].data[-2].x
    # one line per model on the curve axes
    lines = [t for t in fig.data if t.name in ("logreg", "transformer")]
    assert len(lines) == 2 and all(t.xaxis == "x2" for t in lines)


def test_combined_figure_without_predictions(demo) -> None:
    empty = demo["preds"].clear()
    fig = combined_figure(demo["frames"], empty, demo["play"], frame_stride=5)
    assert len(fig.frames) == 12
    assert any("no predictions" in (a.text or "") for a in fig.layout.annotations)


def test_probability_figure_lines_truth_events_and_current_frame(demo) -> None:
    ev = key_events(demo["frames"])
    assert [e.event for e in ev] == ["line_set", "man_in_motion", "ball_snap"]
    fig = probability_figure(demo["preds"], demo["play"], current_frame=40, events=ev)
    assert [t.name for t in fig.data][:2] == ["logreg", "transformer"]
    assert fig.data[2].name == "current frame" and len(fig.data[2].x) == 2
    texts = " ".join(a.text for a in fig.layout.annotations)
    assert "true: Man (Cover-1)" in texts and "motion" in texts and "snap" in texts
    assert any(s.y0 == 0.5 and s.y1 == 0.5 for s in fig.layout.shapes)
    empty = probability_figure(None, demo["play"])
    assert any("no predictions" in a.text for a in empty.layout.annotations)


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
    fig = combined_figure(frames, None, play, players=real_store.players())
    assert len(fig.frames) == n
    off = _trace(fig, "offense")
    assert len(fig.data[off].x) == 11 and len(fig.data[off + 1].x) == 11
    assert "Zone" in fig.layout.title.text and "SYNTHETIC" not in fig.layout.title.text
    labels = " ".join(s.label for s in fig.layout.sliders[0].steps)
    assert "line set" in labels and "snap" in labels


def test_man_coverage_links_follow_the_animation() -> None:
    import polars as pl

    from coverage.views import combined_figure, field_figure
    from tests.builders.sample_play import sample_play

    s = sample_play()
    frames, play = s["frames"], s["play"]
    off = frames.filter(pl.col("side") == "offense")["nflId"].unique().sort().to_list()
    de = frames.filter(pl.col("side") == "defense")["nflId"].unique().sort().to_list()
    fids = frames["frameId"].unique().sort().to_list()
    links = pl.DataFrame({"frameId": fids * 2, "nflId": [de[0]] * len(fids) + [de[1]] * len(fids),
                          "target_nflId": [off[0]] * len(fids) + [None] * len(fids)})
    base = field_figure(frames, play)
    fig = field_figure(frames, play, links=links)
    assert len(fig.data) == len(base.data) + 1 and fig.data[-1].name == "man coverage"
    k = 5
    seg = fig.frames[k].data[-1]
    f = frames.filter(pl.col("frameId") == fids[k])
    dx = f.filter(pl.col("nflId") == de[0])["x"].item()
    ox = f.filter(pl.col("nflId") == off[0])["x"].item()
    assert list(seg.x[:2]) == pytest.approx([dx, ox], abs=0.01)
    assert len(seg.x) == 3  # one man defender, the zone one draws nothing
    comb = combined_figure(frames, s["preds"], play, links=links)
    assert any(t.name == "man coverage" for t in comb.data)
