"""Comparison mode of the scouting report: two defenses side by side, or one defense's
first half of the chosen weeks against its second, each against the same league.

Both sides are ordinary reports (:func:`coverage.report.tendencies.assemble`); a half
season is the defense's plays relabelled by half, so every figure (model figures and
attributions included) is computed the one way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import polars as pl

from coverage.errors import CoverageError
from coverage.report.giveaway import SCOPE
from coverage.report.tendencies import (
    PERSONNEL,
    ScoutingReport,
    assemble,
    chosen_weeks,
    report_plays,
    top_groups,
)
from coverage.store import PlayTables

# the newer figures that merge by stacking ``b``'s side under ``a``'s
STACKED = ("travel", "travel_man", "motion_p_man", "package_families", "shells", "shell_man")


def _stack(a: pl.DataFrame | None, b: pl.DataFrame | None, other: str) -> pl.DataFrame | None:
    """``a`` (its defense and the league) plus ``b``'s rows of the other side."""
    mine = b.filter(pl.col(SCOPE) == other) if b is not None and b.height else None
    if a is None or a.is_empty():
        return mine
    return a if mine is None else pl.concat([a, mine.select(a.columns)],
                                            how="vertical_relaxed")


def _top(df: pl.DataFrame | None, scopes: list[str], by: list[str]) -> pl.DataFrame | None:
    return None if df is None else top_groups(df, scopes, by)


def merge(a: ScoutingReport, b: ScoutingReport) -> ScoutingReport:
    """One report holding ``a`` and ``b``'s figures side by side (``b`` as ``other``)."""
    o = b.defense
    personnel = {}
    for title, by in PERSONNEL.items():
        both = _top(_stack(a.personnel.get(title), b.personnel.get(title), o),
                    [a.defense, o], list(by))
        personnel[title] = pl.DataFrame() if both is None else both
    return replace(
        a, other=o, overall=_stack(a.overall, b.overall, o),
        families=_stack(a.families, b.families, o),
        situations={t: _stack(f, b.situations.get(t), o) for t, f in a.situations.items()},
        personnel=personnel,
        predicted=_stack(a.predicted, b.predicted, o), model_label=a.model_label
        or b.model_label, early_read=_stack(a.early_read, b.early_read, o),
        calibration={**b.calibration, **a.calibration},
        giveaway=_top(_stack(a.giveaway, b.giveaway, o), [a.defense, o], ["position"]),
        giveaway_label=a.giveaway_label or b.giveaway_label, notes=[*a.notes, *b.notes],
        **{f: _stack(getattr(a, f), getattr(b, f), o) for f in STACKED},
        telling=[*a.telling, *b.telling])


def compare_defenses(store: PlayTables, defense: str, other: str,
                     weeks: Sequence[int] | None = None) -> ScoutingReport:
    """``defense`` and ``other`` side by side over the same weeks."""
    if other == defense:
        raise CoverageError(f"--compare names {defense} twice; pick another defense")
    chosen = chosen_weeks(store, defense, weeks)
    chosen_weeks(store, other, chosen)
    plays = report_plays(store, chosen)
    return merge(assemble(store, plays, defense, chosen), assemble(store, plays, other, chosen))


def split_season(store: PlayTables, defense: str, weeks: Sequence[int] | None = None
                 ) -> ScoutingReport:
    """``defense``'s first half of the chosen weeks against its second half (the first
    half takes the odd week)."""
    chosen = chosen_weeks(store, defense, weeks)
    if len(chosen) < 2:
        raise CoverageError(f"a split season needs two weeks or more; got week(s) "
                            f"{', '.join(map(str, chosen))}")
    first = chosen[:(len(chosen) + 1) // 2]
    second = chosen[len(first):]
    names = [f"{defense} {_span(first)}", f"{defense} {_span(second)}"]
    plays = report_plays(store, chosen)
    mine = pl.col("defensiveTeam") == defense
    for half, name in zip((first, second), names, strict=True):
        if plays.filter(mine & pl.col("week").is_in(half)).is_empty():
            raise CoverageError(f"{defense} has no plays in {name.split(' ', 1)[1]}: a split "
                                "season needs plays in both halves of the chosen weeks")
    plays = plays.with_columns(
        pl.when(mine & pl.col("week").is_in(first)).then(pl.lit(names[0]))
        .when(mine).then(pl.lit(names[1])).otherwise(pl.col("defensiveTeam"))
        .alias("defensiveTeam"))
    return merge(assemble(store, plays, names[0], chosen),
                 assemble(store, plays, names[1], chosen))


def _span(weeks: list[int]) -> str:
    return f"wk {weeks[0]}" if len(weeks) == 1 else f"wk {weeks[0]}-{weeks[-1]}"
