"""Label-table realism: does coverage depend on the situation, and do defenders cover
whom, the way they do in real football?

The tracking models learn P(man | what they see); if the simulator's P(man | down,
distance, score) or its matchups are off, a model learns a prior that real plays break.
These tables use the whole labelled season on each side (every play of ``plays.csv``,
tracked or not), so unlike the tracking figures they rest on thousands of real plays.
"""

from __future__ import annotations

import polars as pl

from coverage.schema import PLAY_KEYS
from coverage.vocab import assignment_expr, is_man, is_man_or_zone
from devtools.realism.motion import motion_men_by_position

_LABELLED = is_man_or_zone()
OUT = ["table", "level", "value", "n"]


def situation_columns() -> list[pl.Expr]:
    """Distance bucket and the offense's score state, named for the report."""
    ytg = pl.col("yardsToGo").cast(pl.Int64)
    home = pl.col("possessionTeam") == pl.col("homeTeamAbbr")
    diff = pl.when(home).then(pl.col("preSnapHomeScore") - pl.col("preSnapVisitorScore")) \
        .otherwise(pl.col("preSnapVisitorScore") - pl.col("preSnapHomeScore"))
    return [
        pl.when(ytg <= 3).then(pl.lit("1-3")).when(ytg <= 6).then(pl.lit("4-6"))
        .when(ytg <= 10).then(pl.lit("7-10")).otherwise(pl.lit("11+")).alias("distance"),
        pl.when(diff < -8).then(pl.lit("trailing 9+")).when(diff < 0)
        .then(pl.lit("trailing 1-8")).when(diff == 0).then(pl.lit("tied"))
        .when(diff <= 8).then(pl.lit("leading 1-8")).otherwise(pl.lit("leading 9+"))
        .alias("score state"),
        pl.col("down").cast(pl.String).alias("down"),
        pl.col("offenseFormation").cast(pl.String).fill_null("(none)").alias("formation"),
    ]


def man_rate_by_situation(plays: pl.DataFrame) -> pl.DataFrame:
    """P(man) among Man+Zone plays, overall and by down, distance, score state and
    formation: (table, level, value, n plays)."""
    lab = plays.filter(_LABELLED).with_columns(*situation_columns(),
                                               is_man().cast(pl.Float64).alias("man"))
    parts = [lab.select(pl.lit("P(man)").alias("table"), pl.lit("all").alias("level"),
                        pl.col("man").mean().alias("value"), pl.len().alias("n"))]
    for col in ("down", "distance", "score state", "formation"):
        parts.append(lab.group_by(col).agg(pl.col("man").mean().alias("value"),
                                           pl.len().alias("n"))
                     .select(pl.lit(f"P(man) by {col}").alias("table"),
                             pl.col(col).cast(pl.String).alias("level"), "value", "n"))
    return pl.concat([p.with_columns(pl.col("n").cast(pl.Int64)) for p in parts])


def motion_rates(plays: pl.DataFrame, player_play: pl.DataFrame | None) -> pl.DataFrame:
    """Share of plays with any player flagged in motion at the snap / shifted / motioned
    since line set (player_play flags; thousands of real plays)."""
    flags = ("inMotionAtBallSnap", "shiftSinceLineset", "motionSinceLineset")
    if player_play is None or not all(f in player_play.columns for f in flags):
        return pl.DataFrame(schema={c: t for c, t in zip(
            OUT, (pl.String, pl.String, pl.Float64, pl.Int64), strict=True)})
    keys = plays.select(pl.col("gameId").cast(pl.Int64), pl.col("playId").cast(pl.Int64))
    per = (player_play.select(pl.col("gameId").cast(pl.Int64), pl.col("playId").cast(pl.Int64),
                              *[pl.col(f).cast(pl.Boolean, strict=False).fill_null(False)
                                for f in flags])
           .join(keys, on=PLAY_KEYS, how="inner")
           .group_by(PLAY_KEYS).agg(*[pl.col(f).any() for f in flags]))
    return pl.concat([per.select(pl.lit("motion flags (rate)").alias("table"),
                                 pl.lit(f).alias("level"),
                                 pl.col(f).cast(pl.Float64).mean().alias("value"),
                                 pl.len().cast(pl.Int64).alias("n")) for f in flags])


