"""Warm the server's caches as it starts, so the first visitor waits no longer than later ones.

Streamlit runs a page's script only when a browser connects: without this, the first
visitor after ``make app`` pays for the package's imports (torch among them), opening the
store, reading every week's predictions, the play list and the first play's figure. One
background thread per process does that work ahead, through the very caches the pages
use (the ``st.cache_*`` loaders of :mod:`coverage.app.session` and the explorer's
:data:`coverage.app.spec_cache.SPECS`): a visitor who arrives while it runs waits on the
same computation (Streamlit's per-key compute lock, the spec cache's pending future)
instead of doing it a second time.

``python app.py [streamlit options] [-- --data DIR]`` starts the thread and waits for it
(up to :data:`WAIT_S`) before it starts the server (:func:`serve`): a visitor who came while
it ran shared the process with it, and its imports (torch's above all) held up every file
and message of their first load, not only the page that needs them. Under a plain
``streamlit run app.py`` the app's first script run starts it.
"""

from __future__ import annotations

import argparse
import functools
import gc
import importlib
import logging
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

import coverage.export  # noqa: F401 - the explorer's modules: imported once, at start
from coverage.app import play_data, play_player, session, spec_cache
from coverage.app.provenance import provenance
from coverage.app.staleness import checkpoints_stamp
from coverage.background import spawn
from coverage.config import data_arg, finish_in_background

LOG = logging.getLogger("coverage.app.warmup")
# the explorer's Explain (it imports torch): loaded last, off every page's own run, so that
# no other page pays for torch and the explorer's first visitor does not either
EXPLAIN_MODULE = "coverage.app.explain_data"
# imported by Streamlit on first use (streamlit.dataframe_util), not when it starts
TABLE_MODULES = ("pandas", "pyarrow")

# the most `python app.py` waits for the warm-up before serving; a longer one (predictions
# built on a fresh clone) goes on beside the server, its first visitor waiting on the caches
WAIT_S = 60.0

_LOCK = threading.Lock()
_STARTED: Future | None = None


def start(data: str | None = None) -> Future:
    """Start warming once per process (later calls return the first call's future, whose
    result is the seconds each step took)."""
    global _STARTED
    with _LOCK:
        if _STARTED is None:
            # here, not in the thread: plotly takes a half-imported pandas from sys.modules
            # (a page drawing a figure while the thread imported it crashed); every script
            # run calls start() before it draws anything, and waits on the lock meanwhile
            table_code()
            fut: Future = Future()

            def work() -> None:
                try:
                    fut.set_result(warm(data))
                except BaseException as exc:  # noqa: BLE001 - the pages then show the error
                    LOG.warning("warm-up stopped: %s", exc)
                    fut.set_exception(exc)

            threading.Thread(target=work, name="coverage-warmup", daemon=True).start()
            _STARTED = fut
        return _STARTED


