"""Streamlit glue shared by every page: which store to show, cached loads, error display.

Pages stay thin: they call these helpers and the package's figure builders.
Everything slow is cached once per server process. Nothing here may import torch (every
page loads this module): the explorer's Explain lives in :mod:`coverage.app.explain_data`.
"""

from __future__ import annotations

import argparse
import logging
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from coverage import generations
from coverage.app import layout, view_state
from coverage.app.data_guard import allowed_data_folder, display_path
from coverage.app.play_data import formation_slots, play_table
from coverage.app.provenance import TRAIN_REAL_COMMAND, Provenance, provenance
from coverage.app.result_data import read_evaluation
from coverage.app.staleness import checkpoints_stamp, stale_lines
from coverage.config import REPO_ROOT, data_arg, data_root, data_root_allowed
from coverage.errors import CoverageError, brief
from coverage.opener import store_folder
from coverage.serving import ensure_predictions
from coverage.store import Store
from coverage.views.theme import themed

# Cached loaders take the Store itself; Streamlit keys their caches on its folder.
BY_PATH = {Store: lambda store: str(store.path)}
LOG = logging.getLogger("coverage.app")

SYNTHETIC_NOTE = (
    "**Synthetic data.** You are looking at the embedded synthetic season made by our simulator "
    "in the official Big Data Bowl schema, not real NFL tracking. Point the app at your Kaggle "
    "download with `--data DIR` (see the README) for real plays."
)
REAL_NOTE = (
    "**Real data.** Real NFL tracking from your Big Data Bowl download (`{name}`). Every model "
    "is marked with the data it was trained on; synthetic-trained ones are hidden unless you "
    "ask for them in the sidebar."
)
SHOW_SYNTHETIC = "show synthetic-trained models"


def _cli_data_arg() -> str | None:
    """`streamlit run app.py -- --data DIR` passes DIR after the `--`."""
    ap = argparse.ArgumentParser(add_help=False)
    ap.add_argument("--data", default=None)
    args, _ = ap.parse_known_args(sys.argv[1:])
    return args.data or data_arg()


# (data argument, data root) -> its store folder, once per server process; the lock keeps
# two sessions from building the embedded season (or ingesting one download) side by side
_PREPARED: dict[tuple[str | None, str], Path] = {}
_PREPARE_LOCK = threading.Lock()


def prepare_store(data: str | None) -> Path:
    """The store folder behind ``data``, made first where needed: a raw download is
    ingested once, the embedded season built on first use (with the shipped models'
    predictions). The app's only writing step, kept out of the read cache below."""
    key = (data, str(data_root()))
    with _PREPARE_LOCK:
        if key in _PREPARED and generations.current(_PREPARED[key]) is not None:
            return _PREPARED[key]  # still there: a deleted data dir is prepared again
        with st.spinner("Preparing data (first run builds the synthetic season)…"):
            folder = store_folder(data or None, require_tracking=True)
            if not data:
                ensure_predictions(Store(folder), log=None)  # no-op unless models/ changed
        _PREPARED[key] = folder
        return folder


@st.cache_resource(show_spinner=False, max_entries=8)
def read_store(folder: str, generation: str) -> Store:
    """The store of a folder, read-only: one object per live generation and server process
    (a re-ingest switches the generation, so the next rerun reads the new one: the pointer
    is read on every rerun, a few bytes); replaced generations drop out of the cache."""
    return Store(folder)


def load_store(data: str | None) -> Store:
    """The store behind ``data``: prepared (may write), then opened from the read cache."""
    folder = prepare_store(data or None)
    return read_store(str(folder), str(generations.current(folder)))


@st.cache_data(show_spinner=False, hash_funcs=BY_PATH)
def load_plays(store: Store) -> pl.DataFrame:
    return store.plays()


def current_store() -> Store | None:
    """The store for this session, or None after showing a clear error.

    A folder typed in the sidebar must lie inside ``data_root_allowed()``; the
    operator's ``--data`` (command line or COVERAGE_DATA) is trusted as given.
    """
    picked = str(st.session_state.get("data_dir") or "").strip()
    root = data_root_allowed()
    try:
        data = str(allowed_data_folder(picked, root)) if picked else _cli_data_arg()
    except CoverageError as exc:
        st.error(str(exc))  # one message for every refused path, existing or not
        return None
    try:
        return load_store(data)
    except CoverageError as exc:
        shown = str(exc) if not picked else str(exc).replace(
            str(Path(root).expanduser().resolve()), "<data folder>")
        st.error(f"Could not open the data: {shown}")
        st.info("Fix: pass a folder with the official Big Data Bowl files "
                "(`streamlit run app.py -- --data /path/to/nfl-big-data-bowl-2025`), "
                "or leave it empty to use the embedded synthetic season.")
        return None


