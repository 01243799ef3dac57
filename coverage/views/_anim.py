"""Assembling animated plotly figures from static and per-frame parts.

Plotly re-sends every attribute a frame names, so frames list only the traces
that move (by index, via ``traces=``) and only their changing attributes; the
field, jersey numbers and model curves live once in the base figure. Figures
are built with ``_validate=False`` because validating hundreds of frames costs
more than drawing them, and every part here is constructed by this package.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import plotly.graph_objects as go

FRAME_MS = 100  # real time: tracking is 10 Hz


@dataclass
class Parts:
    """One panel's contribution to an animated figure."""

    static: list[dict[str, Any]] = field(default_factory=list)
    dynamic: list[dict[str, Any]] = field(default_factory=list)
    # updates[k][j] = attributes of dynamic trace j at animation frame k
    updates: list[list[dict[str, Any]]] = field(default_factory=list)
    shapes: list[dict[str, Any]] = field(default_factory=list)
    annotations: list[dict[str, Any]] = field(default_factory=list)


def animation_controls(
    names: Sequence[str], labels: Sequence[str], *, frame_ms: int = FRAME_MS
) -> dict[str, Any]:
    """Play/pause buttons and a slider whose current value shows the step label.

    Step tick labels are hidden (transparent) because 200 of them overlap; the
    current-value read-out shows the full label (time to snap and event) instead.
    """
    play_args = {
        "frame": {"duration": frame_ms, "redraw": False},
        "fromcurrent": True,
        "transition": {"duration": 0},
        "mode": "immediate",
    }
    pause_args = {
        "frame": {"duration": 0, "redraw": False},
        "transition": {"duration": 0},
        "mode": "immediate",
    }
    steps = [
        {
            "method": "animate",
            "label": label,
            "args": [[name], {**pause_args}],
        }
        for name, label in zip(names, labels, strict=True)
    ]
    return {
        "updatemenus": [
            {
                "type": "buttons",
                "direction": "left",
                "showactive": False,
                "x": 0.0,
                "y": 0.0,
                "xanchor": "left",
                "yanchor": "top",
                "pad": {"t": 30, "r": 10},
                "buttons": [
                    {"label": "▶ Play", "method": "animate", "args": [None, play_args]},
                    {"label": "❚❚ Pause", "method": "animate", "args": [[None], pause_args]},
                ],
            }
        ],
        "sliders": [
            {
                "active": 0,
                "x": 0.17,
                "len": 0.83,
                "y": 0.0,
                "yanchor": "top",
                "pad": {"t": 20, "b": 0},
                "font": {"color": "rgba(0,0,0,0)", "size": 1},
                "ticklen": 2,
                "minorticklen": 0,
                "currentvalue": {
                    "visible": True,
                    "prefix": "",
                    "xanchor": "left",
                    "font": {"size": 13, "color": "#222"},
                },
                "transition": {"duration": 0},
                "steps": steps,
            }
        ],
    }


def assemble(
    parts: Sequence[Parts],
    names: Sequence[str],
    labels: Sequence[str],
    layout: dict[str, Any],
    *,
    frame_ms: int = FRAME_MS,
) -> go.Figure:
    """Base traces = all static then all dynamic traces; frames move the dynamic ones."""
    data: list[dict[str, Any]] = []
    for p in parts:
        data.extend(p.static)
    dyn_index: list[int] = []
    for p in parts:
        for t in p.dynamic:
            dyn_index.append(len(data))
            data.append(t)
    n = len(names)
    frames = []
    for k in range(n):
        fdata: list[dict[str, Any]] = []
        for p in parts:
            fdata.extend(p.updates[k] if p.dynamic else [])
        frames.append({"name": names[k], "data": fdata, "traces": dyn_index})
    lay = dict(layout)
    lay["shapes"] = [s for p in parts for s in p.shapes] + list(lay.get("shapes", []))
    lay["annotations"] = [a for p in parts for a in p.annotations] + list(
        lay.get("annotations", [])
    )
    if n > 1:
        lay.update(animation_controls(names, labels, frame_ms=frame_ms))
    return go.Figure(data=data, layout=lay, frames=frames if n > 1 else None, _validate=False)
