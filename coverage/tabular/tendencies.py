"""Coverage habits learned from the training weeks: defenses, defenders, offenses faced.

A defense's man rate over seven weeks rests on a few hundred plays, a defender's on fewer, so
every rate is shrunk toward the league with an empirical-Bayes beta prior whose strength
is fitted to how much the groups really differ (method of moments): noisy groups are
pulled in hard, genuinely different ones keep their own rate.

No row sees its own label. A training-week row's tendencies are computed *without its own
game* (leave-one-game-out: the same defense's other games only), which is also what a
held-out week looks like, since its games are all unseen; rows of other weeks get the
full training-week counts. :func:`tendency_features` does both with one formula: totals
minus the row's own game's counts, which are zero outside the training weeks; the league
rate it is shrunk toward leaves the game out the same way. (Only the prior *strength*, one
number per table, is fitted once on all training weeks.)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from coverage.schema import PLAY_KEYS
from coverage.stats import beta_shrink, eb_strength
from coverage.vocab import FAMILIES

FAMILY_COLS = tuple(f"fam_{i}" for i in range(len(FAMILIES)))
DEFENSE = ("def_man_rate", "def_man_rate_late", *(f"def_{c}" for c in FAMILY_COLS))
OFFENSE = ("off_faced_man_rate",)
PLAYERS = ("db_man_mean", "db_man_max", "def_man_sum")
DB_POSITIONS = ("CB", "SS", "FS", "DB")


@dataclass(frozen=True)
class Counts:
    """Per-group and per-group-and-game counts of one tendency (training weeks only)."""

    keys: tuple[str, ...]
    totals: pl.DataFrame   # keys..., k_*, n
    by_game: pl.DataFrame  # keys..., gameId, k_*, n
    prior: dict[str, float]
    strength: float

    def shrunk(self, target: str = "man") -> pl.Expr:
        """``target``'s shrunk rate over every counted game, per row of :attr:`totals`."""
        return beta_shrink(pl.col(f"k_{target}"), pl.col("n"), self.prior[target], self.strength)


def _count(rows: pl.DataFrame, keys: tuple[str, ...], targets: dict[str, pl.Expr]) -> Counts:
    aggs = [e.sum().cast(pl.Float64).alias(f"k_{name}") for name, e in targets.items()]
    by_game = rows.group_by(*keys, "gameId").agg(*aggs, pl.len().cast(pl.Float64).alias("n"))
    totals = (by_game.group_by(*keys).agg(pl.col("^k_.*$").sum(), pl.col("n").sum())
              .sort(list(keys)))
    n = totals["n"].sum()
    prior = {t: float(totals[f"k_{t}"].sum() / n) if n else 0.0 for t in targets}
    # one strength per table: the median over its targets (family shares share one prior)
    strength = float(np.median([eb_strength(totals[f"k_{t}"].to_numpy(), totals["n"].to_numpy())
                                for t in targets]))
    return Counts(keys, totals, by_game, prior, strength)


def _apply(rows: pl.DataFrame, c: Counts, names: dict[str, str]) -> pl.DataFrame:
    """Join out-of-game shrunk rates ``names[target] -> column`` onto ``rows``."""
    tot = c.totals.rename({col: f"{col}_tot" for col in c.totals.columns if col not in c.keys})
    # the league rate without the row's game, too
    league = c.by_game.group_by("gameId").agg(
        *[pl.col(f"k_{t}").sum().alias(f"k_{t}_league") for t in names], pl.col("n").sum()
        .alias("n_league"))
    n_all = float(c.totals["n"].sum())
    out = (rows.join(tot, on=list(c.keys), how="left")
           .join(c.by_game, on=[*c.keys, "gameId"], how="left")
           .join(league, on="gameId", how="left"))
    n = pl.col("n_tot").fill_null(0) - pl.col("n").fill_null(0)
    n_out = n_all - pl.col("n_league").fill_null(0)
    exprs = [beta_shrink(pl.col(f"k_{t}_tot").fill_null(0) - pl.col(f"k_{t}").fill_null(0), n,
                         ((c.prior[t] * n_all - pl.col(f"k_{t}_league").fill_null(0))
                          / n_out.clip(1.0, None)), c.strength).cast(pl.Float32).alias(col)
             for t, col in names.items()]
    return out.with_columns(exprs).select(*rows.columns, *names.values())


@dataclass(frozen=True)
class Tendencies:
    """Everything learned from the training weeks that a row's tendency features need."""

    defense: Counts
    families: Counts
    defense_late: Counts
    offense: Counts
    players: Counts | None
    weeks: tuple[int, ...]


def _late(rows: pl.DataFrame) -> pl.DataFrame:
    return rows.with_columns((pl.col("down").cast(pl.Float32) >= 3).alias("late_down"))


