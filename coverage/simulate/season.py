"""Write a synthetic season in the exact official BDB 2025 CSV schema.

The app's default data must look like a Kaggle download to every downstream
module, so the column names, their order, the value vocabularies and even the
number formatting follow the real files; the extra ground truth the official
schema has no place for goes to ``truth_players.csv`` / ``truth_plays.csv``.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import tempfile
import time
from pathlib import Path

import numpy as np
import polars as pl

from coverage.simulate import params
from coverage.simulate.play import DT, PlayContext, SimPlay, simulate_play
from coverage.simulate.roster import Player, build_rosters

GAMES_COLUMNS = ["gameId", "season", "week", "gameDate", "gameTimeEastern", "homeTeamAbbr",
                 "visitorTeamAbbr", "homeFinalScore", "visitorFinalScore"]
PLAYERS_COLUMNS = ["nflId", "height", "weight", "birthDate", "collegeName", "position",
                   "displayName"]
PLAYS_COLUMNS = [
    "gameId", "playId", "playDescription", "quarter", "down", "yardsToGo", "possessionTeam",
    "defensiveTeam", "yardlineSide", "yardlineNumber", "gameClock", "preSnapHomeScore",
    "preSnapVisitorScore", "playNullifiedByPenalty", "absoluteYardlineNumber",
    "preSnapHomeTeamWinProbability", "preSnapVisitorTeamWinProbability", "expectedPoints",
    "offenseFormation", "receiverAlignment", "playClockAtSnap", "passResult", "passLength",
    "targetX", "targetY", "playAction", "dropbackType", "dropbackDistance", "passLocationType",
    "timeToThrow", "timeInTackleBox", "timeToSack", "passTippedAtLine", "unblockedPressure",
    "qbSpike", "qbKneel", "qbSneak", "rushLocationType", "penaltyYards", "prePenaltyYardsGained",
    "yardsGained", "homeTeamWinProbabilityAdded", "visitorTeamWinProbilityAdded",
    "expectedPointsAdded", "isDropback", "pff_runConceptPrimary", "pff_runConceptSecondary",
    "pff_runPassOption", "pff_passCoverage", "pff_manZone"]
PLAYER_PLAY_COLUMNS = [
    "gameId", "playId", "nflId", "teamAbbr", "hadRushAttempt", "rushingYards", "hadDropback",
    "passingYards", "sackYardsAsOffense", "hadPassReception", "receivingYards",
    "wasTargettedReceiver", "yardageGainedAfterTheCatch", "fumbles", "fumbleLost",
    "fumbleOutOfBounds", "assistedTackle", "forcedFumbleAsDefense", "halfSackYardsAsDefense",
    "passDefensed", "quarterbackHit", "sackYardsAsDefense", "safetyAsDefense", "soloTackle",
    "tackleAssist", "tackleForALoss", "tackleForALossYardage", "hadInterception",
    "interceptionYards", "fumbleRecoveries", "fumbleRecoveryYards", "penaltyYards",
    "penaltyNames", "wasInitialPassRusher", "causedPressure", "timeToPressureAsPassRusher",
    "getOffTimeAsPassRusher", "inMotionAtBallSnap", "shiftSinceLineset", "motionSinceLineset",
    "wasRunningRoute", "routeRan", "blockedPlayerNFLId1", "blockedPlayerNFLId2",
    "blockedPlayerNFLId3", "pressureAllowedAsBlocker", "timeToPressureAllowedAsBlocker",
    "pff_defensiveCoverageAssignment", "pff_primaryDefensiveCoverageMatchupNflId",
    "pff_secondaryDefensiveCoverageMatchupNflId"]
TRACKING_COLUMNS = ["gameId", "playId", "nflId", "displayName", "frameId", "frameType", "time",
                    "jerseyNumber", "club", "playDirection", "x", "y", "s", "a", "dis", "o", "dir",
                    "event"]
TRUTH_PLAYERS_COLUMNS = ["gameId", "playId", "nflId", "side", "slot", "assignment",
                         "man_target_nflId"]
TRUTH_PLAYS_COLUMNS = ["gameId", "playId", "offenseFormation", "receiverAlignment",
                       "pff_passCoverage", "pff_manZone", "shell_shown", "shell_played",
                       "disguise", "motion", "motion_type", "motion_nflId", "shift", "isDropback"]

_SEASON_START = dt.date(2022, 9, 11)
_KICKOFFS = ("13:00:00", "13:00:00", "16:05:00", "16:25:00", "20:20:00")
_RUN_CONCEPTS = ("OUTSIDE ZONE", "INSIDE ZONE", "MAN", "POWER", "UNDEFINED", "PULL LEAD",
                 "COUNTER", "DRAW", "TRAP")
_ZERO_STATS = PLAYER_PLAY_COLUMNS[4:32]


def _b(v: bool | None) -> str | None:
    return None if v is None else ("True" if v else "False")


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


def _str_frame(rows: list[dict[str, object]], columns: list[str]) -> pl.DataFrame:
    """All-string frame so the CSV formatting is exactly what we chose, not polars' guess."""
    data = {c: [None if r.get(c) is None else str(r[c]) for r in rows] for c in columns}
    return pl.DataFrame(data, schema={c: pl.String for c in columns})


