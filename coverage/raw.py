"""Find and lazily scan the official Big Data Bowl files (CSV or parquet, 2025 or 2023 schema).

Everything here is lazy: a tracking week is ~775 MB of CSV, so we only ever
describe scans and validate their schemas; the ingest step streams them.
"""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from coverage.errors import DataError
from coverage.schema import (
    LEGACY_PLAYS_RENAMES,
    LEGACY_TRACKING_RENAMES,
    RAW_GAMES_REQUIRED,
    RAW_PLAYER_PLAY_REQUIRED,
    RAW_PLAYERS_REQUIRED,
    RAW_PLAYS_REQUIRED,
    RAW_TRACKING_REQUIRED,
)

_TRACKING_RE = re.compile(r"^tracking_week_(\d+)\.(csv|parquet)$")
_NUMERIC = (pl.Float32, pl.Float64, pl.Int8, pl.Int16, pl.Int32, pl.Int64, pl.UInt32, pl.UInt64)


@dataclass(frozen=True)
class RawFiles:
    """Where each official table lives in a user's download folder."""

    root: Path
    games: Path | None
    plays: Path
    players: Path | None
    player_play: Path | None
    tracking: dict[int, Path] = field(default_factory=dict)
    source: str = "real"
    source_meta: dict = field(default_factory=dict)


def _pick(root: Path, stem: str, required: bool = True) -> Path | None:
    for ext in ("parquet", "csv"):
        p = root / f"{stem}.{ext}"
        if p.exists():
            return p
    if required:
        raise DataError(
            f"missing required file {stem}.csv (or {stem}.parquet) in {root}",
            file=str(root / f"{stem}.csv"),
            expected="the official Big Data Bowl files: games, plays, players, "
            "player_play, tracking_week_N",
        )
    return None


def find_raw_files(root: str | Path, *, require_tracking: bool = True) -> RawFiles:
    """Locate the official tables; parquet wins over CSV when both exist.

    ``require_tracking=False`` accepts a folder of label tables only (the context
    prior trains on those).
    """
    root = Path(root)
    if not root.is_dir():
        raise DataError(f"data folder not found: {root}", file=str(root),
                        expected="a folder holding the Big Data Bowl CSV or parquet files")
    tracking: dict[int, Path] = {}
    for p in sorted(root.iterdir()):
        m = _TRACKING_RE.match(p.name)
        if m:
            week = int(m.group(1))
            if week not in tracking or p.suffix == ".parquet":
                tracking[week] = p
    if not tracking and require_tracking:
        raise DataError(
            f"no tracking files in {root}",
            file=str(root / "tracking_week_1.csv"),
            expected="tracking_week_<N>.csv or tracking_week_<N>.parquet",
        )
    marker = root / "_source.json"
    meta = json.loads(marker.read_text()) if marker.exists() else {}
    return RawFiles(
        root=root,
        games=_pick(root, "games", required=False),
        plays=_pick(root, "plays"),
        players=_pick(root, "players", required=False),
        player_play=_pick(root, "player_play", required=False),
        tracking=dict(sorted(tracking.items())),
        source=meta.get("source", "real"),
        source_meta=meta,
    )


def scan_table(path: str | Path, **csv_kwargs) -> pl.LazyFrame:
    """Scan a CSV or parquet table; CSVs use the official 'NA' and empty null markers."""
    path = Path(path)
    if not path.exists():
        raise DataError(f"file not found: {path}", file=str(path))
    if path.suffix == ".parquet":
        return pl.scan_parquet(path)
    return pl.scan_csv(
        path,
        null_values=["NA", ""],
        infer_schema_length=csv_kwargs.pop("infer_schema_length", 20000),
        **csv_kwargs,
    )


def require_columns(lf: pl.LazyFrame, path: str | Path, required) -> dict[str, pl.DataType]:
    """Fail with the file, the missing column and the closest existing name."""
    schema = dict(lf.collect_schema())
    for col in required:
        if col not in schema:
            close = difflib.get_close_matches(col, list(schema), n=1)
            hint = f" (found a similar column '{close[0]}' — renamed?)" if close else ""
            raise DataError(
                f"required column '{col}' is missing{hint}",
                file=str(path),
                column=col,
                expected=f"columns {', '.join(required)}",
            )
    return schema


