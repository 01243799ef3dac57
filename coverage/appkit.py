"""Streamlit glue shared by every page: which store to show, cached loads, error display.

Pages stay thin: they call these helpers and the package's figure builders.
Everything slow is cached once per server process.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
from pathlib import Path

import polars as pl
import streamlit as st

from coverage.errors import CoverageError
from coverage.store import Store, data_root, default_store

SYNTHETIC_NOTE = (
    "**Synthetic data.** You are looking at the embedded synthetic season made by our simulator "
    "in the official Big Data Bowl schema, not real NFL tracking. Point the app at your Kaggle "
    "download with `--data DIR` (see the README) for real plays."
)


def _cli_data_arg() -> str | None:
    """`streamlit run app.py -- --data DIR` passes DIR after the `--`."""
    ap = argparse.ArgumentParser(add_help=False)
    ap.add_argument("--data", default=None)
    args, _ = ap.parse_known_args(sys.argv[1:])
    return args.data or os.environ.get("COVERAGE_DATA")


def resolve_store_path(data: str | None) -> Path | None:
    """A store folder as-is; a raw download folder maps to its own store under data/real/."""
    if not data:
        return None
    p = Path(data).expanduser().resolve()
    if (p / "meta.json").exists():
        return p
    digest = hashlib.sha1(str(p).encode()).hexdigest()[:10]
    return data_root() / "real" / f"{p.name}-{digest}" / "store"


@st.cache_resource(show_spinner="Preparing data (first run builds the synthetic season)…")
def load_store(data: str | None) -> Store:
    if not data:
        from coverage.serving import ensure_predictions

        store = default_store()
        ensure_predictions(store, log=None)  # no-op unless models/ changed
        return store
    raw = Path(data).expanduser().resolve()
    target = resolve_store_path(data)
    if target == raw:
        return Store(raw)
    from coverage.ingest import ingest

    ingest(raw, target, progress=False)  # idempotent: unchanged inputs are not re-read
    return Store(target)


@st.cache_data(show_spinner=False)
def load_plays(store_path: str) -> pl.DataFrame:
    return Store(store_path).plays()


def current_store() -> Store | None:
    """The store for this session, or None after showing a clear error."""
    data = st.session_state.get("data_dir") or _cli_data_arg()
    try:
        return load_store(data)
    except CoverageError as exc:
        st.error(f"Could not open the data: {exc}")
        st.info("Fix: pass a folder with the official Big Data Bowl files "
                "(`streamlit run app.py -- --data /path/to/nfl-big-data-bowl-2025`), "
                "or leave it empty to use the embedded synthetic season.")
        return None


def source_banner(store: Store) -> None:
    if store.is_synthetic:
        st.warning(SYNTHETIC_NOTE, icon="🧪")
    else:
        st.caption(f"Real data: {store.meta.get('raw_dir', store.path)}")


def sidebar_data_picker() -> None:
    with st.sidebar:
        st.text_input(
            "Data folder (empty = embedded synthetic season)",
            key="data_dir",
            help="A Big Data Bowl download folder (CSV or parquet) or an ingested store.",
        )


# --------------------------------------------------------------------------- pages
NO_PREDICTIONS_FIX = (
    "No model predictions in this store yet. Fix: train or pick a checkpoint, then run "
    "`coverage predict models/<name> --data {store}` (add `coverage evaluate models/<name> "
    "--data {store}` for the test-week report), and reload this page."
)


def models_root() -> Path:
    """Checkpoint folder: ``COVERAGE_MODELS_DIR`` overrides the repo's models/ (tests use it)."""
    from coverage.store import REPO_ROOT

    return Path(os.environ.get("COVERAGE_MODELS_DIR", REPO_ROOT / "models"))


def folder_stamp(folder: Path) -> str:
    """Names + sizes + mtimes of a folder's files: a cache key that changes when they do.

    Predictions and evaluations appear while the app runs (``coverage predict``);
    keying the caches on this stamp shows them on the next rerun, no restart.
    """
    if not folder.is_dir():
        return ""
    parts = [f"{p.name}:{p.stat().st_size}:{p.stat().st_mtime_ns}"
             for p in sorted(folder.iterdir()) if p.is_file()]
    return "|".join(parts)


def predictions_stamp(store: Store) -> str:
    return folder_stamp(store.path / "predictions")


@st.cache_resource(show_spinner=False, max_entries=4)
def load_predictions(store_path: str, stamp: str) -> pl.DataFrame | None:
    """All weeks' predictions (``stamp`` only keys the cache).

    A resource cache, not a data cache: polars frames are immutable, and
    unpickling millions of prediction rows on every rerun would cost more than
    the whole play switch.
    """
    return Store(store_path).predictions()


@st.cache_resource(show_spinner=False, max_entries=16)
def load_play_table(store_path: str, model: str | None, stamp: str) -> pl.DataFrame:
    """The filterable play list with the chosen model's call at the snap."""
    from coverage.explorer import play_table

    return play_table(load_plays(store_path), load_predictions(store_path, stamp), model,
                      load_formations(store_path))


@st.cache_data(show_spinner="Detecting formations (once per store)…")
def load_formations(store_path: str) -> pl.DataFrame | None:
    """Per-play detected formation and shell; None when detection is impossible."""
    try:
        return Store(store_path).formations()
    except Exception:  # noqa: BLE001 - a missing formation column must not break the list
        return None


