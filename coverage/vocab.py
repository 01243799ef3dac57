"""The football vocabulary every layer shares: coverage labels, distance buckets, field
zones and coverage families.

One module so that the simulator, the models, the app and the calibration tooling cannot
disagree on what "Man", "medium distance" or "red zone" means: the simulator draws its
calls by the same buckets the app filters by, and a model trained on synthetic data sees
the situations cut where the real season is cut. It sits at the bottom of the import
graph (polars only).

Families: PFF's ``pff_passCoverage`` has ~20 spellings of ~8 ideas (Cover-6 Left/Right
are one coverage seen from either side, Cover-3 Seam/Cloud are Cover-3 variants), and the
per-defender ``pff_defensiveCoverageAssignment`` has ~20 zone landmarks. Grouping both
keeps every class frequent enough to learn from a season of tracking, and makes the
groups symmetric under the left/right mirror we train with. The man/zone link is by
construction: a family is either man (Cover-0, Cover-1, 2-Man) or not, so
``P(man) = P(Cover-0) + P(Cover-1) + P(2-Man)`` always agrees with the family
probabilities. "Other" (Red Zone, Goal Line, Bracket, Prevent, Misc) is labelled neither
Man nor Zone by PFF and contributes nothing to P(man).
"""

from __future__ import annotations

import polars as pl

# --------------------------------------------------------------------------- labels
LABEL_COLUMN = "pff_manZone"
MAN, ZONE, OTHER = "Man", "Zone", "Other"
MAN_ZONE: tuple[str, str] = (MAN, ZONE)  # the two classes a binary model scores


def is_man(col: str | pl.Expr = LABEL_COLUMN) -> pl.Expr:
    """True for a Man label (false for Zone / Other, null stays null)."""
    c = pl.col(col) if isinstance(col, str) else col
    return c == MAN


def is_man_or_zone(col: str | pl.Expr = LABEL_COLUMN) -> pl.Expr:
    """True for the plays a man/zone model can be scored on (Other and missing cannot)."""
    c = pl.col(col) if isinstance(col, str) else col
    return c.is_in(MAN_ZONE)


def label_expr(col: str = LABEL_COLUMN) -> pl.Expr:
    """Man=1, Zone=0, anything else (Other, missing) null so it is excluded and counted."""
    return (pl.when(is_man(col)).then(pl.lit(1.0, pl.Float32))
            .when(pl.col(col) == ZONE).then(pl.lit(0.0, pl.Float32))
            .otherwise(pl.lit(None, pl.Float32)).alias("label"))


def labelled(plays: pl.DataFrame, col: str = LABEL_COLUMN) -> pl.DataFrame:
    """Plays with a Man or Zone label (Other / missing cannot score a binary model)."""
    return plays.filter(is_man_or_zone(col))


def man_zone_name(man: bool) -> str:
    """The label name of a binary call."""
    return MAN if man else ZONE


def man_zone_expr(man: pl.Expr) -> pl.Expr:
    """The label name of a boolean column (null stays null)."""
    return pl.when(man.is_null()).then(None).when(man).then(pl.lit(MAN)).otherwise(pl.lit(ZONE))


# --------------------------------------------------------------------------- distance
SHORT_MAX_YARDS = 3
# The one medium/long cut-off: "medium" ends here, "long" is anything beyond.
DISTANCE_CUTOFF_YARDS = 6
DISTANCES: tuple[str, str, str] = ("short", "medium", "long")
# What the app shows (and filters by): the names with their yard ranges.
DISTANCE_BUCKETS: tuple[str, str, str] = (
    f"short (1-{SHORT_MAX_YARDS})",
    f"medium ({SHORT_MAX_YARDS + 1}-{DISTANCE_CUTOFF_YARDS})",
    f"long ({DISTANCE_CUTOFF_YARDS + 1}+)",
)


def distance(yards_to_go: float) -> str:
    """Short / medium / long of one play's yards to go."""
    if yards_to_go <= SHORT_MAX_YARDS:
        return DISTANCES[0]
    return DISTANCES[1] if yards_to_go <= DISTANCE_CUTOFF_YARDS else DISTANCES[2]


def distance_expr(col: str = "yardsToGo", names: tuple[str, str, str] = DISTANCES
                  ) -> pl.Expr:
    """Short / medium / long buckets (``names``, e.g. :data:`DISTANCE_BUCKETS` for the
    app): analysts and the simulator's tables think in these, not exact yards."""
    y = pl.col(col)
    return (pl.when(y.is_null()).then(None)
            .when(y <= SHORT_MAX_YARDS).then(pl.lit(names[0]))
            .when(y <= DISTANCE_CUTOFF_YARDS).then(pl.lit(names[1]))
            .otherwise(pl.lit(names[2])))


# --------------------------------------------------------------------------- field zones
GOAL_LINE_YARDS = 5   # "goal": the goal-line coverages live inside this
RED_ZONE_YARDS = 20   # "red": inside the opponent's 20
FIELD_ZONES: tuple[str, str, str] = ("goal", "red", "open")
FIELD_BAND_YARDS = 20  # the tabular model's coarse field position: 0-4 bands of 20 yards