def _defenders(plays: pl.DataFrame, player_play: pl.DataFrame,
               positions: pl.DataFrame) -> pl.DataFrame:
    """Defenders' player_play rows on plays where coverage assignments were charted."""
    d = plays.select(pl.col("gameId").cast(pl.Int64), pl.col("playId").cast(pl.Int64),
                     pl.col("defensiveTeam").cast(pl.String))
    pp = (player_play.with_columns(pl.col("gameId").cast(pl.Int64),
                                   pl.col("playId").cast(pl.Int64),
                                   pl.col("nflId").cast(pl.Int64))
          .join(d, on=PLAY_KEYS, how="inner")
          .filter(pl.col("teamAbbr").cast(pl.String) == pl.col("defensiveTeam")))
    charted = pp.group_by(PLAY_KEYS).agg(
        pl.col("pff_defensiveCoverageAssignment").is_not_null().any().alias("charted"))
    return (pp.join(charted.filter("charted"), on=PLAY_KEYS, how="semi")
            .join(positions, on="nflId", how="left")
            .with_columns(pl.col("group").fill_null("UNK")))


def assignment_mix(plays: pl.DataFrame, player_play: pl.DataFrame | None,
                   positions: pl.DataFrame) -> pl.DataFrame:
    """Per defender group, the share of each assignment group (MAN, DEEP, FLAT, HOOK,
    RUSH, OTHER; see coverage.vocab)."""
    if player_play is None or "pff_defensiveCoverageAssignment" not in player_play.columns:
        return pl.DataFrame(schema=dict(zip(OUT, (pl.String, pl.String, pl.Float64,
                                                  pl.Int64), strict=True)))
    d = _defenders(plays, player_play, positions).with_columns(
        assignment_expr("pff_defensiveCoverageAssignment"))
    return (d.group_by("group", "assignment_group").len()
            .with_columns((pl.col("len") / pl.col("len").sum().over("group")).alias("value"),
                          pl.col("len").sum().over("group").cast(pl.Int64).alias("n"))
            .select(pl.concat_str(pl.lit("assignment mix: "), "group").alias("table"),
                    pl.col("assignment_group").alias("level"), "value", "n"))


def matchups(plays: pl.DataFrame, player_play: pl.DataFrame | None,
             positions: pl.DataFrame) -> pl.DataFrame:
    """Man matchups by position pair (CB→WR, S→TE, LB→RB, ...): share of all defenders
    charted ``MAN`` with a ``pff_primaryDefensiveCoverageMatchupNflId`` (real charting
    also names a primary matchup for zone defenders; those are left out)."""
    col = "pff_primaryDefensiveCoverageMatchupNflId"
    if player_play is None or col not in player_play.columns:
        return pl.DataFrame(schema=dict(zip(OUT, (pl.String, pl.String, pl.Float64,
                                                  pl.Int64), strict=True)))
    d = _defenders(plays, player_play, positions).filter(
        pl.col(col).cast(pl.Float64, strict=False).is_not_null()
        & (pl.col("pff_defensiveCoverageAssignment").cast(pl.String) == "MAN"))
    target = positions.select(pl.col("nflId").alias("target"),
                              pl.col("group").alias("target_group"))
    pairs = (d.with_columns(pl.col(col).cast(pl.Float64, strict=False).cast(pl.Int64)
                            .alias("target"))
             .join(target, on="target", how="left")
             .with_columns(pl.col("target_group").fill_null("UNK")))
    return (pairs.group_by("group", "target_group").len()
            .with_columns((pl.col("len") / pl.col("len").sum()).alias("value"),
                          pl.col("len").sum().cast(pl.Int64).alias("n"))
            .select(pl.lit("man matchups (share of all)").alias("table"),
                    pl.concat_str("group", pl.lit("→"), "target_group").alias("level"),
                    "value", "n"))


