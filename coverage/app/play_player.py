"""The explorer's play player: one play sent to the browser once, animated there.

A plotly figure with frames costs the server more to build and validate than the rest of
a play switch, and thinning frames to keep it fast made 10 Hz tracking look like 3 Hz.
The player instead gets the first frame's figure and one column of values per moved
attribute (:meth:`coverage.views.Animation.to_client`) and animates every frame itself
(``player_web/player.js``): playback speed, seeking, jumps to key events, trails and a
highlighted player all run in the browser without a rerun.
"""

from __future__ import annotations

import atexit
import functools
import hashlib
import json
import os
import re
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import plotly
import plotly.io as pio
import polars as pl
import streamlit as st
import streamlit.components.v1 as components

from coverage import config
from coverage.app import view_state
from coverage.atomic import write_bytes
from coverage.views import Animation, combined_animation, zoom_to_box
from coverage.views.field import field_extent, title_parts

ASSETS = Path(__file__).with_name("player_web")
# plotly.js's "basic" bundle (scatter, bar, pie: the player draws scatter traces only), of
# the plotly.js version plotly.py bundles: 1.2 MB, evaluated ~5x faster than the full
# 4.8 MB plotly.min.js, which was most of the explorer's first load after the page itself
PLOTLY_BUNDLE = "plotly-basic.min.js"
ASSET_FILES = ("index.html", "player.js", "preview.js", "player.css", PLOTLY_BUNDLE)
PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"  # the full one
KEY = "play_figure"
_SEQ = "_player_seq"
_SHOWN = "_player_shown"  # the session's player has drawn a play (first_play_pending)
_STEPS_SEEN = "_player_steps_seen"  # player frame id -> the step count already applied


def _cache_root() -> Path | None:
    """The user's cache folder, or None when it cannot be written."""
    root = config.cache_root()
    try:
        root.mkdir(parents=True, exist_ok=True)
        if os.access(root, os.W_OK):
            return root
    except OSError:
        pass
    return None


def _player_files() -> dict[str, bytes]:
    """What the served folder holds: the player's files, its page with them inlined."""
    files = {name: (ASSETS / name).read_bytes() for name in ASSET_FILES}
    files["index.html"] = inline_assets((ASSETS / "index.html").read_text()).encode("utf-8")
    return files


def _ours(folder: Path, files: Mapping[str, bytes]) -> bool:
    """A folder we may serve as it is: a real folder owned by this user, writable by no one
    else, holding exactly the expected bytes in each player file."""
    try:
        st_ = folder.lstat()
        if (folder.is_symlink() or not folder.is_dir() or st_.st_uid != os.getuid()
                or st_.st_mode & 0o022):
            return False
        return all(not (folder / n).is_symlink() and (folder / n).read_bytes() == data
                   for n, data in files.items())
    except OSError:
        return False


def _write_into(folder: Path, files: Mapping[str, bytes]) -> Path:
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return folder


def served_dir() -> Path:
    """The player's files (with its plotly.js bundle) in one folder of their own, as
    Streamlit serves a component from one folder; published specs go under it too.

    Named by a digest of the contents, so an upgrade gets a fresh folder, and built in a
    temp folder renamed into place, so a concurrent start never serves half a copy. A
    folder found there is served only when it is ours and its files are the expected
    bytes; without a writable cache folder the files go into a private folder made for
    this process (never a shared one that someone else could have filled).
    """
    files = _player_files()
    h = hashlib.sha256(f"{plotly.__version__} inlined".encode())  # + how index.html is built
    for name in ASSET_FILES:
        h.update(files[name])
    root = _cache_root()
    if root is None:
        return _private_dir(files)
    target = root / f"player-{h.hexdigest()[:16]}"
    if _ours(target, files):
        return target
    tmp = Path(tempfile.mkdtemp(prefix=".player-", dir=root))  # 0700, ours
    _write_into(tmp, files)
    os.chmod(tmp, 0o755)  # Streamlit reads it; no one else writes
    try:
        os.replace(tmp, target)  # onto a missing or empty folder only
    except OSError:
        if _ours(target, files):  # another start of the app put it there first
            shutil.rmtree(tmp, ignore_errors=True)
            return target
        atexit.register(shutil.rmtree, tmp, ignore_errors=True)
        return tmp  # something else holds the name: serve our own copy, leave it be
    return target


def _private_dir(files: Mapping[str, bytes]) -> Path:
    folder = Path(tempfile.mkdtemp(prefix="coverage-player-"))  # new, 0700, owned by us
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return _write_into(folder, files)