def field_zone(yards_to_goal: float) -> str:
    """Goal line / red zone / open field of one play (yards to the opponent's goal)."""
    if yards_to_goal <= GOAL_LINE_YARDS:
        return FIELD_ZONES[0]
    return FIELD_ZONES[1] if yards_to_goal <= RED_ZONE_YARDS else FIELD_ZONES[2]


def field_zone_expr(col: str = "to_goal") -> pl.Expr:
    """:func:`field_zone` of a yards-to-goal column."""
    y = pl.col(col)
    return (pl.when(y.is_null()).then(None)
            .when(y <= GOAL_LINE_YARDS).then(pl.lit(FIELD_ZONES[0]))
            .when(y <= RED_ZONE_YARDS).then(pl.lit(FIELD_ZONES[1]))
            .otherwise(pl.lit(FIELD_ZONES[2])))


def red_zone_expr(col: str = "yards_to_goal") -> pl.Expr:
    """Inside the opponent's 20 (boolean)."""
    return pl.col(col) <= RED_ZONE_YARDS


def goal_to_go_expr(togo: str = "yardsToGo", to_goal: str = "yards_to_goal") -> pl.Expr:
    """The first-down line is the goal line (boolean)."""
    return pl.col(togo) >= pl.col(to_goal)


def field_band_expr(col: str = "yards_to_goal") -> pl.Expr:
    """0 (goal line) .. 4 (own end) in bands of :data:`FIELD_BAND_YARDS`."""
    return (pl.col(col) / FIELD_BAND_YARDS).floor().clip(0, 4)


# --------------------------------------------------------------------------- game state
ONE_SCORE_POINTS = 8  # a touchdown and a two-point try: the margin one possession erases
SCORE_STATES: tuple[str, ...] = ("trailing 9+", "trailing 1-8", "tied", "leading 1-8",
                                 "leading 9+")  # the defense's margin, before the snap
TWO_MINUTE_SECS = 120  # the last two minutes of a half
CLOCK_STATES: tuple[str, ...] = ("1st qtr", "2nd qtr", "2nd qtr, two-minute", "3rd qtr",
                                 "4th qtr", "4th qtr, two-minute", "overtime")


def score_state_expr(margin: str | pl.Expr = "def_margin") -> pl.Expr:
    """:data:`SCORE_STATES` of the defense's points minus the offense's."""
    m = pl.col(margin) if isinstance(margin, str) else margin
    return (pl.when(m.is_null()).then(None)
            .when(m < -ONE_SCORE_POINTS).then(pl.lit(SCORE_STATES[0]))
            .when(m < 0).then(pl.lit(SCORE_STATES[1]))
            .when(m == 0).then(pl.lit(SCORE_STATES[2]))
            .when(m <= ONE_SCORE_POINTS).then(pl.lit(SCORE_STATES[3]))
            .otherwise(pl.lit(SCORE_STATES[4])))


def clock_state_expr(quarter: str = "quarter", half_secs: str = "half_secs_left") -> pl.Expr:
    """:data:`CLOCK_STATES` of a play: its quarter, the 2nd and 4th split at the two-minute
    mark (the hurry-up changes what a defense calls)."""
    q, late = pl.col(quarter).cast(pl.Int64), pl.col(half_secs) <= TWO_MINUTE_SECS
    return (pl.when(q.is_null()).then(None)
            .when(q == 1).then(pl.lit(CLOCK_STATES[0]))
            .when((q == 2) & late).then(pl.lit(CLOCK_STATES[2]))
            .when(q == 2).then(pl.lit(CLOCK_STATES[1]))
            .when(q == 3).then(pl.lit(CLOCK_STATES[3]))
            .when((q == 4) & late).then(pl.lit(CLOCK_STATES[5]))
            .when(q == 4).then(pl.lit(CLOCK_STATES[4]))
            .otherwise(pl.lit(CLOCK_STATES[6])))


# --------------------------------------------------------------------------- families
FAMILIES: tuple[str, ...] = (
    "Cover-0", "Cover-1", "Cover-2", "Cover-3", "Quarters", "Cover-6", "2-Man", "Other",
)
MAN_FAMILIES: tuple[str, ...] = ("Cover-0", "Cover-1", "2-Man")
MAN_FAMILY_INDEX: tuple[int, ...] = tuple(FAMILIES.index(f) for f in MAN_FAMILIES)

# pff_passCoverage -> family; anything unknown but non-null is "Other".
_FAMILY_OF: dict[str, str] = {
    "Cover-0": "Cover-0",
    "Cover-1": "Cover-1", "Cover-1 Double": "Cover-1",
    "Cover-2": "Cover-2",
    "Cover-3": "Cover-3", "Cover-3 Seam": "Cover-3", "Cover-3 Cloud Left": "Cover-3",
    "Cover-3 Cloud Right": "Cover-3", "Cover-3 Double Cloud": "Cover-3",
    "Quarters": "Quarters",
    "Cover 6-Left": "Cover-6", "Cover-6 Right": "Cover-6", "Cover-6 Left": "Cover-6",
    "Cover 6-Right": "Cover-6",
    "2-Man": "2-Man",
}

