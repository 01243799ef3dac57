"""Write a synthetic season in the exact official BDB 2025 CSV schema.

The app's default data must look like a Kaggle download to every downstream
module (see :mod:`~coverage.simulate.tables` for the rows of one play); this
module runs the games, keeps the drives' down/distance/field position
realistic, and writes the files atomically so a half-written season is never
read.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import polars as pl

from coverage.atomic import write_bytes
from coverage.errors import DataError
from coverage.simulate.calls import PlayContext
from coverage.simulate.params import TEAMS
from coverage.simulate.play import simulate_play
from coverage.simulate.roster import Player, build_rosters
from coverage.simulate.tables import (
    GAMES_COLUMNS,
    PLAYER_PLAY_COLUMNS,
    PLAYERS_COLUMNS,
    PLAYS_COLUMNS,
    TRACKING_PARTS,
    TRUTH_PLAYERS_COLUMNS,
    TRUTH_PLAYS_COLUMNS,
    add_play_rows,
    play_gain,
    str_frame,
    week_tracking,
)
from coverage.vocab import SHORT_MAX_YARDS

_SEASON_START = dt.date(2022, 9, 11)
_KICKOFFS = ("13:00:00", "13:00:00", "16:05:00", "16:25:00", "20:20:00")


@dataclass(frozen=True)
class _PlayerIndex:
    """Every player once, so tracking rows carry an index and get strings per week."""

    pidx: dict[int, int]
    names: pl.Series
    jerseys: pl.Series
    ids: pl.Series


def _player_index(rosters: dict[str, dict[str, list[Player]]],
                  teams: tuple[str, ...]) -> _PlayerIndex:
    all_players: list[Player] = [p for club in teams for lst in rosters[club].values() for p in lst]
    return _PlayerIndex(
        {p.nflId: i for i, p in enumerate(all_players)},
        pl.Series("n", [p.name for p in all_players], dtype=pl.String),
        pl.Series("j", [f"{float(p.jersey):.1f}" for p in all_players], dtype=pl.String),
        pl.Series("i", [f"{float(p.nflId):.1f}" for p in all_players], dtype=pl.String))


@dataclass(frozen=True)
class _Timing:
    """Length of each phase of a play, in seconds (lo, hi)."""

    approach_secs: tuple[float, float]
    after_set_secs: tuple[float, float]
    post_snap_secs: tuple[float, float]


@dataclass
class _Drive:
    """Who has the ball and where, so down/distance/field position look real."""

    offense: str
    defense: str
    own: int = 25  # yards from the offense's own goal line
    down: int = 1
    togo: int = 10

    def advance(self, gain: int, score: dict[str, int], go_for_it: float = 0.0) -> None:
        """Apply a play's gain: first downs, touchdowns, field goals and punts.

        ``go_for_it`` (a uniform draw) decides 4th downs: short ones in plus territory
        and the odd desperate one are played, as rarely as real teams do.
        """
        own = self.own + gain
        down, togo = self.down, self.togo
        if own >= 100:
            score[self.offense] += 7
            self.offense, self.defense = self.defense, self.offense
            own, down, togo = 25, 1, 10
        elif gain >= togo:
            down, togo = 1, min(10, 100 - own)
        else:
            down, togo = down + 1, togo - gain
            if down == 5:  # a 4th down that was played and failed: turnover on downs
                self.offense, self.defense = self.defense, self.offense
                own, down, togo = 100 - own, 1, 10
            elif down == 4 and go_for_it < _p_go_for_it(togo, own):
                pass
            elif down == 4:
                if own >= 62:
                    score[self.offense] += 3
                    own = 25
                else:
                    own = max(100 - min(own + 40, 90), 5)
                self.offense, self.defense = self.defense, self.offense
                down, togo = 1, 10
        own = int(np.clip(own, 1, 99))
        togo = int(max(togo, 1))
        if down == 1:
            togo = min(togo, 100 - own)
        self.own, self.down, self.togo = own, down, togo


def _p_go_for_it(togo: int, own: int) -> float:
    """How often a 4th down is played rather than kicked (by distance and field position)."""
    if togo <= 1:
        return 0.55 if own >= 40 else 0.2
    if togo <= SHORT_MAX_YARDS:
        return 0.35 if own >= 45 else 0.08
    return 0.12 if own >= 55 else 0.03


@dataclass
class _Rows:
    """The season-wide tables, filled play by play."""

    games: list[dict[str, object]] = field(default_factory=list)
    plays: list[dict[str, object]] = field(default_factory=list)
    player_play: list[dict[str, object]] = field(default_factory=list)
    truth_players: list[dict[str, object]] = field(default_factory=list)
    truth_plays: list[dict[str, object]] = field(default_factory=list)


def _simulate_game(rng: np.random.Generator, home: str, away: str, gid: int, start_ms: int,
                   plays_per_game: int, timing: _Timing,
                   rosters: dict[str, dict[str, list[Player]]],
                   travel: dict[str, tuple[float, bool]],
                   week_rows: dict, pidx: dict[int, int]) -> tuple[dict[str, int], int]:
    """Play one game into ``week_rows``; returns the final score and the tracking row count."""
    score = {home: 0, away: 0}
    drive = _Drive(*((home, away) if rng.random() < 0.5 else (away, home)))
    pid = 50 + int(rng.integers(0, 20))
    n_rows = 0
    for k in range(plays_per_game):
        quarter = 1 + (4 * k) // plays_per_game
        q_frac = ((4 * k) % plays_per_game) / plays_per_game
        secs_left = int(900 * (1 - q_frac) - rng.integers(0, 20))
        clock = f"{max(secs_left, 1) // 60:02d}:{max(secs_left, 1) % 60:02d}"
        ctx = PlayContext(drive.down, drive.togo, 100 - drive.own, drive.offense, drive.defense,
                          quarter, secs_left,
                          score[drive.defense] - score[drive.offense])
        sp = simulate_play(rng, ctx, rosters[drive.offense], rosters[drive.defense],
                           approach_secs=timing.approach_secs,
                           after_set_secs=timing.after_set_secs,
                           post_snap_secs=timing.post_snap_secs,
                           team_travel=travel[drive.defense][0],
                           front34=travel[drive.defense][1])
        gain = play_gain(rng, sp)
        direction = "right" if rng.random() < 0.5 else "left"
        play_ms = start_ms + k * 40_000 + int(rng.integers(0, 15_000)) // 100 * 100
        add_play_rows(sp, gid, pid, ctx, week_rows, direction, rng, home, clock,
                      (score[home], score[away]), play_ms, pidx, gain)
        n_rows += sp.xy.shape[0] * 23
        pid += int(rng.integers(20, 30))
        drive.advance(gain, score, float(rng.random()))
    return score, n_rows


def _kickoff(day: dt.date, g: int) -> tuple[str, int]:
    """Eastern kickoff time of the day's ``g``-th game and its UTC epoch milliseconds."""
    kick = _KICKOFFS[g % len(_KICKOFFS)]
    kick_dt = dt.datetime.combine(day, dt.time.fromisoformat(kick)) + dt.timedelta(hours=4)
    return kick, int(kick_dt.replace(tzinfo=dt.UTC).timestamp() * 1000)


