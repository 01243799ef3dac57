"""What an analyst is looking at — filters, play, model — kept across reruns, pages and
reloads, and carried by the URL so a link reopens the same view.

Streamlit forgets a widget's value when a page without that widget runs, and a fresh
browser tab starts empty. So the values live under their widget keys but are re-owned
by the session on every page (:func:`keep`), and every page writes them into the query
string (:func:`to_url`) and reads them back once per session (:func:`from_url`).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterable, Sequence
from typing import Any

import streamlit as st

from coverage.app.play_data import FILTER_COLUMNS, SORTS

FILTER_KEYS = tuple(f"f_{c}" for c in FILTER_COLUMNS)
PLAY_KEY = "cur_play"  # (gameId, playId) on screen: the one source of truth for the play
KEPT = (*FILTER_KEYS, "search", "sort", "model", "show_synthetic", "zoom_box", PLAY_KEY)
_URL_READ = "_url_read"
_URL_FRAME = "_url_frame"  # (gameId, playId, frameId) a link opened on, until used
_URL_PLAY = "_url_play"  # (gameId, playId) a link named, until the analyst picks another
_SEP = "~"
LIST_MARK = "_list_marks"  # the play the play list last marked as selected (None: none)
_SHOWN_PLAYS = "_shown_plays"  # widget key -> [(time, play)] the page set it to, newest last
ECHO_S = 2.0  # how long a value the page set may come back from a browser not yet updated


def keep(keys: Iterable[str] = KEPT) -> None:
    """Re-own widget values so a page that does not draw those widgets keeps them."""
    for k in keys:
        if k in st.session_state:
            st.session_state[k] = st.session_state[k]


def _match(raw: str, options: Sequence[Any]) -> list[Any]:
    wanted = [v for v in raw.split(_SEP) if v != ""]
    by_text = {str(o): o for o in options}
    return [by_text[v] for v in wanted if v in by_text]


def model_from_url(models: Sequence[str]) -> None:
    """Once per session, before the model picker is drawn: the link's model."""
    if st.session_state.get(_URL_READ + "_model"):
        return
    st.session_state[_URL_READ + "_model"] = True
    if st.query_params.get("model") in models:
        st.session_state["model"] = st.query_params["model"]


def from_url(options: dict[str, Sequence[Any]]) -> None:
    """Once per session, before the filters are drawn: filters, search and play.

    Values are matched against the options on offer (a link from another store or a
    stale value is dropped, never an error).
    """
    if st.session_state.get(_URL_READ):
        return
    st.session_state[_URL_READ] = True
    q = st.query_params
    for col, opts in options.items():
        raw = q.get(col)
        if raw is not None:
            st.session_state[f"f_{col}"] = _match(raw, opts)
    if q.get("q"):
        st.session_state["search"] = q["q"]
    if q.get("sort") in SORTS:
        st.session_state["sort"] = q["sort"]
    if q.get("zoom") == "1":
        st.session_state["zoom_box"] = True
    with contextlib.suppress(KeyError, TypeError, ValueError):  # no or a broken play link
        st.session_state[PLAY_KEY] = (int(q["game"]), int(q["play"]))
        st.session_state[_URL_PLAY] = st.session_state[PLAY_KEY]
        st.session_state[_URL_FRAME] = (*st.session_state[PLAY_KEY], int(q["frame"]))


def url_frame(play: tuple[int, int]) -> int | None:
    """The frame a link opened ``play`` on, while that play stays on screen.

    The browser player writes the frame into the link itself as it pauses or seeks
    (a frame change never reruns the script), so the server only reads it.
    """
    linked = st.session_state.get(_URL_FRAME)
    if linked is None or tuple(linked[:2]) != tuple(play):
        st.session_state.pop(_URL_FRAME, None)
        return None
    return int(linked[2])


