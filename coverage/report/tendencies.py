"""What one defense plays, against the league over the same weeks, with counts and 95%
Wilson intervals.

Charted labels come first: a man rate is Man / (Man + Zone) of ``pff_manZone`` (Other
and missing labels are neither, as everywhere in the package) and the family mix is
``pff_passCoverage`` grouped by :func:`coverage.vocab.family_expr`. Where a play has no
label but the store holds a model's P(man) for it, the report gives the model's mean
P(man) at the snap instead, always under the model's name and never mixed with the
charted rates: a prediction is an estimate of the label, not a count of it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import polars as pl

from coverage.app.provenance import provenance
from coverage.errors import CoverageError
from coverage.evaluation import accuracy_by_time, ece, with_wilson
from coverage.report.giveaway import LEAGUE, SCOPE, giveaway
from coverage.report.motion import p_man_across_motion, travel_rates, with_motion
from coverage.report.packages import package_families, shares, with_shells
from coverage.report.telling import TellingPlay, telling_plays
from coverage.store import PlayTables
from coverage.tabular.context import _yards_to_goal, context_table
from coverage.tabular.features import personnel, players_table
from coverage.vocab import (
    DISTANCE_BUCKETS,
    FAMILIES,
    RED_ZONE_YARDS,
    clock_state_expr,
    distance_expr,
    family_expr,
    goal_to_go_expr,
    is_man,
    is_man_or_zone,
    score_state_expr,
)

# the situations each tendency is cut by: (title, the report columns that define it)
SITUATIONS: dict[str, tuple[str, ...]] = {
    "down & distance": ("down", "distance"),
    "field zone": ("field_zone",),
    "score (the defense's margin)": ("score_state",),
    "quarter and clock": ("clock_state",),
}
# what the offense shows and what the defense sends out: (title, columns)
PERSONNEL: dict[str, tuple[str, ...]] = {
    "offensive formation": ("offenseFormation",),
    "receiver alignment": ("receiverAlignment",),
    "offensive personnel (RB-TE)": ("off_personnel",),
    "defensive package": ("def_package",),
}
MAX_GROUPS = 8  # most groups one personnel figure shows
PACKAGES = ("base", "nickel", "dime", "quarter")  # coverage.tabular.features.personnel's
BACKED_UP_YARDS = 80  # "backed up": the offense snaps inside its own 20
# the report's field zones, own goal to theirs; goal to go (the first-down line is the
# goal line, the NFL's own definition) wins over red zone (inside the opponent's 20)
FIELD_ZONE_WORDS = {"backed": "backed up (own 1-20)", "open": "open field",
                    "red": "red zone (not goal to go)", "goal": "goal to go"}
FIELD_ZONE_DEFINITION = (
    "Field zones: backed up = the offense snaps inside its own 20; red zone = inside the "
    f"opponent's {RED_ZONE_YARDS} with the first-down line short of the goal line; goal to "
    "go = the first-down line is the goal line; open field = everything else.")


@dataclass(frozen=True)
class ScoutingReport:
    """Every figure of one defense's report; each frame has ``scope`` (the defense or
    ``league``), ``n_plays``, ``k``, a rate and ``ci_low`` / ``ci_high``."""

    defense: str
    weeks: list[int]
    source: str
    overall: pl.DataFrame
    situations: dict[str, pl.DataFrame]
    families: pl.DataFrame
    personnel: dict[str, pl.DataFrame] = field(default_factory=dict)
    predicted: pl.DataFrame | None = None
    model_label: str | None = None
    early_read: pl.DataFrame | None = None
    calibration: dict[str, dict[str, float]] = field(default_factory=dict)
    giveaway: pl.DataFrame | None = None
    giveaway_label: str | None = None
    telling: list[TellingPlay] = field(default_factory=list)  # most telling plays (model)
    # against motion: travel share (tracking geometry), man rate by travel (charted),
    # P(man) before / after the motion (model)
    travel: pl.DataFrame | None = None
    travel_man: pl.DataFrame | None = None
    motion_p_man: pl.DataFrame | None = None
    package_families: pl.DataFrame | None = None  # family mix per package (charted)
    shells: pl.DataFrame | None = None  # detected shell shares (formation detection)
    shell_man: pl.DataFrame | None = None  # man rate by detected shell (charted)
    other: str | None = None  # comparison mode: the second defense (or half season)
    notes: list[str] = field(default_factory=list)

    @property
    def synthetic(self) -> bool:
        return self.source == "synthetic"


def report_plays(store: PlayTables, weeks: Sequence[int] | None = None) -> pl.DataFrame:
    """Every play of ``weeks`` (all when None) with the report's columns: ``man`` (True /
    False for a Man / Zone label, null otherwise), ``family``, ``distance`` and
    ``field_zone``. All plays, tracked or not: labels need no tracking."""
    plays = store.all_plays()
    if weeks is not None:
        plays = plays.filter(pl.col("week").is_in(list(weeks)))
    plays = plays.join(_game_state(plays), on=["gameId", "playId"], how="left").join(
        _packages(store, plays), on=["gameId", "playId"], how="left")
    plays = plays.with_columns(
        pl.col("gameId").cast(pl.Int64), pl.col("playId").cast(pl.Int64),
        pl.col("defensiveTeam").cast(pl.String),
        pl.when(is_man_or_zone()).then(is_man()).otherwise(None).alias("man"),
        family_expr(),
        distance_expr(names=DISTANCE_BUCKETS).alias("distance"),
        _yards_to_goal(plays.schema).alias("to_goal"),
    ).with_columns(report_field_zone_expr().alias("field_zone"))
    chosen = list(weeks) if weeks is not None else sorted(
        plays["week"].drop_nulls().unique().to_list())
    return with_motion(store, with_shells(store, plays), chosen)


def report_field_zone_expr(to_goal: str = "to_goal", togo: str = "yardsToGo") -> pl.Expr:
    """The report's field zone of a play (:data:`FIELD_ZONE_WORDS`' words; null without a
    field position)."""
    y, words = pl.col(to_goal), FIELD_ZONE_WORDS
    return (pl.when(y.is_null()).then(None)
            .when(goal_to_go_expr(togo, to_goal).fill_null(False)).then(pl.lit(words["goal"]))
            .when(y <= RED_ZONE_YARDS).then(pl.lit(words["red"]))
            .when(y >= BACKED_UP_YARDS).then(pl.lit(words["backed"]))
            .otherwise(pl.lit(words["open"])))


def _game_state(plays: pl.DataFrame) -> pl.DataFrame:
    """Score and clock state per play, from the context table's offense-side margin and
    half clock (one spelling of both, shared with the tabular model)."""
    need = {"preSnapHomeScore", "preSnapVisitorScore", "homeTeamAbbr", "gameClock",
            "quarter", "possessionTeam", "yardsToGo"}
    keys = plays.select(pl.col("gameId").cast(pl.Int64), pl.col("playId").cast(pl.Int64))
    if not need <= set(plays.columns):
        return keys.with_columns(pl.lit(None, pl.String).alias("score_state"),
                                 pl.lit(None, pl.String).alias("clock_state"))
    ctx = context_table(plays.select(*sorted(need), "gameId", "playId"))
    return ctx.select("gameId", "playId",
                      score_state_expr(-pl.col("score_diff")).alias("score_state"),
                      clock_state_expr().alias("clock_state"))


def _packages(store: PlayTables, plays: pl.DataFrame) -> pl.DataFrame:
    """Offensive personnel and defensive package per play, counted from who was on the
    field (player_play + players); nulls where those tables are missing."""
    read = getattr(store, "player_play", None)
    player_play = read() if read is not None else None
    out = personnel(plays, player_play, players_table(store))
    return out.select(pl.col("gameId").cast(pl.Int64), pl.col("playId").cast(pl.Int64),
                      "off_personnel", "def_package")


def defenses(store: PlayTables) -> list[str]:
    """The defenses a report can be made for: every defensive team in the plays."""
    return sorted(store.all_plays()["defensiveTeam"].drop_nulls().cast(pl.String)
                  .unique().to_list())


def _scoped(plays: pl.DataFrame, defense: str) -> pl.DataFrame:
    """The defense's plays (scope = defense) stacked on every play (scope = league)."""
    return pl.concat([plays.filter(pl.col("defensiveTeam") == defense)
                      .with_columns(pl.lit(defense).alias(SCOPE)),
                      plays.with_columns(pl.lit(LEAGUE).alias(SCOPE))])