def require_numeric(lf: pl.LazyFrame, path: str | Path, columns) -> None:
    """Reject text where numbers are expected, quoting an offending value."""
    schema = dict(lf.collect_schema())
    for col in columns:
        dtype = schema.get(col)
        if dtype is None or dtype == pl.Null or isinstance(dtype, _NUMERIC):
            continue
        bad = (
            lf.select(pl.col(col))
            .filter(pl.col(col).is_not_null()
                    & pl.col(col).cast(pl.Float64, strict=False).is_null())
            .head(1)
            .collect()
        )
        example = f" e.g. {bad.item()!r}" if bad.height else ""
        raise DataError(
            f"column '{col}' has non-numeric values{example}",
            file=str(path),
            column=col,
            expected="numbers",
        )


def scan_tracking(path: str | Path) -> pl.LazyFrame:
    """Scan one tracking week, mapping the 2021 (BDB 2023) schema onto the 2025 one."""
    lf = scan_table(path, schema_overrides={"nflId": pl.Float64, "jerseyNumber": pl.Float64,
                                            "event": pl.String, "o": pl.Float64,
                                            "dir": pl.Float64})
    schema = lf.collect_schema()
    renames = {k: v for k, v in LEGACY_TRACKING_RENAMES.items() if k in schema and v not in schema}
    if renames:
        lf = lf.rename(renames)
    schema = require_columns(lf, path, list(RAW_TRACKING_REQUIRED))
    numeric = [c for c, t in RAW_TRACKING_REQUIRED.items() if t not in (pl.String,)]
    require_numeric(lf, path, numeric)
    extra = []
    if "displayName" not in schema:
        extra.append(pl.lit(None, pl.String).alias("displayName"))
    if "frameType" not in schema:
        extra.append(pl.lit(None, pl.String).alias("frameType"))
    if "jerseyNumber" not in schema:
        extra.append(pl.lit(None, pl.Float64).alias("jerseyNumber"))
    if extra:
        lf = lf.with_columns(extra)
    return lf


def scan_plays(path: str | Path) -> pl.LazyFrame:
    """Scan plays.csv; the 2021 schema's pff_passCoverageType becomes pff_manZone."""
    lf = scan_table(path, schema_overrides={"gameClock": pl.String, "down": pl.Int64,
                                            "yardsToGo": pl.Int64, "quarter": pl.Int64})
    schema = lf.collect_schema()
    renames = {k: v for k, v in LEGACY_PLAYS_RENAMES.items() if k in schema and v not in schema}
    if renames:
        lf = lf.rename(renames)
    schema = require_columns(lf, path, RAW_PLAYS_REQUIRED)
    require_numeric(lf, path, ["gameId", "playId", "quarter", "down", "yardsToGo",
                               "absoluteYardlineNumber"])
    for col, dtype in (("receiverAlignment", pl.String), ("passResult", pl.String),
                       ("pff_manZone", pl.String), ("preSnapHomeScore", pl.Int64),
                       ("preSnapVisitorScore", pl.Int64), ("gameClock", pl.String)):
        if col not in schema:
            lf = lf.with_columns(pl.lit(None, dtype).alias(col))
    return lf


def scan_games(path: str | Path) -> pl.LazyFrame:
    lf = scan_table(path, schema_overrides={"gameDate": pl.String, "gameTimeEastern": pl.String})
    require_columns(lf, path, RAW_GAMES_REQUIRED)
    require_numeric(lf, path, ["gameId", "season", "week"])
    return lf


def scan_players(path: str | Path) -> pl.LazyFrame:
    lf = scan_table(path, schema_overrides={"birthDate": pl.String, "height": pl.String})
    require_columns(lf, path, RAW_PLAYERS_REQUIRED)
    return lf


def scan_player_play(path: str | Path) -> pl.LazyFrame:
    lf = scan_table(path)
    require_columns(lf, path, RAW_PLAYER_PLAY_REQUIRED)
    return lf
