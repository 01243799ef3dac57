"""Raw Big Data Bowl files -> the normalised parquet store.

One streaming pass over each week's CSV (to a staging parquet), a cheap
validation pass over the staging file, then a normalising, sorted sink.
Plays that cannot be used are skipped *and counted with a reason* in the
ingest report; nothing is dropped silently. Re-running is idempotent: inputs
whose size and mtime are unchanged are not re-read. The paths it writes come from
:mod:`coverage.store`'s layout helpers, the one place that spells the layout.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import polars as pl
from tqdm.auto import tqdm

from coverage import __version__, generations
from coverage.atomic import write_json, write_parquet
from coverage.errors import DataError
from coverage.formations.plays import play_formations
from coverage.normalize import charted_los, normalize_tracking, play_geometry
from coverage.raw import (
    RawFiles,
    find_raw_files,
    label_table_counts,
    scan_games,
    scan_player_play,
    scan_players,
    scan_plays,
    scan_table,
    scan_tracking,
)
from coverage.schema import PLAY_INDEX_SCHEMA, PLAY_KEYS, STAGED_TRACKING_SCHEMA
from coverage.store import (
    GEOMETRY,
    INGEST_REPORT,
    META,
    TRACKING,
    carry_outputs,
    table_path,
    week_path,
)
from coverage.validation import (
    SKIP_REASONS,
    play_status,
    repeated_frames,
    without_exact_repeats,
)

SCHEMA_VERSION = 1
ROW_GROUP_SIZE = 64_000  # ~15-30 plays per group: one play reads one or two groups
_MAX_LISTED = 500



@dataclass
class WeekReport:
    week: int
    file: str
    rows_read: int = 0
    duplicate_rows: int = 0  # exact repeats of a tracking row, kept once
    plays_read: int = 0
    plays_kept: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    skipped_plays: list[dict] = field(default_factory=list)
    seconds: float = 0.0
    up_to_date: bool = False
    los_from_charting: int = 0  # tracked ball off the charted line: charted line used
    snap_moved_to_ball: int = 0  # charted SNAP frame trailed the ball's first move


@dataclass
class IngestReport:
    raw_dir: str
    store_dir: str
    source: str
    weeks: list[WeekReport] = field(default_factory=list)
    plays_without_tracking: int = 0
    duplicates_across_weeks: int = 0
    notes: list[str] = field(default_factory=list)
    duplicate_plays_csv: int = 0  # exact repeats of a plays.csv row, ingested once
    # exact repeats of a row in each label table (file name -> rows dropped)
    duplicate_rows: dict[str, int] = field(default_factory=dict)
    # labels mapped onto the official spelling ("pff_manZone: 'man' -> 'Man'" -> rows)
    labels_respelled: dict[str, int] = field(default_factory=dict)

    @property
    def plays_kept(self) -> int:
        return sum(w.plays_kept for w in self.weeks)

    @property
    def plays_skipped(self) -> int:
        return sum(sum(w.skipped.values()) for w in self.weeks)

    def summary(self) -> str:
        lines = [f"ingested {self.plays_kept} plays from {self.raw_dir} ({self.source}) "
                 f"into {self.store_dir}", *(f"  note: {n}" for n in self.notes)]
        for w in self.weeks:
            status = "up to date" if w.up_to_date else f"{w.seconds:.1f}s"
            skipped = ", ".join(f"{k}={v}" for k, v in w.skipped.items() if v) or "none"
            lines.append(f"  week {w.week}: {w.plays_kept}/{w.plays_read} plays kept, "
                         f"skipped: {skipped} [{status}]")
            fixes = [f"{n} {what}" for n, what in (
                (w.snap_moved_to_ball, "snaps moved back to the ball's first move"),
                (w.los_from_charting, "lines of scrimmage taken from the charting")) if n]
            if fixes:
                lines.append(f"           geometry: {', '.join(fixes)}")
            if w.duplicate_rows:
                lines.append(f"           tracking: {w.duplicate_rows} duplicate rows "
                             "(exact repeats) kept once")
        if self.plays_without_tracking:
            lines.append(f"  {self.plays_without_tracking} plays of plays.csv have no usable "
                         "tracking: indexed with their labels only (context models, teams)")
        if self.duplicates_across_weeks:
            lines.append(f"  {self.duplicates_across_weeks} plays found in two week files: "
                         "kept once, in the week games.csv gives")
        if self.duplicate_plays_csv:
            lines.append(f"  {self.duplicate_plays_csv} duplicate rows in plays.csv "
                         "(exact repeats): each play kept once")
        lines += [f"  {n} duplicate rows in {name} (exact repeats): each kept once"
                  for name, n in self.duplicate_rows.items() if n and not name.startswith("plays.")]
        lines += [f"  {n} labels respelled, {what}" for what, n in self.labels_respelled.items()]
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
    """What validation and geometry need of each play (first row of a duplicated play)."""
    return plays.select(
        pl.col("gameId").cast(pl.Int64),
        pl.col("playId").cast(pl.Int64),
        pl.col("possessionTeam").cast(pl.String),
        pl.col("defensiveTeam").cast(pl.String),
        pl.col("absoluteYardlineNumber").cast(pl.Float64),
        pl.col("yardsToGo").cast(pl.Float64),
    ).unique(PLAY_KEYS, keep="first")


def _stage_week(path: Path, stage: Path, game_ids: list[int] | None = None) -> None:
    """One streaming pass over the raw file into typed staging parquet.

    ``game_ids`` keeps one week's games of a file that holds several weeks (a BDB 2023
    folder may come with one tracking file; see ``RawFiles.tracking_games``).
    """
    lf = scan_tracking(path)
    if game_ids is not None:
        lf = lf.filter(pl.col("gameId").cast(pl.Int64, strict=False).is_in(game_ids))
    lf = lf.select([pl.col(c).cast(t) for c, t in STAGED_TRACKING_SCHEMA.items()])
    try:
        write_parquet(lf, stage)
    except pl.exceptions.PolarsError as exc:  # parse errors deep in a large CSV
        raise DataError(f"could not read tracking file: {exc}", file=str(path),
                        expected="the official tracking_week_N columns and types") from exc


def _rows(stage: Path) -> int:
    return pl.scan_parquet(stage).select(pl.len()).collect().item()


def _keep_repeats_once(stage: Path, rows: int) -> tuple[int, pl.DataFrame]:
    """Rewrite the staged week (``rows`` rows) with each exactly repeated row kept once:
    the rows dropped, and the frames that listed a player or the ball twice (for
    ``play_status``).

    Staged rather than raw: the check reads typed columns, and a week without repeats
    (the usual case) is neither rewritten nor re-read.
    """
    staged = pl.scan_parquet(stage)
    repeated = repeated_frames(staged)
    if repeated.height == 0:
        return 0, repeated
    write_parquet(without_exact_repeats(staged, repeated), stage)
    return rows - _rows(stage), repeated


def _count_table_fixes(raw: RawFiles, report: IngestReport) -> None:
    """What reading the label tables dropped (exact repeats) or respelled (label case)."""
    for table in ("plays", "games", "players", "player_play"):
        path = getattr(raw, table)
        if path is None:
            continue
        repeated, respelled = label_table_counts(path, table)
        report.duplicate_rows[path.name] = repeated
        for what, n in respelled.items():
            report.labels_respelled[f"{path.name} {what}"] = n
    report.duplicate_plays_csv = report.duplicate_rows.get(raw.plays.name, 0)


def _ingest_week(week: int, path: Path, teams: pl.LazyFrame, gen: Path,
                 game_ids: list[int] | None = None) -> WeekReport:
    """Stage, validate, normalise one week into generation ``gen``, with its play geometry."""
    t0 = time.perf_counter()
    rep = WeekReport(week=week, file=str(path))
    out = week_path(gen, TRACKING, week)
    out.parent.mkdir(parents=True, exist_ok=True)
    stage = gen / f".week_{week}.stage.parquet"
    try:
        _stage_week(path, stage, game_ids=game_ids)
        rep.rows_read = _rows(stage)
        rep.duplicate_rows, repeated = _keep_repeats_once(stage, rep.rows_read)
        staged = pl.scan_parquet(stage)
        status = play_status(staged, teams, repeated)
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
        direction = staged.group_by(PLAY_KEYS).agg(pl.col("playDirection").first())
        charted = teams.join(direction, on=PLAY_KEYS).with_columns(
            charted_los(pl.col("playDirection"), pl.col("absoluteYardlineNumber"))
            .alias("los_charted"))
        anchors = status.lazy().select(*PLAY_KEYS, pl.col("snap_frame").alias("_anchor"),
                                       "charted_snap_frame")
        geom = play_geometry(pl.scan_parquet(out), charted).join(
            anchors, on=PLAY_KEYS, how="left").collect()
        rep.los_from_charting = geom.filter(pl.col("los_source") == "charted").height
        rep.snap_moved_to_ball = geom.filter(
            pl.col("charted_snap_frame") != pl.col("_anchor")).height
        write_parquet(geom.drop("_anchor", "charted_snap_frame"), week_path(gen, GEOMETRY, week))
    finally:
        stage.unlink(missing_ok=True)
    rep.seconds = round(time.perf_counter() - t0, 3)
    return rep


def _week_files(gen: Path, week: int) -> list[Path]:
    return [week_path(gen, TRACKING, week), week_path(gen, GEOMETRY, week)]


def _check_weeks(ranked: pl.DataFrame, tracking: dict[int, Path]) -> None:
    """Refuse a play tracked only in week files other than the week games.csv gives it.

    Readers find a play's tracking through its week, so such a play would be indexed
    in one week and stored in another: a store that cannot show or predict it. A copy
    in another week's file beside one in its own week is a counted duplicate instead.
    """
    stray = (ranked.filter(pl.col("_games_week").is_not_null())
             .group_by(PLAY_KEYS)
             .agg((pl.col("_week") == pl.col("_games_week")).any().alias("_home"),
                  pl.col("_week").first(), pl.col("_games_week").first())
             .filter(~pl.col("_home")).sort(*PLAY_KEYS))
    if stray.height == 0:
        return
    first = stray.row(0, named=True)
    game, week, games_week = first["gameId"], first["_week"], first["_games_week"]
    path = tracking.get(week)
    where = path.name if path is not None else f"the tracking of week {week}"
    n_games = stray["gameId"].n_unique()
    raise DataError(
        f"{where} (week {week}) holds game {game}, which games.csv puts in week "
        f"{games_week}" + (f" ({n_games} such games)" if n_games > 1 else ""),
        file=str(path) if path is not None else None, column="gameId",
        expected=f"game {game} in the tracking file of week {games_week}, or games.csv "
                 f"giving it week {week}")


def _play_index(plays: pl.LazyFrame, games: pl.LazyFrame | None, gen: Path,
                weeks: list[int], source: str,
                tracking: dict[int, Path] | None = None) -> tuple[pl.DataFrame, int]:
    """Every play of plays.csv, tracked or not (``has_tracking``), with its geometry.

    A play found in two week files keeps the week games.csv gives it (else the first);
    the other copies are counted, not indexed twice. A play tracked only outside its
    games.csv week is a :class:`DataError` (:func:`_check_weeks`).
    """
    geom = pl.concat([pl.scan_parquet(week_path(gen, GEOMETRY, w)).with_columns(
        pl.lit(w, pl.Int32).alias("_week")) for w in weeks]) if weeks else None
    if games is not None:
        g = games.select(
            pl.col("gameId").cast(pl.Int64), pl.col("season").cast(pl.Int32),
            pl.col("week").cast(pl.Int32), pl.col("homeTeamAbbr").cast(pl.String),
            pl.col("visitorTeamAbbr").cast(pl.String),
        ).unique("gameId", keep="first")
        lf = plays.join(g, on="gameId", how="left")
    else:
        lf = plays.with_columns(
            (pl.col("gameId") // 1_000_000).cast(pl.Int32).alias("season"),
            pl.lit(None, pl.Int32).alias("week"),
            pl.lit(None, pl.String).alias("homeTeamAbbr"),
            pl.lit(None, pl.String).alias("visitorTeamAbbr"),
        )
    duplicates = 0
    if geom is not None:
        ranked = (geom.join(lf.select("gameId", "playId", pl.col("week").alias("_games_week")),
                            on=PLAY_KEYS, how="left")
                  .sort(pl.col("_week") != pl.col("_games_week").fill_null(-1), "_week")
                  .collect())
        _check_weeks(ranked, tracking or {})
        geom_df = ranked.unique(PLAY_KEYS, keep="first", maintain_order=True).drop("_games_week")
        duplicates = ranked.height - geom_df.height
        lf = lf.join(geom_df.lazy(), on=PLAY_KEYS, how="left")
    else:
        lf = lf.with_columns(pl.lit(None, pl.Int32).alias("_week"),
                             pl.lit(None, pl.Int32).alias("snap_frame"))
    lf = lf.with_columns(
        pl.coalesce(pl.col("week").cast(pl.Int32), pl.col("_week")).alias("week"),
        pl.lit(source).alias("source"),
        pl.col("snap_frame").is_not_null().alias("has_tracking"),
        pl.col("pff_manZone").cast(pl.String).str.strip_chars().replace("", None),
    )
    cols = [pl.col(c).cast(t) if c in lf.collect_schema() else pl.lit(None, t).alias(c)
            for c, t in PLAY_INDEX_SCHEMA.items()]
    extras = [c for c in lf.collect_schema()
              if c not in PLAY_INDEX_SCHEMA and c not in ("_week", "los_charted", "los_tracked")]
    index = (lf.select(*cols, *extras)
             .unique(PLAY_KEYS, keep="first", maintain_order=True)
             .sort("gameId", "playId").collect())
    return index, duplicates


def _check_paths(raw: RawFiles, store: Path) -> None:
    """Refuse a store that would shadow, hold or overwrite the user's raw files."""
    src, dst = raw.root.resolve(), store.resolve()
    if dst == src:
        raise DataError("the store folder must not be the raw data folder: its parquet files "
                        "would shadow the raw files", file=str(store),
                        expected="a separate output folder, e.g. --out data/store")
    if dst in src.parents:
        raise DataError("the raw data folder lies inside the store folder", file=str(store),
                        expected="a store folder that does not contain the raw files")
    if store.exists() and not store.is_dir():
        raise DataError("the store path is a file, not a folder", file=str(store),
                        expected="a folder (created if missing)")


