"""The explorer's state holds: picker, table and field name the same play after filters
and picks; a link (query string) reopens the view; filters survive the other pages."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.builders.apptest import assert_clean as _clean
from tests.builders.apptest import picker, player_figure, run_page


def _explorer(query: dict[str, str] | None = None) -> AppTest:
    return run_page("app_pages/1_Play_explorer.py", query)



def _on_screen(at: AppTest) -> tuple[int, int]:
    """The play the field draws (cur_play), checked against what the picker displays."""
    sb = picker(at)
    g, p = at.session_state["cur_play"]
    assert tuple(sb.value) == (g, p)
    assert sb.options[sb.index].startswith(f"{g}-{p} ")  # the label the user reads
    spec = player_figure(at)["spec"]
    assert (spec["game"], spec["play"]) == (g, p)  # ... and the play the player draws
    return g, p


def _listed(at: AppTest) -> list[tuple[int, int]]:
    return [tuple(int(v) for v in o.split(" ")[0].split("-"))
            for o in picker(at).options]


def _table_key(at: AppTest) -> str:
    return at.session_state["_play_list_key"]


def _url(at: AppTest) -> dict[str, str]:
    return {k: v[0] if isinstance(v, list) else v for k, v in at.query_params.items()}


def test_picker_names_the_play_on_screen_after_filters(point_at) -> None:
    point_at("preds")
    at = _explorer()
    _clean(at)
    picker(at).set_value(_listed(at)[5]).run()
    assert _on_screen(at) == _listed(at)[5]
    for family in ("Man", "Zone"):
        at.sidebar.multiselect(key="f_family").select(family).run()
        _clean(at)
        assert _on_screen(at) in _listed(at)  # never a play the list no longer shows
        at.sidebar.multiselect(key="f_family").unselect(family).run()


def test_a_pick_and_the_arrows_move_the_field(point_at) -> None:
    point_at("preds")
    at = _explorer()
    first_key = _table_key(at)
    target = _listed(at)[2]
    picker(at).set_value(target).run()
    _clean(at)
    assert _on_screen(at) == target
    # the list is not redrawn for a pick (and a row click clears its own tick)
    assert _table_key(at) == first_key
    assert _url(at)["game"] == str(target[0]) and _url(at)["play"] == str(target[1])
    at.button(key="next_play").click().run()
    assert _on_screen(at) == _listed(at)[3]
    at.button(key="prev_play").click().run()
    at.button(key="prev_play").click().run()
    assert _on_screen(at) == _listed(at)[1]


def test_a_link_reopens_filters_and_play(point_at) -> None:
    point_at("preds")
    first = _explorer()
    first.sidebar.multiselect(key="f_family").select("Man").run()
    g, p = _listed(first)[-1]
    url = _url(first)
    assert url["family"] == "Man"
    url.update(game=str(g), play=str(p))
    linked = _explorer(url)  # a new session: a shared link, or a reload
    _clean(linked)
    assert linked.sidebar.multiselect(key="f_family").value == ["Man"]
    assert _on_screen(linked) == (g, p)


def test_a_stale_link_is_ignored_not_an_error(point_at) -> None:
    point_at("preds")
    at = _explorer({"family": "Nonsense~Man", "game": "1", "play": "x", "week": "99"})
    _clean(at)
    assert at.sidebar.multiselect(key="f_family").value == ["Man"]
    assert at.sidebar.multiselect(key="f_week").value == []
    assert _on_screen(at) == _listed(at)[0]


def test_filters_survive_a_visit_to_another_page(point_at) -> None:
    point_at("preds")
    at = _explorer()
    at.sidebar.multiselect(key="f_family").select("Zone").run()  # the larger family
    picker(at).set_value(_listed(at)[1]).run()
    picked = _on_screen(at)
    at.switch_page("2_Accuracy.py").run()
    _clean(at)
    at.switch_page("1_Play_explorer.py").run()
    _clean(at)
    assert at.sidebar.multiselect(key="f_family").value == ["Zone"]
    assert _on_screen(at) == picked


def test_sort_and_zoom_travel_in_the_link(point_at) -> None:
    point_at("preds")
    at = _explorer({"sort": "misses first", "zoom": "1"})
    _clean(at)
    assert at.selectbox(key="sort").value == "misses first"
    assert at.sidebar.toggle(key="zoom_box").value is True
    url = _url(at)
    assert url["sort"] == "misses first" and url["zoom"] == "1"
