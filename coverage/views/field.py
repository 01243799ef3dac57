"""The field panel of one play's animation, as an analyst would watch it pre-snap.

Lines, numbers and hash marks are drawn once (one trace or layout shape each);
animation frames carry only coordinates, speeds and the time read-out, so a
200-frame play stays responsive in the browser. ``field_parts`` builds the panel,
``curves.combined_animation`` sets it beside the P(man) curve.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypedDict

import numpy as np
import plotly.graph_objects as go
import polars as pl

from coverage import pitch
from coverage.views._common import (
    ARROW_SECONDS,
    FIRST_DOWN_COLOR,
    LOS_COLOR,
    PlayArrays,
    SideArrays,
    is_synthetic,
    moment_label,
    play_subtitle,
    play_title,
    readouts,
)
from coverage.views.palette import field_colors
from coverage.views.player_spec import Parts
from coverage.views.team_colors import text_color_for

FIELD_GREEN = pitch.GRASS
ENDZONE_GREEN = pitch.ENDZONE_GRASS
LINE_COLOR = "rgba(255,255,255,0.75)"
# man-coverage links: magenta, unlike the blue LOS and the yellow first-down line
MAN_LINK_COLOR = "rgba(255,79,216,0.95)"
X_RANGE = (-0.5, pitch.LENGTH + 0.5)
Y_RANGE = (-1.0, pitch.WIDTH + 3.5)  # room above the field for the time read-out
ZOOM_YD = 22.0  # height of the zoomed window (the box, the ball followed): ~2.4x the yards
CLOCK_Y = pitch.WIDTH + 1.8
# left-anchored just above the plot, so it wraps across the width under the title band
LEGEND = {"orientation": "h", "x": 0.0, "xanchor": "left", "y": 1.01, "yanchor": "bottom",
          "title": {"side": "left"}}
MARKER_PX = 17


def _r(a: np.ndarray, nd: int = 2) -> np.ndarray:
    """Round coordinates: centimetres are invisible and bloat the JSON."""
    return np.round(a.astype(float), nd)


def frame_labels(pa: PlayArrays) -> list[str]:
    """Slider label per frame: time to snap, plus the key event on that frame."""
    return [moment_label(secs, ev) for secs, ev in zip(pa.secs, pa.events, strict=True)]


def _polyline(segments: list[pitch.Segment]) -> tuple[list[float | None], list[float | None]]:
    """Segments as one None-separated polyline: one trace instead of hundreds of shapes."""
    xs: list[float | None] = []
    ys: list[float | None] = []
    for (x0, y0), (x1, y1) in segments:
        xs += [x0, x1, None]
        ys += [y0, y1, None]
    return xs, ys


def _rect(xaxis: str, yaxis: str, x0: float, x1: float, **style: Any) -> dict:
    return {"type": "rect", "xref": xaxis, "yref": yaxis, "x0": x0, "x1": x1, "y0": 0,
            "y1": pitch.WIDTH, "layer": "below", **style}


def _static_field(xaxis: str, yaxis: str) -> tuple[list[dict], list[dict]]:
    """Markings as one line trace and one text trace; grass and border as layout shapes."""
    xs, ys = _polyline(pitch.marking_segments())
    lines = {
        "type": "scatter", "x": xs, "y": ys, "mode": "lines", "xaxis": xaxis, "yaxis": yaxis,
        "line": {"color": LINE_COLOR, "width": 1}, "hoverinfo": "skip", "showlegend": False,
        "name": "field",
    }
    nx, ny, nt = zip(*pitch.yard_numbers(), strict=True)
    numbers = {
        "type": "scatter", "x": list(nx), "y": list(ny), "text": list(nt), "mode": "text",
        "xaxis": xaxis, "yaxis": yaxis, "hoverinfo": "skip", "showlegend": False,
        "textfont": {"color": "rgba(255,255,255,0.85)", "size": 16}, "name": "yard numbers",
    }
    no_line = {"line": {"width": 0}}
    shapes = [
        _rect(xaxis, yaxis, 0, pitch.LENGTH, fillcolor=FIELD_GREEN, **no_line),
        *(_rect(xaxis, yaxis, x0, x1, fillcolor=ENDZONE_GREEN, **no_line)
          for x0, x1 in pitch.end_zones()),
        _rect(xaxis, yaxis, 0, pitch.LENGTH, line={"width": 2, "color": "white"}),
    ]
    return [lines, numbers], shapes


def _line_shapes(pa: PlayArrays, xaxis: str, yaxis: str) -> list[dict]:
    out = []
    for x, color in ((pa.los_x, LOS_COLOR), (pa.first_down_x, FIRST_DOWN_COLOR)):
        if x is not None and pitch.on_field(x):
            out.append({"type": "line", "xref": xaxis, "yref": yaxis, "x0": x, "x1": x,
                        "y0": 0, "y1": pitch.WIDTH, "line": {"color": color, "width": 3},
                        "layer": "below"})
    return out


def _hover_texts(side: SideArrays, k: int | None) -> list[str]:
    out = []
    for j in range(len(side.nfl_ids)):
        jersey = f"#{side.jerseys[j]} " if side.jerseys[j] else ""
        pos = f" ({side.positions[j]})" if side.positions and side.positions[j] else ""
        text = f"{jersey}{side.names[j] or side.nfl_ids[j]}{pos}"
        if side.slots is not None:
            slot = side.slots[k if k is not None else 0, j]
            if slot:
                text += f"<br>slot: {slot}"
        out.append(text)
    return out


def _attr_width(side: SideArrays, k: int) -> np.ndarray:
    """Outline width from attribution magnitude (the explain-mode hook)."""
    assert side.attribution is not None
    scale = float(np.nanmax(np.abs(side.attribution))) or 1.0
    return _r(1.0 + 5.0 * np.abs(side.attribution[k]) / scale, 1)


def _side_trace(side: SideArrays, name: str, colors: tuple[str, str], xa: str, ya: str) -> dict:
    fill, outline = colors
    return {
        "type": "scatter", "mode": "markers+text", "name": name,
        "x": _r(side.x[0]), "y": _r(side.y[0]), "customdata": _r(side.s[0], 1),
        "text": side.jerseys, "textposition": "middle center",
        "textfont": {"color": text_color_for(fill), "size": 9},
        "hovertext": _hover_texts(side, 0),
        "hovertemplate": "%{hovertext}<br>speed %{customdata:.1f} yd/s<extra>" + name
        + "</extra>",
        "marker": {"size": MARKER_PX, "color": fill, "line": {"color": outline, "width": 1.5}},
        "xaxis": xa, "yaxis": ya,
    }


def _side_update(side: SideArrays, k: int) -> dict:
    upd: dict[str, Any] = {"x": _r(side.x[k]), "y": _r(side.y[k]), "customdata": _r(side.s[k], 1)}
    if side.slots is not None:
        upd["hovertext"] = _hover_texts(side, k)
    if side.attribution is not None:
        upd["marker"] = {"line": {"width": _attr_width(side, k)}}
    return upd


def _arrows(pa: PlayArrays, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Velocity segments of all 22 players as one NaN-separated polyline."""
    x0 = np.concatenate([pa.offense.x[k], pa.defense.x[k]])
    y0 = np.concatenate([pa.offense.y[k], pa.defense.y[k]])
    vx = np.concatenate([pa.offense.vx[k], pa.defense.vx[k]])
    vy = np.concatenate([pa.offense.vy[k], pa.defense.vy[k]])
    xs = np.stack([x0, x0 + ARROW_SECONDS * vx, np.full_like(x0, np.nan)], axis=1).ravel()
    ys = np.stack([y0, y0 + ARROW_SECONDS * vy, np.full_like(y0, np.nan)], axis=1).ravel()
    return _r(xs), _r(ys)