def _old_meta(gen: Path | None) -> dict:
    if gen is None:
        return {}
    try:
        meta = json.loads((gen / META).read_text())
    except (OSError, json.JSONDecodeError):
        return {}
    return meta if meta.get("schema_version") == SCHEMA_VERSION else {}


def ingest(raw_dir: str | Path, store_dir: str | Path, *, weeks: list[int] | None = None,
           progress: bool = True, force: bool = False) -> IngestReport:
    """Convert a Big Data Bowl download (or a simulated season) into a store.

    The result is a new store generation switched in atomically (see
    :mod:`coverage.generations`); an up-to-date re-run switches nothing. With ``weeks``,
    the other weeks already in the store are kept as they are.
    """
    raw: RawFiles = find_raw_files(raw_dir)
    root = Path(store_dir)
    _check_paths(raw, root)
    wanted = {w: p for w, p in raw.tracking.items() if weeks is None or w in weeks}
    if not wanted:
        raise DataError(f"none of the requested weeks {weeks} exist in {raw.root}",
                        file=str(raw.root), expected=f"weeks {sorted(raw.tracking)}")
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DataError(f"cannot create the store folder: {exc.strerror}", file=str(root)) \
            from exc
    if not os.access(root, os.W_OK):
        raise DataError("the store folder is not writable", file=str(root))
    with generations.locked(root, log=print if progress else None):
        return _ingest_locked(raw, root, wanted, progress=progress, force=force)


