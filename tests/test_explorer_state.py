"""The explorer's page logic where it used to drift: a link to a play that is not there
says so (and keeps its filters), a row click opens its play and the list marks the play
on screen, and steps sent by the browser as a running count are each applied."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.builders.apptest import assert_clean, player_figure, run_page

PAGE = "app_pages/1_Play_explorer.py"


def _url(at: AppTest) -> dict[str, str]:
    return {k: v[0] if isinstance(v, list) else v for k, v in at.query_params.items()}


def _listed(at: AppTest) -> list[tuple[int, int]]:
    return [tuple(int(v) for v in o.split(" ")[0].split("-"))
            for o in at.selectbox(key="play_pick").options]


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
    assert at.selectbox(key="play_pick").value is None
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
    """The rows the play list shows selected (the selection the page sent it)."""
    import json

    key = at.session_state["_play_list_key"]
    grid = next(d for d in at.dataframe if d.key == key)
    state = grid.proto.selection_state or grid.proto.selection_default
    return json.loads(state)["selection"]["rows"] if state else []


def test_the_list_marks_the_play_on_screen_however_it_was_picked(point_at) -> None:
    point_at("preds")
    at = run_page(PAGE)
    assert_clean(at)
    assert _marked(at) == [0]  # the first play is on screen and marked
    listed = _listed(at)
    at.selectbox(key="play_pick").set_value(listed[4]).run()  # the picker
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


def _echo_app() -> None:
    import streamlit as st

    from coverage.app import view_state

    for play in st.session_state.get("shows", []):
        view_state.shown_in("w", play)
    st.session_state["echo"] = {p: view_state.is_echo("w", p) for p in ("A", "B", "C", "D")}


def test_a_value_the_page_showed_a_moment_ago_is_an_echo_not_a_pick() -> None:
    at = AppTest.from_function(_echo_app)
    at.session_state["shows"] = ["A", "B", "C"]
    at.run()
    # A and B left the screen just now (a browser not yet updated sends them back); C is on
    # screen (no change); D was never shown: a real pick
    assert at.session_state["echo"] == {"A": True, "B": True, "C": False, "D": False}
