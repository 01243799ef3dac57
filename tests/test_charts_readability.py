"""Aggregate charts that read honestly: sparse bins are not drawn as rates, bands do not
pile up, counts are whole numbers, every axis is named."""

from __future__ import annotations

import math

import polars as pl

from coverage.views import accuracy_by_time_figure, rate_bar_figure


def _curve(models=("a", "b", "c")) -> pl.DataFrame:
    rows = []
    for m in models:
        for secs, n in ((-9.0, 3), (-2.0, 120), (-1.0, 150), (0.0, 160)):
            rows.append({"model": m, "secs_from_snap": secs, "accuracy": 0.0 if n < 30 else 0.8,
                         "ci_low": 0.0, "ci_high": 0.6 if n < 30 else 0.85, "n_plays": n,
                         "majority_baseline": 0.74})
    return pl.DataFrame(rows)


def test_sparse_bins_are_hollow_and_off_the_line() -> None:
    fig = accuracy_by_time_figure(_curve(("a",)))
    line = next(t for t in fig.data if t.name == "a")
    assert math.isnan(line.y[0]) and line.y[1] == 0.8  # -9 s rests on 3 plays
    hollow = next(t for t in fig.data if t.name == "a (few plays)")
    assert list(hollow.x) == [-9.0] and hollow.marker.color == "rgba(0,0,0,0)"


def test_one_band_when_many_models_and_whole_play_counts() -> None:
    fig = accuracy_by_time_figure(_curve())
    bands = [t for t in fig.data if t.name and t.name.endswith(" CI")]
    assert [b.name for b in bands] == ["a CI"]
    fig = accuracy_by_time_figure(_curve(), bands_for=["b"])
    assert [t.name for t in fig.data if t.name and t.name.endswith(" CI")] == ["b CI"]
    assert fig.layout.yaxis2.tickformat == ",d"
    # the plays axis steps in round numbers on the accuracy axis's five 20% steps
    assert fig.layout.yaxis2.dtick == 40 and tuple(fig.layout.yaxis2.range) == (0, 200)


def test_nice_steps() -> None:
    from coverage.views.charts import nice_step

    assert [nice_step(x) for x in (0.3, 1, 7, 12, 32.2, 41, 199)] == \
        [0.4, 1, 10, 20, 40, 50, 200]
    assert [nice_step(x, whole=True) for x in (0.2, 1.4, 2.4, 24)] == [1, 2, 4, 25]
    assert nice_step(0) == 1


def test_rate_bars_name_their_axes() -> None:
    df = pl.DataFrame({"team": ["KC", "NE"], "man_rate": [0.3, 0.4], "n_plays": [50, 60],
                       "lo": [0.2, 0.3], "hi": [0.4, 0.5]})
    fig = rate_bar_figure(df, ci_low="lo", ci_high="hi", x_title="man rate", y_title="defense")
    assert fig.layout.xaxis.title.text == "man rate"
    assert fig.layout.yaxis.title.text == "defense"
    assert fig.data[0].error_x.color == "#9a9a9a"


def test_zoom_to_the_box_keeps_the_aspect_and_the_clock(sim_store) -> None:
    from coverage.views import combined_animation, zoom_to_box
    from coverage.views.field import X_RANGE, Y_RANGE

    play = sim_store.plays().row(0, named=True)
    frames = sim_store.play_frames(play["gameId"], play["playId"])
    fig = zoom_to_box(combined_animation(frames, None, play).figure, play)
    (x0, x1), (y0, y1) = fig.layout.xaxis.range, fig.layout.yaxis.range
    full = (X_RANGE[1] - X_RANGE[0]) / (Y_RANGE[1] - Y_RANGE[0])
    assert abs((x1 - x0) / (y1 - y0) - full) < 1e-6 and (x1 - x0) < 60
    assert x0 < play["los_x"] < x1 and y0 <= play["ball_y"] <= y1
    clock = next(t for t in fig.data if t.name == "clock")
    assert x0 < clock.x[0] < x1 and y0 < clock.y[0] < y1
