"""The server's warm-up fills the caches the explorer's first run reads, so that run rebuilds
none of it (coverage.app.warmup), and it starts once per process."""

from __future__ import annotations

import ast
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
import streamlit as st

from coverage.app import play_player, session, spec_cache, view_state, warmup
from coverage.store import Store
from tests.builders.apptest import assert_clean, player_figure, run_page

EXPLORER = "app_pages/1_Play_explorer.py"


@pytest.fixture
def calls(monkeypatch) -> Counter:
    """Counts of the slow builders behind the explorer's first run (play specs by play)."""
    counts: Counter = Counter()

    def counted(name, fn, key=None):
        def wrapper(*args, **kwargs):
            counts[name if key is None else (name, key(*args, **kwargs))] += 1
            return fn(*args, **kwargs)
        return wrapper

    monkeypatch.setattr(Store, "predictions", counted("predictions", Store.predictions))
    monkeypatch.setattr(Store, "plays", counted("plays", Store.plays))
    monkeypatch.setattr(session, "play_table", counted("play_table", session.play_table))
    monkeypatch.setattr(session, "formation_slots",
                        counted("formation_slots", session.formation_slots))
    monkeypatch.setattr(play_player, "build_spec", counted(
        "spec", play_player.build_spec,
        key=lambda frames, play, *a, **k: (int(play["gameId"]), int(play["playId"]))))
    return counts


def _cold(monkeypatch) -> None:
    monkeypatch.setattr(spec_cache, "SPECS", spec_cache.SpecCache())
    st.cache_data.clear()
    st.cache_resource.clear()
    session._PREPARED.clear()  # noqa: SLF001 - a fresh server process


def test_warmup_fills_what_the_first_run_needs(point_at, calls, monkeypatch) -> None:
    point_at("preds")
    _cold(monkeypatch)
    took = warmup.warm(warmup.data_option([]))
    assert {"store", "plays", "predictions", "play table", "first play's figure",
            "filter options", "player files"} <= set(took)
    assert calls["predictions"] == 1 and calls["play_table"] == 1
    warmed_specs = {k for k in calls if isinstance(k, tuple) and k[0] == "spec"}
    assert len(warmed_specs) == 3, warmed_specs  # the first play's and its two neighbours'
    assert all(calls[k] == 1 for k in warmed_specs), calls
    calls.clear()

    at = run_page(EXPLORER)
    assert_clean(at)
    first = tuple(int(v) for v in at.session_state[view_state.PLAY_KEY])
    drawn = player_figure(at)
    assert drawn["data"], "no play drawn"
    # the first run read nothing the warm-up had read, and built none of its figure
    assert calls["predictions"] == 0 and calls["plays"] == 0, calls
    assert calls["play_table"] == 0 and calls["formation_slots"] <= 2, calls
    assert ("spec", first) in warmed_specs  # the warm-up built the play the page opens
    # and the plays ◀ / ▶ open, which the page's first run would otherwise build ahead
    keys = list(at.session_state["_listed"])
    assert {("spec", tuple(n)) for n in spec_cache.neighbours(keys, first)} == (
        warmed_specs - {("spec", first)})
    assert all(calls[k] == 0 for k in warmed_specs), calls


def test_without_warmup_the_first_run_builds_them(point_at, calls, monkeypatch) -> None:
    """The counters see the work: the check above is not vacuous."""
    point_at("preds")
    _cold(monkeypatch)
    at = run_page(EXPLORER)
    assert_clean(at)
    assert calls["predictions"] >= 1 and calls["play_table"] >= 1
    assert any(isinstance(k, tuple) and k[0] == "spec" for k in calls)


def test_table_code_imports_what_streamlit_imports_on_first_use() -> None:
    """A fresh process: the warm-up's module does not import them, its step does, and they
    are what Streamlit's first component call (the explorer's player) imports."""
    code = ("import sys\n"
            "from coverage.app import warmup\n"
            "from streamlit import dataframe_util\n"
            "assert not set(warmup.TABLE_MODULES) & set(sys.modules), 'imported early'\n"
            "warmup.table_code()\n"
            "assert set(warmup.TABLE_MODULES) <= set(sys.modules)\n"
            "before = set(sys.modules)\n"
            "dataframe_util.is_dataframe_like({'spec': '{}'})\n"
            "print(sorted({m.split('.')[0] for m in set(sys.modules) - before}))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120, cwd=Path(__file__).resolve().parents[1])
    assert out.returncode == 0, out.stderr[-2000:]
    # nothing heavy left for the player's first call (small stdlib helpers may remain)
    left = set(ast.literal_eval(out.stdout.strip().splitlines()[-1]))
    assert not left & {"pandas", "pyarrow", "numpy", "dateutil"}, left


def test_start_runs_once_per_process(monkeypatch) -> None:
    runs: list = []
    monkeypatch.setattr(warmup, "_STARTED", None)
    monkeypatch.setattr(warmup, "warm", lambda data: runs.append(data) or {"x": 0.0})
    first = warmup.start("a")
    assert warmup.start("b") is first
    assert first.result(timeout=10) == {"x": 0.0}
    assert runs == ["a"]


def test_data_option_reads_both_argument_forms(monkeypatch) -> None:
    monkeypatch.delenv("COVERAGE_DATA", raising=False)
    assert warmup.data_option(["--server.port", "1", "--", "--data", "d"]) == "d"
    assert warmup.data_option(["--data", "d"]) == "d"  # sys.argv under streamlit
    assert warmup.data_option(["--server.port", "1"]) is None


def test_serve_waits_for_the_warmup_at_most_its_limit() -> None:
    """`python app.py` serves once the caches are warm (a failed warm-up counts as done: the
    pages show its error), or after the limit when the warm-up runs longer."""
    from concurrent.futures import Future

    done: Future = Future()
    done.set_result({})
    failed: Future = Future()
    failed.set_exception(RuntimeError("no store"))
    assert warmup.wait(done, 5) and warmup.wait(failed, 5)
    t0 = time.perf_counter()
    assert warmup.wait(Future(), 0.2) is False
    assert time.perf_counter() - t0 < 5


def test_settle_exempts_what_the_warmup_leaves_from_later_collections() -> None:
    """After the warm-up, what it loaded is frozen: a later full collection (set off by a
    visitor's script run) no longer walks it."""
    import gc

    kept = [object() for _ in range(1000)]
    try:
        assert warmup.settle() >= len(kept)
        assert gc.get_freeze_count() >= len(kept)
    finally:
        gc.unfreeze()