@st.cache_data(show_spinner=False, max_entries=64)
def load_formation_slots(store_path: str, game_id: int, play_id: int) -> pl.DataFrame | None:
    from coverage.explorer import formation_slots

    try:
        return formation_slots(load_play_frames(store_path, game_id, play_id))
    except Exception:  # noqa: BLE001 - hover labels are optional
        return None


@st.cache_data(show_spinner=False, max_entries=64)
def load_play_frames(store_path: str, game_id: int, play_id: int) -> pl.DataFrame:
    """One play's tracking rows; cached so going back to a play is instant."""
    return Store(store_path).play_frames(game_id, play_id)


@st.cache_data(show_spinner=False, max_entries=4)
def load_evaluation(store_path: str, stamp: str) -> tuple[pl.DataFrame | None, dict[str, dict]]:
    from coverage.explorer import read_evaluation

    return read_evaluation(Path(store_path) / "evaluation")


def play_row(plays: pl.DataFrame, game_id: int, play_id: int) -> dict:
    """The play-index row as a dict (from the cached play index, no file read)."""
    row = plays.filter((pl.col("gameId") == game_id) & (pl.col("playId") == play_id))
    return row.row(0, named=True) if row.height else {"gameId": game_id, "playId": play_id}


def no_predictions_message(store: Store) -> None:
    st.info(NO_PREDICTIONS_FIX.format(store=store.path), icon="ℹ️")


def model_picker(models: list[str], *, key: str = "model", label: str = "Model") -> str | None:
    """Sidebar model choice shared across pages (same key = same model everywhere)."""
    if not models:
        return None
    if st.session_state.get(key) not in models:
        st.session_state.pop(key, None)
    preferred = next((m for m in ("transformer", "lstm", "context") if m in models), models[0])
    with st.sidebar:
        return st.selectbox(label, models, index=models.index(preferred), key=key)


def page_start(title: str, icon: str = "🏈") -> Store | None:
    """Page config, data picker, title, the store and the synthetic banner, in one call."""
    st.set_page_config(page_title=f"{title} · coverage", page_icon=icon, layout="wide")
    sidebar_data_picker()
    st.title(f"{icon} {title}")
    store = current_store()
    if store is not None:
        source_banner(store)
    return store


def show_error(exc: BaseException, fix: str) -> None:
    """A readable error + what to do, instead of a traceback (details folded away)."""
    import traceback

    st.error(f"{type(exc).__name__}: {exc}")
    st.info(f"Fix: {fix}")
    with st.expander("details"):
        st.code("".join(traceback.format_exception(exc)), language="text")


# --------------------------------------------------------------------------- explain mode
EXPLAIN_MODEL = "family"


def explain_model_dir() -> Path | None:
    """The family (explain) checkpoint under the models folder, if one was trained."""
    d = models_root() / EXPLAIN_MODEL
    return d if (d / "config.json").exists() and (d / "model.safetensors").exists() else None


@st.cache_resource(show_spinner=False, max_entries=2)
def load_explainer_cached(model_dir: str, stamp: str):
    """The explain model, loaded once per checkpoint version (``stamp``)."""
    from coverage.explain.attribution import load_explainer

    return load_explainer(model_dir)


@st.cache_data(show_spinner="Explaining the play (occlusion, < 1 s)…", max_entries=32)
def play_explanation(store_path: str, model_dir: str, stamp: str, game_id: int,
                     play_id: int) -> tuple[pl.DataFrame, list[dict]]:
    """Attribution table (nflId, frameId, secs_from_snap, value) and the play's tells.

    Computed on demand for the selected play only, so the play switch stays cheap when
    explain mode is off; cached so toggling it or coming back to a play is instant.
    """
    from dataclasses import asdict

    from coverage.explain.attribution import attribute_play
    from coverage.explain.tells import tells

    store = Store(store_path)
    model, cfg = load_explainer_cached(model_dir, stamp)
    frames = load_play_frames(store_path, game_id, play_id)
    attr = attribute_play(model, cfg, frames, store.play_row(game_id, play_id))
    return attr.frame(), [asdict(t) for t in tells(attr, frames, store.players())]


@st.cache_data(show_spinner=False, max_entries=64)
def play_family_tables(store_path: str, stamp: str, week: int, game_id: int, play_id: int
                       ) -> tuple[pl.DataFrame | None, pl.DataFrame | None]:
    """This play's rows of predictions_family/ and responsibilities/ (row-group pushdown)."""
    out = []
    for folder in ("predictions_family", "responsibilities"):
        p = Path(store_path) / folder / f"week_{week}.parquet"
        out.append(pl.scan_parquet(p).filter((pl.col("gameId") == game_id)
                                             & (pl.col("playId") == play_id)).collect()
                   if p.exists() else None)
    return out[0], out[1]


@st.cache_data(show_spinner=False, max_entries=4)
def load_attribution_summary(store_path: str, stamp: str) -> pl.DataFrame | None:
    """Per-play attribution summaries (``attribution/week_N.parquet``) of all weeks."""
    from coverage.explain.predict import read_week_tables

    return read_week_tables(store_path, "attribution")
