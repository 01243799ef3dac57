"""The play player's spec, assembled from static and per-frame parts.

The browser player (``coverage/app/player_web/player.js``) draws the first frame's
figure and then changes only what moves: the traces that move (by index) and, per moved
attribute, one column of its value at every frame. The field, jersey numbers and model
curves live once in the base figure. The figure is built with ``_validate=False``
because every part here is constructed by this package.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import plotly.graph_objects as go

FRAME_MS = 100  # real time: tracking is 10 Hz


@dataclass
class Parts:
    """One panel's contribution to an animation."""

    static: list[dict[str, Any]] = field(default_factory=list)
    dynamic: list[dict[str, Any]] = field(default_factory=list)
    # updates[k][j] = attributes of dynamic trace j at animation frame k
    updates: list[list[dict[str, Any]]] = field(default_factory=list)
    shapes: list[dict[str, Any]] = field(default_factory=list)
    annotations: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Animation:
    """One play's animation: the first frame as a figure, and what every frame changes.

    It reaches the browser as a compact spec the explorer's player animates itself
    (:meth:`to_client`) rather than as plotly frames: plotly validates every frame object
    it is given, which cost more than the whole rest of a play switch, and sends each
    frame's attributes as separate objects.
    """

    figure: go.Figure  # first frame, no animation frames, no controls
    traces: list[int]  # indices of the traces the frames move
    names: list[str]  # animation frame names (frameIds)
    labels: list[str]  # what the player's read-out shows per frame
    # updates[k][j] = attributes of trace traces[j] at animation frame k
    updates: list[list[dict[str, Any]]]
    frame_ms: int = FRAME_MS
    meta: dict[str, Any] = field(default_factory=dict)  # extra, for the client player

    def to_client(self) -> dict[str, Any]:
        """JSON-ready spec: the first frame's figure, and per moved attribute one column
        holding its value at every frame (the browser rebuilds the frames)."""
        columns = []
        for j, trace in enumerate(self.traces):
            paths = _leaf_paths(self.updates[0][j]) if self.updates else []
            for path in paths:
                values = _column([_get(frame[j], path) for frame in self.updates])
                columns.append({"trace": trace, "path": ".".join(path), **_dedupe(values)})
        return {"figure": self.figure.to_plotly_json(), "traces": self.traces, "names": self.names,
                "labels": self.labels, "frame_ms": self.frame_ms, "columns": columns,
                **self.meta}


def _leaf_paths(update: dict[str, Any], prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    out: list[tuple[str, ...]] = []
    for k, v in update.items():
        if isinstance(v, dict):
            out.extend(_leaf_paths(v, (*prefix, k)))
        else:
            out.append((*prefix, k))
    return out


def _get(update: dict[str, Any], path: tuple[str, ...]) -> Any:
    for k in path:
        update = update.get(k) if isinstance(update, dict) else None
    return update


def _dedupe(values: list[Any]) -> dict[str, Any]:
    """``{"values": [...]}``, or ``{"unique": [...], "index": [...]}`` when few values repeat
    over many frames (hover texts change with the formation slot, once a second, yet were
    half of a play's bytes)."""
    keys = [tuple(v) if isinstance(v, list) else v for v in values]
    try:
        first: dict[Any, int] = {}
        index = [first.setdefault(k, len(first)) for k in keys]
    except TypeError:  # nested lists: not worth it
        return {"values": values}
    if len(first) * 2 > len(values):
        return {"values": values}
    unique = [values[keys.index(k)] for k in first]
    return {"unique": unique, "index": index}


def _column(values: list[Any]) -> list[Any]:
    """One attribute over all frames as JSON values; equal-shaped float arrays in one numpy
    pass (the per-element path below costs ~10x more on a 200-frame play)."""
    if values and all(isinstance(v, np.ndarray) and v.dtype.kind == "f" for v in values) \
            and len({v.shape for v in values}) == 1:
        stacked = np.stack(values)
        out = stacked.astype(object)
        out[np.isnan(stacked)] = None
        return out.tolist()
    return [_plain(v) for v in values]


def _plain(value: Any) -> Any:
    """JSON values (NaN as null: plotly's gap marker) from numpy arrays and scalars."""
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, list | tuple):
        return [None if isinstance(v, float) and v != v else _plain(v)
                if isinstance(v, np.generic) else v for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    return None if isinstance(value, float) and value != value else value


def animation(
    parts: Sequence[Parts],
    names: Sequence[str],
    labels: Sequence[str],
    layout: dict[str, Any],
    *,
    frame_ms: int = FRAME_MS,
) -> Animation:
    """Base traces = all static then all dynamic traces; frames move the dynamic ones."""
    data = [t for p in parts for t in p.static]
    dynamic = [t for p in parts for t in p.dynamic]
    dyn_index = list(range(len(data), len(data) + len(dynamic)))
    updates = [[u for p in parts if p.dynamic for u in p.updates[k]] for k in range(len(names))]
    lay = dict(layout)
    lay["shapes"] = [s for p in parts for s in p.shapes] + list(lay.get("shapes", []))
    lay["annotations"] = [a for p in parts for a in p.annotations] + list(
        lay.get("annotations", [])
    )
    fig = go.Figure(data=data + dynamic, layout=lay, _validate=False)
    return Animation(fig, dyn_index, list(names), list(labels), updates, frame_ms)