def man_links(pa: PlayArrays, links: pl.DataFrame | None) -> list[tuple[list, list]] | None:
    """Per kept frame, NaN-separated segments from each man defender to his receiver.

    ``links`` has frameId, nflId (defender) and target_nflId (receiver; null = not man).
    """
    if links is None or links.height == 0:
        return None
    d_col = {int(n): i for i, n in enumerate(pa.defense.nfl_ids)}
    o_col = {int(n): i for i, n in enumerate(pa.offense.nfl_ids)}
    k_of = {int(f): k for k, f in enumerate(pa.frame_ids)}
    segs: list[tuple[list, list]] = [([], []) for _ in range(pa.n_frames)]
    rows = links.drop_nulls(["target_nflId"]).select("frameId", "nflId", "target_nflId")
    for f, d, t in rows.iter_rows():
        k, i, j = k_of.get(int(f)), d_col.get(int(d)), o_col.get(int(t))
        if k is None or i is None or j is None:
            continue
        xs, ys = segs[k]
        xs += [pa.defense.x[k, i], pa.offense.x[k, j], None]
        ys += [pa.defense.y[k, i], pa.offense.y[k, j], None]
    return [(_r(np.array(xs, dtype=float)) if xs else [], _r(np.array(ys, dtype=float))
             if ys else []) for xs, ys in segs]


