"""Smoke tests of the README's first command, as a user runs it, on a tiny seed.

``make app`` is ``coverage init`` then ``streamlit run app.py`` (optionally ``-- --data DIR``).
Both run here as subprocesses against a throw-away ``COVERAGE_DATA_DIR``, with
``COVERAGE_DEFAULT_SIZE`` shrinking the embedded season to 9 weeks x 1 game x 2 plays. The
server must answer HTTP on ``/`` and ``/_stcore/health``; then a websocket session (what the
browser opens) runs the home page and the Play explorer *in the server process* and every
element it sends back is checked: no exception, no error, the figure is there. An
``AppTest`` of the explorer with the same environment checks the play list in-process.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from coverage.store import Store
from tests.builders.apptest import picker, player_figure
from tests.builders.server import HEALTH, streamlit_server

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parent.parent
TINY_SEASON = "9,1,2"  # weeks, games per week, plays per game (COVERAGE_DEFAULT_SIZE)
TINY_PLAYS = 9 * 1 * 2
STREAM = "_stcore/stream"  # Streamlit's websocket under the app URL


def _env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("COVERAGE_DATA", "COVERAGE_MODELS_DIR")}  # the shipped models/, as make app
    env.update(COVERAGE_DATA_DIR=str(data_dir), COVERAGE_DEFAULT_SIZE=TINY_SEASON)
    return env


def _coverage_cli() -> list[str]:
    script = Path(sys.executable).parent / "coverage"  # what `make app` runs: .venv/bin/coverage
    return [str(script)] if script.exists() else [sys.executable, "-m", "coverage"]


def _get(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=5) as r:
        return r.status, r.read().decode("utf-8", "replace")


def run_page(url: str, page_name: str = "", timeout: float = 180.0,
             player_answers: bool = False) -> list:
    """Open a session on the server's websocket as the browser does, run one page and return
    the elements it rendered (protobuf ``Element``s). Fails on an exception or error shown.

    ``player_answers``: then answer as the explorer's play player does once its play is
    drawn (its value set to true: ``play_player.first_play_pending``), and return the
    elements of the page's last run, which sends the rest of the page."""
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
    from websockets.sync.client import connect

    elements = []
    ws_url = f"{url.replace('http', 'ws', 1)}/{STREAM}"
    with connect(ws_url, subprotocols=["streamlit"], open_timeout=30, max_size=None) as ws:
        back = BackMsg()
        back.rerun_script.page_name = page_name
        ws.send(back.SerializeToString())
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                pytest.fail(f"page {page_name or 'home'} did not finish in {timeout:.0f} s")
            msg = ForwardMsg()
            msg.ParseFromString(ws.recv(timeout=remaining))
            kind = msg.WhichOneof("type")
            if kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
                elements.append(msg.delta.new_element)
            elif kind == "script_finished":
                if msg.script_finished == ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                    elements = []  # the run that follows is the page
                    continue
                player = [e.component_instance.id for e in elements
                          if e.WhichOneof("type") == "component_instance"
                          and e.component_instance.component_name.endswith("play_player")]
                if not (player_answers and player):
                    break
                player_answers = False
                elements = []
                back = BackMsg()
                back.rerun_script.page_name = page_name
                answer = back.rerun_script.widget_states.widgets.add()
                answer.id, answer.json_value = player[0], "true"
                ws.send(back.SerializeToString())
    shown = [(e.WhichOneof("type"), e) for e in elements]
    exceptions = [f"{e.exception.type}: {e.exception.message}" for k, e in shown
                  if k == "exception"]
    assert not exceptions, exceptions
    errors = [e.alert.body for k, e in shown if k == "alert" and e.alert.format == e.alert.ERROR]
    assert not errors, errors
    return elements


def _kinds(elements: list) -> list[str]:
    return [e.WhichOneof("type") for e in elements]


def _metric(elements: list, label: str) -> str:
    return next(e.metric.body for e in elements
                if e.WhichOneof("type") == "metric" and e.metric.label == label)