def _kinematics(xy: np.ndarray, noise: np.random.Generator) -> tuple[np.ndarray, ...]:
    """s, a, dis, dir derived from the positions, like the NGS pipeline does."""
    vel = np.gradient(xy, DT, axis=0)
    s = np.sqrt((vel ** 2).sum(-1))
    acc = np.gradient(vel, DT, axis=0)
    a = np.sqrt((acc ** 2).sum(-1))
    step = np.zeros(xy.shape[:-1])
    step[1:] = np.sqrt((np.diff(xy, axis=0) ** 2).sum(-1))
    step[0] = s[0] * DT
    direction = np.degrees(np.arctan2(vel[..., 0], vel[..., 1])) % 360.0
    s = np.abs(s + noise.normal(0, 0.02, s.shape))
    a = np.abs(a + noise.normal(0, 0.05, a.shape))
    return s, a, step, direction


def _yardline(to_goal: int, off: str, de: str) -> tuple[str | None, int]:
    own = 100 - to_goal
    if own == 50:
        return None, 50
    return (off, own) if own < 50 else (de, to_goal)


def _play_tables(sp: SimPlay, gid: int, pid: int, ctx: PlayContext, week_rows: dict,
                 direction: str, rng: np.random.Generator, home: str, clock: str,
                 scores: tuple[int, int], start_ms: int, pidx: dict[int, int],
                 gain: int) -> None:
    info = sp.info
    F = sp.xy.shape[0]
    left = direction == "left"
    xy = np.concatenate([sp.xy, sp.ball[:, None, :]], axis=1)
    o = sp.o
    if left:
        xy = np.stack([120.0 - xy[..., 0], 53.3 - xy[..., 1]], axis=-1)
        o = (o + 180.0) % 360.0
    s, a, dis, dirn = _kinematics(xy, rng)
    # the ball has no orientation/direction in NGS data
    o_all = np.concatenate([o, np.full((F, 1), np.nan)], axis=1)
    dir_all = dirn.copy()
    dir_all[:, -1] = np.nan
    n = 23
    fr = np.repeat(np.arange(1, F + 1), n)
    ids = np.array([pidx[p.nflId] for p in sp.players] + [-1])
    ev = np.array([e if e is not None else "" for e in sp.events], dtype=object)
    ftype = np.where(np.arange(F) < sp.snap_idx, "BEFORE_SNAP",
                     np.where(np.arange(F) == sp.snap_idx, "SNAP", "AFTER_SNAP"))
    club = np.array([p.club for p in sp.players] + ["football"], dtype=object)
    w = week_rows["tracking"]
    w["gameId"].append(np.full(F * n, gid, dtype=np.int64))
    w["playId"].append(np.full(F * n, pid, dtype=np.int64))
    w["pidx"].append(np.tile(ids, F))
    w["frameId"].append(fr)
    w["frameType"].append(np.repeat(ftype, n))
    w["ms"].append(start_ms + (fr - 1) * 100)
    w["club"].append(np.tile(club, F))
    w["playDirection"].append(np.full(F * n, direction, dtype=object))
    w["x"].append(xy[..., 0].ravel())
    w["y"].append(xy[..., 1].ravel())
    w["s"].append(s.ravel())
    w["a"].append(a.ravel())
    w["dis"].append(dis.ravel())
    w["o"].append(o_all.ravel())
    w["dir"].append(dir_all.ravel())
    w["event"].append(np.repeat(ev, n))

    # ---- plays.csv row
    cov = info["coverage"]
    dropback = bool(info["dropback"])
    pr = info["pass_result"] if dropback else None
    side, number = _yardline(ctx.to_goal, ctx.offense, ctx.defense)
    los_raw = 120.0 - sp.los_x if left else sp.los_x
    home_off = ctx.offense == home
    diff = (scores[0] - scores[1]) + (0 if home_off else 0)
    wp_home = float(1 / (1 + np.exp(-(diff / 7.0 + rng.normal(0, 0.3)))))
    ep = float(-1.5 + 0.075 * (100 - ctx.to_goal) - 0.25 * (ctx.down - 1) + rng.normal(0, 0.3))
    epa = float(rng.normal(0.0, 1.3))
    wpa = float(rng.normal(0, 0.02))
    target = info["target_rec"]
    tx = ty = plen = None
    if pr in ("C", "I", "IN") and target is not None:
        t_idx = min(sp.snap_idx + int(round((info["t_throw"] or 2.5) / DT)) + 8, F - 1)
        tgt = xy[t_idx, target]
        tx, ty = round(float(tgt[0]), 2), round(float(tgt[1]), 2)
        plen = float(round(abs(tgt[0] - los_raw)))
    qbn = sp.players[5]
    recv = sp.players[target] if target is not None else None
    form = info["formation"]
    prefix = f"({clock}) " + ("(Shotgun) " if form in ("SHOTGUN", "EMPTY") else "")
    qname = qbn.name.split(" ")[0][0] + "." + qbn.name.split(" ")[-1]
    if dropback:
        if pr == "C" and recv is not None:
            desc = f"{qname} pass short to {recv.name} for {gain} yards."
        elif pr == "S":
            desc = f"{qname} sacked for {gain} yards."
        elif pr == "R":
            desc = f"{qname} scrambles for {gain} yards."
        elif pr == "IN":
            desc = f"{qname} pass INTERCEPTED."
        else:
            desc = f"{qname} pass incomplete."
    else:
        desc = f"Run for {gain} yards."
    t_throw = info["t_throw"]
    row = {
        "gameId": gid, "playId": pid, "playDescription": prefix + desc, "quarter": ctx.quarter,
        "down": ctx.down, "yardsToGo": ctx.togo, "possessionTeam": ctx.offense,
        "defensiveTeam": ctx.defense, "yardlineSide": side, "yardlineNumber": number,
        "gameClock": clock, "preSnapHomeScore": scores[0], "preSnapVisitorScore": scores[1],
        "playNullifiedByPenalty": "N", "absoluteYardlineNumber": int(round(los_raw)),
        "preSnapHomeTeamWinProbability": round(wp_home, 6),
        "preSnapVisitorTeamWinProbability": round(1 - wp_home, 6),
        "expectedPoints": round(ep, 6), "offenseFormation": form,
        "receiverAlignment": info["alignment"],
        "playClockAtSnap": float(rng.integers(1, 16)), "passResult": pr,
        "passLength": plen, "targetX": tx, "targetY": ty,
        "playAction": _b(dropback and bool(rng.random() < 0.28)),
        "dropbackType": ("TRADITIONAL" if pr != "R" else "SCRAMBLE") if dropback else None,
        "dropbackDistance": round(float(rng.uniform(1.0, 7.5)), 2) if dropback else None,
        "passLocationType": "INSIDE_BOX" if pr in ("C", "I", "IN") else None,
        "timeToThrow": round(t_throw, 3) if pr in ("C", "I", "IN") and t_throw else None,
        "timeInTackleBox": round(t_throw, 3) if dropback and t_throw else None,
        "timeToSack": round(t_throw, 3) if pr == "S" and t_throw else None,
        "passTippedAtLine": _b(False) if dropback else None,
        "unblockedPressure": _b(bool(rng.random() < 0.05)) if dropback else None,
        "qbSpike": _b(False) if dropback else None, "qbKneel": 0,
        "qbSneak": None if dropback else _b(False),
        "rushLocationType": None if dropback else str(rng.choice(
            ["INSIDE_RIGHT", "INSIDE_LEFT", "OUTSIDE_RIGHT", "OUTSIDE_LEFT"])),
        "penaltyYards": None, "prePenaltyYardsGained": gain, "yardsGained": gain,
        "homeTeamWinProbabilityAdded": round(wpa, 6),
        "visitorTeamWinProbilityAdded": round(-wpa, 6), "expectedPointsAdded": round(epa, 6),
        "isDropback": _b(dropback),
        "pff_runConceptPrimary": None if dropback else str(rng.choice(_RUN_CONCEPTS)),
        "pff_runConceptSecondary": None, "pff_runPassOption": int(rng.random() < 0.1),
        "pff_passCoverage": cov, "pff_manZone": info["man_zone"],
    }
    week_rows["plays"].append(row)
    week_rows["truth_plays"].append({
        "gameId": gid, "playId": pid, "offenseFormation": form,
        "receiverAlignment": info["alignment"], "pff_passCoverage": cov,
        "pff_manZone": info["man_zone"], "shell_shown": info["shell_shown"],
        "shell_played": info["shell_played"], "disguise": _b(info["disguise"]),
        "motion": _b(info["motion"]), "motion_type": info["motion_type"],
        "motion_nflId": info["motion_nflId"], "shift": _b(info["shift"]),
        "isDropback": _b(dropback)})

    # ---- player_play.csv and truth_players.csv rows
    pp = sp.per_player
    for k, p in enumerate(sp.players):
        offense = k < 11
        r: dict[str, object] = {"gameId": gid, "playId": pid, "nflId": p.nflId,
                                "teamAbbr": p.club}
        for c in _ZERO_STATS:
            r[c] = 0
        if offense and k == 5 and dropback:
            r["hadDropback"] = 1
            r["passingYards"] = gain if pr == "C" else 0
            r["sackYardsAsOffense"] = gain if pr == "S" else 0
        if target is not None and k == target:
            r["wasTargettedReceiver"] = 1
            if pr == "C":
                r["hadPassReception"] = 1
                r["receivingYards"] = gain
        if not dropback and offense and pp["kind"][k] == "RB" and k == next(
                (j for j in range(11) if pp["kind"][j] == "RB"), -1):
            r["hadRushAttempt"] = 1
            r["rushingYards"] = gain
        if not offense and dropback:
            rush = pp["rusher"][k]
            r["wasInitialPassRusher"] = f"{float(rush):.1f}"
            if rush:
                r["getOffTimeAsPassRusher"] = round(float(rng.uniform(0.6, 1.1)), 3)
        r["causedPressure"] = _b(False) if not offense and dropback else None
        if offense and pp["kind"][k] != "OL":
            r["inMotionAtBallSnap"] = _b(bool(pp["in_motion_at_snap"][k]))
            if k != 5:
                r["motionSinceLineset"] = _b(bool(pp["motion_since_set"][k]))
        if offense:
            r["shiftSinceLineset"] = _b(bool(pp["shift_since_set"][k]))
        if offense and dropback and pp["route"][k] is not None:
            r["wasRunningRoute"] = "1.0"
            r["routeRan"] = pp["route"][k]
        if offense and pp["kind"][k] == "OL" and dropback:
            r["pressureAllowedAsBlocker"] = 0
        asg = sp.assignment[k]
        if dropback and asg is not None:
            r["pff_defensiveCoverageAssignment"] = asg
            if sp.man_target[k] is not None:
                r["pff_primaryDefensiveCoverageMatchupNflId"] = f"{float(sp.man_target[k]):.1f}"
        week_rows["player_play"].append(r)
        week_rows["truth_players"].append({
            "gameId": gid, "playId": pid, "nflId": p.nflId,
            "side": "offense" if offense else "defense", "slot": sp.slots[k],
            "assignment": asg, "man_target_nflId": sp.man_target[k]})