def _ingest_locked(raw: RawFiles, root: Path, wanted: dict[int, Path], *, progress: bool,
                   force: bool) -> IngestReport:
    generations.clean(root)
    prev = generations.current(root)
    old = _old_meta(prev)
    stamps = {
        "plays": _stamp(raw.plays), "games": _stamp(raw.games),
        "players": _stamp(raw.players), "player_play": _stamp(raw.player_play),
        **{f"tracking_week_{w}": _stamp(p) for w, p in wanted.items()},
    }
    old_stamps = old.get("inputs", {})
    tables_same = not force and all(old_stamps.get(k) == stamps[k]
                                    for k in ("plays", "games", "players", "player_play"))
    old_weeks = {w["week"]: w for w in old.get("report", {}).get("weeks", [])}

    def fresh(week: int) -> bool:
        return (tables_same and old_stamps.get(f"tracking_week_{week}") ==
                stamps[f"tracking_week_{week}"] and week in old_weeks
                and all(p.exists() for p in _week_files(prev, week)))

    # weeks not asked for this time stay as they are
    carried = sorted(w for w in old_weeks if w not in wanted and prev is not None
                     and all(p.exists() for p in _week_files(prev, w)))
    all_weeks = sorted({*wanted, *carried})
    if prev is not None and old.get("weeks") == all_weeks and all(fresh(w) for w in wanted):
        report = IngestReport(**{k: v for k, v in old["report"].items()
                                 if k in IngestReport.__dataclass_fields__ and k != "weeks"})
        report.weeks = [WeekReport(**{**old_weeks[w], "up_to_date": True}) for w in all_weeks]
        report.notes = list(raw.notes)
        return report

    plays = scan_plays(raw.plays).with_columns(
        pl.col("gameId").cast(pl.Int64), pl.col("playId").cast(pl.Int64)
    )
    games = scan_games(raw.games) if raw.games is not None else None
    teams = _play_teams(plays)
    report = IngestReport(raw_dir=str(raw.root), store_dir=str(root), source=raw.source,
                          notes=list(raw.notes))
    _count_table_fixes(raw, report)
    gen = generations.begin(root)
    try:
        bar = tqdm(all_weeks, desc="ingest", unit="week", disable=not progress)
        for week in bar:
            if week in carried or fresh(week):
                for src in _week_files(prev, week):
                    generations.link_or_copy(src, gen / src.relative_to(prev))
                rep = WeekReport(**{**old_weeks[week], "up_to_date": True})
                if week in carried:
                    stamps[f"tracking_week_{week}"] = old_stamps.get(f"tracking_week_{week}")
            else:
                bar.set_postfix_str(wanted[week].name)
                rep = _ingest_week(week, wanted[week], teams, gen, raw.tracking_games.get(week))
            report.weeks.append(rep)
        _write_tables(raw, plays, games, gen, prev, report, all_weeks,
                      tracking_same=prev is not None and old.get("weeks") == all_weeks
                      and all(w.up_to_date for w in report.weeks))
        carry_outputs(prev, gen)  # model outputs of the weeks whose inputs are unchanged
        write_json(report.to_dict(), gen / INGEST_REPORT)
        write_json(
            {
                "schema_version": SCHEMA_VERSION,
                "source": raw.source,
                "source_meta": raw.source_meta,
                "weeks": all_weeks,
                "inputs": stamps,
                "raw_dir": str(Path(raw.root).resolve()),
                "coverage_version": __version__,
                "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                "pid": os.getpid(),
                "report": report.to_dict(),
            },
            gen / META,  # last: it marks the generation complete
        )
        generations.commit(root, gen)
    except BaseException:
        generations.abandon(gen)
        raise
    return report


