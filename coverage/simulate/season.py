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
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import polars as pl

from coverage.simulate.calls import PlayContext
from coverage.simulate.params import TEAMS
from coverage.simulate.play import simulate_play
from coverage.simulate.roster import Player, build_rosters
from coverage.simulate.tables import (
    GAMES_COLUMNS,
    PLAYER_PLAY_COLUMNS,
    PLAYERS_COLUMNS,
    PLAYS_COLUMNS,
    TRACKING_COLUMNS,
    TRACKING_PARTS,
    TRUTH_PLAYERS_COLUMNS,
    TRUTH_PLAYS_COLUMNS,
    add_play_rows,
    play_gain,
    str_frame,
    week_tracking,
)

__all__ = ["GAMES_COLUMNS", "PLAYERS_COLUMNS", "PLAYER_PLAY_COLUMNS", "PLAYS_COLUMNS",
           "TRACKING_COLUMNS", "TRUTH_PLAYERS_COLUMNS", "TRUTH_PLAYS_COLUMNS", "simulate_season"]

_SEASON_START = dt.date(2022, 9, 11)
_KICKOFFS = ("13:00:00", "13:00:00", "16:05:00", "16:25:00", "20:20:00")


def _atomic_write_csv(df: pl.DataFrame, path: Path, **kw: object) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        df.write_csv(tmp, **kw)  # type: ignore[arg-type]
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _atomic_write_text(text: str, path: Path) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    with os.fdopen(fd, "w") as fh:
        fh.write(text)
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)


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

    def advance(self, gain: int, score: dict[str, int]) -> None:
        """Apply a play's gain: first downs, touchdowns, field goals and punts."""
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
            if down == 4:
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
                   rosters: dict[str, dict[str, list[Player]]], travel: dict[str, float],
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
                          quarter)
        sp = simulate_play(rng, ctx, rosters[drive.offense], rosters[drive.defense],
                           approach_secs=timing.approach_secs,
                           after_set_secs=timing.after_set_secs,
                           post_snap_secs=timing.post_snap_secs,
                           team_travel=travel[drive.defense])
        gain = play_gain(rng, sp)
        direction = "right" if rng.random() < 0.5 else "left"
        play_ms = start_ms + k * 40_000 + int(rng.integers(0, 15_000)) // 100 * 100
        add_play_rows(sp, gid, pid, ctx, week_rows, direction, rng, home, clock,
                      (score[home], score[away]), play_ms, pidx, gain)
        n_rows += sp.xy.shape[0] * 23
        pid += int(rng.integers(20, 30))
        drive.advance(gain, score)
    return score, n_rows


def _kickoff(day: dt.date, g: int) -> tuple[str, int]:
    """Eastern kickoff time of the day's ``g``-th game and its UTC epoch milliseconds."""
    kick = _KICKOFFS[g % len(_KICKOFFS)]
    kick_dt = dt.datetime.combine(day, dt.time.fromisoformat(kick)) + dt.timedelta(hours=4)
    return kick, int(kick_dt.replace(tzinfo=dt.UTC).timestamp() * 1000)


