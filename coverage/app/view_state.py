"""What an analyst is looking at — filters, play, model — kept across reruns, pages and
reloads, and carried by the URL so a link reopens the same view.

Streamlit forgets a widget's value when a page without that widget runs, and a fresh
browser tab starts empty. So the values live under their widget keys but are re-owned
by the session on every page (:func:`keep`), and every page writes them into the query
string (:func:`to_url`) and reads them back once per session (:func:`from_url`).
"""

from __future__ import annotations

import contextlib
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
LIST_MARK = "_list_mark"  # the play the play list marks (its mark column), None: none


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


PICKER = "play_pick"  # the picker's widget keys start so; its container carries it as is
_PICKER_GEN = "_picker_gen"  # (generation, the play its widget was created to show)
_CLICK = "_list_click"  # the list click last taken: {"key", "value", "acked"}
OWN_RERUN = "_own_rerun"  # set before the page's own st.rerun: that run's widget values are
# the server's copy, not the browser's


def picker_key(play: tuple[int, int] | None) -> str:
    """The picker's widget key for a run showing ``play``: a new key (a new widget) each
    time the page changes the play it shows.

    A browser sends every widget's value with each rerun it asks for; one asked for (a key
    press) before the page's newer value arrived carries the picker's old value back, which
    Streamlit reports as a change. A widget made for one value never held any other, so any
    other value it reports is the analyst's pick, however late it comes.
    """
    gen, shown = st.session_state.get(_PICKER_GEN, (0, None))
    if shown != play:
        gen += 1
        st.session_state[_PICKER_GEN] = (gen, play)
    key = f"{PICKER}_{gen}"
    st.session_state[key] = play
    return key


def picked(key: str, shown: tuple[int, int] | None) -> tuple[int, int] | None:
    """The picker widget ``key``'s value when the analyst chose it (not the ``shown`` play
    the page created that widget with), else None."""
    value = st.session_state.get(key)
    value = tuple(value) if value is not None else None
    return value if value is not None and value != shown else None  # type: ignore[return-value]


def _selection(table_key: str) -> tuple[tuple, tuple]:
    state = st.session_state.get(table_key)
    sel = state["selection"] if state else {}
    return (tuple(sel.get("rows") or ()),
            tuple(tuple(c) for c in (sel.get("cells") or ())))


def clicked_row(table_key: str) -> int | None:
    """The row a click in the play list chose (a cell: a click anywhere on a row, or its
    tick box), once: None for an un-tick and for a click already taken.

    The page never marks the play by selecting its row (a column marks it) and clears the
    list's selection once it has taken a click, so the selection holds only clicks. A rerun
    asked for before the browser had that clear carries the taken click back: it is the
    same click until the browser has reported the cleared list (:func:`list_seen`).
    """
    rows, cells = _selection(table_key)
    if not rows and not cells:
        return None
    value = (rows, cells)
    taken = st.session_state.get(_CLICK)
    if taken and taken["key"] == table_key and taken["value"] == value and not taken["acked"]:
        return None
    st.session_state[_CLICK] = {"key": table_key, "value": value, "acked": False, "fresh": True}
    st.session_state[table_key] = {"selection": {"rows": [], "columns": [], "cells": []}}
    return int(cells[0][0]) if cells else int(rows[0])


def list_seen(table_key: str | None) -> None:
    """Once per run, before clicks are read: a rerun the browser asked for, carrying the
    cleared list, shows the browser has the clear; from then on the same cell is a new
    click. (Not in the run that cleared it, nor in the page's own reruns.)"""
    own = st.session_state.pop(OWN_RERUN, False)
    taken = st.session_state.get(_CLICK)
    if not taken or taken.get("acked"):
        return
    if taken.pop("fresh", False) or own or table_key != taken["key"]:
        return
    if _selection(table_key) == ((), ()):
        taken["acked"] = True


def own_rerun(scope: str = "app") -> None:
    """``st.rerun`` for the page's own reasons (marked: its widget values are not news)."""
    st.session_state[OWN_RERUN] = True
    st.rerun(scope=scope)  # type: ignore[arg-type]
