"""One row per play of what is known before the snap, from the official tables only.

Everything here is pure polars over plays / games / players / player_play. Post-snap
columns of those tables (passResult, routeRan, pff_defensiveCoverageAssignment, ...) are
never read as features: the only player_play fields used are *who* is on the field and the
three motion flags, which the offense shows before the ball is snapped.

Feature groups (:data:`GROUPS`) are what the ablation drops one at a time, so each group is
one football idea (situation, personnel, ...), not one column.
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from coverage.errors import DataError
from coverage.schema import PLAY_KEYS
from coverage.store import PlayTables
from coverage.tabular.context import context_table
from coverage.vocab import (
    family_index_expr,
    field_band_expr,
    goal_to_go_expr,
    label_expr,
    red_zone_expr,
)

# roster position -> on-field group; anything else (K, P, LS, QB, OL) is not counted
DEF_GROUP = {"CB": "CB", "SS": "S", "FS": "S", "DB": "S", "ILB": "LB", "MLB": "LB",
             "OLB": "LB", "LB": "LB", "DE": "DL", "DT": "DL", "NT": "DL"}
OFF_GROUP = {"RB": "RB", "FB": "RB", "TE": "TE", "WR": "WR"}

SITUATION = ("down", "yardsToGo", "yards_to_goal", "red_zone", "goal_to_go", "field_zone",
             "quarter", "game_secs_left", "half_secs_left", "two_minute", "score_diff",
             "def_win_prob", "expectedPoints", "defense_home", "playClockAtSnap")
FORMATION = ("offenseFormation", "receiverAlignment", "rec_strong", "rec_weak")
MOTION = ("n_in_motion_at_snap", "n_shift_since_lineset", "n_motion_since_lineset")
PERSONNEL_OFF = ("n_RB", "n_TE", "n_WR", "off_personnel")
PERSONNEL_DEF = ("n_CB", "n_S", "n_LB", "n_DL", "n_DB", "def_package")
TEAM = ("defensiveTeam",)
# the "gradient boosting" bar, on exactly its features
BASELINE = ("down", "yardsToGo", "quarter", "game_secs_left", "score_diff",
            "absoluteYardlineNumber", "offenseFormation", "receiverAlignment",
            "defensiveTeam", "n_in_motion_at_snap", "n_shift_since_lineset",
            "n_motion_since_lineset")
CATEGORICAL = ("offenseFormation", "receiverAlignment", "off_personnel", "def_package",
               "defensiveTeam")


def players_table(store: PlayTables) -> pl.DataFrame | None:
    """players.csv of a store or of a label-only folder (None: absent)."""
    return store.players() if store.has("players") else None


def _counts(on_field: pl.LazyFrame, side: str, groups: Mapping[str, str]) -> pl.LazyFrame:
    names = sorted(set(groups.values()))
    return (on_field.filter(pl.col("side") == side)
            .with_columns(pl.col("position").replace_strict(groups, default=None).alias("g"))
            .group_by(PLAY_KEYS)
            .agg(*[(pl.col("g") == g).sum().cast(pl.Float32).alias(f"n_{g}") for g in names]))


def personnel(plays: pl.DataFrame, player_play: pl.DataFrame | None,
              players: pl.DataFrame | None) -> pl.DataFrame:
    """Offensive (RB/TE/WR) and defensive (CB/S/LB/DL) counts of the 22 on the field.

    player_play lists exactly the players of each snap; their roster position says who
    they are. The defensive package follows the defensive-back count (base <= 4, nickel 5,
    dime 6, quarter 7+), the offensive one is the usual RB-TE digits ("11", "12", ...).
    """
    keys = plays.select(pl.col("gameId").cast(pl.Int64), pl.col("playId").cast(pl.Int64),
                        pl.col("possessionTeam").cast(pl.String),
                        pl.col("defensiveTeam").cast(pl.String))
    if player_play is None or players is None or "position" not in players.columns:
        return keys.select(*PLAY_KEYS, *[
            pl.lit(None, pl.Float32 if c.startswith("n_") else pl.String).alias(c)
            for c in (*PERSONNEL_OFF, *PERSONNEL_DEF)])
    on_field = (player_play.lazy()
                .select(pl.col("gameId").cast(pl.Int64), pl.col("playId").cast(pl.Int64),
                        pl.col("nflId").cast(pl.Int64), pl.col("teamAbbr").cast(pl.String))
                .join(keys.lazy(), on=PLAY_KEYS, how="inner")
                .join(players.lazy().select(pl.col("nflId").cast(pl.Int64),
                                            pl.col("position").cast(pl.String)),
                      on="nflId", how="left")
                .with_columns(pl.when(pl.col("teamAbbr") == pl.col("possessionTeam"))
                              .then(pl.lit("off")).otherwise(pl.lit("def")).alias("side")))
    out = (_counts(on_field, "def", DEF_GROUP)
           .join(_counts(on_field, "off", OFF_GROUP), on=PLAY_KEYS, how="full", coalesce=True)
           .collect())
    db = pl.col("n_CB") + pl.col("n_S")
    return out.with_columns(
        db.alias("n_DB"),
        pl.when(db <= 4).then(pl.lit("base")).when(db == 5).then(pl.lit("nickel"))
        .when(db == 6).then(pl.lit("dime")).otherwise(pl.lit("quarter")).alias("def_package"),
        pl.concat_str(pl.col("n_RB").cast(pl.Int32).cast(pl.String),
                      pl.col("n_TE").cast(pl.Int32).cast(pl.String)).alias("off_personnel"),
    )


def situation_exprs(schema: Mapping[str, pl.DataType]) -> list[pl.Expr]:
    """Field zone, red zone, two-minute, the defense's pre-snap win probability, home."""
    def_home = pl.col("defensiveTeam") == pl.col("homeTeamAbbr")
    exprs = [
        red_zone_expr().cast(pl.Float32).alias("red_zone"),
        goal_to_go_expr().cast(pl.Float32).alias("goal_to_go"),
        field_band_expr().cast(pl.Float32).alias("field_zone"),
        (pl.col("half_secs_left") <= 120).cast(pl.Float32).alias("two_minute"),
        pl.col("down").cast(pl.Float32),
        pl.col("quarter").cast(pl.Float32),
        def_home.cast(pl.Float32).alias("defense_home"),
        pl.col("receiverAlignment").str.extract(r"^(\d)", 1).cast(pl.Float32)
        .alias("rec_strong"),
        pl.col("receiverAlignment").str.extract(r"x(\d)$", 1).cast(pl.Float32)
        .alias("rec_weak"),
    ]
    win = (pl.when(def_home).then(pl.col("preSnapHomeTeamWinProbability"))
           .otherwise(pl.col("preSnapVisitorTeamWinProbability"))
           if "preSnapHomeTeamWinProbability" in schema else pl.lit(None))
    return [*exprs, *[(pl.col(c) if c in schema else pl.lit(None)).cast(pl.Float32).alias(c)
                      for c in ("expectedPoints", "playClockAtSnap", "absoluteYardlineNumber")],
            win.cast(pl.Float32).alias("def_win_prob")]


