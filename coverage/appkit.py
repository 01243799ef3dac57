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
        return default_store()
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