def to_url(selections: dict[str, list], *, search: str = "", model: str | None = None,
           play: tuple[int, int] | None = None, sort: str | None = None,
           zoom: bool = False) -> None:
    """Write the view into the query string (only what differs from the defaults)."""
    params = {col: _SEP.join(str(v) for v in values)
              for col, values in selections.items() if values}
    optional = {"q": search, "sort": sort if sort != next(iter(SORTS)) else None,
                "zoom": "1" if zoom else None, "model": model}
    params |= {k: v for k, v in optional.items() if v}
    if play is not None:
        params["game"], params["play"] = str(play[0]), str(play[1])
        # the player keeps the frame in the link; a rerun must not drop it for this play
        q = st.query_params
        if q.get("game") == params["game"] and q.get("play") == params["play"] and \
                q.get("frame", "").isdigit():
            params["frame"] = q["frame"]
    # written every run: after a page switch the browser's URL is bare while the server's
    # copy may still hold the old values, so a "changed?" check would skip the write
    st.query_params.from_dict(params)


def missing_link(keys: Sequence[tuple[int, int]]) -> tuple[int, int] | None:
    """The play a link named when it is not among ``keys`` and the analyst has not picked
    another since: the page says so (and keeps the link) instead of opening another play."""
    linked = st.session_state.get(_URL_PLAY)
    cur = st.session_state.get(PLAY_KEY)
    if linked is None or cur is None or tuple(cur) != tuple(linked):
        st.session_state.pop(_URL_PLAY, None)  # a pick since: the link is spent
        return None
    if tuple(linked) in keys:
        return None  # found: a later filter change may move on from it as usual
    return int(linked[0]), int(linked[1])


def current_play(keys: Sequence[tuple[int, int]]) -> tuple[int, int]:
    """The play on screen: the session's, while it is in the list; else the first listed."""
    cur = st.session_state.get(PLAY_KEY)
    cur = tuple(cur) if cur is not None else None
    if cur not in keys:
        cur = keys[0]
    st.session_state[PLAY_KEY] = cur
    st.session_state.pop(_URL_PLAY, None)
    return cur  # type: ignore[return-value]


def mark_in_list(table_key: str, keys: Sequence[tuple[int, int]]) -> None:
    """Before the play list is drawn: its selected row is the play on screen, however that
    play was chosen (picker, ◀ / ▶, keys, a link); no row when the play is not listed."""
    cur = st.session_state.get(PLAY_KEY)
    cur = tuple(cur) if cur is not None else None
    rows = [list(keys).index(cur)] if cur in keys else []
    state = st.session_state.get(table_key)
    have = state["selection"] if state else None
    if have is None or list(have["rows"]) != rows or have["cells"] or have["columns"]:
        st.session_state[table_key] = {"selection": {"rows": rows, "columns": [], "cells": []}}
    st.session_state[LIST_MARK] = cur if rows else None
    shown_in(table_key, cur if rows else None)


def clicked_row(table_key: str) -> int | None:
    """The row a click in the play list chose: a cell's row (a click anywhere on a row)
    or a ticked row; None for an un-tick."""
    sel = st.session_state[table_key]["selection"]
    if sel["cells"]:
        return int(sel["cells"][0][0])
    return int(sel["rows"][0]) if sel["rows"] else None


def shown_in(widget: str, play: Any) -> None:
    """Record that the page set ``widget`` (picker, list) to show ``play`` this run."""
    now = time.monotonic()
    history = st.session_state.setdefault(_SHOWN_PLAYS, {})
    # (time it stopped being shown or None while shown, play): the recent ones only
    kept = [(t, p) for t, p in history.get(widget, []) if t is not None and now - t < ECHO_S]
    last = history.get(widget, [])[-1:] or [(None, play)]
    if last[0][1] != play:
        kept.append((now, last[0][1]))
    history[widget] = [*[(t, p) for t, p in kept if p != play], (None, play)]


def is_echo(widget: str, play: Any) -> bool:
    """A widget's "change" to ``play`` that only echoes a value the page itself showed until
    a moment ago: a rerun asked for (a key press, a click) before the browser had the page's
    newer value carries the old one back, and taking it as a pick undid steps. (A pick of a
    play that left the screen less than ``ECHO_S`` seconds ago is taken for one too.)"""
    history = st.session_state.get(_SHOWN_PLAYS, {}).get(widget, [])
    now = time.monotonic()
    return any(p == play and t is not None and now - t < ECHO_S for t, p in history)
