"""Find and lazily scan the official Big Data Bowl files (CSV or parquet, 2025 or 2023 schema).

Everything here is lazy: a tracking week is hundreds of MB of CSV, so we only ever
describe scans and validate their schemas; the ingest step streams them. Folders
come as Kaggle ships them: ``tracking_week_N`` (2025), ``weekN`` (2023), or one
tracking file holding several weeks, split through games.csv.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import polars as pl

from coverage import data_folder
from coverage.errors import (
    CoverageError,
    DataError,
    DiskFullError,
    brief,
    is_disk_full,
    json_object,
)
from coverage.schema import (
    GAMES_KEYS,
    GAMES_VALUES,
    LEGACY_PLAYS_RENAMES,
    LEGACY_TRACKING_RENAMES,
    PLAY_KEYS,
    PLAYER_PLAY_KEYS,
    PLAYER_PLAY_VALUES,
    PLAYERS_KEYS,
    PLAYERS_VALUES,
    PLAYS_VALUES,
    RAW_GAMES_REQUIRED,
    RAW_PLAYER_PLAY_REQUIRED,
    RAW_PLAYERS_REQUIRED,
    RAW_PLAYS_REQUIRED,
    RAW_TRACKING_REQUIRED,
    STAGED_TRACKING_SCHEMA,
    ValueRule,
)
from coverage.validation import (
    check_values,
    official_labels,
    relabelled,
    repeats,
    shown,
    unique_rows,
)

# tracking_week_1.csv (BDB 2025), week1.csv (BDB 2023), and spellings in between
_WEEK_FILE_RE = re.compile(r"^(?:tracking_?)?week_?(\d+)\.(csv|parquet)$", re.IGNORECASE)
# any other tracking file: several weeks in one (tracking.csv, tracking_7plays.csv)
_ALL_WEEKS_RE = re.compile(r"^tracking.*\.(csv|parquet)$", re.IGNORECASE)
_NUMERIC = (pl.Float32, pl.Float64, pl.Int8, pl.Int16, pl.Int32, pl.Int64, pl.UInt32, pl.UInt64)


@dataclass(frozen=True)
class RawFiles:
    """Where each official table lives in a user's download folder.

    ``tracking`` maps each week to its file; when one file holds several weeks, they all
    map to it and ``tracking_games`` lists the gameIds of each week (empty when every
    file is one week).
    """

    root: Path
    games: Path | None
    plays: Path
    players: Path | None
    player_play: Path | None
    tracking: dict[int, Path] = field(default_factory=dict)
    source: str = "real"
    source_meta: dict = field(default_factory=dict)
    tracking_games: dict[int, list[int]] = field(default_factory=dict)
    # what the user should know about the choice of files (e.g. a CSV shadowed by parquet)
    notes: tuple[str, ...] = ()


def _read_error(exc: BaseException, path: str | Path, message: str, **where: str
                ) -> CoverageError:
    """The error for a polars failure while reading ``path``: bad input is a DataError
    naming the file; a full disk or quota (polars spills large reads to temporary files
    and keeps the OS error only as text) is a DiskFullError, never blamed on the input."""
    if is_disk_full(exc):
        return DiskFullError(f"temporary files (reading {Path(path).name})")
    return DataError(message, file=str(path), **where)


def _shadowed(paths) -> tuple[str, ...]:
    """A parquet file wins over the CSV of the same name: say so, once per file."""
    out = []
    for p in sorted({p for p in paths if p is not None}):
        csv = p.with_suffix(".csv")
        if p.suffix.lower() == ".parquet" and csv.exists():
            out.append(f"both {csv.name} and {p.name} exist: using {p.name}")
    return tuple(out)


def _pick(root: Path, stem: str, required: bool = True) -> Path | None:
    for ext in ("parquet", "csv"):
        p = root / f"{stem}.{ext}"
        if p.exists():
            return p
    if required:
        raise DataError(
            f"missing required file {stem}.csv (or {stem}.parquet) in {root}"
            f"{data_folder.compressed_note(root)}",
            file=str(root / f"{stem}.csv"),
            expected="the official Big Data Bowl files: games, plays, players, "
            "player_play, tracking_week_N",
        )
    return None


def _prefer(old: Path | None, new: Path, what: str) -> Path:
    """Parquet wins over CSV; two files of one kind for the same thing are ambiguous."""
    if old is None or (new.suffix.lower() == ".parquet" and old.suffix.lower() != ".parquet"):
        return new
    if old.suffix.lower() == new.suffix.lower():
        raise DataError(f"two tracking files for {what}: {old.name} and {new.name}",
                        file=str(new), expected="one tracking file per week")
    return old


def _tracking_files(root: Path) -> tuple[dict[int, Path], Path | None]:
    """Per-week files by week, or the one file without a week number in its name."""
    weekly: dict[int, Path] = {}
    whole: dict[str, Path] = {}
    for p in sorted(root.iterdir()):
        if p.name.startswith(".") or not p.is_file():
            continue
        if m := _WEEK_FILE_RE.match(p.name):
            week = int(m.group(1))
            weekly[week] = _prefer(weekly.get(week), p, f"week {week}")
        elif _ALL_WEEKS_RE.match(p.name):
            whole[p.stem] = _prefer(whole.get(p.stem), p, p.stem)
    expected = "either tracking_week_<N> (or week<N>) files, or one tracking file for all weeks"
    if whole and weekly:
        raise DataError(
            f"tracking files with and without a week number in {root}: "
            f"{', '.join(p.name for p in [*weekly.values(), *whole.values()])}",
            file=str(next(iter(whole.values()))), expected=expected)
    if len(whole) > 1:
        raise DataError(
            f"several tracking files without a week number in {root}: "
            f"{', '.join(p.name for p in whole.values())}",
            file=str(root), expected=expected)
    return weekly, next(iter(whole.values()), None)


def calendar_week(game_id: pl.Expr) -> pl.Expr:
    """The NFL week of a game from its id (YYYYMMDDNN), for files without games.csv.

    Week 1 starts on the Tuesday after Labor Day (the first Monday of September) and
    weeks run Tuesday to Monday; January and February games belong to the season
    before. Null when the id is not a date.
    """
    date = (game_id // 100).cast(pl.String).str.strptime(pl.Date, "%Y%m%d", strict=False)
    season = pl.when(date.dt.month() < 3).then(date.dt.year() - 1).otherwise(date.dt.year())
    sept1 = pl.date(season, 9, 1)
    labor_day = sept1 + pl.duration(days=(8 - sept1.dt.weekday()) % 7)
    return ((date - labor_day).dt.total_days() - 1) // 7 + 1


def _stamp(path: Path | None) -> tuple:
    if path is None:
        return ()
    st = path.stat()
    return (str(path), st.st_size, st.st_mtime_ns)


@lru_cache(maxsize=16)
def _weeks_of_games(tracking: tuple, games: tuple) -> dict[int, tuple[int, ...]]:
    """week -> gameIds of a several-weeks tracking file (cached on path, size and mtime:
    finding the games reads the file's whole gameId column)."""
    path = Path(tracking[0])
    lf = scan_table(path, drop_blank_rows=False, schema_overrides={"gameId": pl.Int64})
    require_columns(lf, path, ["gameId"])
    try:
        ids = lf.select(pl.col("gameId").cast(pl.Int64)).unique().drop_nulls().collect()
    except pl.exceptions.PolarsError as exc:
        raise _read_error(exc, path, f"could not read the gameId column: {exc}",
                          column="gameId", expected="integer game ids") from exc
    if games:
        g = (scan_games(Path(games[0]))
             .select(pl.col("gameId").cast(pl.Int64), pl.col("week").cast(pl.Int64))
             .unique("gameId", keep="first").collect())
        ids = ids.join(g, on="gameId", how="left")
    else:
        ids = ids.with_columns(pl.lit(None, pl.Int64).alias("week"))
    ids = ids.with_columns(pl.coalesce(pl.col("week"), calendar_week(pl.col("gameId")))
                           .alias("week"))
    bad = ids.filter(pl.col("week").is_null() | (pl.col("week") < 1)).sort("gameId")
    if bad.height:
        raise DataError(
            f"cannot tell the week of game {bad['gameId'][0]} in {path.name}: games.csv "
            "does not list it and its id is not a date in a season",
            file=str(path), column="gameId",
            expected="games.csv with gameId and week for every game in the tracking file")
    by_week = ids.group_by("week").agg(pl.col("gameId").sort()).sort("week")
    return {int(w): tuple(g) for w, g in by_week.iter_rows()}


def _source_meta(root: Path) -> dict:
    marker = root / "_source.json"
    if not marker.exists():
        return {}
    return json_object(marker, "_source.json", lambda msg: DataError(
        msg, file=str(marker), expected='an object such as {"source": "real"}'))


def find_raw_files(root: str | Path, *, require_tracking: bool = True) -> RawFiles:
    """Locate the official tables; parquet wins over CSV when both exist.

    ``require_tracking=False`` accepts a folder of label tables only (the context
    prior trains on those). A tracking file without a week number in its name holds
    several weeks: its games are mapped to weeks through games.csv (or, without it,
    through the date in each gameId, see :func:`calendar_week`).
    """
    root, found_notes = data_folder.locate(root)
    tracking, whole = _tracking_files(root)
    games = _pick(root, "games", required=False)
    tracking_games: dict[int, list[int]] = {}
    if whole is not None:
        weeks = _weeks_of_games(_stamp(whole), _stamp(games))
        tracking = dict.fromkeys(weeks, whole)
        tracking_games = {w: list(ids) for w, ids in weeks.items()}
    if not tracking and require_tracking:
        raise DataError(
            f"no tracking files in {root}{data_folder.compressed_note(root)}",
            file=str(root / "tracking_week_1.csv"),
            expected="tracking_week_<N>.csv or .parquet (BDB 2023: week<N>.csv), or one "
                     "tracking*.csv for all weeks beside games.csv",
        )
    meta = _source_meta(root)
    plays = _pick(root, "plays")
    players = _pick(root, "players", required=False)
    player_play = _pick(root, "player_play", required=False)
    return RawFiles(
        root=root,
        games=games,
        plays=plays,
        players=players,
        player_play=player_play,
        tracking=dict(sorted(tracking.items())),
        source=meta.get("source", "real"),
        source_meta=meta,
        tracking_games=tracking_games,
        notes=found_notes + data_folder.unread_note(root) + _shadowed(
            [games, plays, players, player_play, *tracking.values()]),
    )


def _require_rows(path: Path) -> None:
    """Name an empty file, or a CSV with a header and nothing under it, before polars
    fails on it with a generic message (or silently yields no plays)."""
    if path.stat().st_size == 0:
        raise DataError(f"{path.name} is empty", file=str(path),
                        expected="the official header line and rows")
    if path.suffix.lower() == ".parquet":
        try:
            n = pl.scan_parquet(path).select(pl.len()).collect().item()
        except pl.exceptions.PolarsError as exc:
            raise _read_error(exc, path, f"{path.name} is not a readable parquet file: "
                              f"{exc}") from exc
        if n == 0:
            raise DataError(f"{path.name} has no rows", file=str(path),
                            expected="at least one row")
        return
    with path.open("rb") as fh:
        if not fh.readline().strip():
            raise DataError(f"{path.name} is empty", file=str(path),
                            expected="the official header line and rows")
        if not any(line.strip() for line in fh):
            raise DataError(f"{path.name} has a header but no rows", file=str(path),
                            expected="at least one row under the header")


def _clean_csv(lf: pl.LazyFrame, drop_blank_rows: bool) -> pl.LazyFrame:
    """Undo what editors do to CSVs: padded or Windows-terminated header names, a
    carriage return left on the last value, and the empty rows of blank lines."""
    names = lf.collect_schema().names()
    clean = {c: c.strip().lstrip("\ufeff") for c in names}
    if len(set(clean.values())) == len(names):
        lf = lf.rename({c: n for c, n in clean.items() if c != n})
        names = list(clean.values())
    if lf.collect_schema()[names[-1]] == pl.String:
        last = pl.col(names[-1]).str.strip_chars_end("\r")
        lf = lf.with_columns(pl.when(last == "").then(None).otherwise(last).alias(names[-1]))
    return lf.filter(~pl.all_horizontal(pl.all().is_null())) if drop_blank_rows else lf


def scan_table(path: str | Path, *, drop_blank_rows: bool = True,
               **csv_kwargs) -> pl.LazyFrame:
    """Scan a CSV or parquet table; CSVs use the official 'NA' and empty null markers.

    CRLF (Windows) files load like LF ones. An empty file or a header without rows is a
    :class:`DataError` naming the file. ``drop_blank_rows=False`` keeps the all-null rows
    of blank lines, for scans of one column that should not read the others.
    """
    path = Path(path)
    if not path.exists():
        raise DataError(f"file not found: {path}", file=str(path))
    _require_rows(path)
    if path.suffix.lower() == ".parquet":
        return pl.scan_parquet(path)
    lf = pl.scan_csv(
        path,
        null_values=["NA", ""],
        infer_schema_length=csv_kwargs.pop("infer_schema_length", 20000),
        **csv_kwargs,
    )
    try:
        return _clean_csv(lf, drop_blank_rows)
    except pl.exceptions.PolarsError as exc:
        raise _read_error(exc, path, f"could not read {path.name}: {exc}") from exc


def _similar(col: str, names: list[str]) -> str | None:
    """The column the user probably meant: same name but for case first, then the
    closest spelling; never ``col`` itself."""
    others = [n for n in names if n != col]
    for n in others:
        if n.strip().lower() == col.lower():
            return n
    close = difflib.get_close_matches(col, others, n=1)
    return close[0] if close else None


def require_columns(lf: pl.LazyFrame, path: str | Path, required) -> dict[str, pl.DataType]:
    """Fail with the file, the missing column and the closest existing name."""
    schema = dict(lf.collect_schema())
    for col in required:
        if col not in schema:
            close = _similar(col, list(schema))
            hint = f" (found a similar column {close!r} — renamed?)" if close else ""
            raise DataError(
                f"required column '{col}' is missing{hint}",
                file=str(path),
                column=col,
                expected=f"columns {', '.join(required)}",
            )
    return schema


def _numeric(lf: pl.LazyFrame, path: str | Path, columns) -> pl.LazyFrame:
    """Reject text where numbers are expected, quoting an offending value.

    Text columns whose every value does read as a number (``Infinity``, ``1e400``:
    polars infers those as text) are cast to floats. One pass checks every column.
    """
    schema = dict(lf.collect_schema())
    text = [c for c in columns if (dtype := schema.get(c)) is not None
            and dtype != pl.Null and not isinstance(dtype, _NUMERIC)]
    if not text:
        return lf
    try:
        found = lf.select(
            pl.col(c).cast(pl.String).filter(
                pl.col(c).is_not_null() & pl.col(c).cast(pl.String).cast(pl.Float64,
                                                                          strict=False)
                .is_null()).first().alias(c) for c in text).collect()
    except pl.exceptions.PolarsError as exc:
        raise _read_error(exc, path, f"could not read {Path(path).name}: {brief(exc)}") \
            from exc
    for col in text:
        if found[col][0] is not None or schema[col] != pl.String:
            value = found[col][0]
            example = f" e.g. {shown(value)}" if value is not None else ""
            raise DataError(
                f"column '{col}' has non-numeric values{example}",
                file=str(path),
                column=col,
                expected="numbers",
            )
    return lf.with_columns(pl.col(c).cast(pl.Float64, strict=False) for c in text)


def _renamed(lf: pl.LazyFrame, legacy: dict[str, str]) -> pl.LazyFrame:
    """The older schema's names mapped onto 2025's, where the newer name is absent."""
    schema = lf.collect_schema()
    return lf.rename({k: v for k, v in legacy.items() if k in schema and v not in schema})


def _with_missing(lf: pl.LazyFrame, schema, optional: dict) -> pl.LazyFrame:
    """Optional columns the file lacks, added as nulls so every reader sees them."""
    return lf.with_columns(pl.lit(None, t).alias(c) for c, t in optional.items()
                           if c not in schema)


def scan_tracking(path: str | Path) -> pl.LazyFrame:
    """Scan one tracking week, mapping the 2021 (BDB 2023) schema onto the 2025 one.

    frameId is read as a float so a fractional one reaches validation whole (polars
    would otherwise cut 1.5 to 1 or fail deep in the file); playDirection is lower-cased
    ("LEFT" and "left" mean the same), anything else is left for validation to reject.
    """
    lf = scan_table(path, schema_overrides={"nflId": pl.Float64, "jerseyNumber": pl.Float64,
                                            "event": pl.String, "o": pl.Float64,
                                            "dir": pl.Float64, "frameId": pl.Float64})
    lf = _renamed(lf, LEGACY_TRACKING_RENAMES)
    schema = require_columns(lf, path, RAW_TRACKING_REQUIRED)
    numeric = [c for c in RAW_TRACKING_REQUIRED if STAGED_TRACKING_SCHEMA[c] != pl.String]
    lf = _numeric(lf, path, numeric)
    # ids written as decimals: a fractional one would be cut by the staging cast
    floats = {c: PLAYS_VALUES[c] for c in PLAY_KEYS
              if lf.collect_schema()[c] in (pl.Float32, pl.Float64)}
    lf = check_values(lf, path, floats)
    lf = lf.with_columns(
        pl.col("playDirection").cast(pl.String).str.strip_chars().str.to_lowercase())
    return _with_missing(lf, schema, {"displayName": pl.String, "frameType": pl.String,
                                      "jerseyNumber": pl.Float64})


@dataclass(frozen=True)
class _LabelTable:
    """How one label table is read and checked (see :func:`_checked_table`)."""

    required: tuple[str, ...]
    rules: dict[str, ValueRule]
    keys: tuple[str, ...]
    what: str  # what one key names, for an error ("play", "game")
    text: tuple[str, ...] = ()  # read as text whatever they look like
    renames: dict[str, str] = field(default_factory=dict)
    optional: dict[str, type[pl.DataType]] = field(default_factory=dict)


LABEL_TABLES: dict[str, _LabelTable] = {
    "plays": _LabelTable(
        RAW_PLAYS_REQUIRED, PLAYS_VALUES, PLAY_KEYS, "play", text=("gameClock",),
        renames=LEGACY_PLAYS_RENAMES,
        optional={"receiverAlignment": pl.String, "passResult": pl.String,
                  "pff_manZone": pl.String, "preSnapHomeScore": pl.Int64,
                  "preSnapVisitorScore": pl.Int64, "gameClock": pl.String}),
    "games": _LabelTable(RAW_GAMES_REQUIRED, GAMES_VALUES, GAMES_KEYS, "game",
                         text=("gameDate", "gameTimeEastern")),
    "players": _LabelTable(RAW_PLAYERS_REQUIRED, PLAYERS_VALUES, PLAYERS_KEYS, "player",
                           text=("birthDate", "height")),
    "player_play": _LabelTable(RAW_PLAYER_PLAY_REQUIRED, PLAYER_PLAY_VALUES,
                               PLAYER_PLAY_KEYS, "player-play row"),
}


def _checked_table(path: str | Path, table: str) -> pl.LazyFrame:
    """A label table with its required columns, numbers, ranges and forms checked.

    Checked columns are read from CSV as text, so a value that is no number is quoted in
    the error instead of failing deep in a scan, and a fractional id is seen instead of
    cut; whole columns come back as Int64. Label tables are small (a season's
    player_play is ~350k rows), so the file is read once and checked in memory.
    """
    spec = LABEL_TABLES[table]
    numeric = [c for c, r in spec.rules.items() if r.pattern is None]
    lf = scan_table(path, schema_overrides=dict.fromkeys(
        [*spec.rules, *spec.text], pl.String))
    try:  # read once: the checks below each pass over the (small) table
        lf = _renamed(lf, spec.renames).collect().lazy()
    except pl.exceptions.PolarsError as exc:
        raise _read_error(exc, path, f"could not read {Path(path).name}: {brief(exc)}") \
            from exc
    require_columns(lf, path, spec.required)
    lf = _numeric(lf, path, numeric)
    return check_values(lf, path, spec.rules)


def _scan_label_table(path: str | Path, table: str) -> pl.LazyFrame:
    """Checked, labels in their official spelling, one row per key (see
    :func:`label_table_counts` for what that dropped or respelled)."""
    spec = LABEL_TABLES[table]
    lf = official_labels(_checked_table(path, table), path)
    schema = lf.collect_schema()
    return _with_missing(unique_rows(lf, path, spec.keys, spec.what), schema, spec.optional)


def label_table_counts(path: str | Path, table: str) -> tuple[int, dict[str, int]]:
    """What reading a label table changed, for the ingest report: rows dropped as exact
    repeats of an earlier row, and labels respelled (``"col: 'man' -> 'Man'" -> n``)."""
    lf = _checked_table(path, table)
    return repeats(official_labels(lf, path), LABEL_TABLES[table].keys), relabelled(lf)


def duplicate_play_rows(path: str | Path) -> int:
    """How many rows of plays.csv repeat an earlier row exactly (dropped by
    :func:`scan_plays`), for the ingest report."""
    return label_table_counts(path, "plays")[0]


def scan_plays(path: str | Path) -> pl.LazyFrame:
    """Scan plays.csv; the 2021 schema's pff_passCoverageType becomes pff_manZone.

    Values are checked (:data:`coverage.schema.PLAYS_VALUES`), labels respelled in the
    official case, exact duplicate rows dropped; a play listed twice with different
    values is a :class:`DataError`.
    """
    return _scan_label_table(path, "plays")


def scan_games(path: str | Path) -> pl.LazyFrame:
    """Scan games.csv, checked like plays.csv; a game listed twice must be one row."""
    return _scan_label_table(path, "games")


def scan_players(path: str | Path) -> pl.LazyFrame:
    """Scan players.csv, checked; one row per nflId."""
    return _scan_label_table(path, "players")


def scan_player_play(path: str | Path) -> pl.LazyFrame:
    """Scan player_play, checked; one row per (gameId, playId, nflId)."""
    return _scan_label_table(path, "player_play")
