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
* ``snap_frame`` is the charted snap, moved back to the ball's first move when the
  charted frame trails it (see ``coverage.normalize.snap_frames``).
* Play-level geometry lives in the play index: ``los_x`` (where the ball rests before
  the snap, or the charted yard line where tracking disagrees), ``ball_y`` and
  ``first_down_x = los_x + yardsToGo``.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from coverage import pitch, vocab

FIELD_LENGTH = pitch.LENGTH
FIELD_WIDTH = pitch.WIDTH
FRAME_RATE_HZ = 10.0
PLAYERS_PER_SIDE = 11

SNAP_EVENTS = ("ball_snap", "autoevent_ballsnap", "snap_direct")
LINESET_EVENTS = ("line_set",)

# --- Raw official files (BDB 2025). Only the columns we need are required;
# extra columns are kept where useful and ignored otherwise.
RAW_TRACKING_REQUIRED = ("gameId", "playId", "nflId", "frameId", "club", "playDirection", "x",
                         "y", "s", "a", "dis", "o", "dir", "event")

RAW_GAMES_REQUIRED = ("gameId", "season", "week", "homeTeamAbbr", "visitorTeamAbbr")
RAW_PLAYS_REQUIRED = ("gameId", "playId", "playDescription", "quarter", "down", "yardsToGo",
                      "possessionTeam", "defensiveTeam", "absoluteYardlineNumber",
                      "offenseFormation", "pff_passCoverage")
RAW_PLAYERS_REQUIRED = ("nflId", "position", "displayName")
RAW_PLAYER_PLAY_REQUIRED = ("gameId", "playId", "nflId", "teamAbbr")

@dataclass(frozen=True)
class ValueRule:
    """What a value of a label-table column may be (nulls pass: optional values).

    ``whole`` marks ids and counts: a fractional one would be cut by the integer cast,
    so it is refused instead. ``pattern`` is a regular expression a text value must match.
    """

    lo: float | None = None
    hi: float | None = None
    whole: bool = True
    pattern: str | None = None
    expected: str = ""


_ID = ValueRule(1, 2.0**53, expected="a positive whole number (an id)")
_SCORE = ValueRule(0, 999, expected="a whole number of points, 0 or more")
# The spot is in raw field x: 10 and 110 are the goal lines, the ball rests between them.
_YARDLINE = ValueRule(10, 110, whole=False, expected="a yard line between 10 and 110 "
                      "(raw field x: the goal lines are at 10 and 110)")
_CLOCK = ValueRule(pattern=r"^(?:15:00|(?:1[0-4]|0?\d):[0-5]\d)(?::00)?$",
                   expected="a game clock MM:SS from 00:00 to 15:00")

# Value checks at ingest, per label table (columns a file lacks are not checked).
GAMES_VALUES: dict[str, ValueRule] = {
    "gameId": _ID, "season": ValueRule(1920, 2100, expected="a season year"),
    "week": ValueRule(1, 22, expected="a week from 1 to 22"),
    "homeFinalScore": _SCORE, "visitorFinalScore": _SCORE,
}
PLAYS_VALUES: dict[str, ValueRule] = {
    "gameId": _ID, "playId": _ID,
    "quarter": ValueRule(1, 5, expected="a quarter from 1 to 5 (5 = overtime)"),
    "down": ValueRule(1, 4, expected="a down from 1 to 4"),
    "yardsToGo": ValueRule(1, 99, expected="whole yards to go, 1 to 99"),
    "absoluteYardlineNumber": _YARDLINE,
    "yardlineNumber": ValueRule(0, 50, expected="a yard line number from 0 to 50"),
    "preSnapHomeScore": _SCORE, "preSnapVisitorScore": _SCORE,
    "gameClock": _CLOCK,
}
PLAYERS_VALUES: dict[str, ValueRule] = {"nflId": _ID}
PLAYER_PLAY_VALUES: dict[str, ValueRule] = {
    "gameId": _ID, "playId": _ID, "nflId": _ID,
    "pff_primaryDefensiveCoverageMatchupNflId": _ID,
    "pff_secondaryDefensiveCoverageMatchupNflId": _ID,
}
# Each table's key: a row repeated exactly is kept once (and counted); two different rows
# for one key are an error, since nothing says which is right.
GAMES_KEYS = ("gameId",)
PLAYERS_KEYS = ("nflId",)
PLAYER_PLAY_KEYS = ("gameId", "playId", "nflId")
# Label columns and their official spellings: other cases ("man", "ZONE") are mapped onto
# these and counted; any other value is an error.
LABEL_SPELLINGS: dict[str, tuple[str, ...]] = {"pff_manZone": (vocab.MAN, vocab.ZONE, vocab.OTHER)}

