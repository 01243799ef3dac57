"""The app's plotly field and the exported GIF draw one field: ``coverage.pitch``."""

from __future__ import annotations

import ast
import inspect
from typing import Any

import polars as pl
import pytest

from coverage import pitch, schema
from coverage.export import gif
from coverage.views import _common, combined_animation, curves, field
from coverage.views._common import play_arrays

RENDERERS = (field, curves, _common, gif)


def _frames() -> tuple[pl.DataFrame, dict[str, Any]]:
    rows = []
    for f in (1, 2):
        rows += [
            {"nflId": 1, "frameId": f, "side": "offense", "x": 30.0 + f, "y": 20.0},
            {"nflId": 2, "frameId": f, "side": "defense", "x": 40.0, "y": 25.0 + f},
            {"nflId": None, "frameId": f, "side": "ball", "x": 35.0, "y": 26.0},
        ]
    return pl.DataFrame(rows), {"gameId": 1, "playId": 1}


class _Recorder:
    """Stands in for ``ImageDraw.Draw`` and keeps what the GIF would paint."""

    def __init__(self) -> None:
        self.lines: list[tuple[tuple[float, ...], Any]] = []
        self.texts: list[tuple[tuple[float, float], str]] = []

    def rectangle(self, *args: Any, **kwargs: Any) -> None:
        pass

    def line(self, xy: tuple[float, ...], fill: Any = None, width: int = 1) -> None:
        self.lines.append((tuple(xy), fill))

    def text(self, xy: tuple[float, float], text: str, **kwargs: Any) -> None:
        self.texts.append((tuple(xy), text))


def _plotly_markings() -> tuple[list[pitch.Segment], list[pitch.NumberMark]]:
    frames, play = _frames()
    fig = combined_animation(frames, None, play).figure
    lines, numbers = fig.data[0], fig.data[1]
    xs, ys = list(lines.x), list(lines.y)
    segs = [((xs[i], ys[i]), (xs[i + 1], ys[i + 1])) for i in range(0, len(xs), 3)]
    nums = list(zip(numbers.x, numbers.y, numbers.text, strict=True))
    return segs, nums


def _gif_markings() -> tuple[list[pitch.Segment], list[pitch.NumberMark]]:
    frames, play = _frames()
    lay = gif._layout((1200, 480))
    rec = _Recorder()
    gif._draw_field(rec, lay, play_arrays(frames, play))  # type: ignore[arg-type]

    def yards(px: float, py: float) -> pitch.Point:
        return (px - lay.field_x0) / lay.scale, pitch.WIDTH - (py - lay.field_y0) / lay.scale

    segs = [(yards(*xy[:2]), yards(*xy[2:])) for xy, fill in rec.lines if fill == gif.LINE]
    nums = [(*yards(*xy), text) for xy, text in rec.texts]
    return segs, nums


def _flat(items: list) -> list[float]:
    out: list[float] = []
    for item in items:
        for part in item:
            out += [float(v) for v in (part if isinstance(part, tuple) else (part,))]
    return out


def _close(a: list, b: list) -> bool:
    return len(a) == len(b) and _flat(a) == pytest.approx(_flat(b), abs=1e-6)


def test_pitch_is_an_nfl_field() -> None:
    assert (pitch.LENGTH, pitch.WIDTH) == (120.0, 53.3)
    assert schema.FIELD_LENGTH == pitch.LENGTH and schema.FIELD_WIDTH == pitch.WIDTH
    assert pitch.yard_line_xs() == [float(x) for x in range(10, 111, 5)]
    assert [n for _, y, n in pitch.yard_numbers() if y == pitch.NUMBER_Y[0]] == [
        "10", "20", "30", "40", "50", "40", "30", "20", "10"]
    ticks = pitch.tick_segments()
    assert len(ticks) == 80 * 4  # 1-yard marks between the goal lines, 4 rows
    assert {round(a[1] + pitch.TICK_HALF_LENGTH, 6) for a, _ in ticks} == {
        round(y, 6) for y in (*pitch.HASH_Y, *pitch.SIDELINE_TICK_Y)}
    assert pitch.end_zones() == ((0.0, 10.0), (110.0, 120.0))


def test_plotly_and_gif_draw_the_same_markings() -> None:
    p_segs, p_nums = _plotly_markings()
    g_segs, g_nums = _gif_markings()
    assert _close(p_segs, pitch.marking_segments())
    assert _close(g_segs, pitch.marking_segments())
    assert [n[2] for n in p_nums] == [n[2] for n in g_nums] == [
        n[2] for n in pitch.yard_numbers()]
    assert _close([n[:2] for n in p_nums], [n[:2] for n in g_nums])


def test_both_renderers_follow_a_changed_pitch(monkeypatch: pytest.MonkeyPatch) -> None:
    """No renderer keeps a private copy: change the pitch and both drawings change."""
    only = [((50.0, 1.0), (50.0, 2.0))]
    monkeypatch.setattr(pitch, "marking_segments", lambda: list(only))
    monkeypatch.setattr(pitch, "yard_numbers", lambda: [(60.0, 5.0, "X")])
    for segs, nums in (_plotly_markings(), _gif_markings()):
        assert _close(segs, only)
        assert [n[2] for n in nums] == ["X"]


def _literals(module: Any) -> set[float]:
    tree = ast.parse(inspect.getsource(module))
    return {n.value for n in ast.walk(tree)
            if isinstance(n, ast.Constant) and isinstance(n.value, int | float)
            and not isinstance(n.value, bool)}


@pytest.mark.parametrize("module", RENDERERS, ids=lambda m: m.__name__)
def test_renderers_spell_no_field_dimension(module: Any) -> None:
    field_numbers = {pitch.LENGTH, pitch.WIDTH, *pitch.HASH_Y, pitch.NUMBER_Y[1]}
    assert not _literals(module) & field_numbers