def simulate_season(
    out_dir: str | os.PathLike[str],
    *,
    seed: int = 0,
    weeks: int = 9,
    games_per_week: int = 4,
    plays_per_game: int = 40,
    post_snap_secs: tuple[float, float] = (2.0, 3.5),
    approach_secs: tuple[float, float] = (1.0, 2.5),
    after_set_secs: tuple[float, float] = (1.5, 6.0),
) -> dict[str, object]:
    """Generate a synthetic season and write it as official-schema CSVs plus ground truth.

    ``approach_secs`` is huddle break to line set and ``after_set_secs`` line
    set to snap; the defaults keep the embedded data small, real tracking
    looks more like ``approach_secs=(3, 7), after_set_secs=(2, 15)``.
    Same seed and arguments give byte-identical files.
    """
    t0 = time.perf_counter()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    games_per_week = int(min(games_per_week, 16))
    # separate streams, so e.g. more weeks do not change the rosters or earlier games
    roster_seed, sched_seed, game_seed = np.random.SeedSequence(seed).spawn(3)
    rng_r = np.random.default_rng(roster_seed)
    rosters, player_rows = build_rosters(rng_r, TEAMS)
    # per-team habit of zone defenders travelling with motion
    travel = {t: float(rng_r.uniform(0.0, 0.35)) for t in TEAMS}
    index = _player_index(rosters, TEAMS)
    timing = _Timing(approach_secs, after_set_secs, post_snap_secs)
    rng_s = np.random.default_rng(sched_seed)
    rows = _Rows()
    n_rows = 0
    game_seqs = game_seed.spawn(weeks * games_per_week)
    sizes: dict[str, int] = {}
    for week in range(1, weeks + 1):
        order = rng_s.permutation(len(TEAMS))
        day = _SEASON_START + dt.timedelta(days=7 * (week - 1))
        wrows: dict = {"tracking": {k: [] for k in TRACKING_PARTS}, "plays": rows.plays,
                       "player_play": rows.player_play, "truth_players": rows.truth_players,
                       "truth_plays": rows.truth_plays}
        for g in range(games_per_week):
            rng = np.random.default_rng(game_seqs[(week - 1) * games_per_week + g])
            home, away = TEAMS[order[2 * g]], TEAMS[order[2 * g + 1]]
            gid = int(day.strftime("%Y%m%d")) * 100 + g
            kick, start_ms = _kickoff(day, g)
            score, n = _simulate_game(rng, home, away, gid, start_ms, plays_per_game, timing,
                                      rosters, travel, wrows, index.pidx)
            n_rows += n
            rows.games.append({
                "gameId": gid, "season": 2022, "week": week,
                "gameDate": f"{day.month}/{day.day}/{day.year}", "gameTimeEastern": kick,
                "homeTeamAbbr": home, "visitorTeamAbbr": away,
                "homeFinalScore": score[home], "visitorFinalScore": score[away]})
        trk = week_tracking(wrows["tracking"], index.names, index.jerseys, index.ids)
        path = out / f"tracking_week_{week}.csv"
        _atomic_write_csv(trk, path, float_precision=2)
        sizes[path.name] = path.stat().st_size
    sizes.update(_write_tables(out, rows, player_rows))
    run_params = {"weeks": weeks, "games_per_week": games_per_week,
                  "plays_per_game": plays_per_game, "post_snap_secs": list(post_snap_secs),
                  "approach_secs": list(approach_secs), "after_set_secs": list(after_set_secs)}
    source = {"source": "synthetic", "generator": "coverage.simulate", "seed": seed,
              "params": run_params}
    _atomic_write_text(json.dumps(source, indent=2, sort_keys=True) + "\n", out / "_source.json")
    return {"out_dir": str(out), "seed": seed, "games": len(rows.games), "plays": len(rows.plays),
            "tracking_rows": n_rows, "bytes": sizes,
            "seconds": round(time.perf_counter() - t0, 3)}


def _write_tables(out: Path, rows: _Rows,
                  player_rows: list[dict[str, object]]) -> dict[str, int]:
    """Write the non-tracking tables; returns their sizes in bytes."""
    tables = {
        "games.csv": str_frame(rows.games, GAMES_COLUMNS),
        "plays.csv": str_frame(rows.plays, PLAYS_COLUMNS),
        "players.csv": str_frame(player_rows, PLAYERS_COLUMNS),
        "player_play.csv": str_frame(rows.player_play, PLAYER_PLAY_COLUMNS),
        "truth_players.csv": str_frame(rows.truth_players, TRUTH_PLAYERS_COLUMNS),
        "truth_plays.csv": str_frame(rows.truth_plays, TRUTH_PLAYS_COLUMNS),
    }
    sizes = {}
    for name, df in tables.items():
        _atomic_write_csv(df, out / name)
        sizes[name] = (out / name).stat().st_size
    return sizes
