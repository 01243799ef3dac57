"""The normalised store: its folder layout, its typed readers and its writers.

Every other module reads and writes store data through :class:`Store` and the layout
helpers here, so the layout below is spelled in this module only (ingest writes the
generation through them), and where the data came from (a user's download or our
simulator) is one ``source`` field away for every view. Opening a store folder reads;
making one from a raw folder or the simulator is :mod:`coverage.opener`'s job.

```
<store>/current, gen-<ns>/, models/       (coverage.generations: one live generation)
<gen>/  meta.json, plays.parquet, games.parquet, players.parquet, player_play.parquet,
        formations.parquet, truth_*.parquet, ingest_report.json
        tracking/week_N.parquet, geometry/week_N.parquet
        predictions/week_N.parquet (+ manifest.json), predictions_family/week_N.parquet,
        responsibilities/week_N.parquet, attribution/week_N.parquet
        evaluation/<model>_week_N.json, <model>_week_N_accuracy_by_time.parquet
```
"""

from __future__ import annotations

import filecmp
import json
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from functools import cached_property
from pathlib import Path
from typing import Any, Protocol

import polars as pl

from coverage import generations
from coverage.atomic import write_json, write_parquet
from coverage.errors import DataError, json_object
from coverage.schema import (
    ATTRIBUTION_SUMMARY_SCHEMA,
    FAMILY_SCHEMA,
    PLAY_KEYS,
    PREDICTION_SCHEMA,
    RESPONSIBILITY_SCHEMA,
)

# ---------------------------------------------------------------------- layout
META = generations.COMPLETE_MARK  # written last: it marks a generation complete
INGEST_REPORT = "ingest_report.json"
TRACKING = "tracking"  # week_N.parquet: normalised frames, sorted by play
GEOMETRY = "geometry"  # week_N.parquet: one row per play (snap, line of scrimmage)
MODELS = "models"  # beside the generations: checkpoints trained on the store's data
# <code key>/week_N.npy + week_N_index.npz: each week's model inputs (coverage.frame_cache)
FRAMES = "frames"


def table_path(gen: Path, name: str) -> Path:
    """One whole-store table of a generation (plays, games, players, formations, ...)."""
    return gen / f"{name}.parquet"


def week_path(gen: Path, folder: str, week: int) -> Path:
    """One week's file of a per-week folder (tracking, geometry, an output kind)."""
    return gen / folder / f"week_{week}.parquet"


# Per-week model outputs: folder -> (schema, sort order). One file per week holds the rows
# of every model; writing one model replaces only that model's rows.
OUTPUTS: dict[str, tuple[dict[str, pl.DataType], tuple[str, ...]]] = {
    "predictions": (PREDICTION_SCHEMA, ("model", "gameId", "playId", "frameId")),
    "predictions_family": (FAMILY_SCHEMA, ("model", "gameId", "playId", "frameId", "family")),
    "responsibilities": (RESPONSIBILITY_SCHEMA,
                         ("model", "gameId", "playId", "frameId", "nflId")),
    "attribution": (ATTRIBUTION_SUMMARY_SCHEMA, ("model", "gameId", "playId", "nflId")),
}
EVALUATION = "evaluation"
MANIFEST = ("predictions", "manifest.json")


class PlayTables(Protocol):
    """What the per-play models (context prior, tabular) read: the label tables.

    Both a :class:`Store` and a label-only folder (:class:`coverage.labels_only.LabelTables`)
    provide it, so those trainers take either; the tracking models need a :class:`Store`.
    """

    root: Path
    path: Path

    @property
    def meta(self) -> dict: ...
    @property
    def source(self) -> str: ...
    @property
    def is_synthetic(self) -> bool: ...
    @property
    def weeks(self) -> list[int]: ...
    @property
    def label_weeks(self) -> list[int]: ...
    @property
    def has_tracking(self) -> bool: ...
    @property
    def models_dir(self) -> Path: ...
    def has(self, name: str) -> bool: ...
    def plays(self) -> pl.DataFrame: ...
    def all_plays(self) -> pl.DataFrame: ...
    def games(self) -> pl.DataFrame: ...
    def players(self) -> pl.DataFrame: ...
    def player_play(self) -> pl.DataFrame | None: ...
    def plays_with_formations(self, *, every_play: bool = False) -> pl.DataFrame: ...