def field_parts(
    pa: PlayArrays,
    play: Mapping[str, Any],
    *,
    team_colors: Mapping[str, tuple[str, str]] | None = None,
    xaxis: str = "x",
    yaxis: str = "y",
    links: pl.DataFrame | None = None,
) -> Parts:
    """Field panel parts bound to the given axes (dynamic: off, def, arrows, ball, read-out)."""
    colors = field_colors(
        play.get("possessionTeam") or pa.offense.club,
        play.get("defensiveTeam") or pa.defense.club,
        team_colors,
    )
    static, shapes = _static_field(xaxis, yaxis)
    shapes += _line_shapes(pa, xaxis, yaxis)
    off_name = f"offense {pa.offense.club or ''}".strip()
    def_name = f"defense {pa.defense.club or ''}".strip()
    info = readouts(pa, "<b>{}</b>")
    ax, ay = _arrows(pa, 0)
    dynamic = [
        {"type": "scatter", "mode": "lines", "name": "velocity", "x": ax, "y": ay,
         "line": {"color": "rgba(255,255,255,0.9)", "width": 1.5}, "hoverinfo": "skip",
         "showlegend": False, "xaxis": xaxis, "yaxis": yaxis},
        _side_trace(pa.offense, off_name, colors["offense"], xaxis, yaxis),
        _side_trace(pa.defense, def_name, colors["defense"], xaxis, yaxis),
        {"type": "scatter", "mode": "markers", "name": "ball", "x": _r(pa.ball_x[:1]),
         "y": _r(pa.ball_y[:1]), "hoverinfo": "skip",
         "marker": {"size": 9, "color": colors["ball"][0], "symbol": "diamond",
                    "line": {"color": "white", "width": 1}},
         "xaxis": xaxis, "yaxis": yaxis},
        {"type": "scatter", "mode": "text", "name": "clock", "x": [1.0],
         "y": [CLOCK_Y], "text": [info[0]], "textposition": "middle right",
         "textfont": {"size": 13, "color": "#222"}, "hoverinfo": "skip", "showlegend": False,
         "cliponaxis": False,  # above the field: a narrow field must not cut it
         "xaxis": xaxis, "yaxis": yaxis},
    ]
    updates = []
    for k in range(pa.n_frames):
        ax, ay = _arrows(pa, k)
        updates.append([
            {"x": ax, "y": ay},
            _side_update(pa.offense, k),
            _side_update(pa.defense, k),
            {"x": _r(pa.ball_x[k : k + 1]), "y": _r(pa.ball_y[k : k + 1])},
            {"text": [info[k]]},
        ])
    segs = man_links(pa, links)
    if segs is not None:  # appended last so the documented trace order above is unchanged
        dynamic.append({"type": "scatter", "mode": "lines", "name": "man coverage",
                        "x": segs[0][0], "y": segs[0][1], "hoverinfo": "skip",
                        "line": {"color": MAN_LINK_COLOR, "width": 2, "dash": "dot"},
                        "xaxis": xaxis, "yaxis": yaxis})
        for k, upd in enumerate(updates):
            upd.append({"x": segs[k][0], "y": segs[k][1]})
    return Parts(static=static, dynamic=dynamic, updates=updates, shapes=shapes)


