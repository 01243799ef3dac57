"""Read access to a normalised store, and the embedded synthetic default.

The app and the models only ever read through :class:`Store`, so where the
data came from (a user's Kaggle download or our simulator) is one ``source``
field away, and every view can label synthetic data as such.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from functools import cached_property
from pathlib import Path

import polars as pl

from coverage.errors import DataError

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SEED = 2022
# Embedded default size: 9 weeks x 4 games x 40 plays = 1,440 plays (~3 M tracking rows).
# Big enough for week-level splits (train 1-7, validate 8, test 9) and per-team views,
# small enough to simulate + ingest in about 40 s on 2 cores.
DEFAULT_SIZE = {"weeks": 9, "games_per_week": 4, "plays_per_game": 40}


def data_root() -> Path:
    """Where generated data lives; ``COVERAGE_DATA_DIR`` overrides the repo's data/."""
    return Path(os.environ.get("COVERAGE_DATA_DIR", REPO_ROOT / "data"))


class Store:
    """A normalised store folder (see docs/CONTRACTS.md)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        if not (self.path / "meta.json").exists():
            raise DataError(
                f"not a coverage store (no meta.json): {self.path}",
                file=str(self.path / "meta.json"),
                expected="a folder made by `coverage ingest RAW_DIR --out STORE`",
            )

    def __repr__(self) -> str:
        return f"Store({str(self.path)!r}, source={self.source!r}, weeks={self.weeks})"

    @cached_property
    def meta(self) -> dict:
        return json.loads((self.path / "meta.json").read_text())

    @property
    def source(self) -> str:
        return self.meta.get("source", "real")

    @property
    def is_synthetic(self) -> bool:
        return self.source == "synthetic"

    @property
    def weeks(self) -> list[int]:
        return list(self.meta.get("weeks", []))

    def _table(self, name: str) -> pl.DataFrame:
        p = self.path / f"{name}.parquet"
        if not p.exists():
            raise DataError(f"the store has no {name} table", file=str(p))
        return pl.read_parquet(p)

    def has(self, name: str) -> bool:
        return (self.path / f"{name}.parquet").exists()

    @cached_property
    def _plays(self) -> pl.DataFrame:
        return self._table("plays")

    def plays(self) -> pl.DataFrame:
        """The play index: one row per usable play (coverage.schema.PLAY_INDEX_SCHEMA).

        Read once per Store, like ``meta``: play_row, week_of and the explain code all
        consult it, and re-reading the parquet each time was pure repeated I/O.
        """
        return self._plays

    def games(self) -> pl.DataFrame:
        return self._table("games")

    def players(self) -> pl.DataFrame:
        return self._table("players")

    def player_play(self) -> pl.DataFrame:
        return self._table("player_play")

    def truth_players(self) -> pl.DataFrame:
        return self._table("truth_players")

    def truth_plays(self) -> pl.DataFrame:
        return self._table("truth_plays")

    def formations(self) -> pl.DataFrame:
        """Detected formation per play (offense formation/alignment, defensive shell/front).

        Computed once from the tracking at the snap (EFPI template assignment) and
        cached in the store; a read-only store just recomputes (under a second per
        season-sized store).
        """
        p = self.path / "formations.parquet"
        if p.exists():
            return pl.read_parquet(p)
        from coverage.atomic import write_parquet
        from coverage.formations import play_formations

        df = play_formations(self)
        with contextlib.suppress(OSError):
            write_parquet(df, p)
        return df

    def tracking_path(self, week: int) -> Path:
        p = self.path / "tracking" / f"week_{week}.parquet"
        if not p.exists():
            raise DataError(f"no tracking for week {week} in the store", file=str(p),
                            expected=f"one of weeks {self.weeks}")
        return p

    def tracking(self, week: int | None = None) -> pl.LazyFrame:
        """Lazy scan of one week (or all weeks); filters push down to row groups."""
        if week is None:
            return pl.scan_parquet([self.tracking_path(w) for w in self.weeks])
        return pl.scan_parquet(self.tracking_path(week))

    @cached_property
    def _week_of_game(self) -> dict[int, int]:
        df = self.plays().select("gameId", "week").unique()
        return dict(zip(df["gameId"].to_list(), df["week"].to_list(), strict=True))

    def week_of(self, game_id: int) -> int:
        try:
            return self._week_of_game[int(game_id)]
        except KeyError:
            raise DataError(f"game {game_id} is not in the store",
                            file=str(self.path / "plays.parquet")) from None

    def play_frames(self, game_id: int, play_id: int) -> pl.DataFrame:
        """All tracking rows of one play; reads only the row groups that hold it."""
        week = self.week_of(game_id)
        df = (
            self.tracking(week)
            .filter((pl.col("gameId") == game_id) & (pl.col("playId") == play_id))
            .collect()
        )
        if df.height == 0:
            raise DataError(f"no tracking rows for play {play_id} of game {game_id}",
                            file=str(self.tracking_path(week)), play=(game_id, play_id))
        return df

    def play_row(self, game_id: int, play_id: int) -> dict:
        row = self.plays().filter((pl.col("gameId") == game_id) & (pl.col("playId") == play_id))
        if row.height == 0:
            raise DataError("play not in the play index", file=str(self.path / "plays.parquet"),
                            play=(game_id, play_id))
        return row.row(0, named=True)

    def predictions(self, week: int | None = None) -> pl.DataFrame | None:
        """Long-format predictions (model, gameId, playId, frameId, secs_from_snap, p_man)."""
        folder = self.path / "predictions"
        files = sorted(folder.glob("week_*.parquet")) if folder.exists() else []
        if week is not None:
            files = [f for f in files if f.stem == f"week_{week}"]
        if not files:
            return None
        return pl.read_parquet(files)


def default_store_dir() -> Path:
    return data_root() / "synthetic" / "store"


def build_default_store(*, progress: bool = True, force: bool = False) -> Store:
    """Simulate the embedded season and ingest it (deterministic, well under a minute).

    We generate on first use instead of shipping parquet: the simulator is
    deterministic from its seed, so every clone gets identical data while the
    repository stays small. The raw CSVs (~375 MB) are only a staging step and
    are deleted; `coverage simulate DIR` writes them for anyone who wants them.
    The finished store is moved into place with one rename, so a concurrent
    reader sees either nothing or a complete store.
    """
    from coverage.ingest import ingest
    from coverage.simulate import simulate_season

    target = default_store_dir()
    if (target / "meta.json").exists() and not force:
        return Store(target)
    parent = _mkparent(target)
    tmp_raw = Path(tempfile.mkdtemp(prefix=".raw.", dir=parent))
    tmp_store = Path(tempfile.mkdtemp(prefix=".store.", dir=parent))
    try:
        if progress:
            print(f"simulating the embedded synthetic season {DEFAULT_SIZE} …", flush=True)
        simulate_season(tmp_raw, seed=DEFAULT_SEED, **DEFAULT_SIZE)
        ingest(tmp_raw, tmp_store, progress=progress)
        Store(tmp_store).formations()
        if target.exists():
            shutil.rmtree(target)
        os.replace(tmp_store, target)
    finally:
        shutil.rmtree(tmp_raw, ignore_errors=True)
        shutil.rmtree(tmp_store, ignore_errors=True)
    return Store(target)


def _mkparent(p: Path) -> Path:
    p.parent.mkdir(parents=True, exist_ok=True)
    return p.parent


def default_store(*, progress: bool = False) -> Store:
    """The embedded synthetic store, generated on first use."""
    return build_default_store(progress=progress)


def open_store(path: str | Path | None = None) -> Store:
    """A store folder, or the embedded default when ``path`` is None."""
    if path is None:
        return default_store()
    return Store(path)