def _gain(rng: np.random.Generator, sp: SimPlay) -> int:
    pr = sp.info["pass_result"] if sp.info["dropback"] else None
    if pr == "C":
        return int(np.clip(rng.gamma(1.6, 6.0), -2, 80))
    if pr in ("I", "IN"):
        return 0
    if pr == "S":
        return -int(rng.integers(3, 11))
    if pr == "R":
        return int(rng.integers(0, 15))
    return int(np.clip(np.round(rng.normal(4.3, 5.0)), -4, 70))


def _week_tracking(w: dict[str, list[np.ndarray]], names: pl.Series, jerseys: pl.Series,
                   ids: pl.Series) -> pl.DataFrame:
    pidx = np.concatenate(w["pidx"])
    ball = pidx < 0
    gather = pl.Series("i", np.where(ball, 0, pidx), dtype=pl.Int64)
    ms = np.concatenate(w["ms"])
    df = pl.DataFrame({
        "gameId": np.concatenate(w["gameId"]),
        "playId": np.concatenate(w["playId"]),
        "nflId": ids.gather(gather),
        "displayName": names.gather(gather),
        "frameId": np.concatenate(w["frameId"]),
        "frameType": np.concatenate(w["frameType"]).astype(str),
        "ms": ms,
        "jerseyNumber": jerseys.gather(gather),
        "club": np.concatenate(w["club"]).astype(str),
        "playDirection": np.concatenate(w["playDirection"]).astype(str),
        "x": np.round(np.concatenate(w["x"]), 2),
        "y": np.round(np.concatenate(w["y"]), 2),
        "s": np.round(np.concatenate(w["s"]), 2),
        "a": np.round(np.concatenate(w["a"]), 2),
        "dis": np.round(np.concatenate(w["dis"]), 2),
        "o": np.round(np.concatenate(w["o"]), 2),
        "dir": np.round(np.concatenate(w["dir"]), 2),
        "event": np.concatenate(w["event"]).astype(str),
        "ball": ball,
    })
    ts = pl.from_epoch(pl.col("ms"), time_unit="ms")
    dsec = (pl.col("ms") // 100) % 10
    return df.with_columns(
        pl.when(pl.col("ball")).then(None).otherwise(pl.col("nflId")).alias("nflId"),
        pl.when(pl.col("ball")).then(pl.lit("football")).otherwise(pl.col("displayName"))
        .alias("displayName"),
        pl.when(pl.col("ball")).then(None).otherwise(pl.col("jerseyNumber")).alias("jerseyNumber"),
        pl.when(dsec == 0).then(ts.dt.strftime("%Y-%m-%d %H:%M:%S"))
        .otherwise(ts.dt.strftime("%Y-%m-%d %H:%M:%S") + "." + dsec.cast(pl.String))
        .alias("time"),
        pl.when(pl.col("event") == "").then(None).otherwise(pl.col("event")).alias("event"),
        pl.col("o").fill_nan(None),
        pl.col("dir").fill_nan(None),
    ).select(TRACKING_COLUMNS)


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
    root = np.random.SeedSequence(seed)
    roster_seed, sched_seed, game_seed = root.spawn(3)
    rng_r = np.random.default_rng(roster_seed)
    teams = params.TEAMS
    rosters, player_rows = build_rosters(rng_r, teams)
    # per-team habit of zone defenders travelling with motion
    travel = {t: float(rng_r.uniform(0.0, 0.35)) for t in teams}
    all_players: list[Player] = [p for club in teams for lst in rosters[club].values() for p in lst]
    pidx = {p.nflId: i for i, p in enumerate(all_players)}
    names = pl.Series("n", [p.name for p in all_players], dtype=pl.String)
    jerseys = pl.Series("j", [f"{float(p.jersey):.1f}" for p in all_players], dtype=pl.String)
    ids_s = pl.Series("i", [f"{float(p.nflId):.1f}" for p in all_players], dtype=pl.String)

    rng_s = np.random.default_rng(sched_seed)
    game_rows: list[dict[str, object]] = []
    all_plays: list[dict[str, object]] = []
    all_pp: list[dict[str, object]] = []
    truth_pl: list[dict[str, object]] = []
    truth_py: list[dict[str, object]] = []
    n_rows = 0
    game_seqs = game_seed.spawn(weeks * games_per_week)
    sizes: dict[str, int] = {}
    for week in range(1, weeks + 1):
        order = rng_s.permutation(len(teams))
        day = _SEASON_START + dt.timedelta(days=7 * (week - 1))
        wrows: dict = {"tracking": {k: [] for k in ("gameId", "playId", "pidx", "frameId",
                                                    "frameType", "ms", "club", "playDirection",
                                                    "x", "y", "s", "a", "dis", "o", "dir",
                                                    "event")},
                       "plays": all_plays, "player_play": all_pp, "truth_players": truth_pl,
                       "truth_plays": truth_py}
        for g in range(games_per_week):
            rng = np.random.default_rng(game_seqs[(week - 1) * games_per_week + g])
            home, away = teams[order[2 * g]], teams[order[2 * g + 1]]
            gid = int(day.strftime("%Y%m%d")) * 100 + g
            kick = _KICKOFFS[g % len(_KICKOFFS)]
            kick_dt = dt.datetime.combine(day, dt.time.fromisoformat(kick)) + dt.timedelta(hours=4)
            start_ms = int(kick_dt.replace(tzinfo=dt.UTC).timestamp() * 1000)
            score = {home: 0, away: 0}
            offense, defense = (home, away) if rng.random() < 0.5 else (away, home)
            own, down, togo = 25, 1, 10
            pid = 50 + int(rng.integers(0, 20))
            for k in range(plays_per_game):
                quarter = 1 + (4 * k) // plays_per_game
                q_frac = ((4 * k) % plays_per_game) / plays_per_game
                secs_left = int(900 * (1 - q_frac) - rng.integers(0, 20))
                clock = f"{max(secs_left, 1) // 60:02d}:{max(secs_left, 1) % 60:02d}"
                ctx = PlayContext(down, togo, 100 - own, offense, defense, quarter)
                sp = simulate_play(rng, ctx, rosters[offense], rosters[defense],
                                   approach_secs=approach_secs, after_set_secs=after_set_secs,
                                   post_snap_secs=post_snap_secs, team_travel=travel[defense])
                gain = _gain(rng, sp)
                direction = "right" if rng.random() < 0.5 else "left"
                play_ms = start_ms + k * 40_000 + int(rng.integers(0, 15_000)) // 100 * 100
                _play_tables(sp, gid, pid, ctx, wrows, direction, rng, home, clock,
                             (score[home], score[away]), play_ms, pidx, gain)
                n_rows += sp.xy.shape[0] * 23
                pid += int(rng.integers(20, 30))
                # drive bookkeeping so that down/distance/field position look real
                own += gain
                if own >= 100:
                    score[offense] += 7
                    offense, defense = defense, offense
                    own, down, togo = 25, 1, 10
                elif gain >= togo:
                    down, togo = 1, min(10, 100 - own)
                else:
                    down, togo = down + 1, togo - gain
                    if down == 4:
                        if own >= 62:
                            score[offense] += 3
                            own = 25
                        else:
                            own = max(100 - min(own + 40, 90), 5)
                        offense, defense = defense, offense
                        down, togo = 1, 10
                own = int(np.clip(own, 1, 99))
                togo = int(max(togo, 1))
                if down == 1:
                    togo = min(togo, 100 - own)
            game_rows.append({
                "gameId": gid, "season": 2022, "week": week,
                "gameDate": f"{day.month}/{day.day}/{day.year}", "gameTimeEastern": kick,
                "homeTeamAbbr": home, "visitorTeamAbbr": away,
                "homeFinalScore": score[home], "visitorFinalScore": score[away]})
        trk = _week_tracking(wrows["tracking"], names, jerseys, ids_s)
        path = out / f"tracking_week_{week}.csv"
        _atomic_write_csv(trk, path, float_precision=2)
        sizes[path.name] = path.stat().st_size
    tables = {
        "games.csv": _str_frame(game_rows, GAMES_COLUMNS),
        "plays.csv": _str_frame(all_plays, PLAYS_COLUMNS),
        "players.csv": _str_frame(player_rows, PLAYERS_COLUMNS),
        "player_play.csv": _str_frame(all_pp, PLAYER_PLAY_COLUMNS),
        "truth_players.csv": _str_frame(truth_pl, TRUTH_PLAYERS_COLUMNS),
        "truth_plays.csv": _str_frame(truth_py, TRUTH_PLAYS_COLUMNS),
    }
    for name, df in tables.items():
        _atomic_write_csv(df, out / name)
        sizes[name] = (out / name).stat().st_size
    run_params = {"weeks": weeks, "games_per_week": games_per_week,
                  "plays_per_game": plays_per_game, "post_snap_secs": list(post_snap_secs),
                  "approach_secs": list(approach_secs), "after_set_secs": list(after_set_secs)}
    source = {"source": "synthetic", "generator": "coverage.simulate", "seed": seed,
              "params": run_params}
    _atomic_write_text(json.dumps(source, indent=2, sort_keys=True) + "\n", out / "_source.json")
    return {"out_dir": str(out), "seed": seed, "games": len(game_rows), "plays": len(all_plays),
            "tracking_rows": n_rows, "bytes": sizes,
            "seconds": round(time.perf_counter() - t0, 3)}