Secs = tuple[float, float]
PerWeekInt = int | Sequence[int]
PerWeekSecs = Secs | Sequence[Secs]


def per_week(value: object, weeks: int, name: str, *, ranges: bool = False) -> list:
    """``value`` for every week: one value (or one (lo, hi) range) for all, or one per week.

    Lets a real-size season vary its games per week (13-16 in 2022) and its pre-snap
    lengths week by week, while a plain number keeps the old, uniform meaning.
    """
    is_range = ranges and isinstance(value, tuple | list) and len(value) == 2 and all(
        isinstance(v, int | float) for v in value)
    if isinstance(value, int | float) or is_range:
        return [value] * weeks
    values = list(value)  # type: ignore[call-overload]
    if len(values) != weeks:
        raise DataError(f"{name} has {len(values)} values for {weeks} weeks", column=name,
                        expected=f"one value for all weeks or exactly {weeks}, one per week")
    return values


def _check_plan(games: list[int], plays: list[int], timings: list[_Timing]) -> None:
    """Refuse sizes and phase ranges that cannot make a play, before any file is written."""
    if not games:
        raise DataError("no weeks to simulate", column="weeks", expected="at least 1 week")
    for w, (g, n) in enumerate(zip(games, plays, strict=True), start=1):
        if not 1 <= g <= len(TEAMS) // 2:
            raise DataError(f"week {w}: {g} games", column="games_per_week",
                            expected=f"1 to {len(TEAMS) // 2} games per week")
        if n < 1:
            raise DataError(f"week {w}: {n} plays per game", column="plays_per_game",
                            expected="at least 1 play per game")
    for w, t in enumerate(timings, start=1):
        for name, (lo, hi) in (("approach_secs", t.approach_secs),
                               ("after_set_secs", t.after_set_secs),
                               ("post_snap_secs", t.post_snap_secs)):
            if not 0 < lo <= hi:
                raise DataError(f"week {w}: {name} ({lo}, {hi})", column=name,
                                expected="0 < lo <= hi seconds")