PACKAGES = ("base", "nickel", "dime")
WR_BUCKETS = ("0-1 WR", "2 WR", "3 WR", "4+ WR")


def personnel_by_play(plays: pl.DataFrame, player_play: pl.DataFrame | None,
                      positions: pl.DataFrame) -> pl.DataFrame | None:
    """Per play: the defense's package from its defensive backs on the field (<= 4 base,
    5 nickel, 6+ dime), the offense's wide-receiver bucket and personnel ("11": backs,
    tight ends), and man (1/0; null when the play is neither Man nor Zone). None without
    player_play or team columns."""
    need = ("gameId", "playId", "nflId", "teamAbbr")
    if player_play is None or not all(c in player_play.columns for c in need):
        return None
    keys = plays.select(pl.col("gameId").cast(pl.Int64), pl.col("playId").cast(pl.Int64),
                        pl.col("possessionTeam").cast(pl.String),
                        pl.col("defensiveTeam").cast(pl.String),
                        pl.when(_LABELLED).then(is_man().cast(pl.Float64)).alias("man"))
    team = pl.col("teamAbbr").cast(pl.String)
    per = (player_play.select(*[pl.col(c).cast(pl.Int64) for c in need[:3]], team)
           .join(keys, on=PLAY_KEYS, how="inner")
           .join(positions, on="nflId", how="left")
           .group_by(PLAY_KEYS)
           .agg((pl.col("group").is_in(["CB", "S"]) & (team == pl.col("defensiveTeam")))
                .sum().alias("db"),
                *[((pl.col("group") == g) & (team == pl.col("possessionTeam")))
                  .sum().alias(g.lower()) for g in ("WR", "RB", "TE")],
                pl.col("man").first()))
    return per.select(
        *PLAY_KEYS, "man",
        pl.concat_str(pl.col("rb").cast(pl.String), pl.col("te").cast(pl.String))
        .alias("personnel"),
        pl.when(pl.col("db") <= 4).then(pl.lit("base")).when(pl.col("db") == 5)
        .then(pl.lit("nickel")).otherwise(pl.lit("dime")).alias("package"),
        pl.when(pl.col("wr") <= 1).then(pl.lit("0-1 WR")).when(pl.col("wr") >= 4)
        .then(pl.lit("4+ WR")).otherwise(pl.col("wr").cast(pl.String) + " WR").alias("wr"))


def _mix(per: pl.DataFrame, by: list[str], table: str) -> pl.DataFrame:
    """Share of each package within each ``by`` cell, every package listed (0 when none)."""
    grid = pl.DataFrame({"package": PACKAGES})
    cells = per.select(by).unique() if by else pl.DataFrame({"_": [0]})
    got = per.group_by(*by, "package").len() if by else per.group_by("package").len()
    full = cells.join(grid, how="cross")
    on = [*by, "package"]
    full = (full.join(got, on=on, how="left").with_columns(pl.col("len").fill_null(0))
            .with_columns(pl.col("len").sum().over(by or "_").alias("n")))
    level = pl.concat_str(*by, pl.lit(": "), "package") if by else pl.col("package")
    return full.select(pl.lit(table).alias("table"), level.alias("level"),
                       (pl.col("len") / pl.col("n")).alias("value"),
                       pl.col("n").cast(pl.Int64))


