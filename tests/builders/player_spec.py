"""A play's frames as the browser player sees them: rebuilt from the player's spec the way
``coverage/app/player_web/player.js`` rebuilds them, so tests check what is shown."""

from __future__ import annotations

import base64
import json
from typing import Any

import numpy as np
import plotly.io as pio

from coverage.views import Animation


def set_path(obj: dict, path: str, value: Any) -> None:
    """``obj["a"]["b"] = value`` for ``path`` "a.b", making the parents on the way."""
    *parents, leaf = path.split(".")
    for k in parents:
        obj = obj.setdefault(k, {})
    obj[leaf] = value


def _decoded(value: Any) -> Any:
    """Plotly's typed arrays (``{"dtype", "bdata"[, "shape"]}``) as lists, as plotly.js
    decodes them."""
    if isinstance(value, dict):
        if "bdata" in value and "dtype" in value:
            arr = np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"])
            if "shape" in value:
                arr = arr.reshape([int(n) for n in str(value["shape"]).split(",")])
            return arr.tolist()
        return {k: _decoded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decoded(v) for v in value]
    return value


def spec_figure(spec: dict) -> dict:
    """The spec as a plotly figure dict with one frame per tracking frame; each frame has
    ``traces`` (the moved trace indices) and ``data`` (their attributes, in that order).
    The spec itself stays under ``"spec"``."""
    spec = {**spec, "figure": _decoded(spec["figure"])}
    frames = [{"name": name, "data": [{} for _ in spec["traces"]], "traces": spec["traces"]}
              for name in spec["names"]]
    slot = {t: j for j, t in enumerate(spec["traces"])}
    for col in spec["columns"]:
        values = col["values"] if "values" in col else [col["unique"][i] for i in col["index"]]
        for frame, value in zip(frames, values, strict=True):
            set_path(frame["data"][slot[col["trace"]]], col["path"], value)
    return {**spec["figure"], "frames": frames, "spec": spec}


def animation_figure(anim: Animation) -> dict:
    """:func:`spec_figure` of the animation's spec after a trip through JSON, as the
    browser decodes it."""
    return spec_figure(json.loads(pio.to_json(anim.to_client(), validate=False)))


def frame_traces(fig: dict, k: int) -> dict[int, dict]:
    """Frame ``k``'s attributes by trace index (only the traces that move)."""
    frame = fig["frames"][k]
    return dict(zip(frame["traces"], frame["data"], strict=True))


def trace_index(fig: dict, name_prefix: str) -> int:
    """Index of the first trace whose name starts with ``name_prefix``."""
    return next(i for i, t in enumerate(fig["data"])
                if str(t.get("name") or "").startswith(name_prefix))