# BDB 2023 (2021 season) -> BDB 2025 renames.
LEGACY_TRACKING_RENAMES = {"team": "club"}
LEGACY_PLAYS_RENAMES = {"pff_passCoverageType": "pff_manZone", "playDesciption": "_playDesciption"}

# --- Ingest staging: the raw tracking columns, typed wide (ids and jerseys stay float
# because the ball's rows are empty; frameId is float so a 1.5 is seen by validation
# instead of being cut to 1) before validation and normalisation.
STAGED_TRACKING_SCHEMA: dict[str, pl.DataType] = {
    "gameId": pl.Int64(), "playId": pl.Int64(), "nflId": pl.Float64(),
    "displayName": pl.String(), "frameId": pl.Float64(), "frameType": pl.String(),
    "jerseyNumber": pl.Float64(), "club": pl.String(), "playDirection": pl.String(),
    **{c: pl.Float64() for c in ("x", "y", "s", "a", "dis", "o", "dir")},
    "event": pl.String(),
}

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
    **{c: pl.Float32() for c in ("x", "y", "s", "a", "dis", "o", "dir", "vx", "vy")},
    "event": pl.String(),
    "secs_from_snap": pl.Float32(),
}

# --- Normalised store: play index (one row per play of plays.csv; has_tracking says
# whether its tracking was ingested).
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
    "los_source": pl.String(),  # "tracking" (the resting ball) or "charted" (yard line)
    "has_tracking": pl.Boolean(),  # false: a label-only play (context models, teams)
    "source": pl.String(),  # "real" or "synthetic"
}

# Keys every table joins on: a play, and one frame of a play.
PLAY_KEYS = ("gameId", "playId")
FRAME_KEYS = ("gameId", "playId", "frameId")

# --- Store outputs: model rows written per week beside the tracking (coverage.store).
# Long format, one file per week shared by all models; a re-run replaces one model's rows.
PREDICTION_SCHEMA: dict[str, pl.DataType] = {
    "model": pl.String(), "gameId": pl.Int64(), "playId": pl.Int64(), "frameId": pl.Int32(),
    "secs_from_snap": pl.Float32(), "p_man": pl.Float32(),
}
FAMILY_SCHEMA: dict[str, pl.DataType] = {
    "model": pl.String(), "gameId": pl.Int64(), "playId": pl.Int64(), "frameId": pl.Int32(),
    "secs_from_snap": pl.Float32(), "family": pl.String(), "prob": pl.Float32(),
}
RESPONSIBILITY_SCHEMA: dict[str, pl.DataType] = {
    "model": pl.String(), "gameId": pl.Int64(), "playId": pl.Int64(), "frameId": pl.Int32(),
    "secs_from_snap": pl.Float32(), "nflId": pl.Int64(), "assignment": pl.String(),
    "prob": pl.Float32(), "p_man_assignment": pl.Float32(), "target_nflId": pl.Int64(),
    "target_prob": pl.Float32(),
}
ATTRIBUTION_SUMMARY_SCHEMA: dict[str, pl.DataType] = {
    "model": pl.String(), "gameId": pl.Int64(), "playId": pl.Int64(), "nflId": pl.Int64(),
    "side": pl.String(), "mean_abs": pl.Float32(), "peak": pl.Float32(),
    "peak_secs": pl.Float32(),
}
FORMATION_COLUMNS = ("gameId", "playId", "off_formation", "off_alignment", "def_shell",
                     "def_front")
