"""Figures that follow the app's light or dark theme.

Our figures set their colours for a white page; on Streamlit's dark theme that leaves a
white block with the page's light text around it, or dark labels on a dark page. One
pass over a finished figure turns it dark: backgrounds, text, axes, legend and
annotations written in the dark ink. The field keeps its own colours (it is drawn, not a
background). The play player re-inks its play in the browser the same way.
"""

from __future__ import annotations

import plotly.graph_objects as go

from coverage.views.palette import DARK_BG, DARK_PANEL, readable_line, team_mark
from coverage.views.team_colors import hex_to_rgb

TEAM_BARS = "team_bars"  # trace.meta key: the clubs of a bar trace, re-coloured per theme
LIGHT_TEXT = "#E6E6E6"
DIM_TEXT = "#A0A4AD"
GRID = "#343842"
# inks our figures use for text on white, re-inked on dark
_DARK_INKS = {"#222", "#222222", "#333", "#333333", "#444", "#444444", "#555", "#555555",
              "#666", "#666666", "#888", "#888888", "black", "#000", "#000000", "#2c3e50"}


def _luminance(hex_color: str) -> float:
    lin = [v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4
           for v in (x / 255 for x in hex_to_rgb(hex_color))]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def _readable(hex_color: str, bg: str = DARK_BG, ratio: float = 4.5) -> str:
    """Mix a colour toward white until it reads on ``bg`` (WCAG contrast ``ratio``)."""
    rgb = hex_to_rgb(hex_color)
    lb = _luminance(bg)
    for step in range(11):
        t = step / 10
        mixed = "#" + "".join(f"{round(v + (255 - v) * t):02x}" for v in rgb)
        if (_luminance(mixed) + 0.05) / (lb + 0.05) >= ratio:
            return mixed
    return "#ffffff"


def _relight(color: str | None, fallback: str = LIGHT_TEXT) -> str | None:
    """Dark inks become ``fallback``; other hex colours are lightened until readable."""
    if color is None:
        return None
    if str(color).lower() in _DARK_INKS:
        return fallback
    return _readable(color) if str(color).startswith("#") and len(str(color)) in (4, 7) \
        else color


def team_bar_marker(clubs: list[str], dark: bool) -> dict:
    """Bar marker of one bar per club as it reads on the theme's background: fill, and an
    outline on the bars whose colours do not read (see ``coverage.views.palette``)."""
    marks = [team_mark(c, dark) for c in clubs]
    return {"color": [m.fill for m in marks],
            "line": {"color": [m.outline or m.fill for m in marks],
                     "width": [2 if m.outline else 0 for m in marks]}}


def _reink_shapes(fig: go.Figure) -> None:
    for shape in fig.layout.shapes or ():
        color = shape.line.color if shape.line is not None else None
        if isinstance(color, str) and color.startswith("#"):
            shape.line.color = readable_line(color, dark=True)


def themed(fig: go.Figure, dark: bool) -> go.Figure:
    """``fig`` re-coloured for a dark page (in place, returned); unchanged when light."""
    if not dark:
        return fig
    for trace in fig.data:
        meta = trace.meta if isinstance(getattr(trace, "meta", None), dict) else {}
        if TEAM_BARS in meta:
            trace.marker.update(team_bar_marker(list(meta[TEAM_BARS]), dark=True))
    _reink_shapes(fig)
    fig.update_layout(paper_bgcolor=DARK_BG, plot_bgcolor=DARK_PANEL,
                      font={"color": LIGHT_TEXT}, title_font_color=LIGHT_TEXT,
                      legend={"bgcolor": "rgba(0,0,0,0)", "font": {"color": LIGHT_TEXT}},
                      hoverlabel={"bgcolor": DARK_PANEL, "font": {"color": LIGHT_TEXT}})
    fig.update_xaxes(color=LIGHT_TEXT, gridcolor=GRID, linecolor=GRID, zerolinecolor=GRID)
    fig.update_yaxes(color=LIGHT_TEXT, gridcolor=GRID, linecolor=GRID, zerolinecolor=GRID)
    for trace in fig.data:
        font = getattr(trace, "textfont", None)
        if font is not None and font.color is not None and not isinstance(font.color, tuple):
            font.color = _relight(font.color)
    for ann in fig.layout.annotations or ():
        if ann.font is not None:
            ann.font.color = _relight(ann.font.color, DIM_TEXT) if ann.font.color else \
                LIGHT_TEXT
        if ann.bgcolor is not None:  # a light box would hold the re-inked light text
            ann.bgcolor = "rgba(26,29,38,0.75)"
    return fig
