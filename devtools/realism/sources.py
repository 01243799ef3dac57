"""The two sides of the comparison, opened from what a user has on disk.

The real side is *every* real tracking play under a folder: the folder itself and each
sub-folder holding tracking files (``shared/bdb`` keeps its 2021 sample in ``bdb2023/``
under non-official names such as ``plays_7plays.csv``). Each is ingested into a scratch
store, never into the project's ``data/``: the report must not leave stores behind.
The label tables (plays, player_play) come from the folder's own ``plays.csv``, which
covers the whole season, tracked or not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from coverage import generations
from coverage.errors import DataError
from coverage.ingest import ingest
from coverage.labels_only import LabelTables
from coverage.raw import find_raw_files
from coverage.store import Store
from devtools.realism.positions import position_table

_TRACKING = re.compile(r"^(?:tracking.*|week_?\d+)\.(csv|parquet)$", re.IGNORECASE)
_TABLES = ("plays", "games", "players", "player_play")


@dataclass
class Side:
    """One world: its tracking stores, the store holding its label tables, positions."""

    name: str
    stores: list[Store]
    labels: Store
    positions: pl.DataFrame  # nflId -> group

    @property
    def n_tracked_plays(self) -> int:
        return sum(s.plays().height for s in self.stores)


def _has_tracking(folder: Path) -> bool:
    return any(_TRACKING.match(p.name) for p in folder.iterdir() if p.is_file())


def _table_file(folder: Path, stem: str) -> Path | None:
    """``plays.csv`` or, failing that, the one ``plays_*.csv``-style file of the folder."""
    for ext in ("parquet", "csv"):
        if (folder / f"{stem}.{ext}").exists():
            return folder / f"{stem}.{ext}"
    found = sorted(p for p in folder.iterdir()
                   if re.match(rf"^{stem}_[^.]*\.(csv|parquet)$", p.name, re.IGNORECASE))
    return found[0] if len(found) == 1 else None


def stage_raw(folder: Path, scratch: Path) -> Path:
    """A folder under official names (symlinks) for a sample saved under other names."""
    if (folder / "plays.csv").exists() or (folder / "plays.parquet").exists():
        return folder
    scratch.mkdir(parents=True, exist_ok=True)
    for stem in _TABLES:
        if (src := _table_file(folder, stem)) is not None:
            (scratch / f"{stem}{src.suffix}").symlink_to(src.resolve())
    for p in folder.iterdir():
        if p.is_file() and _TRACKING.match(p.name):
            (scratch / p.name).symlink_to(p.resolve())
    if not any(scratch.glob("plays.*")):
        raise DataError(f"tracking without a plays table in {folder}", file=str(folder),
                        expected="plays.csv (or one plays_*.csv) beside the tracking files")
    return scratch


def raw_folders(root: Path) -> list[Path]:
    """The folder and its direct sub-folders that hold tracking files."""
    subs = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    return [f for f in (root, *subs) if _has_tracking(f)]


def _ingested(folder: Path, scratch: Path) -> Store:
    raw = stage_raw(folder, scratch / "raw")
    ingest(raw, scratch / "store", progress=False)
    return Store(scratch / "store")


def open_side(path: str | Path, scratch: Path, name: str) -> Side:
    """A store, or a raw folder (and its tracked sub-folders), as one side."""
    root = Path(path).expanduser()
    if not root.is_dir():
        raise DataError(f"{name} data folder not found: {root}", file=str(root),
                        expected="a coverage store or a folder of Big Data Bowl files")
    if generations.current(root) is not None:
        store = Store(root)
        return Side(name, [store], store, position_table([store.players()]))
    folders = raw_folders(root)
    if not folders:
        raise DataError(f"no tracking files under {root}", file=str(root),
                        expected="tracking_week_N.csv (or tracking*.csv) in the folder "
                                 "or one level below")
    stores = [_ingested(f, scratch / f"{name}_{i}") for i, f in enumerate(folders)]
    has_labels = (root / "plays.csv").exists() or (root / "plays.parquet").exists()
    labels = LabelTables(find_raw_files(root, require_tracking=False)) if has_labels \
        else stores[0]
    rosters = [s.players() for s in (labels, *stores) if s.has("players")]
    return Side(name, stores, labels, position_table(rosters))
