"""On the dark theme the main figure is dark and every label stays readable."""

from __future__ import annotations

import polars as pl

from coverage.views import combined_animation, themed
from coverage.views.theme import DARK_BG


def _luminance(color: str) -> float:
    c = color.lstrip("#")
    if len(c) == 3:
        c = "".join(ch * 2 for ch in c)
    rgb = [int(c[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    lin = [v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4 for v in rgb]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def _contrast(a: str, b: str) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def test_dark_theme_recolours_the_play_figure(sim_store) -> None:
    play = sim_store.plays().row(0, named=True)
    frames = sim_store.play_frames(play["gameId"], play["playId"])
    preds = pl.DataFrame({"model": ["m"] * 3, "gameId": [play["gameId"]] * 3,
                          "playId": [play["playId"]] * 3, "frameId": [1, 2, 3],
                          "secs_from_snap": [-0.2, -0.1, 0.0], "p_man": [0.2, 0.4, 0.6]})
    fig = themed(combined_animation(frames, preds, play).figure, dark=True)
    lay = fig.layout
    assert lay.paper_bgcolor == DARK_BG
    inks = [lay.font.color, lay.title.font.color, lay.legend.font.color]
    annotations = [a.font.color for a in lay.annotations if a.font and a.font.color]
    assert len(annotations) >= 3  # true coverage, event labels, axis notes
    inks += annotations
    for ink in inks:
        assert ink.startswith("#"), ink
        assert _contrast(ink, DARK_BG) >= 4.5, ink
    light = combined_animation(frames, preds, play).figure
    assert themed(light, dark=False).layout.paper_bgcolor == "white"