class Store:
    """A normalised store folder, opened read-only: constructing one never writes.

    A raw folder or the embedded season becomes a store through
    :func:`coverage.opener.open_store`; the writers below add model outputs to it.
    """

    def __init__(self, path: str | Path) -> None:
        self.root = Path(path)
        gen = generations.current(self.root)
        if gen is None:
            raise DataError(
                f"not a coverage store (no complete generation): {self.root}",
                file=str(self.root),
                expected="a folder made by `coverage ingest RAW_DIR --out STORE`",
            )
        # one generation while it reads: a later ingest switches the store's pointer, not
        # the files this object reads; a writer moves to the live one under the lock
        self.path = gen

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self.path)!r}, source={self.source!r}, " \
               f"weeks={self.weeks})"

    # ------------------------------------------------------------------ metadata
    @cached_property
    def meta(self) -> dict:
        path = self.path / META
        return json_object(path, "the store's metadata", lambda msg: DataError(
            msg, file=str(path), expected="a JSON object; re-ingest the data"))

    @property
    def source(self) -> str:
        return self.meta.get("source", "real")

    @property
    def is_synthetic(self) -> bool:
        return self.source == "synthetic"

    @property
    def weeks(self) -> list[int]:
        return list(self.meta.get("weeks", []))

    @property
    def has_tracking(self) -> bool:
        return True

    @property
    def models_dir(self) -> Path:
        """Checkpoints trained on this store's data (``coverage init --data``); they live
        beside the data, never among the shipped ones in models/."""
        return self.root / MODELS

    # ------------------------------------------------------------------ tables
    def _table(self, name: str) -> pl.DataFrame:
        p = table_path(self.path, name)
        if not p.exists():
            raise DataError(f"the store has no {name} table", file=str(p))
        return pl.read_parquet(p)

    def has(self, name: str) -> bool:
        return table_path(self.path, name).exists()

    @cached_property
    def _all_plays(self) -> pl.DataFrame:
        df = self._table("plays")
        if "has_tracking" not in df.columns:  # written before label-only plays were kept
            df = df.with_columns(pl.lit(True).alias("has_tracking"))
        return df

    @cached_property
    def _plays(self) -> pl.DataFrame:
        return self._all_plays.filter(pl.col("has_tracking"))

    def plays(self) -> pl.DataFrame:
        """The plays with tracking (coverage.schema.PLAY_INDEX_SCHEMA): what the tracking
        models, the explorer and the formations use.

        Read once per Store: play_row, week_of and the explain code all consult it.
        """
        return self._plays

    def all_plays(self) -> pl.DataFrame:
        """Every play of plays.csv, tracked or not (``has_tracking``): what play-context
        models and team tendencies use, so they see the whole season."""
        return self._all_plays

    @property
    def label_weeks(self) -> list[int]:
        """Weeks with plays in the index, tracked or not."""
        return sorted(self.all_plays()["week"].drop_nulls().unique().to_list())

    def games(self) -> pl.DataFrame:
        return self._table("games")

    def players(self) -> pl.DataFrame:
        return self._table("players")

    def player_play(self) -> pl.DataFrame | None:
        return self._table("player_play") if self.has("player_play") else None

    def truth_players(self) -> pl.DataFrame:
        return self._table("truth_players")

    def truth_plays(self) -> pl.DataFrame:
        return self._table("truth_plays")

    def formations(self) -> pl.DataFrame:
        """Detected formation per play (coverage.schema.FORMATION_COLUMNS), made by ingest."""
        return self._table("formations")

    def plays_with_formations(self, *, every_play: bool = False) -> pl.DataFrame:
        """The play index plus det_formation, det_alignment, def_shell, def_front when the
        store has detected formations (model inputs); the bare index otherwise.
        ``every_play`` includes the label-only plays (null formations)."""
        plays = self.all_plays() if every_play else self.plays()
        if not self.has("formations"):
            return plays
        f = self.formations().select(
            pl.col("gameId").cast(pl.Int64), pl.col("playId").cast(pl.Int64),
            pl.col("off_formation").alias("det_formation"),
            pl.col("off_alignment").alias("det_alignment"), "def_shell", "def_front")
        return plays.join(f, on=PLAY_KEYS, how="left")

    # ------------------------------------------------------------------ tracking
    def tracking_path(self, week: int) -> Path:
        p = week_path(self.path, TRACKING, week)
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
        df = self.all_plays().select("gameId", "week").drop_nulls().unique("gameId")
        return dict(zip(df["gameId"].to_list(), df["week"].to_list(), strict=True))

    def week_of(self, game_id: int) -> int:
        try:
            return self._week_of_game[int(game_id)]
        except KeyError:
            raise DataError(f"game {game_id} is not in the store",
                            file=str(table_path(self.path, "plays"))) from None

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
            raise DataError("play not in the play index", file=str(table_path(self.path, "plays")),
                            play=(game_id, play_id))
        return row.row(0, named=True)

    # ------------------------------------------------------------------ writing
    @contextmanager
    def writing(self, *, log: Callable[[str], None] | None = print) -> Iterator[Store]:
        """Hold the store's lock and read and write its live generation until the end.

        Every command that writes model outputs runs inside one: concurrent writers (and an
        ingest) serialise, so each one's read-modify-write of a week file or the manifest
        sees the others' rows, and no generation is switched under it. Opened on a
        generation an ingest has since replaced, this object moves to the live one first.
        """
        with generations.locked(self.root, log=log):
            live = generations.current(self.root)
            if live is None:
                raise DataError("the store has no complete generation any more",
                                file=str(self.root))
            if live != self.path:
                self._reopen(live)
            yield self

    def _reopen(self, gen: Path) -> None:
        self.path = gen
        for name in ("meta", "_all_plays", "_plays", "_week_of_game"):
            self.__dict__.pop(name, None)  # cached_property values of the old generation

    @contextmanager
    def _publishing(self) -> Iterator[Path]:
        """The lock for one write, and the check that this object's generation is live:
        a write into a replaced generation would be lost with it, so it is refused."""
        with generations.locked(self.root, log=None):
            live = generations.current(self.root)
            if live != self.path:
                raise DataError(
                    f"the store was re-ingested while this command ran: {self.path.name} is no "
                    f"longer its live generation ({live.name if live else 'none'} is); nothing "
                    "more was written. Run the command again", file=str(self.root))
            yield self.path

    # ------------------------------------------------------------------ model outputs
    def output_path(self, kind: str, week: int) -> Path:
        if kind not in OUTPUTS:
            raise ValueError(f"unknown store output '{kind}'; known: {', '.join(OUTPUTS)}")
        return week_path(self.path, kind, week)

    def read_output(self, kind: str, week: int | None = None) -> pl.DataFrame | None:
        """All rows of one output kind (one week, or all weeks); None when absent."""
        folder = self.path / kind
        files = sorted(folder.glob("week_*.parquet")) if folder.is_dir() else []
        if week is not None:
            files = [f for f in files if f.stem == f"week_{week}"]
        return pl.read_parquet(files) if files else None

    def play_output(self, kind: str, week: int, game_id: int, play_id: int
                    ) -> pl.DataFrame | None:
        """One play's rows of an output (row-group pushdown, no full read)."""
        p = self.output_path(kind, week)
        if not p.exists():
            return None
        return (pl.scan_parquet(p)
                .filter((pl.col("gameId") == game_id) & (pl.col("playId") == play_id))
                .collect())

    def write_output(self, kind: str, week: int, rows: pl.DataFrame, model: str) -> Path:
        """Replace ``model``'s rows of one week's output file, keeping other models' rows."""
        schema, order = OUTPUTS[kind]
        rows = rows.with_columns(pl.lit(model).alias("model")).select(
            [pl.col(c).cast(t) for c, t in schema.items()])
        with self._publishing():
            path = self.output_path(kind, week)
            if path.exists():
                old = pl.read_parquet(path).filter(pl.col("model") != model)
                rows = pl.concat([old.select(list(schema)).cast(schema), rows])
            return write_parquet(rows.sort(list(order)), path)

    def predictions(self, week: int | None = None) -> pl.DataFrame | None:
        """Long-format P(man) (model, gameId, playId, frameId, secs_from_snap, p_man)."""
        return self.read_output("predictions", week)

    def output_stamp(self, kind: str) -> str:
        """Names + sizes + mtimes of an output (or the evaluation) folder: a cache key that
        changes with it.

        Predictions appear while the app runs (``coverage predict``); keying caches on
        this stamp shows them on the next rerun, no restart.
        """
        return folder_stamp(self.path / kind)

    # ------------------------------------------------------------------ evaluation
    def write_evaluation(self, model: str, week: int, report: dict[str, Any],
                         curve: pl.DataFrame) -> None:
        with self._publishing() as gen:
            folder = gen / EVALUATION
            write_parquet(curve.with_columns(pl.lit(model).alias("model"),
                                             pl.lit(week).alias("week")),
                          folder / f"{model}_week_{week}_accuracy_by_time.parquet")
            write_json(report, folder / f"{model}_week_{week}.json")

    def evaluation_reports(self) -> dict[str, dict]:
        """{``<model>_week_N``: report}; unreadable files are skipped, never fatal."""
        out: dict[str, dict] = {}
        for p in sorted((self.path / EVALUATION).glob("*.json")):
            try:
                out[p.stem] = json.loads(p.read_text())
            except (OSError, json.JSONDecodeError):
                continue
        return out

    def evaluation_curves(self) -> list[pl.DataFrame]:
        """Every stored accuracy-by-time table; unreadable files are skipped."""
        out = []
        for p in sorted((self.path / EVALUATION).glob("*.parquet")):
            try:
                out.append(pl.read_parquet(p))
            except (OSError, pl.exceptions.PolarsError):
                continue
        return out

    # ------------------------------------------------------------------ manifest
    def manifest(self) -> dict[str, dict]:
        """Which checkpoint (by weights hash) produced each model's predictions."""
        p = self.path.joinpath(*MANIFEST)
        return json.loads(p.read_text()) if p.exists() else {}

    def write_manifest(self, manifest: dict[str, dict]) -> None:
        """Replace the manifest; a read-modify-write of it belongs inside :meth:`writing`
        (or :meth:`update_manifest`), so no other writer's entry is lost in between."""
        with self._publishing() as gen:
            write_json(manifest, gen.joinpath(*MANIFEST))

    def update_manifest(self, change: Callable[[dict[str, dict]], None]) -> dict[str, dict]:
        """Read, ``change`` in place and write the manifest under the store's lock."""
        with self.writing(log=None):
            manifest = self.manifest()
            change(manifest)
            self.write_manifest(manifest)
            return manifest


