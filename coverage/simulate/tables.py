"""One simulated play as rows of the official BDB 2025 tables plus the ground-truth side files.

The app's default data must look like a Kaggle download to every downstream
module, so the column names, their order, the value vocabularies and even the
number formatting follow the real files; the extra ground truth the official
schema has no place for goes to ``truth_players.csv`` / ``truth_plays.csv``.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from coverage.simulate.calls import PlayContext
from coverage.simulate.kinematics import DT, ngs_kinematics
from coverage.simulate.play import SimPlay

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
TRACKING_PARTS = ("gameId", "playId", "pidx", "frameId", "frameType", "ms", "club",
                  "playDirection", "x", "y", "s", "a", "dis", "o", "dir", "event")

_RUN_CONCEPTS = ("OUTSIDE ZONE", "INSIDE ZONE", "MAN", "POWER", "UNDEFINED", "PULL LEAD",
                 "COUNTER", "DRAW", "TRAP")
_ZERO_STATS = PLAYER_PLAY_COLUMNS[4:32]
_THROWN = ("C", "I", "IN")
_FLOATS = ("x", "y", "s", "a", "dis", "o", "dir")  # tracking columns written to 2 decimals


def _b(v: bool | None) -> str | None:
    return None if v is None else ("True" if v else "False")


def str_frame(rows: list[dict[str, object]], columns: list[str]) -> pl.DataFrame:
    """All-string frame so the CSV formatting is exactly what we chose, not polars' guess."""
    data = {c: [None if r.get(c) is None else str(r[c]) for r in rows] for c in columns}
    return pl.DataFrame(data, schema={c: pl.String for c in columns})


def _yardline(to_goal: int, off: str, de: str) -> tuple[str | None, int]:
    own = 100 - to_goal
    if own == 50:
        return None, 50
    return (off, own) if own < 50 else (de, to_goal)


def play_gain(rng: np.random.Generator, sp: SimPlay) -> int:
    """Yards gained, drawn to fit the pass result (the play itself stops after a few seconds)."""
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


def add_play_rows(sp: SimPlay, gid: int, pid: int, ctx: PlayContext, week_rows: dict,
                  direction: str, rng: np.random.Generator, home: str, clock: str,
                  scores: tuple[int, int], start_ms: int, pidx: dict[int, int],
                  gain: int) -> None:
    """Append this play's rows to every table of the week (draws in a fixed order)."""
    xy = _add_tracking(sp, gid, pid, week_rows["tracking"], direction, rng, start_ms, pidx)
    row = _plays_row(sp, gid, pid, ctx, rng, xy, direction == "left", home, clock, scores, gain)
    week_rows["plays"].append(row)
    week_rows["truth_plays"].append(_truth_play_row(sp, gid, pid))
    _add_player_rows(sp, gid, pid, rng, gain, week_rows)


def _add_tracking(sp: SimPlay, gid: int, pid: int, w: dict[str, list[np.ndarray]],
                  direction: str, rng: np.random.Generator, start_ms: int,
                  pidx: dict[int, int]) -> np.ndarray:
    """Tracking columns in the raw field frame; returns that frame's (F, 23, 2) positions.

    Players are stored as indices into the season's player list (``pidx``) and
    joined to names and jerseys once per week, which is far cheaper than
    carrying strings per row.
    """
    F = sp.xy.shape[0]
    xy = np.concatenate([sp.xy, sp.ball[:, None, :]], axis=1)
    o = sp.o
    if direction == "left":
        xy = np.stack([120.0 - xy[..., 0], 53.3 - xy[..., 1]], axis=-1)
        o = (o + 180.0) % 360.0
    s, a, dis, dirn = ngs_kinematics(xy, rng)
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
    w["gameId"].append(np.full(F * n, gid, dtype=np.int64))
    w["playId"].append(np.full(F * n, pid, dtype=np.int64))
    w["pidx"].append(np.tile(ids, F))
    w["frameId"].append(fr)
    w["frameType"].append(np.repeat(ftype, n))
    w["ms"].append(start_ms + (fr - 1) * 100)
    w["club"].append(np.tile(club, F))
    w["playDirection"].append(np.full(F * n, direction, dtype=object))
    for c, v in zip(_FLOATS, (xy[..., 0], xy[..., 1], s, a, dis, o_all, dir_all), strict=True):
        w[c].append(v.ravel())
    w["event"].append(np.repeat(ev, n))
    return xy


def _description(sp: SimPlay, clock: str, gain: int) -> str:
    """playDescription in the official style, which downstream parsers key on."""
    info = sp.info
    dropback = bool(info["dropback"])
    pr = info["pass_result"] if dropback else None
    target = info["target_rec"]
    qbn = sp.players[5]
    recv = sp.players[target] if target is not None else None
    prefix = f"({clock}) " + ("(Shotgun) " if info["formation"] in ("SHOTGUN", "EMPTY") else "")
    qname = qbn.name.split(" ")[0][0] + "." + qbn.name.split(" ")[-1]
    if not dropback:
        return prefix + f"Run for {gain} yards."
    if pr == "C" and recv is not None:
        return prefix + f"{qname} pass short to {recv.name} for {gain} yards."
    if pr == "S":
        return prefix + f"{qname} sacked for {gain} yards."
    if pr == "R":
        return prefix + f"{qname} scrambles for {gain} yards."
    if pr == "IN":
        return prefix + f"{qname} pass INTERCEPTED."
    return prefix + f"{qname} pass incomplete."