def defender_rows(player_play: pl.DataFrame | None, players: pl.DataFrame | None,
                  plays: pl.DataFrame) -> pl.DataFrame:
    """(gameId, playId, nflId, is_db, man) of every defender on the field; ``man`` is his
    charted assignment (null where none was charted) — a label, only ever counted over
    training weeks."""
    schema = {"gameId": pl.Int64, "playId": pl.Int64, "nflId": pl.Int64, "is_db": pl.Boolean,
              "man": pl.Float64}
    if (player_play is None or "pff_defensiveCoverageAssignment" not in player_play.columns
            or players is None or "position" not in players.columns):
        return pl.DataFrame(schema=schema)
    keys = plays.select(pl.col("gameId").cast(pl.Int64), pl.col("playId").cast(pl.Int64),
                        pl.col("defensiveTeam").cast(pl.String))
    pos = players.lazy().select(pl.col("nflId").cast(pl.Int64),
                                pl.col("position").cast(pl.String).is_in(DB_POSITIONS)
                                .fill_null(False).alias("is_db"))
    a = pl.col("pff_defensiveCoverageAssignment").cast(pl.String)
    return (player_play.lazy()
            .select(pl.col("gameId").cast(pl.Int64), pl.col("playId").cast(pl.Int64),
                    pl.col("nflId").cast(pl.Int64), pl.col("teamAbbr").cast(pl.String), a)
            .join(keys.lazy(), on=PLAY_KEYS, how="inner")
            .filter(pl.col("teamAbbr") == pl.col("defensiveTeam"))
            .join(pos, on="nflId", how="left")
            .select("gameId", "playId", "nflId", pl.col("is_db").fill_null(False),
                    pl.when(a.is_null()).then(None).otherwise((a == "MAN").cast(pl.Float64))
                    .alias("man"))
            .collect())


def fit_tendencies(table: pl.DataFrame, defenders: pl.DataFrame,
                   weeks: tuple[int, ...]) -> Tendencies:
    """Count the training weeks' labels (``table`` from :func:`play_features`)."""
    train = _late(table.filter(pl.col("week").is_in(list(weeks))))
    man = train.filter(pl.col("label").is_not_null())
    fam = train.filter(pl.col("family_id").is_not_null())
    fam_targets = {c: pl.col("family_id") == i for i, c in enumerate(FAMILY_COLS)}
    players = None
    if defenders.height:
        d = defenders.join(train.select(PLAY_KEYS), on=PLAY_KEYS, how="semi")
        d = d.filter(pl.col("man").is_not_null())
        players = _count(d, ("nflId",), {"man": pl.col("man") > 0}) if d.height else None
    return Tendencies(
        defense=_count(man, ("defensiveTeam",), {"man": pl.col("label") > 0}),
        families=_count(fam, ("defensiveTeam",), fam_targets),
        defense_late=_count(man, ("defensiveTeam", "late_down"), {"man": pl.col("label") > 0}),
        offense=_count(man, ("possessionTeam",), {"man": pl.col("label") > 0}),
        players=players, weeks=tuple(weeks))


def _player_features(table: pl.DataFrame, defenders: pl.DataFrame, c: Counts | None
                     ) -> pl.DataFrame:
    keys = table.select(PLAY_KEYS)
    if c is None or defenders.height == 0:
        return keys.with_columns(*[pl.lit(None, pl.Float32).alias(n) for n in PLAYERS])
    d = _apply(defenders.join(keys, on=PLAY_KEYS, how="semi"), c, {"man": "p_man_player"})
    db = pl.col("p_man_player").filter(pl.col("is_db"))
    # a fixed summation order: float sums in another order differ in the last bit, which
    # is enough to move a tree split between two otherwise identical runs
    agg = (d.sort(*PLAY_KEYS, "nflId").group_by(PLAY_KEYS, maintain_order=True)
           .agg(db.mean().alias(PLAYERS[0]), db.max().alias(PLAYERS[1]),
                pl.col("p_man_player").sum().alias(PLAYERS[2])))
    return keys.join(agg, on=PLAY_KEYS, how="left")


def tendency_features(table: pl.DataFrame, defenders: pl.DataFrame, t: Tendencies
                      ) -> pl.DataFrame:
    """``table`` plus :data:`DEFENSE`, :data:`OFFENSE` and :data:`PLAYERS` columns, each
    row's own game left out of the counts when it is a training-week row."""
    fam = {c: f"def_{c}" for c in FAMILY_COLS}
    out = _apply(_apply(table, t.defense, {"man": DEFENSE[0]}), t.families, fam)
    out = _apply(_late(out), t.defense_late, {"man": DEFENSE[1]}).drop("late_down")
    out = _apply(out, t.offense, {"man": OFFENSE[0]})
    return out.join(_player_features(table, defenders, t.players), on=PLAY_KEYS, how="left")