def package_tables(plays: pl.DataFrame, player_play: pl.DataFrame | None,
                   positions: pl.DataFrame) -> pl.DataFrame:
    """Defensive personnel against coverage: the package mix (overall and per wide-receiver
    bucket) and P(man) among Man+Zone plays by package and by wide receivers x package.
    Real defenses tie the two together (dime plays man more); a simulator that picks them
    apart teaches a model that the package says nothing."""
    per = personnel_by_play(plays, player_play, positions)
    if per is None or per.is_empty():
        return pl.DataFrame(schema=dict(zip(OUT, (pl.String, pl.String, pl.Float64,
                                                  pl.Int64), strict=True)))
    lab = per.filter(pl.col("man").is_not_null())
    man = [lab.group_by("package").agg(pl.col("man").mean().alias("value"), pl.len().alias("n"))
           .select(pl.lit("P(man) by package").alias("table"), pl.col("package").alias("level"),
                   "value", "n"),
           lab.group_by("wr", "package").agg(pl.col("man").mean().alias("value"),
                                             pl.len().alias("n"))
           .select(pl.lit("P(man) by WR x package").alias("table"),
                   pl.concat_str("wr", pl.lit(", "), "package").alias("level"), "value", "n")]
    return pl.concat([_mix(per, [], "package mix"), _mix(per, ["wr"], "package mix by WR"),
                      *[m.with_columns(pl.col("n").cast(pl.Int64)) for m in man]])


def offense_personnel(plays: pl.DataFrame, player_play: pl.DataFrame | None,
                      positions: pl.DataFrame) -> pl.DataFrame:
    """Share of plays by the offense's personnel ("11": one back, one tight end). Who
    stands in the formation decides whom the defense can match in man (a corner on a tight
    end needs a tight end on the field)."""
    per = personnel_by_play(plays, player_play, positions)
    if per is None or per.is_empty():
        return pl.DataFrame(schema=dict(zip(OUT, (pl.String, pl.String, pl.Float64,
                                                  pl.Int64), strict=True)))
    return (per.group_by(pl.col("personnel").alias("level")).len()
            .select(pl.lit("offense personnel (share)").alias("table"), "level",
                    (pl.col("len") / pl.col("len").sum()).alias("value"),
                    pl.col("len").sum().cast(pl.Int64).alias("n")))


def label_tables(plays: pl.DataFrame, player_play: pl.DataFrame | None,
                 positions: pl.DataFrame) -> pl.DataFrame:
    """Every label-table figure of one side, long: (table, level, value, n)."""
    return pl.concat([man_rate_by_situation(plays), motion_rates(plays, player_play),
                      motion_men_by_position(plays, player_play, positions),
                      matchups(plays, player_play, positions),
                      assignment_mix(plays, player_play, positions),
                      package_tables(plays, player_play, positions),
                      offense_personnel(plays, player_play, positions)])


def side_by_side(synthetic: pl.DataFrame, real: pl.DataFrame) -> pl.DataFrame:
    """(table, level): synthetic | real | difference | n real | n synthetic."""
    s = synthetic.rename({"value": "synthetic", "n": "n synthetic"})
    r = real.rename({"value": "real", "n": "n real"})
    # a pairing or assignment one side never shows is a share of 0, not a gap
    share = pl.col("table").str.starts_with("man matchups") \
        | pl.col("table").str.starts_with("assignment mix") \
        | pl.col("table").str.starts_with("offense personnel")
    return (s.join(r, on=["table", "level"], how="full", coalesce=True)
            .with_columns(*[pl.when(share).then(pl.col(c).fill_null(0.0))
                            .otherwise(pl.col(c)).alias(c) for c in ("synthetic", "real")],
                          *[pl.when(share).then(pl.col(c).fill_null(pl.col(c).max()
                                                                   .over("table")))
                            .otherwise(pl.col(c)).alias(c) for c in ("n synthetic", "n real")])
            .with_columns((pl.col("synthetic") - pl.col("real")).alias("difference"))
            .sort("table", "level")
            .select("table", "level", "synthetic", "real", "difference", "n real",
                    "n synthetic"))