def _apptest_explorer(monkeypatch, env: dict[str, str], argv: list[str]):
    """The explorer under AppTest, in this process, with the server's environment and argv."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    monkeypatch.chdir(REPO)
    for key in ("COVERAGE_DATA", "COVERAGE_MODELS_DIR"):
        monkeypatch.delenv(key, raising=False)
    for key in ("COVERAGE_DATA_DIR", "COVERAGE_DEFAULT_SIZE"):
        monkeypatch.setenv(key, env[key])
    monkeypatch.setattr(sys, "argv", argv)
    st.cache_resource.clear()  # load_store(None) must not come from another test's data dir
    st.cache_data.clear()
    at = AppTest.from_file(str(REPO / "app_pages" / "1_Play_explorer.py"), default_timeout=180)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    return at


def test_make_app_init_then_streamlit(tmp_path: Path, monkeypatch) -> None:
    """`make app` on a fresh data dir: init builds the (tiny) embedded season and the shipped
    models' predictions, the server starts and renders the home page and the explorer."""
    data_dir = tmp_path / "data"
    env = _env(data_dir)
    init = subprocess.run([*_coverage_cli(), "init", "--quiet"], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=600)
    assert init.returncode == 0, init.stdout + init.stderr
    store_dir = data_dir / "synthetic" / "store"
    assert f"store ready: {store_dir}" in init.stdout
    store = Store(store_dir)
    plays = store.all_plays()
    assert plays.height == TINY_PLAYS and plays["week"].n_unique() == 9
    preds = store.predictions(9)
    shipped = {p.name for p in (REPO / "models").iterdir() if (p / "config.json").exists()}
    assert set(preds["model"].unique()) == shipped
    assert preds["p_man"].is_between(0, 1).all()

    with streamlit_server(env, tmp_path / "server.log") as url:
        status, body = _get(url + "/")
        assert status == 200 and "<html" in body.lower()
        assert _get(f"{url}/{HEALTH}") == (200, "ok")
        home = run_page(url)
        assert "plotly_chart" in _kinds(home)
        assert any("Synthetic data" in e.alert.body for e in home
                   if e.WhichOneof("type") == "alert")
        assert _metric(home, "Plays") == str(TINY_PLAYS)
        explorer = run_page(url, "Play_explorer")  # a first load: the play before the list
        assert "component_instance" in _kinds(explorer), _kinds(explorer)  # play player
        assert "dataframe" not in _kinds(explorer), _kinds(explorer)
        explorer = run_page(url, "Play_explorer", player_answers=True)
        assert "component_instance" in _kinds(explorer), _kinds(explorer)
        assert _metric(explorer, "Plays shown") == str(TINY_PLAYS)
    assert "Traceback" not in (tmp_path / "server.log").read_text()

    at = _apptest_explorer(monkeypatch, env, [str(REPO / "app.py")])
    assert len(picker(at).options) == TINY_PLAYS
    assert player_figure(at)["data"], "no figure for the selected play"


def test_make_app_with_a_raw_data_folder(tmp_path: Path, monkeypatch) -> None:
    """`streamlit run app.py -- --data RAW` on a raw official-schema folder: the server
    ingests it on first use into its own store under the data dir and shows its plays."""
    from coverage.simulate import simulate_season

    raw = tmp_path / "raw"
    simulate_season(raw, seed=11, weeks=3, games_per_week=1, plays_per_game=4)
    data_dir = tmp_path / "data"
    env = _env(data_dir)
    with streamlit_server(env, tmp_path / "server.log", ["--data", str(raw)]) as url:
        assert _get(url + "/")[0] == 200
        assert _get(f"{url}/{HEALTH}") == (200, "ok")
        home = run_page(url)
        assert _metric(home, "Plays") == "12"
        explorer = run_page(url, "Play_explorer", player_answers=True)
        assert _metric(explorer, "Plays shown") == "12"
        assert "component_instance" in _kinds(explorer), _kinds(explorer)  # the field
        assert any("coverage predict" in e.alert.body for e in explorer
                   if e.WhichOneof("type") == "alert")  # a fresh download has no predictions
    assert "Traceback" not in (tmp_path / "server.log").read_text()
    stores = list((data_dir / "real").glob("raw-*/store/current"))
    assert len(stores) == 1, "the raw folder should be ingested once, under COVERAGE_DATA_DIR"
    assert not (data_dir / "synthetic").exists(), "--data must not build the embedded season"

    # the same page in-process, from a fresh data dir (AppTest sees `-- --data RAW` in argv)
    shutil.rmtree(data_dir)
    at = _apptest_explorer(monkeypatch, env, [str(REPO / "app.py"), "--data", str(raw)])
    assert len(picker(at).options) == 12
