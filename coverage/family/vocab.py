"""Label vocabularies of the family model: coverage families and defender assignments.

PFF's ``pff_passCoverage`` has ~20 spellings of ~8 ideas (Cover-6 Left/Right are one
coverage seen from either side, Cover-3 Seam/Cloud are Cover-3 variants), and the
per-defender ``pff_defensiveCoverageAssignment`` has ~20 zone landmarks. Grouping both
keeps every class frequent enough to learn from a season of tracking, and makes the
groups symmetric under the left/right mirror we train with.

The man/zone link is by construction: a family is either man (Cover-0, Cover-1, 2-Man)
or not, so ``P(man) = P(Cover-0) + P(Cover-1) + P(2-Man)`` always agrees with the
family probabilities. "Other" (Red Zone, Goal Line, Bracket, Prevent, Misc) is labelled
neither Man nor Zone by PFF and contributes nothing to P(man).
"""

from __future__ import annotations

import polars as pl

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


def family_expr(col: str = "pff_passCoverage") -> pl.Expr:
    """Family name of a ``pff_passCoverage`` value (null stays null = unlabelled)."""
    c = pl.col(col).cast(pl.String).str.strip_chars()
    return (pl.when(c.is_null() | (c == "")).then(None)
            .otherwise(c.replace_strict(_FAMILY_OF, default="Other"))
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
            .otherwise(c.replace_strict(_ASSIGNMENT_OF, default="OTHER"))
            .alias("assignment_group"))


def family_mix(plays: pl.DataFrame, col: str = "pff_passCoverage") -> dict[str, float]:
    """Share of each family among the labelled plays (sums to 1)."""
    fam = plays.select(family_expr(col)).drop_nulls()
    n = max(fam.height, 1)
    counts = dict(fam.group_by("family").len().iter_rows())
    return {f: counts.get(f, 0) / n for f in FAMILIES}