def _write_tables(raw: RawFiles, plays: pl.LazyFrame, games: pl.LazyFrame | None, gen: Path,
                  prev: Path | None, report: IngestReport, weeks: list[int], *,
                  tracking_same: bool) -> None:
    index, report.duplicates_across_weeks = _play_index(plays, games, gen, weeks, raw.source,
                                                           raw.tracking)
    write_parquet(index, table_path(gen, "plays"))
    # detected here, so no reader (app filters, model features) pays for it; they depend on
    # the tracking only, so a run that changed only the label tables links them over
    if tracking_same and table_path(prev, "formations").exists():
        generations.link_or_copy(table_path(prev, "formations"), table_path(gen, "formations"))
    else:
        forms = play_formations([pl.scan_parquet(week_path(gen, TRACKING, w))
                                 for w in weeks])
        write_parquet(forms, table_path(gen, "formations"))
    report.plays_without_tracking = index.filter(~pl.col("has_tracking")).height
    if games is not None:
        write_parquet(games.collect(), table_path(gen, "games"))
    if raw.players is not None:
        write_parquet(scan_players(raw.players).collect(), table_path(gen, "players"))
    if raw.player_play is not None:
        write_parquet(scan_player_play(raw.player_play).collect(), table_path(gen, "player_play"))
    for name in ("truth_players", "truth_plays"):
        src = raw.root / f"{name}.csv"
        if src.exists():
            write_parquet(scan_table(src).collect(), table_path(gen, name))