def warm(data: str | None) -> dict[str, float]:
    """What the explorer's first run needs, in its order; the seconds of each step (logged).

    The spec key and builder mirror the explorer's ``spec_key`` and default play (the first
    in the list's default order, no filters): ``tests/test_warmup.py`` checks that the
    page's first run then builds nothing of this again."""
    took: dict[str, float] = {}

    def step(name: str, fn: Callable[[], Any]) -> Any:
        t0 = time.perf_counter()
        out = fn()
        took[name] = time.perf_counter() - t0
        return out

    # this runs while the server starts: a cache made before its runtime is the one the
    # pages find later (Streamlit keys its caches by function, not by runtime)
    store = step("store", lambda: session.load_store(data))
    stamp = store.output_stamp("predictions")
    plays = step("plays", lambda: session.load_plays(store))
    preds = step("predictions", lambda: session.load_predictions(store, stamp))
    models = play_data.models_in(preds)
    prov = step("provenance", lambda: provenance(store, models))
    visible = prov.visible(show_synthetic=False)
    if visible:
        step("staleness", lambda: session._stale_lines(  # noqa: SLF001 - the picker's cache
            store, tuple(sorted(visible)), stamp, checkpoints_stamp(store, visible)))
    model = prov.default(visible) if visible else None
    table = step("play table", lambda: session.load_play_table(store, model, stamp))
    shown = play_data.sort_plays(table, next(iter(play_data.SORTS)))
    if shown.height:
        g, p = int(shown["gameId"][0]), int(shown["playId"][0])
        frames = step("play frames", lambda: session.load_play_frames(store, g, p))
        slots = step("formation slots", lambda: session.load_formation_slots(store, g, p))
        play = session.play_row(plays, g, p)
        play_preds = play_data.play_predictions(preds, g, p, visible)
        key = (str(store.path), stamp, g, p, tuple(visible), False)  # the explorer's spec_key
        step("first play's figure", lambda: spec_cache.SPECS.get_or_build(
            key, lambda: play_player.build_spec(frames, play, prov.relabel(play_preds),
                                                slots=slots, source=store.source)))
        # its neighbours too (the explorer's first run would build them on a worker while
        # the first visitor's browser draws the play, on the same few cores)
        keys = list(zip(shown["gameId"].to_list(), shown["playId"].to_list(), strict=True))
        for ng, np_ in spec_cache.neighbours(keys, (g, p)):
            step(f"neighbour {ng}-{np_}", functools.partial(
                _neighbour, store, plays, preds, prov, (*key[:2], ng, np_, *key[4:])))
    # the page's first run calls these too; their first call pays for what they set up
    step("filter options", lambda: play_data.filter_options(table))
    # hashes plotly.js, copies it if new; the specs built above as files the player fetches
    step("player files", lambda: spec_cache.SPECS.publish_to(play_player.spec_folder()))
    step("explain code", lambda: importlib.import_module(EXPLAIN_MODULE))
    step("settle", settle)
    LOG.info("warm-up: %s", ", ".join(f"{k} {v:.2f} s" for k, v in took.items()))
    return took


def _neighbour(store: Any, plays: Any, preds: Any, prov: Any, key: tuple) -> str:
    """A play's spec as the explorer's ``neighbour_spec`` builds it, cached under ``key``."""
    g, p, visible = key[2], key[3], key[4]
    frames = store.play_frames(g, p)
    return spec_cache.SPECS.get_or_build(key, lambda: play_player.build_spec(
        frames, session.play_row(plays, g, p),
        prov.relabel(play_data.play_predictions(preds, g, p, visible)),
        slots=play_data.formation_slots(frames), source=store.source))


def settle() -> int:
    """Collect the warm-up's garbage and exempt what stays (modules, caches, torch: some
    300,000 objects) from the cyclic garbage collector's later passes; the objects frozen.

    Otherwise the first allocations of the first visitor's script run set off a full
    collection over all of them (a tenth of a second or more, holding the process that
    also serves their page's files), and later runs pay for the same heap again."""
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()


def table_code() -> None:
    """Import what Streamlit imports on a page's first element that takes arguments (a
    component's among them: it checks each for a data frame): pandas and pyarrow, a slow
    import the first visitor's player would otherwise wait for."""
    for name in TABLE_MODULES:
        importlib.import_module(name)


def data_option(args: list[str]) -> str | None:
    """The app's ``--data DIR``: after ``--`` in ``python app.py``'s arguments (streamlit's
    own options come first), or anywhere in the script's (``sys.argv`` under streamlit)."""
    rest = args[args.index("--") + 1:] if "--" in args else args
    ap = argparse.ArgumentParser(add_help=False)
    ap.add_argument("--data", default=None)
    got, _ = ap.parse_known_args(rest)
    return got.data or data_arg()


def wait(warming: Future, limit: float) -> bool:
    """Wait for the warm-up up to ``limit`` seconds; True when it finished (a failure the
    pages show themselves counts as finished: the server starts either way)."""
    print(f"coverage: warming the app's caches before serving (up to {limit:.0f} s)…",
          file=sys.stderr, flush=True)
    try:
        warming.exception(timeout=limit)
    except TimeoutError:
        return False
    return True


def serve(script: str, args: list[str]) -> int:
    """``streamlit run script *args`` in this process, once the warm-up is done (or has
    run :data:`WAIT_S`); with
    ``--data DIR``, ``coverage finish-training`` beside it at the lowest priority (it
    leaves at once when ``coverage init`` trained everything in full), stopped with it."""
    from streamlit.web import cli

    data = data_option(args)
    warming = start(data)
    child = (spawn(["finish-training", "--data", data])
             if data is not None and finish_in_background() else None)
    wait(warming, WAIT_S)
    try:
        return cli.main(["run", script, *args], standalone_mode=False) or 0
    finally:
        if child is not None and child.poll() is None:
            child.terminate()