def inline_assets(html: str) -> str:
    """The player's page with its stylesheet and scripts written into it.

    On a first load the frame's requests queue behind Streamlit's own on the browser's
    busy main thread; one document instead of four lets the play be painted sooner. The
    files stay beside it (served as before; a file that could close the tag early is
    left linked).
    """
    def body(name: str) -> str | None:
        text = (ASSETS / name).read_text(encoding="utf-8")
        return None if re.search(r"</(script|style)", text, re.IGNORECASE) else text

    css = body("player.css")
    if css is not None:
        html = html.replace('<link rel="stylesheet" href="player.css">', f"<style>\n{css}</style>")
    for name in ("preview.js", "player.js"):
        text = body(name)
        if text is not None:
            html = html.replace(f'<script src="{name}"></script>', f"<script>\n{text}</script>")
    return html


STATIC_DIR = "static"  # the app's own static route (``server.enableStaticServing``)


def publish_static(app_dir: str | Path) -> bool:
    """Put the plotly.js bundle in the app's static folder, served at ``app/static/``.

    Streamlit serves a component's files with ``Cache-Control: public`` and no validator,
    so the browser downloads and compiles the 1.2 MB bundle again for every tab. The
    app's static route sends an ETag and Last-Modified: a returning analyst's browser
    reuses it (and V8 its compiled code). The player loads it from there and falls back
    to its own copy when the route is off or the folder could not be written (False).
    """
    src = ASSETS / PLOTLY_BUNDLE
    dest = Path(app_dir) / STATIC_DIR / PLOTLY_BUNDLE
    try:
        if dest.is_file() and dest.read_bytes() == src.read_bytes():
            return True
        dest.parent.mkdir(parents=True, exist_ok=True)
        write_bytes(src.read_bytes(), dest)
    except OSError:
        return False
    return True


_served = functools.cache(served_dir)


@functools.cache
def _component() -> Any:
    return components.declare_component("play_player", path=str(_served()))


SPECS_DIR = "specs"  # under the served folder: specs the player fetches ahead (spec_cache)


def spec_folder() -> Path:
    """Where published specs go: served with the player, so it fetches them by a relative
    URL (``specs/<name>.json``)."""
    return _served() / SPECS_DIR


# field and curve above the fold at 1366x768 (the page header takes ~290 px)
PLAYER_HEIGHT = 400  # + ~40 px of HTML title above, the legend and the bar below
TOP_MARGIN = 12  # title and legend are the player's own HTML, above and below the plot


def legend_items(fig: Any) -> dict[str, Any]:
    """The figure's legend as plain items the player draws in HTML.

    Plotly's legend above the plot took two or three rows once six models were named,
    and at 1024 px it ran over the title; an HTML legend wraps with the page instead.
    A click on an item hides or shows its trace, as plotly's legend does.
    """
    items = []
    for i, t in enumerate(fig.data):
        if t.showlegend is False or not t.name:
            continue
        mode = t.mode or ""
        line = t.line.color if "lines" in mode and t.line is not None else None
        marker = t.marker.color if t.marker is not None else None
        color = line if isinstance(line, str) else marker
        if not isinstance(color, str):
            continue
        kind = "line" if "lines" in mode and "markers" not in mode else "marker"
        outline = t.marker.line.color if kind == "marker" and t.marker.line is not None \
            else None
        items.append({"trace": i, "name": t.name, "color": color, "kind": kind,
                      "outline": outline if isinstance(outline, str) else None,
                      "symbol": t.marker.symbol if t.marker is not None and
                      isinstance(t.marker.symbol, str) else None})
    title = fig.layout.legend.title.text if fig.layout.legend.title is not None else None
    return {"title": title or "", "items": items}


def player_spec(anim: Animation, game_id: int, play_id: int,
                title: dict[str, Any] | None = None) -> str:
    """The play as the player receives it: one JSON text (numpy arrays, NaN gaps).

    ``title`` (:func:`coverage.views.field.title_parts`) moves the title out of plotly into
    the player's HTML: plotly re-lays its rich-text title out on every play, a quarter of
    the draw of a switch.
    """
    legend = legend_items(anim.figure)
    # no slider under the plot either: the player has its own bar
    anim.figure.update_layout(showlegend=False, margin_b=44)
    if title is not None:
        anim.figure.update_layout(title_text="", margin_t=TOP_MARGIN)
    spec = anim.to_client() | {"game": int(game_id), "play": int(play_id), "legend": legend,
                               "title": title, "field": field_extent()}
    # plotly's encoder for the figure (numpy arrays, typed-array packing); the frame columns
    # are plain lists already, which the standard encoder writes several times faster
    figure = pio.to_json(spec.pop("figure"), validate=False, engine="json")
    rest = json.dumps(spec, separators=(",", ":"), allow_nan=False)
    return '{"figure":' + figure + "," + rest[1:]


