"""Whatever folder the user gave, as something to read: the one entry that may write.

A user points the CLI or the app at a store, a raw Big Data Bowl download, a folder with
only the label tables, or nothing (the embedded synthetic season). This module turns each
into a reader, ingesting or simulating first where it must; :class:`coverage.store.Store`
itself only reads. It sits above ingest and simulate, and it is the only module that
uses both.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path

from coverage import generations
from coverage.config import data_root, default_size
from coverage.ingest import ingest
from coverage.labels_only import LabelTables
from coverage.raw import find_raw_files
from coverage.simulate import simulate_season
from coverage.store import PlayTables, Store

DEFAULT_SEED = 2022


def open_store(path: str | Path | None = None, *, progress: bool = False) -> PlayTables:
    """A :class:`Store` for a store folder, a raw folder with tracking (ingested into its
    own store under ``data/real/``, idempotent: unchanged inputs are not re-read) or None
    (the embedded season, built on first use); a read-only :class:`LabelTables` for a raw
    folder with only the label tables, enough for the per-play models."""
    folder = store_folder(path, progress=progress)
    if folder is None:
        return LabelTables(find_raw_files(Path(path).expanduser(), require_tracking=False))
    return Store(folder)


def open_tracking_store(path: str | Path | None = None, *, progress: bool = False) -> Store:
    """:func:`open_store` for what needs tracking (frames, formations, the app): a
    label-only folder is refused with what to add."""
    return Store(store_folder(path, progress=progress, require_tracking=True))


def store_folder(path: str | Path | None = None, *, progress: bool = False,
                 require_tracking: bool = False) -> Path | None:
    """The store folder behind ``path``, made first where needed; None for a label-only
    folder (read in place), which ``require_tracking`` refuses instead with the raw reader's
    own message. The writing half of :func:`open_store`, for callers (the app) that cache
    the reading half."""
    if path is None:
        return build_default_store(progress=progress).root
    p = Path(path).expanduser()
    if generations.current(p) is not None:
        return p
    raw = find_raw_files(p, require_tracking=require_tracking)
    if not raw.tracking:
        return None
    target = derived_store_dir(p)
    ingest(p, target, progress=progress)
    return target


def derived_store_dir(raw_dir: str | Path) -> Path:
    """Where a raw download's own store lives: data/real/<name>-<hash of its path>/store."""
    p = Path(raw_dir).expanduser().resolve()
    digest = hashlib.sha1(str(p).encode()).hexdigest()[:10]
    return data_root() / "real" / f"{p.name}-{digest}" / "store"


def default_store_dir() -> Path:
    return data_root() / "synthetic" / "store"


def build_default_store(*, progress: bool = True, force: bool = False) -> Store:
    """Simulate the embedded season and ingest it (deterministic).

    We generate on first use instead of shipping parquet: the simulator is
    deterministic from its seed, so every clone gets identical data while the
    repository stays small. The raw CSVs are only a staging step and
    are deleted; `coverage simulate DIR` writes them for anyone who wants them.
    The finished store is moved into place with one rename, so a concurrent
    reader sees either nothing or a complete store.
    """
    target = default_store_dir()
    if generations.current(target) is not None and not force:
        return Store(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp_raw = Path(tempfile.mkdtemp(prefix=".raw.", dir=target.parent))
    tmp_store = Path(tempfile.mkdtemp(prefix=".store.", dir=target.parent))
    try:
        size = default_size()
        if progress:
            print(f"simulating the embedded synthetic season {size} …", flush=True)
        simulate_season(tmp_raw, seed=DEFAULT_SEED, **size)
        ingest(tmp_raw, tmp_store, progress=progress)
        if target.exists():
            shutil.rmtree(target)
        os.replace(tmp_store, target)
    finally:
        shutil.rmtree(tmp_raw, ignore_errors=True)
        shutil.rmtree(tmp_store, ignore_errors=True)
    return Store(target)
