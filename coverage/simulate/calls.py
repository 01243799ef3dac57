"""The two play calls: the offense's formation and the defense's coverage.

Both are drawn from the real season's mixes (``params``) and shaped by the
situation, so that the label mix of a synthetic season matches the real one
and a model can learn the same situational priors it would on real data.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from coverage.simulate.params import (
    COVERAGE_COUNTS_BY_FIELD,
    COVERAGE_MANZONE,
    FORMATION_ALIGNMENT_COUNTS,
    MAN_RATE,
    MAN_RATE_BY_FORMATION,
    MAN_RATE_BY_SITUATION,
    MAN_RATE_BY_TEAM,
    NULL_COVERAGE_RATE,
)
from coverage.vocab import MAN, OTHER, distance, field_zone

SHELL_OF = {"Cover-0": 0, "Cover-1": 1, "Cover-1 Double": 1, "Cover-3": 1, "Cover-3 Seam": 1,
            "Cover-3 Cloud Right": 1, "Cover-3 Cloud Left": 1, "Cover-3 Double Cloud": 1,
            "Quarters": 2, "Cover-2": 2, "Cover 6-Left": 2, "Cover-6 Right": 2, "2-Man": 2,
            "Bracket": 2, "Prevent": 2, "Red Zone": 1, "Goal Line": 0, "Miscellaneous": 1}


def _logit(p: float) -> float:
    p = min(max(p, 1e-3), 1 - 1e-3)
    return float(np.log(p / (1 - p)))


_MAN_BASE = _logit(MAN_RATE)
# The team and formation adjustments below are not centred on the season's situation
# mix; this shift brings a generated season's Man share back to MAN_RATE.
_MAN_SHIFT = 0.05


def situation_key(down: int, togo: int, to_goal: int, quarter: int, secs_left: int,
                  def_lead: int) -> str:
    """The ``MAN_RATE_BY_SITUATION`` cell of a play (see devtools/calibrate_simulator.py)."""
    if quarter >= 4:
        state = ("late_lead" if def_lead >= 9 else "late_trail" if def_lead <= -9
                 else "late_close")
    elif quarter == 2 and secs_left <= 120:
        state = "two_min"
    else:
        state = "normal"
    return f"{min(max(down, 1), 4)}|{distance(togo)}|{field_zone(to_goal)}|{state}"


@dataclass
class PlayContext:
    """Situation of a play before the snap (what the coverage call depends on)."""

    down: int
    togo: int
    to_goal: int  # yards to the opponent's goal line
    offense: str
    defense: str
    quarter: int
    secs_left: int = 900  # on the quarter's clock
    def_lead: int = 0  # the defense's score minus the offense's


def weighted(rng: np.random.Generator, d: dict[str, int]) -> str:
    """One key of ``d`` drawn with probability proportional to its count."""
    k = list(d)
    w = np.array([d[x] for x in k], dtype=float)
    return k[int(rng.choice(len(k), p=w / w.sum()))]


def choose_formation(rng: np.random.Generator, ctx: PlayContext) -> tuple[str, str]:
    """Formation and receiver alignment; short yardage leans on heavy sets as in real data."""
    short = ctx.togo <= 2 or ctx.to_goal <= 3
    fa = dict(FORMATION_ALIGNMENT_COUNTS)
    form_w = {k: sum(v.values()) for k, v in fa.items()}
    if short:
        for k in ("I_FORM", "JUMBO", "SINGLEBACK"):
            form_w[k] *= 3.0
    formation = weighted(rng, {k: int(v) for k, v in form_w.items()})
    aligns = {a: c for a, c in fa[formation].items() if a not in ("1x0", "3x0")}
    return formation, weighted(rng, aligns)


def choose_coverage(rng: np.random.Generator, ctx: PlayContext, formation: str,
                    team_travel: float) -> str | None:
    """Coverage call from field zone, down/distance, formation and the defense's man rate."""
    del team_travel
    if rng.random() < NULL_COVERAGE_RATE:
        return None
    counts = COVERAGE_COUNTS_BY_FIELD[field_zone(ctx.to_goal)]
    names = list(counts)
    w = np.array([counts[n] for n in names], dtype=float)
    is_man = np.array([COVERAGE_MANZONE[n] == MAN for n in names])
    is_other = np.array([COVERAGE_MANZONE[n] == OTHER for n in names])
    base_man = w[is_man].sum() / max(w[is_man | ~is_other].sum(), 1.0)
    # the real conditional man rate of the situation, then this defense's and the
    # formation's tendencies on top (team rates differ a lot in the real season)
    sit = MAN_RATE_BY_SITUATION.get(situation_key(
        ctx.down, ctx.togo, ctx.to_goal, ctx.quarter, ctx.secs_left, ctx.def_lead), base_man)
    z = (_logit(sit) + _MAN_SHIFT
         + 1.0 * (_logit(MAN_RATE_BY_TEAM.get(ctx.defense, MAN_RATE)) - _MAN_BASE)
         + 0.5 * (_logit(MAN_RATE_BY_FORMATION.get(formation, MAN_RATE)) - _MAN_BASE))
    p_man = 1.0 / (1.0 + np.exp(-z))
    p_other = w[is_other].sum() / w.sum()
    u = rng.random()
    if u < p_other:
        sel = is_other
    elif u < p_other + (1 - p_other) * p_man:
        sel = is_man
    else:
        sel = ~is_man & ~is_other
    ww = np.where(sel, w, 0.0)
    return names[int(rng.choice(len(names), p=ww / ww.sum()))]


def man_zone_of(cov: str | None) -> str | None:
    """The official Man/Zone/Other label of a coverage call."""
    return None if cov is None else COVERAGE_MANZONE[cov]
