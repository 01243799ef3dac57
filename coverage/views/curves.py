"""P(man) over the seconds before the snap, synchronised with the field.

The question an analyst asks is "when did the model figure it out, and what on
the field caused it?"; ``combined_animation`` answers it by putting the field and
the curve in one figure whose animation frames move both, so the player's one
play/pause button and timeline drive players and the curve cursor together.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import Any, Unpack

import numpy as np
import polars as pl
from plotly.subplots import make_subplots

from coverage.views._common import (
    EVENT_LABELS,
    SECONDARY_DASH,
    SECONDARY_OPACITY,
    PlayArrays,
    key_events,
    model_colors,
    play_arrays,
    preds_matrix,
    secondary_models,
    true_coverage,
)
from coverage.views.field import (
    LEGEND,
    FieldLayers,
    field_axes,
    field_parts,
    figure_title,
    frame_labels,
)
from coverage.views.labels import stagger
from coverage.views.palette import MAN_COLOR, REFERENCE_COLOR, TAG_COLOR, ZONE_COLOR
from coverage.views.player_spec import FRAME_MS, Animation, Parts, animation
from coverage.vocab import MAN, MAN_ZONE, event_words


def _curve_lines(preds: pl.DataFrame | None, xaxis: str, yaxis: str,
                 applied_to: str | None = None) -> list[dict]:
    """One line per model, at full prediction resolution (not the field stride); on real
    data a model trained on synthetic plays is drawn secondary (dashed, faded)."""
    if preds is None or preds.height == 0:
        return []
    colors = model_colors(preds["model"].unique().to_list())
    secondary = secondary_models(list(colors), applied_to)
    out = []
    for m in sorted(colors):
        sub = preds.filter(pl.col("model") == m).sort("secs_from_snap")
        style = ({"line": {"color": colors[m], "width": 1.5, "dash": SECONDARY_DASH},
                  "opacity": SECONDARY_OPACITY} if m in secondary
                 else {"line": {"color": colors[m], "width": 2.5}})
        out.append({
            "type": "scatter", "mode": "lines", "name": m, "legendgroup": m,
            "x": np.round(sub["secs_from_snap"].to_numpy().astype(float), 2),
            "y": np.round(sub["p_man"].to_numpy().astype(float), 4), **style,
            "hovertemplate": m + ": P(man) %{y:.2f} at %{x:+.1f} s<extra></extra>",
            "xaxis": xaxis, "yaxis": yaxis,
        })
    return out


# the curve column's plot width on the smallest layout (1024 px wide, sidebar open) and the
# width of one character of a 10 px tag: what the tags' collision avoidance assumes
CURVE_PX = 220
TAG_CHAR_PX = 6.5
TAG_ROW = 0.075  # one tag row, as a share of the curve's height


def _event_tags(events: list[tuple[float, str]], xaxis: str, yd: str,
                secs_per_px: float) -> list[dict]:
    """The snap label and one tag per key event at the top of the curve, stacked onto
    further rows where their x positions are too close to print side by side."""
    tags = [(0.0, "snap")] + [(secs, event_words(ev)) for secs, ev in events
                              if EVENT_LABELS.get(ev) != "snap"]
    widths = [(len(text) * TAG_CHAR_PX + 6) * secs_per_px for _, text in tags]
    rows = stagger([x for x, _ in tags], widths, gap=2 * secs_per_px)
    return [{"xref": xaxis, "yref": yd, "x": x, "y": 1.0 - TAG_ROW * row, "text": text,
             "showarrow": False, "textangle": 0, "xanchor": "left", "yanchor": "top",
             "font": {"size": 11 if text == "snap" else 10,
                      "color": "#222" if text == "snap" else TAG_COLOR}}
            for (x, text), row in zip(tags, rows, strict=True)]


def _curve_decor(
    play: Mapping[str, Any], events: list[tuple[float, str]], xaxis: str, yaxis: str,
    secs_per_px: float = 0.02,
) -> tuple[list[dict], list[dict]]:
    """0.5 line, snap line, truth band and event markers, bound to the curve axes.

    Every line is in the reference grey that reads on both themes; the tags are placed
    by :func:`coverage.views.labels.stagger` (``secs_per_px``: the x axis' scale), and the
    "true: ..." note sits above the plot box, where no curve can run under it."""
    xd, yd = f"{xaxis} domain", f"{yaxis} domain"
    shapes = [
        {"type": "line", "xref": xd, "yref": yaxis, "x0": 0, "x1": 1, "y0": 0.5, "y1": 0.5,
         "line": {"color": REFERENCE_COLOR, "width": 1, "dash": "dash"}},
        {"type": "line", "xref": xaxis, "yref": yd, "x0": 0, "x1": 0, "y0": 0, "y1": 1,
         "line": {"color": REFERENCE_COLOR, "width": 2}},
    ]
    truth = play.get("pff_manZone")
    if truth in MAN_ZONE:
        man = truth == MAN
        color = MAN_COLOR if man else ZONE_COLOR
        shapes.append({"type": "rect", "xref": xd, "yref": yaxis, "x0": 0, "x1": 1,
                       "y0": 0.5 if man else 0.0, "y1": 1.0 if man else 0.5,
                       "fillcolor": color, "opacity": 0.08, "line": {"width": 0},
                       "layer": "below"})
    else:
        color = "#666"
    annotations = [{
        "xref": xd, "yref": yd, "x": 1.0, "y": 1.0, "xanchor": "right", "yanchor": "bottom",
        "text": f"<b>true: {true_coverage(play)}</b>", "showarrow": False,
        "font": {"color": color, "size": 12},
    }]
    for secs, ev in events:
        if EVENT_LABELS.get(ev) != "snap":
            shapes.append({"type": "line", "xref": xaxis, "yref": yd, "x0": secs, "x1": secs,
                           "y0": 0, "y1": 1,
                           "line": {"color": REFERENCE_COLOR, "width": 1, "dash": "dot"}})
    return shapes, annotations + _event_tags(events, xaxis, yd, secs_per_px)


def _secs_range(preds: pl.DataFrame | None, extra: Sequence[float]) -> tuple[float, float]:
    vals = list(extra)
    if preds is not None and preds.height:
        vals += [float(preds["secs_from_snap"].min()), float(preds["secs_from_snap"].max())]
    return min(vals), max(max(vals), 0.2)


def _cursor_parts(
    pa: PlayArrays, preds: pl.DataFrame | None, xaxis: str, yaxis: str
) -> tuple[list[dict], list[list[dict]]]:
    """Moving vertical cursor + one dot per model at the current frame's P(man)."""
    models, p = preds_matrix(preds, pa.frame_ids)
    colors = model_colors(models)
    dot_colors = [colors[m] for m in models]
    dynamic = [
        {"type": "scatter", "mode": "lines", "name": "now", "x": [pa.secs[0]] * 2,
         "y": [0.0, 1.0], "line": {"color": "#E0201B", "width": 1.5}, "hoverinfo": "skip",
         "showlegend": False, "xaxis": xaxis, "yaxis": yaxis},
        {"type": "scatter", "mode": "markers", "name": "P(man) now",
         "x": [pa.secs[0]] * len(models), "y": np.round(p[:, 0], 4),
         "marker": {"size": 11, "color": dot_colors, "line": {"color": "white", "width": 1.5}},
         "customdata": models, "hovertemplate": "%{customdata}: %{y:.2f}<extra></extra>",
         "showlegend": False, "xaxis": xaxis, "yaxis": yaxis},
    ]
    updates = [
        [{"x": [float(pa.secs[k])] * 2},
         {"x": [float(pa.secs[k])] * len(models), "y": np.round(p[:, k], 4)}]
        for k in range(pa.n_frames)
    ]
    return dynamic, updates


@functools.lru_cache(maxsize=8)
def _column_domains(field_share: float) -> tuple[tuple[float, float], tuple[float, float]]:
    """make_subplots' domain arithmetic for two columns, once per share (building a subplot
    grid costs ~40 ms, a tenth of a play switch)."""
    grid = make_subplots(rows=1, cols=2, column_widths=[field_share, 1 - field_share],
                         horizontal_spacing=0.07)
    return tuple(grid.layout.xaxis.domain), tuple(grid.layout.xaxis2.domain)


def _combined_axes(
    pa: PlayArrays, preds: pl.DataFrame | None, field_share: float
) -> dict[str, dict]:
    """Field and curve axes side by side, the field keeping square yards."""
    fx, fy = field_axes()
    lo, hi = _secs_range(preds, [float(pa.secs.min()), float(pa.secs.max())])
    field_domain, curve_domain = _column_domains(field_share)
    fx["domain"] = list(field_domain)
    fy["domain"] = [0.0, 1.0]
    cx = {"title": {"text": "seconds from snap"}, "range": [lo - 0.1, hi + 0.1],
          "zeroline": False, "showgrid": True, "gridcolor": "#eee",
          "domain": list(curve_domain), "anchor": "y2"}
    cy = {"title": {"text": "P(man)"}, "range": [-0.02, 1.02],
          "tickvals": [0, 0.25, 0.5, 0.75, 1], "showgrid": True, "gridcolor": "#eee",
          "zeroline": False, "domain": [0.12, 0.92], "anchor": "x2"}
    return {"xaxis": fx, "yaxis": fy, "xaxis2": cx, "yaxis2": cy}


def client_meta(pa: PlayArrays, anim: Animation) -> dict[str, Any]:
    """What the browser player needs beyond the frames: where the players' and the ball's
    traces sit (trails, highlighting), each frame's seconds from the snap (a click on the
    curve seeks there) and the key events to jump to."""
    first_dyn = anim.traces[0]  # field dynamic order: arrows, offense, defense, ball, clock
    # one button per label, at its first frame; real plays chart the snap several times
    # (ball_snap, autoevent_ballsnap, snap_direct), and the button goes to the snap anchor
    first: dict[str, int] = {}
    for k, ev in enumerate(pa.events):
        if ev:
            first.setdefault(event_words(ev), k)
    snap = int(np.argmin(np.abs(pa.secs)))
    if abs(float(pa.secs[snap])) < 0.05:
        first["snap"] = snap
    return {
        "players": [first_dyn + 1, first_dyn + 2],
        "ball": first_dyn + 3,
        "secs": [round(float(x), 2) for x in pa.secs],
        "events": [{"label": label, "k": k}
                   for label, k in sorted(first.items(), key=lambda e: e[1])],
    }


def combined_animation(frames: pl.DataFrame, preds: pl.DataFrame | None,
                       play: Mapping[str, Any], *, height: int = 560, field_share: float = 0.66,
                       frame_ms: int = FRAME_MS, **layers: Unpack[FieldLayers]) -> Animation:
    """Field (left) and P(man) curve (right) in one animation.

    Each animation frame moves the players, ball and arrows on the field and a
    cursor line plus per-model dots on the curve, so the app needs no callback
    to keep them in sync. Trace order: field statics (0-1), model lines, then
    dynamic traces: arrows, offense, defense, ball, read-out, [man-coverage lines when
    ``links`` is given], cursor line, dots. ``layers``: see :class:`FieldLayers`.
    """
    pa = play_arrays(frames, play, frame_stride=layers.get("frame_stride", 1),
                     players=layers.get("players"), slots=layers.get("slots"),
                     attribution=layers.get("attribution"))
    fparts = field_parts(pa, play, team_colors=layers.get("team_colors"),
                         links=layers.get("links"))
    ev = [(e.secs, e.event) for e in key_events(frames)]
    lo, hi = _secs_range(preds, [float(pa.secs.min()), float(pa.secs.max())])
    shapes, annotations = _curve_decor(play, ev, "x2", "y2", (hi - lo + 0.2) / CURVE_PX)
    cdyn, cupd = _cursor_parts(pa, preds, "x2", "y2")
    lines = _curve_lines(preds, "x2", "y2", applied_to=play.get("source"))
    if not lines:
        annotations.append({"xref": "x2 domain", "yref": "y2 domain", "x": 0.5, "y": 0.5,
                            "text": "no predictions", "showarrow": False,
                            "font": {"size": 13, "color": "#888"}})
    cparts = Parts(static=lines, dynamic=cdyn, updates=cupd, shapes=shapes,
                   annotations=annotations)
    layout = {
        "title": figure_title(play),
        **_combined_axes(pa, preds, field_share),
        "height": height,
        # the two-line title and up to two legend rows both fit above the plot
        "margin": {"l": 10, "r": 20, "t": 118, "b": 90},
        "plot_bgcolor": "white",
        "paper_bgcolor": "white",
        "legend": dict(LEGEND),
        "hovermode": "closest",
        "uirevision": "combined",
    }
    # curve statics are ordered after the field statics, then all dynamic traces
    anim = animation([fparts, cparts], [str(int(f)) for f in pa.frame_ids], frame_labels(pa),
                     layout, frame_ms=frame_ms)
    anim.meta.update(client_meta(pa, anim))
    return anim
