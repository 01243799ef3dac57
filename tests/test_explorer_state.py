"""The explorer's page logic where it used to drift: a link to a play that is not there
says so (and keeps its filters), a row click opens its play and the list marks the play
on screen, and steps sent by the browser as a running count are each applied."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.builders.apptest import assert_clean, picker, player_figure, run_page

PAGE = "app_pages/1_Play_explorer.py"


def _url(at: AppTest) -> dict[str, str]:
    return {k: v[0] if isinstance(v, list) else v for k, v in at.query_params.items()}


def _listed(at: AppTest) -> list[tuple[int, int]]:
    return [tuple(int(v) for v in o.split(" ")[0].split("-"))
            for o in picker(at).options]


def _players(at: AppTest) -> list:
    return [e for e in at.get("component_instance")
            if e.proto.component_name.endswith("play_player")]


def test_a_link_to_a_missing_play_says_so_and_keeps_the_link(point_at) -> None:
    point_at("preds")
    first = run_page(PAGE)
    game = _listed(first)[0][0]
    at = run_page(PAGE, {"family": "Zone", "game": str(game), "play": "999999"})
    assert_clean(at)
    warned = " ".join(w.value for w in at.warning)
    assert f"Play 999999 of game {game} is not in this data" in warned, warned
    assert not _players(at)  # no other play opened in its place
    assert picker(at).value is None
    assert at.sidebar.multiselect(key="f_family").value == ["Zone"]  # the filters stay
    url = _url(at)
    assert (url["game"], url["play"], url["family"]) == (str(game), "999999", "Zone")
    # the list is still there, and a pick (or ▶) opens a play as usual
    assert at.session_state["_play_list_key"]
    at.button(key="next_play").click().run()
    assert_clean(at)
    assert at.session_state["cur_play"] == _listed(at)[0]
    assert not at.warning or "999999" not in " ".join(w.value for w in at.warning)
    spec = player_figure(at)["spec"]
    assert (spec["game"], spec["play"]) == _listed(at)[0]


def test_a_link_to_a_missing_game_or_a_filtered_play_says_which(point_at) -> None:
    point_at("preds")
    at = run_page(PAGE, {"game": "1", "play": "1"})
    assert_clean(at)
    assert "Game 1 is not in this data" in " ".join(w.value for w in at.warning)
    assert not _players(at)
    # a play that exists but the link's own filter hides: named as hidden, filter kept
    zone = run_page(PAGE, {"family": "Zone"})
    man = run_page(PAGE, {"family": "Man"})
    hidden = next(k for k in _listed(man) if k not in set(_listed(zone)))
    at = run_page(PAGE, {"family": "Zone", "game": str(hidden[0]), "play": str(hidden[1])})
    assert_clean(at)
    warned = " ".join(w.value for w in at.warning)
    assert f"Play {hidden[1]} of game {hidden[0]} is hidden by the filters" in warned, warned
    assert at.sidebar.multiselect(key="f_family").value == ["Zone"]
    assert _url(at)["play"] == str(hidden[1])


def _marked(at: AppTest) -> list[int]:
    """The rows the play list marks as the play on screen (its mark column)."""
    key = at.session_state["_play_list_key"]
    grid = next(d for d in at.dataframe if d.key == key)
    return [i for i, v in enumerate(grid.value["on_screen"]) if v]


def test_the_list_marks_the_play_on_screen_however_it_was_picked(point_at) -> None:
    point_at("preds")
    at = run_page(PAGE)
    assert_clean(at)
    assert _marked(at) == [0]  # the first play is on screen and marked
    listed = _listed(at)
    picker(at).set_value(listed[4]).run()  # the picker
    assert_clean(at)
    assert at.session_state["cur_play"] == listed[4] and _marked(at) == [4]
    at.button(key="next_play").click().run()  # ▶ (a rerun of the play's fragment)
    assert at.session_state["cur_play"] == listed[5] and _marked(at) == [5]
    at.button(key="prev_play").click().run()
    at.button(key="prev_play").click().run()
    assert at.session_state["cur_play"] == listed[3] and _marked(at) == [3]


def _steps_app() -> None:
    import streamlit as st

    from coverage.app.play_player import pending_steps

    st.session_state["applied"] = st.session_state.get("applied", 0) + pending_steps("probe")


def test_steps_counted_by_the_browser_are_each_applied_once() -> None:
    """The player sends a running count; a count that jumps (presses merged while a run was
    pending) is applied whole, a repeated value not again, a new frame counts from 0."""
    at = AppTest.from_function(_steps_app).run()
    for value, applied in (({"drawn": True, "id": "a", "steps": 1}, 1),
                           ({"drawn": True, "id": "a", "steps": 6}, 6),
                           ({"drawn": True, "id": "a", "steps": 6}, 6),
                           ({"drawn": True, "id": "a", "steps": 2}, 2),
                           ({"drawn": True, "id": "b", "steps": 1}, 3),
                           (True, 3)):
        at.session_state["probe"] = value
        at.run()
        assert_clean(at)
        assert at.session_state["applied"] == applied, value


def _picker_app() -> None:
    import streamlit as st

    from coverage.app import view_state

    shown = st.session_state.get("show")
    key = view_state.picker_key(shown)
    st.session_state.setdefault("keys", []).append(key)
    if st.session_state.get("browser") is not None:  # what the browser sends for that key
        st.session_state[key] = st.session_state["browser"]
    st.session_state["picked"] = view_state.picked(key, shown)


def test_the_picker_takes_any_value_but_the_one_its_widget_was_made_for() -> None:
    """Each play the page shows gets a picker of its own: an old value a browser sends back
    for it can only be the play it was made for, never read as a pick; any other is."""
    at = AppTest.from_function(_picker_app)
    at.session_state["show"] = (1, 1)
    at.run()
    at.session_state["show"] = (1, 1)
    at.run()
    at.session_state["show"] = (1, 2)
    at.run()
    keys = at.session_state["keys"]
    assert keys[0] == keys[1] != keys[2]  # a new widget only when the play changes
    for browser, picked in (((1, 2), None), ((1, 1), (1, 1)), ((3, 3), (3, 3))):
        at.session_state["browser"] = browser
        at.run()
        assert at.session_state["picked"] == picked, browser


def _click_app() -> None:
    import streamlit as st

    from coverage.app import view_state

    st.session_state.pop("row", None)
    if "send" in st.session_state:  # the browser's value of the list, as a rerun carries it
        st.session_state["list"] = {"selection": st.session_state.pop("send")}
        st.session_state["row"] = view_state.clicked_row("list")
    view_state.list_seen("list")


def test_a_list_click_counts_once_and_again_once_the_browser_has_the_clear() -> None:
    """A click taken clears the list; the same click carried back by a rerun the browser
    asked for before that clear reached it is not a second pick, the same cell clicked
    after a rerun that reported the cleared list is."""
    at = AppTest.from_function(_click_app).run()
    click = {"rows": [], "columns": [], "cells": [[3, "family"]]}
    empty = {"rows": [], "columns": [], "cells": []}
    for sent, row in ((click, 3), (click, None), (click, None), (empty, None), (click, 3),
                      ({"rows": [5], "columns": [], "cells": []}, 5), (empty, None)):
        at.session_state["send"] = sent
        at.run()
        assert_clean(at)
        assert at.session_state["row"] == row, (sent, row)