def shown_path(path: str | Path) -> str:
    """A server path as visitors see it (repository-relative, else its last parts)."""
    return display_path(path, REPO_ROOT)


# --------------------------------------------------------------------------- pages
NO_PREDICTIONS_FIX = (
    "No model predictions in this store yet. Fix: train or pick a checkpoint, then run "
    "`coverage predict models/<name> --data {store}` (add `coverage evaluate models/<name> "
    "--data {store}` for the test-week report), and reload this page."
)


@st.cache_resource(show_spinner=False, max_entries=4, hash_funcs=BY_PATH)
def load_predictions(store: Store, stamp: str) -> pl.DataFrame | None:
    """All weeks' predictions (``stamp`` only keys the cache).

    A resource cache, not a data cache: polars frames are immutable, and
    unpickling millions of prediction rows on every rerun would cost more than
    the whole play switch.
    """
    return store.predictions()


@st.cache_resource(show_spinner=False, max_entries=16, hash_funcs=BY_PATH)
def load_play_table(store: Store, model: str | None, stamp: str) -> pl.DataFrame:
    """The filterable play list with the chosen model's call at the snap (none without one:
    a hidden model's calls must not stand in for it)."""
    preds = load_predictions(store, stamp) if model is not None else None
    return play_table(load_plays(store), preds, model, load_formations(store))


@st.cache_data(show_spinner="Detecting formations (once per store)…", hash_funcs=BY_PATH)
def load_formations(store: Store) -> pl.DataFrame | None:
    """Per-play detected formation and shell; None for a store made before ingest wrote them."""
    return store.formations() if store.has("formations") else None


@st.cache_data(show_spinner=False, max_entries=64, hash_funcs=BY_PATH)
def load_formation_slots(store: Store, game_id: int, play_id: int) -> pl.DataFrame | None:
    try:
        return formation_slots(load_play_frames(store, game_id, play_id))
    except Exception:  # noqa: BLE001 - hover labels are optional
        return None


@st.cache_data(show_spinner=False, max_entries=64, hash_funcs=BY_PATH)
def load_play_frames(store: Store, game_id: int, play_id: int) -> pl.DataFrame:
    """One play's tracking rows; cached so going back to a play is instant."""
    return store.play_frames(game_id, play_id)


@st.cache_data(show_spinner=False, max_entries=4, hash_funcs=BY_PATH)
def load_evaluation(store: Store, stamp: str) -> tuple[pl.DataFrame | None, dict[str, dict]]:
    return read_evaluation(store)


def play_row(plays: pl.DataFrame, game_id: int, play_id: int) -> dict:
    """The play-index row as a dict (from the cached play index, no file read)."""
    row = plays.filter((pl.col("gameId") == game_id) & (pl.col("playId") == play_id))
    return row.row(0, named=True) if row.height else {"gameId": game_id, "playId": play_id}


def no_predictions_message(store: Store) -> None:
    st.info(NO_PREDICTIONS_FIX.format(store=shown_path(store.root)), icon="ℹ️")


@dataclass(frozen=True)
class ModelChoice:
    """The sidebar's model pick, the models shown beside it and what each was trained on."""

    model: str | None
    visible: list[str]
    prov: Provenance

    def label(self) -> str:
        return self.prov.label(self.model) if self.model is not None else "no model"

    def warn(self, model: str | None = None) -> None:
        """The warning that must sit next to a hit/miss or accuracy figure, if any."""
        m = model if model is not None else self.model
        if m is not None:
            warn_provenance(self.prov, m)


def warn_provenance(prov: Provenance, model: str) -> None:
    """The training-data warning for one model's figures, if it needs one."""
    text = prov.warning(model)
    if text:
        st.warning(text, icon="⚠️")