def man_rates(plays: pl.DataFrame, defense: str, by: Sequence[str] = ()) -> pl.DataFrame:
    """Man rate (Man of Man + Zone labels) per scope and ``by`` group, with its interval."""
    out = (_scoped(plays.filter(pl.col("man").is_not_null()), defense)
           .drop_nulls(list(by))
           .group_by(SCOPE, *by)
           .agg(pl.len().alias("n_plays"), pl.col("man").sum().cast(pl.Int64).alias("k"))
           .with_columns((pl.col("k") / pl.col("n_plays")).alias("man_rate"))
           .sort(SCOPE, *by))
    return with_wilson(out)


def top_groups(rates: pl.DataFrame, scopes: Sequence[str], by: Sequence[str],
               n: int = MAX_GROUPS) -> pl.DataFrame:
    """The ``n`` groups the defenses in ``scopes`` saw most together (a figure that fits
    on a printed page); groups they never saw are dropped: a league-only bar scouts
    nobody."""
    seen = (rates.filter(pl.col(SCOPE).is_in(list(scopes))).group_by(*by)
            .agg(pl.col("n_plays").sum()).sort("n_plays", *by, descending=True)
            .head(n).select(*by))
    return rates.join(seen, on=list(by), how="semi")


def family_mix(plays: pl.DataFrame, defense: str) -> pl.DataFrame:
    """Share of each coverage family among the labelled plays, per scope (every family
    listed, zero included, in :data:`coverage.vocab.FAMILIES` order)."""
    scoped = _scoped(plays.filter(pl.col("family").is_not_null()), defense)
    totals = scoped.group_by(SCOPE).agg(pl.len().alias("n_plays"))
    grid = totals.join(pl.DataFrame({"family": list(FAMILIES)}), how="cross")
    counts = scoped.group_by(SCOPE, "family").agg(pl.len().cast(pl.Int64).alias("k"))
    out = (grid.join(counts, on=[SCOPE, "family"], how="left")
           .with_columns(pl.col("k").fill_null(0))
           .with_columns((pl.col("k") / pl.col("n_plays")).alias("share"),
                         pl.col("family").replace_strict(list(FAMILIES),
                                                         list(range(len(FAMILIES))))
                         .alias("_order"))
           .sort(SCOPE, "_order").drop("_order"))
    return with_wilson(out)


