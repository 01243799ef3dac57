"""Running one app page in-process (streamlit AppTest) and checking it ended cleanly:
shared by the page, honesty and view-state tests."""

from __future__ import annotations

import json
from pathlib import Path

from streamlit.testing.v1 import AppTest

from tests.builders.player_spec import spec_figure

REPO = Path(__file__).resolve().parents[2]


def run_page(page: str, query: dict[str, str] | None = None) -> AppTest:
    """Run ``page`` (relative to the repository) once, with an optional query string."""
    at = AppTest.from_file(str(REPO / page), default_timeout=60)
    for k, v in (query or {}).items():
        at.query_params[k] = v
    return at.run()


def assert_clean(at: AppTest) -> None:
    """No exception and no error element on the page."""
    assert not at.exception, [e.message for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def player_figure(at: AppTest) -> dict:
    """The explorer's play as a plotly figure dict with frames, rebuilt from the play
    player's spec the way ``player_web/player.js`` rebuilds it in the browser."""
    players = [e for e in at.get("component_instance")
               if e.proto.component_name.endswith("play_player")]
    assert players, "no play player on the page"
    return spec_figure(json.loads(json.loads(players[-1].proto.json_args)["spec"]))


def picker(at: AppTest):
    """The explorer's play picker (its widget key changes with each play it is set to show:
    coverage.app.view_state.picker_key)."""
    return next(s for s in at.selectbox if (s.key or "").startswith("play_pick_"))