def build_spec(frames: pl.DataFrame, play: Mapping[str, Any], preds: pl.DataFrame | None, *,
               source: str, zoom: bool = False, height: int = PLAYER_HEIGHT,
               **layers: Any) -> str:
    """One play's spec as the explorer shows it: every frame, the models' curves, the
    legend naming the data it is applied to, zoomed to the box on request. ``layers``:
    :class:`coverage.views.field.FieldLayers` (slots, attribution, links)."""
    anim = combined_animation(frames, preds, play, height=height, **layers)
    anim.figure.update_layout(legend_title_text=f"applied to {source} data:")
    if zoom:
        zoom_to_box(anim.figure, play)
    return player_spec(anim, int(play["gameId"]), int(play["playId"]), title_parts(play))


def play_player(spec: str, *, height: int, start_frame: int | None = None,
                nav: Mapping[str, str | None] | None = None, settling: bool = False,
                key: str = KEY) -> None:
    """Draw the player. ``start_frame``: a frameId to open on (a deep link's frame).

    ``nav``: the published spec files (:meth:`coverage.app.spec_cache.SpecCache.published`)
    of the ``"next"`` and ``"prev"`` play: the player fetches them ahead and draws one as
    soon as the page's ▶ / ◀ button is pressed, before the rerun that follows arrives.

    The player answers once, when its first play is drawn: that (a rerun of its fragment)
    reruns the whole page, which then sends what :func:`first_play_pending` held back.

    ``settling``: the page reruns as a whole after this run (its list follows the play).
    The player sends one value at a time and waits for the run that answers it, this one
    and the one it announces, before it sends the next: a value sent while a fragment run
    was turning into a page run left the browser on an older play, or showing a run that
    never ended, with the server on the right one.
    """
    value = st.session_state.get(key)
    drawn = value is True or (isinstance(value, dict) and bool(value.get("drawn")))
    if drawn and not st.session_state.get(_SHOWN):
        st.session_state[_SHOWN] = True
        view_state.own_rerun()  # the whole page: the rest of it may come now
    urls = {d: f"{SPECS_DIR}/{n}" for d, n in (nav or {}).items() if n}
    # numbers this run's arguments: the browser tells them from a re-send of older ones
    seq = st.session_state.get(_SEQ, 0) + 1
    st.session_state[_SEQ] = seq
    # every argument a text or a number: Streamlit checks any other kind for a data frame,
    # and its first check imports pandas (the first visitor's player waited for it)
    _component()(spec=spec, start=start_frame, nav=json.dumps(urls), seq=seq, height=height,
                 settling=int(settling), key=key, default=None)


def first_play_pending() -> bool:
    """True on a browser's first run of a page with the player, until it has drawn a play.

    Streamlit's page draws every element of a run in one go on the browser's one thread:
    on a first load the explorer's play list (a data grid, ~0.4 s) and filters (~0.3 s)
    held the player's frame back. So a page sends its heavy parts only once the player
    says its play is up. Without a browser (``AppTest``, no request headers) nothing
    would ever answer, so nothing waits.
    """
    return bool(st.context.headers) and not st.session_state.get(_SHOWN)


def pending_steps(key: str = KEY) -> int:
    """◀ / ▶ steps the browser's player has counted since the last run (negative: back).

    In a browser the player counts the page's ◀ / ▶ clicks (and the j / k presses that
    click them) itself and sends the running count as its value: clicks of one button
    sent while a run was pending reached the script as one, and fast presses were lost.
    Each player frame counts from 0 under its own id (a page visit makes a new frame).
    """
    value = st.session_state.get(key)
    if not isinstance(value, dict) or value.get("id") is None:
        return 0
    try:
        frame_id, count = str(value["id"]), int(value.get("steps") or 0)
    except (TypeError, ValueError):
        return 0
    seen = st.session_state.setdefault(_STEPS_SEEN, {})
    delta = count - seen.get(frame_id, 0)
    seen[frame_id] = count
    return delta
