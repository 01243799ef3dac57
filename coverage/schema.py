"""Column contracts: the official raw files and the normalised store.

Every module downstream of ingest relies on the *normalised* names and
conventions defined here, so they live in one place.

Conventions of the normalised tracking table (after ``coverage.normalize``):

* The offense always moves toward +x. Plays with ``playDirection == "left"``
  are rotated 180 degrees: ``x -> 120 - x``, ``y -> 53.3 - y``,
  ``o -> (o + 180) % 360``, ``dir -> (dir + 180) % 360``.
* Angles follow Next Gen Stats: degrees clockwise from the +y axis, so a
  player with ``dir = 90`` moves toward +x. Velocity components are
  ``vx = s * sin(dir)``, ``vy = s * cos(dir)`` (yards/second).
* ``side`` is ``"offense"``, ``"defense"`` or ``"ball"``.
* ``secs_from_snap`` = ``(frameId - snap_frame) / 10``: negative before the
  snap, 0 at the snap frame, positive after.
* Play-level geometry lives in the play index: ``los_x`` (ball x at the snap
  frame = line of scrimmage), ``ball_y`` (ball y at the snap) and
  ``first_down_x = los_x + yardsToGo``.
"""

from __future__ import annotations

import polars as pl

FIELD_LENGTH = 120.0
FIELD_WIDTH = 53.3
FRAME_RATE_HZ = 10.0
PLAYERS_PER_SIDE = 11

SNAP_EVENTS = ("ball_snap", "autoevent_ballsnap", "snap_direct")
LINESET_EVENTS = ("line_set",)
MOTION_EVENTS = ("man_in_motion", "shift")

# --- Raw official files (BDB 2025). Only the columns we need are required;
# extra columns are kept where useful and ignored otherwise.
RAW_TRACKING_REQUIRED: dict[str, type[pl.DataType] | pl.DataType] = {
    "gameId": pl.Int64,
    "playId": pl.Int64,
    "nflId": pl.Float64,  # float in the CSVs because the ball row is empty
    "frameId": pl.Int64,
    "club": pl.String,
    "playDirection": pl.String,
    "x": pl.Float64,
    "y": pl.Float64,
    "s": pl.Float64,
    "a": pl.Float64,
    "dis": pl.Float64,
    "o": pl.Float64,
    "dir": pl.Float64,
    "event": pl.String,
}
RAW_TRACKING_OPTIONAL = ("displayName", "frameType", "time", "jerseyNumber")

RAW_GAMES_REQUIRED = ("gameId", "season", "week", "homeTeamAbbr", "visitorTeamAbbr")
RAW_PLAYS_REQUIRED = (
    "gameId",
    "playId",
    "playDescription",
    "quarter",
    "down",
    "yardsToGo",
    "possessionTeam",
    "defensiveTeam",
    "absoluteYardlineNumber",
    "offenseFormation",
    "pff_passCoverage",
)
RAW_PLAYERS_REQUIRED = ("nflId", "position", "displayName")
RAW_PLAYER_PLAY_REQUIRED = ("gameId", "playId", "nflId", "teamAbbr")

# BDB 2023 (2021 season) -> BDB 2025 renames.
LEGACY_TRACKING_RENAMES = {"team": "club"}
LEGACY_PLAYS_RENAMES = {"pff_passCoverageType": "pff_manZone", "playDesciption": "_playDesciption"}

# --- Normalised store: tracking table (one row per player or ball per frame).
TRACKING_SCHEMA: dict[str, pl.DataType] = {
    "gameId": pl.Int64(),
    "playId": pl.Int64(),
    "nflId": pl.Int64(),  # null for the ball
    "displayName": pl.String(),
    "frameId": pl.Int32(),
    "frameType": pl.String(),  # BEFORE_SNAP / SNAP / AFTER_SNAP (derived for 2021 data)
    "jerseyNumber": pl.Int32(),
    "club": pl.String(),
    "side": pl.String(),  # offense / defense / ball
    "x": pl.Float32(),
    "y": pl.Float32(),
    "s": pl.Float32(),
    "a": pl.Float32(),
    "dis": pl.Float32(),
    "o": pl.Float32(),
    "dir": pl.Float32(),
    "vx": pl.Float32(),
    "vy": pl.Float32(),
    "event": pl.String(),
    "secs_from_snap": pl.Float32(),
}

# --- Normalised store: play index (one row per play that has tracking).
PLAY_INDEX_SCHEMA: dict[str, pl.DataType] = {
    "gameId": pl.Int64(),
    "playId": pl.Int64(),
    "season": pl.Int32(),
    "week": pl.Int32(),
    "homeTeamAbbr": pl.String(),
    "visitorTeamAbbr": pl.String(),
    "quarter": pl.Int32(),
    "down": pl.Int32(),
    "yardsToGo": pl.Int32(),
    "gameClock": pl.String(),
    "preSnapHomeScore": pl.Int32(),
    "preSnapVisitorScore": pl.Int32(),
    "possessionTeam": pl.String(),
    "defensiveTeam": pl.String(),
    "absoluteYardlineNumber": pl.Float32(),
    "offenseFormation": pl.String(),
    "receiverAlignment": pl.String(),
    "pff_passCoverage": pl.String(),
    "pff_manZone": pl.String(),  # Man / Zone / Other / null
    "passResult": pl.String(),
    "playDescription": pl.String(),
    "snap_frame": pl.Int32(),
    "n_frames": pl.Int32(),
    "n_pre_snap_frames": pl.Int32(),
    "los_x": pl.Float32(),
    "ball_y": pl.Float32(),
    "first_down_x": pl.Float32(),
    "source": pl.String(),  # "real" or "synthetic"
}

MAN_ZONE_LABELS = ("Man", "Zone")