class _CsvStreams:
    """One temp file per output CSV, appended chunk by chunk, renamed into place at the end.

    Streaming each game's tracking (and each week's tables) straight to disk keeps the
    simulator's memory flat in the size of a week and of the season; rows are formatted
    one by one, so the concatenated chunks are byte-identical to one big write.
    """

    def __init__(self, out: Path) -> None:
        self.out = out
        self.tmp: dict[str, Path] = {}

    def append(self, name: str, df: pl.DataFrame, **kw: object) -> None:
        first = name not in self.tmp
        if first:
            fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=self.out)
            os.close(fd)
            self.tmp[name] = Path(tmp)
        with open(self.tmp[name], "ab") as fh:
            df.write_csv(fh, include_header=first, **kw)  # type: ignore[arg-type]

    def commit(self, name: str) -> int:
        """Move ``name`` into place (atomically); returns its size in bytes."""
        tmp = self.tmp.pop(name)
        os.chmod(tmp, 0o644)
        path = self.out / name
        os.replace(tmp, path)
        return path.stat().st_size

    def discard(self) -> None:
        for tmp in self.tmp.values():
            tmp.unlink(missing_ok=True)
        self.tmp.clear()


def _param(values: list) -> object:
    """A per-week parameter as recorded in ``_source.json``: one value when uniform."""
    uniform = all(v == values[0] for v in values)
    as_json = [list(v) if isinstance(v, tuple | list) else v for v in values]
    return as_json[0] if uniform else as_json


def simulate_season(
    out_dir: str | os.PathLike[str],
    *,
    seed: int = 0,
    weeks: int = 9,
    games_per_week: PerWeekInt = 4,
    plays_per_game: PerWeekInt = 40,
    post_snap_secs: PerWeekSecs = (2.0, 3.0),
    approach_secs: PerWeekSecs = (0.8, 2.0),
    after_set_secs: PerWeekSecs = (2.5, 10.0),
) -> dict[str, object]:
    """Generate a synthetic season and write it as official-schema CSVs plus ground truth.

    ``approach_secs`` is huddle break to line set and ``after_set_secs`` line
    set to snap; the defaults keep the embedded data small (a short approach)
    while line set to snap is as long as in real tracking.
    Sizes and phase ranges take one value for the season or one per week (a real
    season has 13-16 games a week). Each game's tracking is written as soon as it is
    played, so memory stays flat however large a week is. Same seed and arguments
    give byte-identical files.
    """
    t0 = time.perf_counter()
    out = Path(out_dir)
    games = [int(g) for g in per_week(games_per_week, weeks, "games_per_week")]
    plays = [int(n) for n in per_week(plays_per_game, weeks, "plays_per_game")]
    timings = [_Timing(tuple(a), tuple(b), tuple(c)) for a, b, c in zip(  # type: ignore[arg-type]
        per_week(approach_secs, weeks, "approach_secs", ranges=True),
        per_week(after_set_secs, weeks, "after_set_secs", ranges=True),
        per_week(post_snap_secs, weeks, "post_snap_secs", ranges=True), strict=True)]
    _check_plan(games, plays, timings)
    out.mkdir(parents=True, exist_ok=True)
    # separate streams, so e.g. more weeks do not change the rosters or earlier games
    roster_seed, sched_seed, game_seed = np.random.SeedSequence(seed).spawn(3)
    rng_r = np.random.default_rng(roster_seed)
    rosters, player_rows = build_rosters(rng_r, TEAMS)
    # per-team habit of zone defenders travelling with motion
    travel = {t: float(rng_r.uniform(0.0, 0.35)) for t in TEAMS}
    # per-team front: 3-4 teams rush with outside linebackers on the edges
    front34 = {t: bool(rng_r.random() < 0.55) for t in TEAMS}
    styles = {t: (travel[t], front34[t]) for t in TEAMS}
    index = _player_index(rosters, TEAMS)
    rng_s = np.random.default_rng(sched_seed)
    game_seqs = game_seed.spawn(sum(games))
    first_game = np.concatenate([[0], np.cumsum(games)]).tolist()
    streams = _CsvStreams(out)
    n_rows = n_games = n_plays = 0
    sizes: dict[str, int] = {}
    try:
        for week in range(1, weeks + 1):
            rows = _Rows()
            n = _simulate_week(rng_s, week, games[week - 1], plays[week - 1], timings[week - 1],
                               game_seqs[first_game[week - 1]:first_game[week]], rosters, styles,
                               index, rows, streams)
            n_rows += n
            n_games += len(rows.games)
            n_plays += len(rows.plays)
            name = f"tracking_week_{week}.csv"
            sizes[name] = streams.commit(name)
            _append_tables(streams, rows, player_rows if week == 1 else [])
        for name in _TABLES:
            sizes[name] = streams.commit(name)
    finally:
        streams.discard()
    run_params = {"weeks": weeks, "games_per_week": _param(games),
                  "plays_per_game": _param(plays),
                  "post_snap_secs": _param([t.post_snap_secs for t in timings]),
                  "approach_secs": _param([t.approach_secs for t in timings]),
                  "after_set_secs": _param([t.after_set_secs for t in timings])}
    source = {"source": "synthetic", "generator": "coverage.simulate", "seed": seed,
              "params": run_params}
    write_bytes((json.dumps(source, indent=2, sort_keys=True) + "\n").encode(),
                out / "_source.json")
    return {"out_dir": str(out), "seed": seed, "games": n_games, "plays": n_plays,
            "tracking_rows": n_rows, "bytes": sizes,
            "seconds": round(time.perf_counter() - t0, 3)}


