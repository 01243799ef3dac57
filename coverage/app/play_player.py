"""The explorer's play player: one play sent to the browser once, animated there.

A plotly figure with frames costs the server more to build and validate than the rest of
a play switch, and thinning frames to keep it fast made 10 Hz tracking look like 3 Hz.
The player instead gets the first frame's figure and one column of values per moved
attribute (:meth:`coverage.views.Animation.to_client`) and animates every frame itself
(``player_web/player.js``): playback speed, seeking, jumps to key events, trails and a
highlighted player all run in the browser without a rerun.
"""

from __future__ import annotations

import functools
import hashlib
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import plotly
import plotly.io as pio
import streamlit.components.v1 as components

from coverage import config
from coverage.views import Animation

ASSETS = Path(__file__).with_name("player_web")
ASSET_FILES = ("index.html", "player.js", "player.css")
PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
KEY = "play_figure"


def _cache_root() -> Path:
    root = config.cache_root()
    try:
        root.mkdir(parents=True, exist_ok=True)
        if os.access(root, os.W_OK):
            return root
    except OSError:
        pass
    fallback = Path(tempfile.gettempdir()) / "coverage-cache"
    fallback.mkdir(parents=True, exist_ok=True)
    return fallback


def served_dir() -> Path:
    """The player's files and plotly's browser bundle in one folder, as Streamlit serves a
    component from one folder and plotly.js ships inside the plotly package.

    Named by a digest of the contents, so an upgrade gets a fresh folder, and built in a
    temp folder renamed into place, so a concurrent start never serves half a copy.
    """
    h = hashlib.sha256(plotly.__version__.encode())
    for name in ASSET_FILES:
        h.update((ASSETS / name).read_bytes())
    root = _cache_root()
    target = root / f"player-{h.hexdigest()[:16]}"
    if (target / "index.html").is_file():
        return target
    tmp = Path(tempfile.mkdtemp(prefix=".player-", dir=root))
    for name in ASSET_FILES:
        shutil.copyfile(ASSETS / name, tmp / name)
    shutil.copyfile(PLOTLY_JS, tmp / "plotly.min.js")
    try:
        os.replace(tmp, target)
    except OSError:  # another process put it there first
        shutil.rmtree(tmp, ignore_errors=True)
    return target


@functools.cache
def _component() -> Any:
    return components.declare_component("play_player", path=str(served_dir()))


def player_spec(anim: Animation, game_id: int, play_id: int) -> str:
    """The play as the player receives it: one JSON text (numpy arrays, NaN gaps)."""
    spec = anim.to_client() | {"game": int(game_id), "play": int(play_id)}
    return pio.to_json(spec, validate=False, engine="json")


def play_player(spec: str, *, height: int, start_frame: int | None = None,
                key: str = KEY) -> None:
    """Draw the player. ``start_frame``: a frameId to open on (a deep link's frame)."""
    _component()(spec=spec, start=start_frame, height=height, key=key, default=None)
