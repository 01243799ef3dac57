"""A small hand-built play (22 players + ball, a motion man) for tests and demos.

Views must be testable, and app pages demoable, before a real or simulated store
exists; this play follows the normalised schema exactly so anything that draws
it will draw a store play too.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl

from coverage.schema import FRAME_RATE_HZ, TRACKING_SCHEMA

LOS_X = 40.0
BALL_Y = 26.65

# (nflId, name, position, jersey, dx behind LOS (negative = backfield), y)
OFFENSE = [
    (1001, "Quinn Arms", "QB", 15, -5.0, 26.65),
    (1002, "Rex Rush", "RB", 25, -7.0, 26.65),
    (1003, "Cole Center", "C", 62, -0.8, 26.65),
    (1004, "Gus Guard", "G", 65, -1.0, 25.0),
    (1005, "Greg Guard", "G", 64, -1.0, 28.3),
    (1006, "Ty Tackle", "T", 71, -1.2, 23.4),
    (1007, "Tom Tackle", "T", 76, -1.2, 29.9),
    (1008, "Ed End", "TE", 87, -1.5, 21.6),
    (1009, "Wes Wide", "WR", 10, -1.0, 45.0),
    (1010, "Walt Wide", "WR", 11, -1.0, 8.0),
    (1011, "Sam Slot", "WR", 17, -1.5, 38.0),  # the motion man
]
DEFENSE = [
    (2001, "Dan Line", "DE", 94, 1.2, 22.0),
    (2002, "Dave Line", "DT", 99, 1.0, 25.5),
    (2003, "Don Line", "DT", 97, 1.0, 28.0),
    (2004, "Del Line", "DE", 91, 1.2, 31.5),
    (2005, "Lou Back", "ILB", 54, 5.0, 24.0),
    (2006, "Len Back", "ILB", 52, 5.0, 29.0),
    (2007, "Lyle Back", "OLB", 55, 4.0, 19.0),
    (2008, "Cy Corner", "CB", 24, 6.0, 45.0),
    (2009, "Cal Corner", "CB", 21, 6.0, 8.0),
    (2010, "Stan Safety", "FS", 32, 13.0, 30.0),
    (2011, "Sid Safety", "SS", 38, 7.0, 38.5),  # follows the motion man (man)
]
N_FRAMES = 60
SNAP_FRAME = 55
LINE_SET_FRAME = 20
MOTION_FRAME = 30


def _motion_offset(f: np.ndarray) -> np.ndarray:
    """Motion man runs 14 yd toward the middle between MOTION_FRAME and the snap."""
    t = np.clip((f - MOTION_FRAME) / (SNAP_FRAME - MOTION_FRAME), 0.0, 1.0)
    return -14.0 * (3 * t**2 - 2 * t**3)


def sample_play(
    *, source: str = "synthetic", game_id: int = 2024090800, play_id: int = 101
) -> dict[str, Any]:
    """Dict with ``frames`` (TRACKING_SCHEMA), ``play`` (index row), ``preds``, ``players``."""
    f = np.arange(1, N_FRAMES + 1, dtype=float)
    rng = np.random.default_rng(7)
    rows: dict[str, list[Any]] = {k: [] for k in TRACKING_SCHEMA}
    secs = (f - SNAP_FRAME) / FRAME_RATE_HZ
    events = {LINE_SET_FRAME: "line_set", MOTION_FRAME: "man_in_motion", SNAP_FRAME: "ball_snap"}

    def add(nfl_id, name, jersey, club, side, x, y):
        vx = np.gradient(x) * FRAME_RATE_HZ
        vy = np.gradient(y) * FRAME_RATE_HZ
        s = np.hypot(vx, vy)
        direction = np.degrees(np.arctan2(vx, vy)) % 360
        for i in range(N_FRAMES):
            rows["gameId"].append(game_id)
            rows["playId"].append(play_id)
            rows["nflId"].append(nfl_id)
            rows["displayName"].append(name)
            rows["frameId"].append(int(f[i]))
            ft = "BEFORE_SNAP" if f[i] < SNAP_FRAME else "SNAP" if f[i] == SNAP_FRAME else (
                "AFTER_SNAP"
            )
            rows["frameType"].append(ft)
            rows["jerseyNumber"].append(jersey)
            rows["club"].append(club)
            rows["side"].append(side)
            rows["x"].append(float(x[i]))
            rows["y"].append(float(y[i]))
            rows["s"].append(float(s[i]))
            rows["a"].append(0.0)
            rows["dis"].append(float(s[i]) / FRAME_RATE_HZ)
            rows["o"].append(90.0 if side == "offense" else 270.0)
            rows["dir"].append(float(direction[i]))
            rows["vx"].append(float(vx[i]))
            rows["vy"].append(float(vy[i]))
            rows["event"].append(events.get(int(f[i])))
            rows["secs_from_snap"].append(float(secs[i]))

    motion = _motion_offset(f)
    after = np.clip(f - SNAP_FRAME, 0, None) / FRAME_RATE_HZ  # seconds after snap
    jitter = lambda: rng.normal(0, 0.02, N_FRAMES).cumsum() * 0.2  # noqa: E731
    for nfl_id, name, _pos, jersey, dx, y0 in OFFENSE:
        x = LOS_X + dx + jitter()
        y = y0 + jitter()
        if nfl_id == 1011:
            y = y + motion
        if _pos in ("WR", "TE"):
            x = x + 6.0 * after
        add(nfl_id, name, jersey, "KC", "offense", x, y)
    for nfl_id, name, _pos, jersey, dx, y0 in DEFENSE:
        x = LOS_X + dx + jitter()
        y = y0 + jitter()
        if nfl_id == 2011:
            y = y + motion * 0.95
        x = x + 3.0 * after
        add(nfl_id, name, jersey, "BUF", "defense", x, y)
    # ball: at the centre's feet until the snap, then back to the QB
    bx = np.where(f < SNAP_FRAME, LOS_X, LOS_X - np.minimum(after * 30, 5.0))
    by = np.full(N_FRAMES, BALL_Y)
    for i in range(N_FRAMES):
        rows["gameId"].append(game_id)
        rows["playId"].append(play_id)
        rows["nflId"].append(None)
        rows["displayName"].append("football")
        rows["frameId"].append(int(f[i]))
        rows["frameType"].append(
            "BEFORE_SNAP" if f[i] < SNAP_FRAME else "SNAP" if f[i] == SNAP_FRAME else "AFTER_SNAP"
        )
        rows["jerseyNumber"].append(None)
        rows["club"].append("football")
        rows["side"].append("ball")
        for col, v in (("x", bx[i]), ("y", by[i])):
            rows[col].append(float(v))
        for col in ("s", "a", "dis", "o", "dir", "vx", "vy"):
            rows[col].append(0.0)
        rows["event"].append(events.get(int(f[i])))
        rows["secs_from_snap"].append(float(secs[i]))
    frames = pl.DataFrame(rows, schema=TRACKING_SCHEMA).sort("frameId", "nflId", nulls_last=True)

    play = {
        "gameId": game_id, "playId": play_id, "season": 2024, "week": 1,
        "homeTeamAbbr": "KC", "visitorTeamAbbr": "BUF", "quarter": 2, "down": 3,
        "yardsToGo": 7, "gameClock": "07:12", "possessionTeam": "KC", "defensiveTeam": "BUF",
        "absoluteYardlineNumber": LOS_X, "offenseFormation": "SHOTGUN",
        "receiverAlignment": "3x1", "pff_passCoverage": "Cover-1", "pff_manZone": "Man",
        "passResult": "C", "playDescription": "(7:12) (Shotgun) Q.Arms pass short middle to "
        "S.Slot for 9 yards.", "snap_frame": SNAP_FRAME, "n_frames": N_FRAMES,
        "n_pre_snap_frames": SNAP_FRAME - 1, "los_x": LOS_X, "ball_y": BALL_Y,
        "first_down_x": LOS_X + 7, "source": source,
    }
    pre = f[f <= SNAP_FRAME]
    t = (pre - 1) / (SNAP_FRAME - 1)
    after_motion = np.clip((pre - MOTION_FRAME) / 8.0, 0, 1)
    p_a = np.clip(0.3 + 0.5 * after_motion + 0.05 * np.sin(pre / 3), 0, 1)
    p_b = np.clip(0.45 + 0.15 * t + 0.3 * after_motion, 0, 1)
    preds = pl.DataFrame({
        "model": ["transformer"] * len(pre) + ["logreg"] * len(pre),
        "gameId": [game_id] * (2 * len(pre)),
        "playId": [play_id] * (2 * len(pre)),
        "frameId": np.concatenate([pre, pre]).astype(np.int32),
        "secs_from_snap": np.concatenate([(pre - SNAP_FRAME) / 10] * 2).astype(np.float32),
        "p_man": np.concatenate([p_a, p_b]).astype(np.float32),
    })
    players = pl.DataFrame(
        [(i, p, n) for i, n, p, *_ in OFFENSE + DEFENSE],
        schema={"nflId": pl.Int64, "position": pl.String, "displayName": pl.String},
        orient="row",
    )
    return {"frames": frames, "play": play, "preds": preds, "players": players}