def _simulate_week(rng_s: np.random.Generator, week: int, n_games: int, plays_per_game: int,
                   timing: _Timing, seqs: list[np.random.SeedSequence],
                   rosters: dict[str, dict[str, list[Player]]],
                   travel: dict[str, tuple[float, bool]],
                   index: _PlayerIndex, rows: _Rows, streams: _CsvStreams) -> int:
    """Play one week's games, streaming each game's tracking out; returns its row count."""
    order = rng_s.permutation(len(TEAMS))
    day = _SEASON_START + dt.timedelta(days=7 * (week - 1))
    n_rows = 0
    for g in range(n_games):
        rng = np.random.default_rng(seqs[g])
        home, away = TEAMS[order[2 * g]], TEAMS[order[2 * g + 1]]
        gid = int(day.strftime("%Y%m%d")) * 100 + g
        kick, start_ms = _kickoff(day, g)
        wrows: dict = {"tracking": {k: [] for k in TRACKING_PARTS}, "plays": rows.plays,
                       "player_play": rows.player_play, "truth_players": rows.truth_players,
                       "truth_plays": rows.truth_plays}
        score, n = _simulate_game(rng, home, away, gid, start_ms, plays_per_game, timing,
                                  rosters, travel, wrows, index.pidx)
        n_rows += n
        streams.append(f"tracking_week_{week}.csv",
                       week_tracking(wrows["tracking"], index.names, index.jerseys, index.ids),
                       float_precision=2)
        rows.games.append({
            "gameId": gid, "season": 2022, "week": week,
            "gameDate": f"{day.month}/{day.day}/{day.year}", "gameTimeEastern": kick,
            "homeTeamAbbr": home, "visitorTeamAbbr": away,
            "homeFinalScore": score[home], "visitorFinalScore": score[away]})
    return n_rows


_TABLES = ("games.csv", "plays.csv", "players.csv", "player_play.csv", "truth_players.csv",
           "truth_plays.csv")


def _append_tables(streams: _CsvStreams, rows: _Rows,
                   player_rows: list[dict[str, object]]) -> None:
    """Append one week's rows of the season-wide tables (players: once, in week 1)."""
    tables = {
        "games.csv": str_frame(rows.games, GAMES_COLUMNS),
        "plays.csv": str_frame(rows.plays, PLAYS_COLUMNS),
        "players.csv": str_frame(player_rows, PLAYERS_COLUMNS),
        "player_play.csv": str_frame(rows.player_play, PLAYER_PLAY_COLUMNS),
        "truth_players.csv": str_frame(rows.truth_players, TRUTH_PLAYERS_COLUMNS),
        "truth_plays.csv": str_frame(rows.truth_plays, TRUTH_PLAYS_COLUMNS),
    }
    for name, df in tables.items():
        streams.append(name, df)
