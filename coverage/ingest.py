"""Raw Big Data Bowl files -> the normalised parquet store.

One streaming pass over each week's CSV (to a staging parquet), a cheap
validation pass over the staging file, then a normalising, sorted sink.
Plays that cannot be used are skipped *and counted with a reason* in the
ingest report; nothing is dropped silently. Re-running is idempotent: inputs
whose size and mtime are unchanged are not re-read.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import polars as pl
from tqdm.auto import tqdm

from coverage import __version__
from coverage.atomic import write_json, write_parquet
from coverage.errors import DataError
from coverage.formations.plays import play_formations
from coverage.normalize import normalize_tracking, play_geometry
from coverage.raw import (
    RawFiles,
    find_raw_files,
    scan_games,
    scan_player_play,
    scan_players,
    scan_plays,
    scan_table,
    scan_tracking,
)
from coverage.schema import PLAY_INDEX_SCHEMA, PLAY_KEYS, STAGED_TRACKING_SCHEMA
from coverage.validation import SKIP_REASONS, play_status

SCHEMA_VERSION = 1
ROW_GROUP_SIZE = 64_000  # ~15-30 plays per group: one play reads one or two groups
_MAX_LISTED = 500



@dataclass
class WeekReport:
    week: int
    file: str
    rows_read: int = 0
    plays_read: int = 0
    plays_kept: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    skipped_plays: list[dict] = field(default_factory=list)
    seconds: float = 0.0
    up_to_date: bool = False


@dataclass
class IngestReport:
    raw_dir: str
    store_dir: str
    source: str
    weeks: list[WeekReport] = field(default_factory=list)
    plays_without_tracking: int = 0

    @property
    def plays_kept(self) -> int:
        return sum(w.plays_kept for w in self.weeks)

    @property
    def plays_skipped(self) -> int:
        return sum(sum(w.skipped.values()) for w in self.weeks)

    def summary(self) -> str:
        lines = [f"ingested {self.plays_kept} plays from {self.raw_dir} ({self.source}) "
                 f"into {self.store_dir}"]
        for w in self.weeks:
            status = "up to date" if w.up_to_date else f"{w.seconds:.1f}s"
            skipped = ", ".join(f"{k}={v}" for k, v in w.skipped.items() if v) or "none"
            lines.append(f"  week {w.week}: {w.plays_kept}/{w.plays_read} plays kept, "
                         f"skipped: {skipped} [{status}]")
        if self.plays_without_tracking:
            lines.append(f"  {self.plays_without_tracking} plays in plays.csv have no tracking "
                         "in the weeks given (not ingested)")
        return "\n".join(lines)

    def to_dict(self) -> dict:
        d = asdict(self)
        d["plays_kept"] = self.plays_kept
        d["plays_skipped"] = self.plays_skipped
        return d


def _stamp(path: Path | None) -> list[int] | None:
    if path is None:
        return None
    st = path.stat()
    return [st.st_size, st.st_mtime_ns]


def _play_teams(plays: pl.LazyFrame) -> pl.LazyFrame:
    return plays.select(
        pl.col("gameId").cast(pl.Int64),
        pl.col("playId").cast(pl.Int64),
        pl.col("possessionTeam").cast(pl.String),
        pl.col("defensiveTeam").cast(pl.String),
    )


def _stage_week(path: Path, stage: Path) -> None:
    """One streaming pass over the raw file into typed staging parquet."""
    lf = scan_tracking(path).select(
        [pl.col(c).cast(t) for c, t in STAGED_TRACKING_SCHEMA.items()])
    try:
        write_parquet(lf, stage)
    except pl.exceptions.PolarsError as exc:  # parse errors deep in a 775 MB CSV
        raise DataError(f"could not read tracking file: {exc}", file=str(path),
                        expected="the official tracking_week_N columns and types") from exc


def _ingest_week(week: int, path: Path, teams: pl.LazyFrame, out: Path) -> WeekReport:
    t0 = time.perf_counter()
    rep = WeekReport(week=week, file=str(path))
    stage = out.parent / f".{out.stem}.stage.parquet"
    try:
        _stage_week(path, stage)
        staged = pl.scan_parquet(stage)
        rep.rows_read = staged.select(pl.len()).collect().item()
        status = play_status(staged, teams)
        rep.plays_read = status.height
        bad = status.filter(pl.col("skip_reason").is_not_null())
        rep.skipped = {r: 0 for r in SKIP_REASONS}
        for reason, n in bad.group_by("skip_reason").len().iter_rows():
            rep.skipped[reason] = n
        rep.skipped_plays = bad.head(_MAX_LISTED).select("gameId", "playId", "skip_reason") \
            .to_dicts()
        good = status.filter(pl.col("skip_reason").is_null()).select("gameId", "playId",
                                                                        "snap_frame")
        rep.plays_kept = good.height
        info = teams.join(good.lazy(), on=PLAY_KEYS, how="inner")
        norm = normalize_tracking(staged, info).sort(
            "gameId", "playId", "frameId", "nflId", nulls_last=True
        )
        write_parquet(norm, out, row_group_size=ROW_GROUP_SIZE)
    finally:
        if stage.exists():
            stage.unlink()
    rep.seconds = round(time.perf_counter() - t0, 3)
    return rep


def _play_index(plays: pl.LazyFrame, games: pl.LazyFrame | None, tracking_dir: Path,
                weeks: list[int], source: str) -> pl.DataFrame:
    geoms = []
    for w in weeks:
        p = tracking_dir / f"week_{w}.parquet"
        geoms.append(play_geometry(pl.scan_parquet(p)).with_columns(pl.lit(w).alias("_week")))
    geom = pl.concat(geoms)
    lf = plays.join(geom, on=PLAY_KEYS, how="inner")
    if games is not None:
        g = games.select(
            pl.col("gameId").cast(pl.Int64), pl.col("season").cast(pl.Int32),
            pl.col("week").cast(pl.Int32), pl.col("homeTeamAbbr").cast(pl.String),
            pl.col("visitorTeamAbbr").cast(pl.String),
        )
        lf = lf.join(g, on="gameId", how="left")
    else:
        lf = lf.with_columns(
            (pl.col("gameId") // 1_000_000).cast(pl.Int32).alias("season"),
            pl.lit(None, pl.Int32).alias("week"),
            pl.lit(None, pl.String).alias("homeTeamAbbr"),
            pl.lit(None, pl.String).alias("visitorTeamAbbr"),
        )
    lf = lf.with_columns(
        pl.coalesce(pl.col("week").cast(pl.Int32), pl.col("_week").cast(pl.Int32)).alias("week"),
        pl.lit(source).alias("source"),
        (pl.col("los_x") + pl.col("yardsToGo")).alias("first_down_x"),
        pl.col("pff_manZone").cast(pl.String).str.strip_chars().replace("", None),
    )
    cols = [pl.col(c).cast(t) for c, t in PLAY_INDEX_SCHEMA.items()]
    extras = [c for c in lf.collect_schema() if c not in PLAY_INDEX_SCHEMA and c != "_week"]
    return lf.select(*cols, *extras).sort("gameId", "playId").collect()


def ingest(raw_dir: str | Path, store_dir: str | Path, *, weeks: list[int] | None = None,
           progress: bool = True, force: bool = False) -> IngestReport:
    """Convert a Big Data Bowl download (or a simulated season) into a store."""
    raw: RawFiles = find_raw_files(raw_dir)
    store = Path(store_dir)
    (store / "tracking").mkdir(parents=True, exist_ok=True)
    wanted = {w: p for w, p in raw.tracking.items() if weeks is None or w in weeks}
    if not wanted:
        raise DataError(f"none of the requested weeks {weeks} exist in {raw.root}",
                        file=str(raw.root), expected=f"weeks {sorted(raw.tracking)}")

    meta_path = store / "meta.json"
    old = json.loads(meta_path.read_text()) if meta_path.exists() else {}
    stamps = {
        "plays": _stamp(raw.plays), "games": _stamp(raw.games),
        "players": _stamp(raw.players), "player_play": _stamp(raw.player_play),
        **{f"tracking_week_{w}": _stamp(p) for w, p in wanted.items()},
    }
    old_stamps = old.get("inputs", {}) if old.get("schema_version") == SCHEMA_VERSION else {}
    tables_same = not force and all(old_stamps.get(k) == stamps[k]
                                    for k in ("plays", "games", "players", "player_play"))

    plays = scan_plays(raw.plays).with_columns(
        pl.col("gameId").cast(pl.Int64), pl.col("playId").cast(pl.Int64)
    )
    games = scan_games(raw.games) if raw.games is not None else None
    teams = _play_teams(plays)
    report = IngestReport(raw_dir=str(raw.root), store_dir=str(store), source=raw.source)
    old_weeks = {w["week"]: w for w in old.get("report", {}).get("weeks", [])}

    bar = tqdm(wanted.items(), desc="ingest", unit="week", disable=not progress)
    for week, path in bar:
        bar.set_postfix_str(path.name)
        out = store / "tracking" / f"week_{week}.parquet"
        key = f"tracking_week_{week}"
        if (tables_same and out.exists() and old_stamps.get(key) == stamps[key]
                and week in old_weeks):
            rep = WeekReport(**{**old_weeks[week], "up_to_date": True})
        else:
            rep = _ingest_week(week, path, teams, out)
        report.weeks.append(rep)

    done_weeks = sorted(wanted)
    index = _play_index(plays, games, store / "tracking", done_weeks, raw.source)
    write_parquet(index, store / "plays.parquet")
    # detected here, so no reader (app filters, model features) pays for it; they depend on
    # the tracking only, so an up-to-date re-run (every app start on a download) skips them
    tracking_same = all(w.up_to_date for w in report.weeks) and old.get("weeks") == done_weeks
    if not (tracking_same and (store / "formations.parquet").exists()):
        forms = play_formations([pl.scan_parquet(store / "tracking" / f"week_{w}.parquet")
                                 for w in done_weeks])
        write_parquet(forms, store / "formations.parquet")
    all_plays = plays.select(pl.len()).collect().item()
    skipped_listed = sum(n for w in report.weeks for r, n in w.skipped.items()
                         if r != "not_in_plays")
    report.plays_without_tracking = all_plays - index.height - skipped_listed
    if games is not None:
        write_parquet(games.collect(), store / "games.parquet")
    if raw.players is not None:
        write_parquet(scan_players(raw.players).collect(), store / "players.parquet")
    if raw.player_play is not None:
        write_parquet(scan_player_play(raw.player_play).collect(), store / "player_play.parquet")
    for name in ("truth_players", "truth_plays"):
        src = raw.root / f"{name}.csv"
        if src.exists():
            write_parquet(scan_table(src).collect(), store / f"{name}.parquet")
    write_json(report.to_dict(), store / "ingest_report.json")
    write_json(
        {
            "schema_version": SCHEMA_VERSION,
            "source": raw.source,
            "source_meta": raw.source_meta,
            "weeks": done_weeks,
            "inputs": stamps,
            "raw_dir": str(Path(raw.root).resolve()),
            "coverage_version": __version__,
            "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "pid": os.getpid(),
            "report": report.to_dict(),
        },
        meta_path,
    )
    return report