# ---------------------------------------------------------------------- re-ingest
def carry_outputs(prev: Path | None, gen: Path) -> list[int]:
    """Carry ``prev``'s model outputs into ``gen`` (being built) for the weeks whose inputs
    are unchanged; returns those weeks.

    A week's rows stay right while every whole-store table and the week's tracking and
    geometry hold the same data; those weeks' files are linked over, with their evaluation
    files and manifest entries. A manifest entry that loses a week loses its checkpoint
    mark too, so the app's next :func:`coverage.serving.ensure_predictions` predicts that
    model again instead of counting it as current.
    """
    if prev is None or prev == gen:
        return []
    weeks = {int(f.stem.removeprefix("week_")) for kind in OUTPUTS
             for f in (prev / kind).glob("week_*.parquet") if f.stem[5:].isdigit()}
    tables = sorted(f.name for f in prev.glob("*.parquet"))
    if (not weeks or tables != sorted(f.name for f in gen.glob("*.parquet"))
            or not all(_same_data(prev / t, gen / t) for t in tables)):
        return []
    kept = sorted(w for w in weeks if all(
        _same_data(week_path(prev, folder, w), week_path(gen, folder, w))
        for folder in (TRACKING, GEOMETRY)))
    for w in kept:
        for src in (*(week_path(prev, kind, w) for kind in OUTPUTS),
                    *(prev / EVALUATION).glob(f"*_week_{w}.json"),
                    *(prev / EVALUATION).glob(f"*_week_{w}_accuracy_by_time.parquet")):
            if src.is_file():
                generations.link_or_copy(src, gen / src.relative_to(prev))
    old = prev.joinpath(*MANIFEST)
    if old.is_file():
        try:
            manifest = json.loads(old.read_text())
        except (OSError, json.JSONDecodeError):
            manifest = {}
        write_json(_kept_entries(manifest, kept), gen.joinpath(*MANIFEST))
    return kept