ASSIGNMENTS: tuple[str, ...] = ("MAN", "DEEP", "FLAT", "HOOK", "RUSH", "OTHER")
# pff_defensiveCoverageAssignment -> group. A defender with no assignment on a play that
# has assignments was not in coverage: a pass rusher (PRE = "pre-snap rusher"?) -> RUSH.
_ASSIGNMENT_OF: dict[str, str] = {
    "MAN": "MAN",
    "3L": "DEEP", "3M": "DEEP", "3R": "DEEP", "2L": "DEEP", "2R": "DEEP", "DF": "DEEP",
    "4IL": "DEEP", "4IR": "DEEP", "4OL": "DEEP", "4OR": "DEEP",
    "FL": "FLAT", "FR": "FLAT", "CFL": "FLAT", "CFR": "FLAT",
    "HOL": "HOOK", "HCL": "HOOK", "HCR": "HOOK", "HCM": "HOOK",
    "PRE": "RUSH",
}


def _any_case(table: dict[str, str]) -> dict[str, str]:
    """``table`` keyed in lower case: charting exported in another case ('cover-1', 'man')
    must map as the official spelling does, not fall silently into "Other"."""
    return {k.lower(): v for k, v in table.items()}


def family_expr(col: str = "pff_passCoverage") -> pl.Expr:
    """Family name of a ``pff_passCoverage`` value in any case (null stays null =
    unlabelled)."""
    c = pl.col(col).cast(pl.String).str.strip_chars()
    return (pl.when(c.is_null() | (c == "")).then(None)
            .otherwise(c.str.to_lowercase().replace_strict(_any_case(_FAMILY_OF),
                                                           default="Other"))
            .alias("family"))


def family_index_expr(col: str = "pff_passCoverage") -> pl.Expr:
    """Integer family id (index into :data:`FAMILIES`), null when unlabelled."""
    return (family_expr(col).replace_strict(list(FAMILIES), list(range(len(FAMILIES))),
                                            default=None, return_dtype=pl.Int64)
            .alias("family_id"))


def assignment_expr(col: str = "assignment") -> pl.Expr:
    """Assignment group of a raw PFF assignment code; null means "no coverage assignment"."""
    c = pl.col(col).cast(pl.String).str.strip_chars()
    return (pl.when(c.is_null() | (c == "")).then(pl.lit("RUSH"))
            .otherwise(c.str.to_lowercase().replace_strict(_any_case(_ASSIGNMENT_OF),
                                                           default="OTHER"))
            .alias("assignment_group"))


def family_mix(plays: pl.DataFrame, col: str = "pff_passCoverage") -> dict[str, float]:
    """Share of each family among the labelled plays (sums to 1)."""
    fam = plays.select(family_expr(col)).drop_nulls()
    n = max(fam.height, 1)
    counts = dict(fam.group_by("family").len().iter_rows())
    return {f: counts.get(f, 0) / n for f in FAMILIES}


# --------------------------------------------------------------------------- plain words
# Raw event and column names as an analyst reads them, one mapping for every view and
# export (a chart tag, a read-out, a table header and a CSV must not disagree).
EVENT_WORDS: dict[str, str] = {
    "ball_snap": "snap", "autoevent_ballsnap": "snap", "snap_direct": "snap",
    "line_set": "line set", "man_in_motion": "motion", "shift": "shift",
    "huddle_break_offense": "huddle break", "huddle_start_offense": "huddle",
    "play_action": "play action", "pass_forward": "pass", "autoevent_passforward": "pass",
    "pass_arrived": "pass arrives", "pass_outcome_caught": "catch",
    "pass_outcome_incomplete": "incomplete", "first_contact": "first contact",
    "out_of_bounds": "out of bounds", "qb_sack": "sack", "qb_kneel": "kneel",
    "qb_spike": "spike", "handoff": "handoff", "run": "run", "tackle": "tackle",
    "touchdown": "touchdown", "fumble": "fumble",
}
METRIC_WORDS: dict[str, str] = {
    "n_given_away": "plays given away", "share_given_away": "share given away",
    "median_secs": "median s before snap", "n_plays": "plays", "man_rate": "man rate",
    "man_rate_raw": "man rate (raw)", "mean_abs_attribution": "mean |ΔP(man)| when removed",
    "secs_from_snap": "seconds from snap", "p_man": "P(man)", "ci_low": "95% CI low",
    "ci_high": "95% CI high", "defensiveTeam": "defense", "possessionTeam": "offense",
}


def event_words(event: str) -> str:
    """A tracking event in plain football words ("ball_snap" -> "snap")."""
    return EVENT_WORDS.get(event, str(event).replace("autoevent_", "").replace("_", " "))


def metric_words(column: str) -> str:
    """A table column in plain words ("n_given_away" -> "plays given away")."""
    return METRIC_WORDS.get(column, str(column).replace("_", " "))
