"""The explorer's Explain mode: the family model, its attribution and tells of a play.

The only app module that needs torch (the explain model runs in it), kept apart from
:mod:`coverage.app.session` so that every other page, and the app's entry, load without
importing it: importing torch costs a plain page's whole load time again. Only the Play
explorer imports this module (and the server's warm-up, in its background thread, so the
explorer's first visitor does not pay for it either).
"""

from __future__ import annotations

import functools
import threading
from dataclasses import asdict
from pathlib import Path

import polars as pl
import streamlit as st

from coverage.app.session import BY_PATH, load_play_frames
from coverage.app.spec_cache import SpecCache
from coverage.config import models_root
from coverage.explain.attribution import attribute_play
from coverage.explain.tells import tells
from coverage.family.predict import load_explainer
from coverage.models.checkpoint import is_checkpoint
from coverage.store import Store

EXPLAIN_MODEL = "family"


def explain_model_dir() -> Path | None:
    """The family (explain) checkpoint under the models folder, if one was trained."""
    d = models_root() / EXPLAIN_MODEL
    return d if is_checkpoint(d) else None


_MODEL_LOCK = threading.Lock()


@functools.lru_cache(maxsize=2)
def _explainer(model_dir: str, stamp: str):
    """The explain model, loaded once per checkpoint version (``stamp``); usable from the
    explorer's background worker too (no Streamlit cache: no script run needed)."""
    with _MODEL_LOCK:  # one load at a time: the page and the worker may ask together
        return load_explainer(model_dir)


_EXPLAINED = SpecCache(max_items=16)  # (table, tells) per play: a small per-process LRU


def explanation(store: Store, model_dir: str, stamp: str, game_id: int, play_id: int,
                frames: pl.DataFrame | None = None) -> tuple[pl.DataFrame, list[dict]]:
    """Attribution table and tells of one play, kept per process: what the explorer
    computes ahead, in the background, for the play an analyst is watching."""
    def build() -> tuple[pl.DataFrame, list[dict]]:
        model, cfg = _explainer(model_dir, stamp)
        f = store.play_frames(game_id, play_id) if frames is None else frames
        attr = attribute_play(model, cfg, f, store.play_row(game_id, play_id))
        return attr.frame(), [asdict(t) for t in tells(attr, f, store.players())]

    key = (str(store.path), model_dir, stamp, int(game_id), int(play_id))
    return _EXPLAINED.get_or_build(key, build)


@st.cache_data(show_spinner="Explaining the play (occlusion, < 1 s)…", max_entries=32,
               hash_funcs=BY_PATH)
def play_explanation(store: Store, model_dir: str, stamp: str, game_id: int,
                     play_id: int) -> tuple[pl.DataFrame, list[dict]]:
    """Attribution table (nflId, frameId, secs_from_snap, value) and the play's tells.

    Computed on demand for the selected play only (or ahead, in the background, while it
    is watched: :func:`explanation`), so the play switch stays cheap when explain mode is
    off; cached so toggling it or coming back to a play is instant.
    """
    return explanation(store, model_dir, stamp, game_id, play_id,
                       frames=load_play_frames(store, game_id, play_id))


@st.cache_data(show_spinner=False, max_entries=64, hash_funcs=BY_PATH)
def play_family_tables(store: Store, stamp: str, week: int, game_id: int, play_id: int
                       ) -> tuple[pl.DataFrame | None, pl.DataFrame | None]:
    """This play's family probabilities and defender responsibilities (row-group pushdown)."""
    return (store.play_output("predictions_family", week, game_id, play_id),
            store.play_output("responsibilities", week, game_id, play_id))