def _kept_entries(manifest: dict, kept: list[int]) -> dict:
    out = {}
    for name, entry in manifest.items():
        if not isinstance(entry, dict):
            continue
        was = entry.get("weeks") or {}
        weeks = {w: d for w, d in was.items() if str(w).isdigit() and int(w) in kept}
        if weeks != was:  # some rows are gone: no longer current for any checkpoint
            entry = {"weeks": weeks}
        if weeks:
            out[name] = {**entry, "weeks": weeks}
    return out


_COMPARED_ROWS_MAX_BYTES = 64 << 20  # larger files (tracking) must be the same bytes


def _same_data(a: Path, b: Path) -> bool:
    """Both absent, or the same file (a hard link), the same bytes, or (a small table
    written again in another row order) the same rows."""
    if not a.exists() or not b.exists():
        return not a.exists() and not b.exists()
    if a.samefile(b) or filecmp.cmp(a, b, shallow=False):
        return True
    if max(a.stat().st_size, b.stat().st_size) > _COMPARED_ROWS_MAX_BYTES:
        return False
    x, y = pl.read_parquet(a), pl.read_parquet(b)
    return x.schema == y.schema and x.height == y.height and \
        x.hash_rows().sort().equals(y.hash_rows().sort())


def writing(tables: PlayTables, *, log: Callable[[str], None] | None = print
            ) -> AbstractContextManager[PlayTables]:
    """:meth:`Store.writing` for a store; nothing to hold for a label-only folder (read in
    place, never written)."""
    return tables.writing(log=log) if isinstance(tables, Store) else nullcontext(tables)


def folder_stamp(folder: Path) -> str:
    if not folder.is_dir():
        return ""
    parts = [f"{p.name}:{p.stat().st_size}:{p.stat().st_mtime_ns}"
             for p in sorted(folder.iterdir()) if p.is_file()]
    return "|".join(parts)