def snap_predictions(preds: pl.DataFrame) -> pl.DataFrame:
    """One P(man) per model and play: the last frame at or before the snap."""
    return (preds.filter(pl.col("secs_from_snap") <= 1e-6)
            .sort("secs_from_snap")
            .group_by("model", "gameId", "playId")
            .agg(pl.col("p_man").last()))


def predicted_man_rates(plays: pl.DataFrame, preds: pl.DataFrame, defense: str, model: str
                        ) -> pl.DataFrame:
    """Mean P(man) at the snap of ``model`` over the plays with no Man / Zone label, per
    scope; ``k`` is the expected number of man plays (the interval treats it as a count,
    so it shows the sampling spread only, not the model's own error)."""
    snap = snap_predictions(preds.filter(pl.col("model") == model)).drop("model")
    unlabelled = plays.filter(pl.col("man").is_null()).join(snap, on=["gameId", "playId"])
    out = (_scoped(unlabelled, defense).group_by(SCOPE)
           .agg(pl.len().alias("n_plays"), pl.col("p_man").sum().alias("k"),
                pl.col("p_man").mean().alias("man_rate"))
           .sort(SCOPE))
    return with_wilson(out)


def _stored_predictions(store: PlayTables, weeks: Sequence[int]) -> pl.DataFrame | None:
    """The store's P(man) rows for ``weeks``; None for label tables or when there are none."""
    read = getattr(store, "predictions", None)
    if read is None:
        return None
    frames = [p for w in weeks if (p := read(w)) is not None and p.height]
    return pl.concat(frames, how="diagonal_relaxed") if frames else None


READ_BIN_SECS, READ_MAX_SECS = 0.5, 3.0  # the early-read figure's time bins


def early_read(plays: pl.DataFrame, preds: pl.DataFrame, defense: str, model: str
               ) -> pl.DataFrame:
    """Accuracy of ``model`` on the charted Man / Zone plays per half second before the
    snap, per scope (:func:`coverage.evaluation.accuracy_by_time`, the Accuracy page's
    estimator): how early this defense's coverage can be read against the league's."""
    labelled = plays.filter(pl.col("man").is_not_null()).select(
        "gameId", "playId", "defensiveTeam", pl.col("man").cast(pl.Int64).alias("y"))
    scored = _scoped(labelled.join(preds.filter(pl.col("model") == model).drop("model"),
                                   on=["gameId", "playId"]), defense)
    out = accuracy_by_time(scored.with_columns(pl.col(SCOPE).alias("model")),
                           bin_secs=READ_BIN_SECS, max_secs=READ_MAX_SECS)
    return out.rename({"model": SCOPE}).with_columns(
        pl.format("{} s before the snap", pl.col("secs_from_snap").abs().round(1))
        .alias("before_snap"))


def calibration(plays: pl.DataFrame, preds: pl.DataFrame, defense: str, model: str
                ) -> dict[str, dict[str, float]]:
    """Snap accuracy, expected calibration error and play count of ``model`` on the
    charted plays, per scope: what a predicted man rate's trust rests on."""
    snap = snap_predictions(preds.filter(pl.col("model") == model)).drop("model")
    df = _scoped(plays.filter(pl.col("man").is_not_null()).join(snap, on=["gameId", "playId"]),
                 defense)
    out = {}
    for scope in (defense, LEAGUE):
        part = df.filter(pl.col(SCOPE) == scope)
        if part.height:
            y, p = part["man"].cast(pl.Int64).to_numpy(), part["p_man"].to_numpy()
            out[scope] = {"n_plays": float(part.height), "ece": ece(y, p),
                          "accuracy": float(((p >= 0.5) == (y == 1)).mean())}
    return out


