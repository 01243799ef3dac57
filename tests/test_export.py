"""GIF / PNG export drawn with pillow: decodes, frame count, panels, atomic write."""

from __future__ import annotations

import io
import math

import numpy as np
import polars as pl
import pytest
from PIL import Image

from coverage.export import render_play_gif
from coverage.export.gif import HALO, SYNTH_RED, TITLE_BG, _layout
from tests.builders.fixtures import REAL_PLAY
from tests.builders.sample_play import MOTION_FRAME, N_FRAMES, SNAP_FRAME, sample_play

SIZE = (1200, 480)


@pytest.fixture(scope="module")
def demo() -> dict:
    return sample_play()


@pytest.fixture(scope="module")
def gif_frames(demo) -> list[np.ndarray]:
    data = render_play_gif(demo["frames"], demo["preds"], demo["play"], size=SIZE)
    return _decode(data)


def _decode(data: bytes) -> list[np.ndarray]:
    im = Image.open(io.BytesIO(data))
    assert im.format == "GIF"
    out = []
    for k in range(im.n_frames):
        im.seek(k)
        out.append(np.asarray(im.convert("RGB")))
    return out


def _count(region: np.ndarray, color: tuple[int, int, int]) -> int:
    return int(np.all(region == np.array(color, dtype=np.uint8), axis=-1).sum())


def test_gif_decodes_with_one_frame_per_tracking_frame(demo, gif_frames) -> None:
    assert len(gif_frames) == N_FRAMES
    assert gif_frames[0].shape == (SIZE[1], SIZE[0], 3)


def test_stride_fps_and_size(demo) -> None:
    data = render_play_gif(demo["frames"], demo["preds"], demo["play"], frame_stride=4, fps=5,
                           size=(600, 300))
    im = Image.open(io.BytesIO(data))
    assert im.n_frames == math.ceil(N_FRAMES / 4) and im.size == (600, 300)
    assert im.info["duration"] == 800  # 4 tracking frames a GIF frame, at 5 tracking fps


def test_the_gif_plays_in_real_time_at_any_stride(demo) -> None:
    for stride in (1, 2, 3):
        data = render_play_gif(demo["frames"], demo["preds"], demo["play"],
                               frame_stride=stride, size=(300, 150))
        im = Image.open(io.BytesIO(data))
        total_ms = 0
        for k in range(im.n_frames):
            im.seek(k)
            total_ms += im.info["duration"]
        # as long as the play's tracking at 10 Hz (within one GIF frame)
        assert abs(total_ms - N_FRAMES * 100) <= stride * 100, (stride, total_ms)


def test_title_bar_has_text_and_synthetic_badge(demo, gif_frames) -> None:
    lay = _layout(SIZE)
    bar = gif_frames[0][: lay.title_h]
    n_bg = _count(bar, TITLE_BG)
    assert 0.5 * bar.shape[0] * bar.shape[1] < n_bg < bar.shape[0] * bar.shape[1]  # text on it
    assert _count(bar[:, :200], SYNTH_RED) > 200
    real = render_play_gif(demo["frames"], demo["preds"], {**demo["play"], "source": "real"},
                           frame_stride=30)
    assert _count(_decode(real)[0][: lay.title_h], SYNTH_RED) == 0


def test_field_and_curve_panels_change_between_frames(gif_frames) -> None:
    lay = _layout(SIZE)
    l, top, r, b = lay.curve_box
    left_w = int(SIZE[0] * 0.64)
    before, after = gif_frames[MOTION_FRAME - 5], gif_frames[SNAP_FRAME - 1]
    field_diff = np.any(before[lay.title_h :, :left_w] != after[lay.title_h :, :left_w], axis=-1)
    assert field_diff.sum() > 100
    curve_diff = np.any(before[top:b, l:r] != after[top:b, l:r], axis=-1)
    assert curve_diff.sum() > 100
    # the title never changes
    assert np.array_equal(before[: lay.title_h], after[: lay.title_h])


def test_curve_is_drawn_progressively(demo, gif_frames) -> None:
    lay = _layout(SIZE)
    l, top, r, b = lay.curve_box
    blue = (0, 114, 178)  # first model colour (logreg, sorted)
    early = _count(gif_frames[2][top:b, l:r], blue)
    late = _count(gif_frames[SNAP_FRAME - 1][top:b, l:r], blue)
    assert late > early + 100


def test_atomic_write_leaves_only_the_gif(demo, tmp_path) -> None:
    target = tmp_path / "out" / "play.gif"
    data = render_play_gif(demo["frames"], demo["preds"], demo["play"], path=target,
                           frame_stride=10)
    assert target.read_bytes() == data
    assert [p.name for p in target.parent.iterdir()] == ["play.gif"]


def test_no_predictions_and_attribution_rings(demo) -> None:
    attr = pl.DataFrame({"nflId": [2011, 1011], "frameId": [40, 40], "value": [1.0, -0.6]})
    data = render_play_gif(demo["frames"], None, demo["play"], attribution=attr)
    frames = _decode(data)
    assert len(frames) == N_FRAMES
    assert _count(frames[39], HALO) > 20 and _count(frames[10], HALO) == 0


def test_hundred_frames_render_every_frame(demo) -> None:
    """A 100-frame play gives a 100-frame GIF (its speed goal is benchmarks/bench_gif.py)."""
    frames = demo["frames"].filter(pl.col("frameId") <= 50)
    doubled = pl.concat([frames, frames.with_columns(pl.col("frameId") + 50)])
    data = render_play_gif(doubled, demo["preds"], demo["play"], size=(480, 240))
    assert Image.open(io.BytesIO(data)).n_frames == 100


def test_real_play_gif(real_store) -> None:
    frames = real_store.play_frames(*REAL_PLAY)
    play = real_store.plays().filter(
        (pl.col("gameId") == REAL_PLAY[0]) & (pl.col("playId") == REAL_PLAY[1])
    ).row(0, named=True)
    data = render_play_gif(frames, None, play, frame_stride=8, size=(800, 320))
    im = Image.open(io.BytesIO(data))
    assert im.n_frames == math.ceil(frames["frameId"].n_unique() / 8)


def test_decoded_frames_equal_the_rendered_frames(demo, gif_frames) -> None:
    """Delta frames with a transparent 'unchanged' index must decode to the exact image."""
    from coverage.export.gif import TRANSPARENT_INDEX, _Renderer
    from coverage.views._common import play_arrays

    pa = play_arrays(demo["frames"], demo["play"])
    rend = _Renderer(pa, demo["preds"], demo["play"], demo["frames"], SIZE)
    for k in (0, 1, MOTION_FRAME, N_FRAMES - 1):
        drawn = rend.frame(k)
        assert int(np.asarray(drawn).max()) < TRANSPARENT_INDEX
        np.testing.assert_array_equal(gif_frames[k], np.asarray(drawn.convert("RGB")))


def test_a_still_png_of_one_moment(demo) -> None:
    from coverage.app.play_data import frame_moments, snap_moment
    from coverage.export import render_play_png

    moments = frame_moments(demo["frames"])
    snap = snap_moment(moments)
    assert moments[snap] == "snap 0.0 s"
    png = render_play_png(demo["frames"], demo["preds"], demo["play"], snap, size=(600, 240))
    im = Image.open(io.BytesIO(png))
    assert im.format == "PNG" and im.size == (600, 240)
    with pytest.raises(ValueError):
        render_play_png(demo["frames"], demo["preds"], demo["play"], 99_999)