def zoom_to_box(fig: go.Figure, play: Mapping[str, Any], *, height_yd: float = ZOOM_YD
                ) -> go.Figure:
    """Zoom the field panel to the box around the ball (in place, returned).

    The window keeps the full field's aspect, so the panel keeps its size and every yard
    is ~2.4x larger: linemen no longer pile up. It sits 40% behind / 60% beyond the line
    of scrimmage (where the coverage is), and the time read-out moves into its corner.
    """
    los = play.get("los_x")
    if los is None:
        return fig
    ball_y = play.get("ball_y")
    ball_y = float(ball_y) if ball_y is not None else pitch.WIDTH / 2
    aspect = (X_RANGE[1] - X_RANGE[0]) / (Y_RANGE[1] - Y_RANGE[0])
    width = height_yd * aspect
    x0 = float(los) - 0.4 * width
    y0 = min(max(Y_RANGE[0], ball_y - height_yd / 2), Y_RANGE[1] - height_yd)
    fig.update_layout(xaxis={"range": [x0, x0 + width]},
                      yaxis={"range": [y0, y0 + height_yd]})
    for trace in fig.data:
        if trace.name == "clock":
            trace.x, trace.y = [x0 + 0.6], [y0 + height_yd - 1.2]
            trace.textfont.color = "white"
    return fig


def field_extent() -> dict[str, Any]:
    """The field's full axis ranges and the zoomed window's height, as the browser player
    receives them (it follows the ball in a window of the server's zoom)."""
    return {"x": list(X_RANGE), "y": list(Y_RANGE), "zoom_yd": ZOOM_YD}


def field_axes() -> tuple[dict[str, Any], dict[str, Any]]:
    """Axis settings that keep yards square and hide ticks (the field has its own)."""
    xa = {"range": list(X_RANGE), "visible": False, "fixedrange": True,
          "constrain": "domain"}
    ya = {"range": list(Y_RANGE), "visible": False, "fixedrange": True,
          "scaleanchor": "x", "scaleratio": 1, "constrain": "domain"}
    return xa, ya


def figure_title(play: Mapping[str, Any]) -> dict[str, Any]:
    """Title with the play's situation, and an unmissable tag on synthetic data."""
    text = f"<b>{play_title(play)}</b>"
    if is_synthetic(play):
        text = "<span style='color:#D00000'><b>SYNTHETIC DATA</b></span> · " + text
    text += f"<br><span style='font-size:11px;color:#555'>{play_subtitle(play)}</span>"
    # pinned to the top of the figure: the legend rows sit between it and the plot
    return {"text": text, "x": 0.01, "xanchor": "left", "font": {"size": 15},
            "y": 1.0, "yref": "container", "yanchor": "top", "pad": {"t": 10}}


def title_parts(play: Mapping[str, Any]) -> dict[str, Any]:
    """The title's parts as plain text, for a page that sets them itself (the explorer's
    player writes them as text, never as markup, since descriptions come from the data)."""
    return {"synthetic": is_synthetic(play), "title": play_title(play),
            "subtitle": play_subtitle(play)}


class FieldLayers(TypedDict, total=False):
    """What may be drawn on the field beside the tracking itself.

    ``players`` (nflId, position, displayName) labels hovers; ``slots`` may be per play
    (nflId, slot) or per frame (nflId, frameId, slot); ``team_colors`` overrides the club
    colours; ``frame_stride`` keeps every n-th frame; ``attribution`` (nflId, frameId,
    value) scales marker outlines for the explain mode; ``links`` (frameId, nflId,
    target_nflId) draws dotted lines from each predicted man defender to his receiver.
    """

    players: pl.DataFrame | None
    slots: pl.DataFrame | None
    team_colors: Mapping[str, tuple[str, str]] | None
    frame_stride: int
    attribution: pl.DataFrame | None
    links: pl.DataFrame | None