@dataclass(frozen=True)
class _ModelFigures:
    predicted: pl.DataFrame | None = None
    label: str | None = None
    early_read: pl.DataFrame | None = None
    calibration: dict[str, dict[str, float]] = field(default_factory=dict)
    motion_p_man: pl.DataFrame | None = None
    telling: list[TellingPlay] = field(default_factory=list)


def _model_figures(store: PlayTables, plays: pl.DataFrame, defense: str,
                   weeks: Sequence[int]) -> _ModelFigures:
    """The model figures of the best stored model (one trained on this kind of data
    first): predicted man rate of the unlabelled plays, early read, calibration, P(man)
    across the motion and the most telling plays."""
    preds = _stored_predictions(store, weeks)
    if preds is None:
        return _ModelFigures()
    prov = provenance(store, preds["model"].unique().to_list())
    model = prov.default(prov.models)
    if model is None:
        return _ModelFigures()
    predicted = predicted_man_rates(plays, preds, defense, model)
    if predicted.filter(pl.col(SCOPE) == defense).is_empty():
        predicted = None
    read = early_read(plays, preds, defense, model)
    if read.filter(pl.col(SCOPE) == defense).is_empty():
        read = None
    return _ModelFigures(predicted, prov.label(model), read,
                         calibration(plays, preds, defense, model),
                         p_man_across_motion(plays, preds, defense, model),
                         telling_plays(store, plays, preds, defense, model, prov.labels()))


def chosen_weeks(store: PlayTables, defense: str, weeks: Sequence[int] | None) -> list[int]:
    """``weeks`` checked against the data (every labelled week when None): an unknown
    defense or week is refused with the valid choices, never an empty report."""
    valid = defenses(store)
    if defense not in valid:
        raise CoverageError(f"defense {defense!r} is not in the data; valid teams: "
                            f"{', '.join(valid)}")
    have = store.label_weeks
    chosen = sorted(set(weeks)) if weeks else have
    missing = [w for w in chosen if w not in have]
    if missing:
        raise CoverageError(f"week(s) {', '.join(map(str, missing))} not in the data; "
                            f"weeks with plays: {', '.join(map(str, have))}")
    return chosen


def assemble(store: PlayTables, plays: pl.DataFrame, defense: str, weeks: list[int]
             ) -> ScoutingReport:
    """Every figure of ``defense`` (a ``defensiveTeam`` value of ``plays``, which may be
    relabelled, e.g. one half of a season) against all of ``plays``."""
    if plays.filter(pl.col("defensiveTeam") == defense).is_empty():
        raise CoverageError(f"{defense} has no plays in week(s) "
                            f"{', '.join(map(str, weeks))}")
    model = _model_figures(store, plays, defense, weeks)
    by_position, giveaway_label = giveaway(store, plays, defense, weeks)
    n_unlabelled = plays.filter((pl.col("defensiveTeam") == defense)
                                & pl.col("man").is_null()).height
    notes = [f"{n_unlabelled} of {defense}'s plays have no Man/Zone label (Other or not "
             "charted): they are left out of the charted rates."] if n_unlabelled else []
    return ScoutingReport(
        defense=defense, weeks=weeks, source=store.source,
        overall=man_rates(plays, defense),
        situations={t: man_rates(plays, defense, by) for t, by in SITUATIONS.items()},
        personnel={t: top_groups(man_rates(plays, defense, by), [defense], by)
                   for t, by in PERSONNEL.items()},
        families=family_mix(plays, defense),
        predicted=model.predicted, model_label=model.label, early_read=model.early_read,
        calibration=model.calibration, giveaway=by_position,
        giveaway_label=giveaway_label, notes=notes, telling=model.telling,
        travel=travel_rates(plays, defense), motion_p_man=model.motion_p_man,
        travel_man=_if_mine(man_rates(plays, defense, ["travel"]), defense),
        package_families=package_families(plays, defense),
        shells=_if_mine(shares(plays, defense, "def_shell"), defense),
        shell_man=_if_mine(man_rates(plays, defense, ["def_shell"]), defense),
    )


def _if_mine(df: pl.DataFrame, defense: str) -> pl.DataFrame | None:
    """``df``, or None when it holds no row of ``defense`` (a figure of the league alone
    scouts nobody)."""
    return df if df.filter(pl.col(SCOPE) == defense).height else None


def build_report(store: PlayTables, defense: str, weeks: Sequence[int] | None = None
                 ) -> ScoutingReport:
    """The scouting report of ``defense`` over ``weeks`` (every labelled week when None)."""
    chosen = chosen_weeks(store, defense, weeks)
    return assemble(store, report_plays(store, chosen), defense, chosen)