def model_picker(models: list[str], *, store: Store, key: str = "model",
                 label: str = "Model", draw: bool = True) -> ModelChoice:
    """Sidebar model choice shared across pages (same key = same model everywhere).

    Every option is marked with its training data. On real data a real-trained
    model is the default, and synthetic-trained ones appear only after the
    "show synthetic-trained models" toggle; with no real-trained model the page
    says so and gives the command that trains them. ``draw=False``: the same choice
    (the session's, the link's or the default) without its sidebar widgets, for a run
    that sends them later.
    """
    prov = provenance(store, models)
    hidden = prov.applied_to == "real" and bool(prov.with_source("synthetic"))
    if not draw:
        show = hidden and bool(st.session_state.get("show_synthetic", False))
    elif hidden:
        with st.sidebar:
            show = st.toggle(SHOW_SYNTHETIC, key="show_synthetic",
                             help="Models trained on the synthetic season, marked as such: "
                                  "their figures on real plays are not real-data performance.")
    else:
        show = False
    visible = prov.visible(show_synthetic=show)
    real_model_note(prov, hidden_synthetic=hidden and not show)
    if not visible:
        return ModelChoice(None, [], prov)
    warn_stale(store, visible)
    view_state.model_from_url(visible)
    if st.session_state.get(key) not in visible:
        st.session_state[key] = prov.default(visible)
    if not draw:
        return ModelChoice(st.session_state[key], visible, prov)
    with st.sidebar:  # no index=: the session value (kept across pages, or the link's) rules
        model = st.selectbox(label, visible, key=key, format_func=prov.label)
    return ModelChoice(model, visible, prov)


@st.cache_data(show_spinner=False, hash_funcs=BY_PATH, max_entries=32)
def _stale_lines(store: Store, models: tuple[str, ...], stamp: str, checkpoints: str
                 ) -> dict[str, str]:
    return stale_lines(store, models, shown_path)  # hashes weights: once per change


def warn_stale(store: Store, models: list[str]) -> None:
    """One warning per model whose stored predictions its present checkpoint (or context
    prior) did not make, with the command that makes them again; nothing when all are
    current. Every page showing a model's predictions calls it (the model picker does)."""
    lines = _stale_lines(store, tuple(sorted(models)), store.output_stamp("predictions"),
                         checkpoints_stamp(store, models))
    for line in lines.values():
        st.warning(line, icon="⚠️")


def real_model_note(prov: Provenance, *, hidden_synthetic: bool) -> None:
    """On real data without a real-trained model: say so, and how to train one."""
    if prov.applied_to != "real" or prov.with_source("real"):
        return
    extra = (f" Synthetic-trained models are hidden: turn on **{SHOW_SYNTHETIC}** in the "
             "sidebar (explorer, Accuracy, Teams) to see them, each marked *trained on "
             "synthetic*."
             if hidden_synthetic else "")
    st.info("**No model trained on real data yet** for this store. Fix: "
            f"`{TRAIN_REAL_COMMAND}` (DIR = your Big Data Bowl download) trains them on it "
            "and scores this store; then reload this page." + extra, icon="ℹ️")


def plot(fig, **kwargs) -> None:  # fig: plotly Figure
    """st.plotly_chart with the figure re-coloured for the page's theme (light until the
    browser first reports Streamlit's dark theme)."""
    try:
        dark = st.context.theme.type == "dark"
    except AttributeError:  # older Streamlit: no theme in the context
        dark = False
    st.plotly_chart(themed(fig, dark), **kwargs)


# Streamlit's default top padding (6rem) pushes the field below the fold on a laptop screen
_COMPACT_CSS = "<style>.block-container{padding-top:2.2rem;padding-bottom:2rem}</style>"
HEAD_KEY = "page_head"
# the page head (title, banner) at its full height: until this style applies it is 1 px high
# (the key's class is on the block; its fixed height on the wrapper around it)
_HEAD_CSS = (f"<style>.st-key-{HEAD_KEY},:has(> .st-key-{HEAD_KEY}){{height:auto !important;"
             "max-height:none !important;overflow:visible !important}</style>")
DATA_DIR_KEY = "data_dir"
DATA_SLOT_KEY = "data_dir_slot"
# the data folder input's height in the sidebar (label and field), held by its slot
DATA_PICKER_PX = 89


def data_picker(where: DeltaGenerator | None = None) -> None:
    """The data folder input (the sidebar's, or ``where``: a slot of :func:`data_picker_slot`)."""
    (where or st.sidebar).text_input(
        "Data folder (empty = embedded synthetic season)", key=DATA_DIR_KEY,
        help="A Big Data Bowl download folder (CSV or parquet) or an ingested store, inside "
             "the app's data folder (a relative path starts there).")