def play_features(plays: pl.DataFrame, player_play: pl.DataFrame | None,
                  players: pl.DataFrame | None) -> pl.DataFrame:
    """Keys, week, labels (``label`` man=1/zone=0, ``family_id``) and every pre-snap
    feature except the tendencies, which depend on the training weeks."""
    need = [c for c in ("gameId", "playId", "week", "down", "yardsToGo", "quarter",
                        "gameClock", "possessionTeam", "defensiveTeam", "homeTeamAbbr",
                        "offenseFormation", "receiverAlignment") if c not in plays.columns]
    if need:
        raise DataError("plays lack columns the tabular features need", column=need[0],
                        expected="plays.csv joined with games.csv (week, homeTeamAbbr)")
    base = context_table(plays, player_play)
    base = base.with_columns(situation_exprs(base.schema))
    base = base.join(personnel(plays, player_play, players), on=PLAY_KEYS, how="left")
    labels = [label_expr(), family_index_expr()] if "pff_passCoverage" in base.columns \
        else [label_expr(), pl.lit(None, pl.Int64).alias("family_id")]
    return base.with_columns(*labels, pl.col("week").cast(pl.Int32)).sort(PLAY_KEYS)


def store_features(store: PlayTables) -> pl.DataFrame:
    """:func:`play_features` of every play of a store (tracked or not) or label folder."""
    return play_features(store.all_plays(), store.player_play(), players_table(store))
