"""Hand-built official-schema raw folders for data-layer tests (no simulator involved).

Small and explicit so a failing schema test points at one obvious input.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl

TRACKING_COLS = ["gameId", "playId", "nflId", "displayName", "frameId", "frameType", "time",
                 "jerseyNumber", "club", "playDirection", "x", "y", "s", "a", "dis", "o", "dir",
                 "event"]


def _play_rows(game: int, play: int, direction: str, n_pre: int = 20, n_post: int = 5,
               seed: int = 0) -> list[dict]:
    rng = np.random.default_rng(seed)
    los = 50.0
    sign = 1.0 if direction == "right" else -1.0
    players = []
    for i in range(11):
        players.append(("KC", 1000 + i, los - sign * rng.uniform(1, 7), rng.uniform(5, 48)))
    for i in range(11):
        players.append(("LV", 2000 + i, los + sign * rng.uniform(1, 12), rng.uniform(5, 48)))
    rows = []
    n = n_pre + 1 + n_post
    for f in range(1, n + 1):
        ftype = "BEFORE_SNAP" if f <= n_pre else ("SNAP" if f == n_pre + 1 else "AFTER_SNAP")
        event = {1: "huddle_break_offense", 5: "line_set", n_pre + 1: "ball_snap"}.get(f)
        for club, nid, x0, y0 in players:
            vy = 2.0 if nid == 1005 else 0.0  # one offensive player in motion along +y
            y = y0 + vy * 0.1 * f
            rows.append(dict(gameId=game, playId=play, nflId=float(nid), displayName=f"P{nid}",
                             frameId=f, frameType=ftype, time=f"2022-09-08 20:00:{f / 10:04.1f}",
                             jerseyNumber=float(nid % 100), club=club, playDirection=direction,
                             x=x0, y=y, s=abs(vy), a=0.0, dis=abs(vy) * 0.1, o=90.0,
                             dir=0.0 if vy > 0 else 90.0, event=event))
        rows.append(dict(gameId=game, playId=play, nflId=None, displayName="football",
                         frameId=f, frameType=ftype, time=f"2022-09-08 20:00:{f / 10:04.1f}",
                         jerseyNumber=None, club="football", playDirection=direction, x=los,
                         y=26.65, s=0.0, a=0.0, dis=0.0, o=None, dir=None, event=event))
    return rows


def make_raw_dir(root: Path, *, plays: list[tuple[int, int, str]] | None = None,
                 tracking_rows: list[dict] | None = None) -> Path:
    """Write games/plays/players/tracking_week_1 CSVs in the official schema."""
    root.mkdir(parents=True, exist_ok=True)
    plays = plays or [(2022090800, 56, "right"), (2022090800, 80, "left")]
    pl.DataFrame({"gameId": [2022090800], "season": [2022], "week": [1],
                  "gameDate": ["9/8/2022"], "gameTimeEastern": ["20:20:00"],
                  "homeTeamAbbr": ["KC"], "visitorTeamAbbr": ["LV"], "homeFinalScore": [20],
                  "visitorFinalScore": [17]}).write_csv(root / "games.csv")
    pl.DataFrame({
        "gameId": [g for g, _, _ in plays], "playId": [p for _, p, _ in plays],
        "playDescription": ["(10:00) pass"] * len(plays), "quarter": [1] * len(plays),
        "down": [1] * len(plays), "yardsToGo": [10] * len(plays),
        "possessionTeam": ["KC"] * len(plays), "defensiveTeam": ["LV"] * len(plays),
        "absoluteYardlineNumber": [50] * len(plays), "offenseFormation": ["SHOTGUN"] * len(plays),
        "receiverAlignment": ["2x2"] * len(plays), "passResult": ["C"] * len(plays),
        "pff_passCoverage": ["Cover-1"] * len(plays), "pff_manZone": ["Man"] * len(plays),
    }).write_csv(root / "plays.csv")
    pl.DataFrame({"nflId": [1000 + i for i in range(11)] + [2000 + i for i in range(11)],
                  "position": ["WR"] * 22, "displayName": [f"P{i}" for i in range(22)]}) \
        .write_csv(root / "players.csv")
    if tracking_rows is None:
        tracking_rows = []
        for i, (g, p, d) in enumerate(plays):
            tracking_rows += _play_rows(g, p, d, seed=i)
    pl.DataFrame(tracking_rows, schema_overrides={"nflId": pl.Float64,
                                                  "jerseyNumber": pl.Float64,
                                                  "o": pl.Float64, "dir": pl.Float64,
                                                  "event": pl.String}) \
        .select(TRACKING_COLS).write_csv(root / "tracking_week_1.csv")
    return root


def play_rows(game: int, play: int, direction: str = "right", **kw) -> list[dict]:
    return _play_rows(game, play, direction, **kw)