def data_picker_slot() -> DeltaGenerator:
    """The sidebar's place for the data folder input of a page that may send it later (with
    ``page_start(with_data_picker=False)``), at least the input's height: what is drawn
    below it does not move when the input comes, nor while its script loads. A text field
    is one of Streamlit's lazily loaded widgets (about twenty script files): on the
    explorer's first load those requests queued ahead of the player's."""
    return st.sidebar.container(height=DATA_PICKER_PX, border=False, key=DATA_SLOT_KEY)


def page_style(style: str = "") -> None:
    """Every rule the page's layout depends on, in ONE element sent before anything it lays
    out: the sidebar's place on a narrow screen, the compact padding, the page's own, and
    the rule that opens the page head (:func:`page_start`).

    Streamlit draws an ``st.html`` only once its lazily loaded script is there; each such
    element applies when it arrives, so a second style sent later (after the store or the
    models were read) re-laid out the title and banner the first one had placed: on a busy
    machine the explorer's banner was drawn at the compact padding, then moved up by the
    page's tighter one. ``st.html``, not ``st.markdown``'s raw HTML: a style-only element
    takes no place in the page, and the page loads no HTML parser for it."""
    st.html(layout.STYLE + _COMPACT_CSS + _HEAD_CSS + style)


def page_start(title: str, icon: str = "🏈", *, compact: bool = False,
               tab: str | None = None, with_data_picker: bool = True,
               style: str = "") -> Store | None:
    """Page config, data picker, title, the store and the banner naming the data's origin
    (full width on every page: never a small caption), in one call.

    ``compact``: a smaller title, so the explorer's field fits a 1366x768 screen.
    ``tab``: the browser tab's title (default: ``<title> · coverage``).
    ``with_data_picker``: False when the page draws :func:`data_picker` itself, later.
    ``style``: the page's own ``<style>`` (a tighter head), sent with the app's.
    """
    st.set_page_config(page_title=tab or f"{title} · coverage", page_icon=icon, layout="wide")
    page_style(style)
    view_state.keep()  # filters, play and model survive visits to the other pages
    if with_data_picker:
        data_picker()
    else:  # a folder typed on another page stays until the input is drawn again
        view_state.keep((DATA_DIR_KEY,))
    # Streamlit draws the title and banner as soon as they arrive, before its script for
    # st.html (the page's style) has loaded: at its default padding they would be drawn
    # 20-80 px below their place, then jump up. So they sit in a box 1 px high (a fixed
    # height Streamlit draws by itself, clipping what it holds) that the page's style opens:
    # nothing of the head shows until it can show where it stays.
    with st.container(height=1, border=False, key=HEAD_KEY):
        if compact:
            st.markdown(f"### {icon} {title}")
        else:
            st.title(f"{icon} {title}")
        store = current_store()
        if store is not None and store.is_synthetic:
            st.warning(SYNTHETIC_NOTE, icon="🧪")
        elif store is not None:
            name = Path(str(store.meta.get("raw_dir") or store.root)).name
            st.success(REAL_NOTE.format(name=name), icon="🏟️")
    return store


def page_data(title: str, icon: str, *, fix: str) -> tuple[Store, pl.DataFrame,
                                                          pl.DataFrame | None]:
    """``page_start`` plus the play index and every model's predictions, or a stop.

    Any failure to read them ends the page with a readable message and ``fix``,
    never a traceback.
    """
    store = page_start(title, icon)
    if store is None:
        st.stop()
    try:
        return store, load_plays(store), load_predictions(store, store.output_stamp("predictions"))
    except Exception as exc:  # noqa: BLE001 - any failure here must read as a message
        show_error(exc, fix)
        st.stop()
        raise  # st.stop() raises; this keeps type checkers and readers sure of it


def error_text(exc: BaseException) -> str:
    """What a visitor may read of an error: our own messages in full (they name the file,
    column and expected value); anything else only in brief (:func:`coverage.errors.brief`)."""
    if isinstance(exc, CoverageError):
        return f"{type(exc).__name__}: {exc}"
    return brief(exc)


def show_error(exc: BaseException, fix: str) -> None:
    """A readable error + what to do; the traceback goes to the server log only."""
    LOG.error("page error", exc_info=exc)
    st.error(error_text(exc))
    st.info(f"Fix: {fix}")


@st.cache_data(show_spinner=False, max_entries=4, hash_funcs=BY_PATH)
def load_attribution_summary(store: Store, stamp: str) -> pl.DataFrame | None:
    """Per-play attribution summaries of all weeks (Teams page)."""
    return store.read_output("attribution")