def _target(sp: SimPlay, xy: np.ndarray,
            los_raw: float) -> tuple[float | None, float | None, float | None]:
    """(targetX, targetY, passLength): where the targeted receiver is as the ball arrives."""
    info = sp.info
    pr = info["pass_result"] if info["dropback"] else None
    target = info["target_rec"]
    if pr not in _THROWN or target is None:
        return None, None, None
    F = sp.xy.shape[0]
    t_idx = min(sp.snap_idx + int(round((info["t_throw"] or 2.5) / DT)) + 8, F - 1)
    tgt = xy[t_idx, target]
    return (round(float(tgt[0]), 2), round(float(tgt[1]), 2),
            float(round(abs(tgt[0] - los_raw))))


def _plays_row(sp: SimPlay, gid: int, pid: int, ctx: PlayContext, rng: np.random.Generator,
               xy: np.ndarray, left: bool, home: str, clock: str, scores: tuple[int, int],
               gain: int) -> dict[str, object]:
    """plays.csv row; the unmodelled columns get plausible draws so they look filled in."""
    info = sp.info
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
    tx, ty, plen = _target(sp, xy, los_raw)
    t_throw = info["t_throw"]
    # the dict's values are drawn in the order written: keep it
    return {
        "gameId": gid, "playId": pid, "playDescription": _description(sp, clock, gain),
        "quarter": ctx.quarter,
        "down": ctx.down, "yardsToGo": ctx.togo, "possessionTeam": ctx.offense,
        "defensiveTeam": ctx.defense, "yardlineSide": side, "yardlineNumber": number,
        "gameClock": clock, "preSnapHomeScore": scores[0], "preSnapVisitorScore": scores[1],
        "playNullifiedByPenalty": "N", "absoluteYardlineNumber": int(round(los_raw)),
        "preSnapHomeTeamWinProbability": round(wp_home, 6),
        "preSnapVisitorTeamWinProbability": round(1 - wp_home, 6),
        "expectedPoints": round(ep, 6), "offenseFormation": info["formation"],
        "receiverAlignment": info["alignment"],
        "playClockAtSnap": float(rng.integers(1, 16)), "passResult": pr,
        "passLength": plen, "targetX": tx, "targetY": ty,
        "playAction": _b(dropback and bool(rng.random() < 0.28)),
        "dropbackType": ("TRADITIONAL" if pr != "R" else "SCRAMBLE") if dropback else None,
        "dropbackDistance": round(float(rng.uniform(1.0, 7.5)), 2) if dropback else None,
        "passLocationType": "INSIDE_BOX" if pr in _THROWN else None,
        "timeToThrow": round(t_throw, 3) if pr in _THROWN and t_throw else None,
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
        "pff_passCoverage": info["coverage"], "pff_manZone": info["man_zone"],
    }


def _truth_play_row(sp: SimPlay, gid: int, pid: int) -> dict[str, object]:
    info = sp.info
    return {
        "gameId": gid, "playId": pid, "offenseFormation": info["formation"],
        "receiverAlignment": info["alignment"], "pff_passCoverage": info["coverage"],
        "pff_manZone": info["man_zone"], "shell_shown": info["shell_shown"],
        "shell_played": info["shell_played"], "disguise": _b(info["disguise"]),
        "motion": _b(info["motion"]), "motion_type": info["motion_type"],
        "motion_nflId": info["motion_nflId"], "shift": _b(info["shift"]),
        "isDropback": _b(bool(info["dropback"]))}


def _add_player_rows(sp: SimPlay, gid: int, pid: int, rng: np.random.Generator, gain: int,
                     week_rows: dict) -> None:
    """player_play.csv and truth_players.csv rows, one per player."""
    for k, p in enumerate(sp.players):
        week_rows["player_play"].append(_player_play_row(sp, gid, pid, rng, gain, k))
        week_rows["truth_players"].append({
            "gameId": gid, "playId": pid, "nflId": p.nflId,
            "side": "offense" if k < 11 else "defense", "slot": sp.slots[k],
            "assignment": sp.assignment[k], "man_target_nflId": sp.man_target[k]})


def _player_play_row(sp: SimPlay, gid: int, pid: int, rng: np.random.Generator, gain: int,
                     k: int) -> dict[str, object]:
    info, pp, p = sp.info, sp.per_player, sp.players[k]
    dropback = bool(info["dropback"])
    pr = info["pass_result"] if dropback else None
    target = info["target_rec"]
    offense = k < 11
    r: dict[str, object] = {"gameId": gid, "playId": pid, "nflId": p.nflId, "teamAbbr": p.club}
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
    return r


def week_tracking(w: dict[str, list[np.ndarray]], names: pl.Series, jerseys: pl.Series,
                  ids: pl.Series) -> pl.DataFrame:
    """The week's tracking table in official column order and formatting."""
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
        **{c: np.round(np.concatenate(w[c]), 2) for c in _FLOATS},
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
