"""Numbers the simulator bakes in, measured on the real 2022 season.

The values live in ``params.json`` beside this module, written by
``devtools/calibrate_simulator.py`` from the real BDB 2025 tables, so that the synthetic
season's label mix, formations, motion rates and per-coverage assignment mixes look like
the real ones. Re-run that script when the real data changes; nothing here reads the
real files at run time. The names below are the ones the simulator imports.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from importlib import resources
from typing import Any

from coverage.config import sim_knobs_file
from coverage.errors import DataError, json_object

_DATA: dict[str, Any] = json.loads(
    resources.files(__package__).joinpath("params.json").read_text(encoding="utf-8"))

COVERAGE_COUNTS: dict[str, int] = _DATA["COVERAGE_COUNTS"]
COVERAGE_MANZONE: dict[str, str] = _DATA["COVERAGE_MANZONE"]
MANZONE_COUNTS: dict[str, int] = _DATA["MANZONE_COUNTS"]
NULL_COVERAGE_RATE: float = _DATA["NULL_COVERAGE_RATE"]
MAN_RATE: float = _DATA["MAN_RATE"]
MAN_RATE_BY_DD: dict[str, float] = _DATA["MAN_RATE_BY_DD"]
MAN_RATE_BY_FORMATION: dict[str, float] = _DATA["MAN_RATE_BY_FORMATION"]
MAN_RATE_BY_TEAM: dict[str, float] = _DATA["MAN_RATE_BY_TEAM"]
# "down|distance|field zone|game state" -> P(man), shrunk toward its parent cells
MAN_RATE_BY_SITUATION: dict[str, float] = _DATA["MAN_RATE_BY_SITUATION"]
SITUATION_DOWN_MIX: dict[str, int] = _DATA["SITUATION_DOWN_MIX"]
COVERAGE_COUNTS_BY_FIELD: dict[str, dict[str, int]] = _DATA["COVERAGE_COUNTS_BY_FIELD"]
FORMATION_ALIGNMENT_COUNTS: dict[str, dict[str, int]] = _DATA["FORMATION_ALIGNMENT_COUNTS"]
PASS_RESULT_COUNTS: dict[str, int] = _DATA["PASS_RESULT_COUNTS"]
DROPBACK_RATE: float = _DATA["DROPBACK_RATE"]
MOTION_RATES: dict[str, float] = _DATA["MOTION_RATES"]
# per skill player on the field (RB with fullbacks, WR, TE): P(he is a motion man)
MOTION_MAN_RATE_BY_POSITION: dict[str, float] = _DATA["MOTION_MAN_RATE_BY_POSITION"]
ASSIGNMENT_COUNTS_BY_COVERAGE: dict[str, dict[str, int]] = _DATA["ASSIGNMENT_COUNTS_BY_COVERAGE"]
ASSIGNMENT_VOCAB: list[str] = _DATA["ASSIGNMENT_VOCAB"]
POSITION_COUNTS: dict[str, int] = _DATA["POSITION_COUNTS"]
# formation -> receiver alignment -> offensive personnel ("RT": backs, tight ends) -> plays
PERSONNEL_BY_FORMATION_ALIGNMENT: dict[str, dict[str, dict[str, int]]] = \
    _DATA["PERSONNEL_BY_FORMATION_ALIGNMENT"]
# wide-receiver bucket ("0-1", "2", "3", "4+") -> Man / Zone / Other -> base / nickel / dime plays
PACKAGE_COUNTS_BY_WR_COVERAGE: dict[str, dict[str, dict[str, int]]] = _DATA[
    "PACKAGE_COUNTS_BY_WR_COVERAGE"]

# Real-season order of the official club abbreviations (used for schedules).
TEAMS = tuple(sorted(MAN_RATE_BY_TEAM))


def _knobs() -> dict[str, Any]:
    """The hand-set shape knobs (``knobs.json``), with ``COVERAGE_SIM_KNOBS=FILE``'s keys
    over them: a realism experiment simulates a season with other values without
    touching the embedded one, which the shipped checkpoints were trained on."""
    knobs = json.loads(resources.files(__package__).joinpath("knobs.json")
                       .read_text(encoding="utf-8"))
    path = sim_knobs_file()
    if path:
        extra = json_object(path, "simulator knobs",
                            lambda msg: DataError(msg, file=path))
        unknown = sorted(set(extra) - set(knobs))
        if unknown:
            raise DataError(f"unknown simulator knob {unknown[0]!r}", file=path,
                            expected=", ".join(k for k in knobs if not k.startswith("_")))
        knobs |= extra
    return knobs


KNOBS: dict[str, Any] = _knobs()
# offense players' stance sway, as a multiple of the defenders' (per player, uniform range)
OFFENSE_SWAY: tuple[float, float] = tuple(KNOBS["offense_sway"])
# man corners: P(press), press depth range; zone corners: P(press) in a flat zone, elsewhere
MAN_CB_PRESS: tuple[float, float, float] = tuple(KNOBS["man_cb_press"])
ZONE_CB_PRESS: tuple[float, float] = tuple(KNOBS["zone_cb_press"])
# None, or a man call's safety depths: "down" (1-high) and "zero_high" (both) -> (lo, hi)
MAN_SAFETY: dict[str, tuple[float, float]] | None = (
    {k: tuple(v) for k, v in KNOBS["man_safety"].items()}
    if KNOBS["man_safety"] is not None else None)
# None: a disguised man shell rotates as any other; else secs before the snap it starts
MAN_ROTATION_LEAD: tuple[float, float] | None = (
    tuple(KNOBS["man_rotation_lead"]) if KNOBS["man_rotation_lead"] is not None else None)
# None: a tight end costs a corner what any inside receiver does
CB_TE_COST: float | None = KNOBS["cb_te_cost"]
# P(a linebacker in man on a back rushes instead: a "green dog"), charted as a rusher
GREEN_DOG: float = float(KNOBS["green_dog"])
# None: man matchups by the costs in defense._match; else overrides of those costs, "s_te",
# "s_rb", "lb_te" (a safety on a tight end / a back, a linebacker on a tight end), and
# "te_stays_in": P(a tight end matched in man stays in to block, his defender freed); set, it
# also charts MAN in zone calls at the real call's rate
_MAN_MATCH_KEYS = ("s_te", "s_rb", "lb_te", "te_stays_in")


def _numbers_knob(name: str, value: Any, keys: tuple[str, ...],
                  valid: Callable[[dict[str, Any]], bool], rule: str
                  ) -> dict[str, float] | None:
    """A knob that is null or an object of numbers under exactly ``keys``, checked at start:
    a wrong one would fail mid-season as a bare KeyError in the matching code."""
    if value is None:
        return None
    ok = (isinstance(value, dict) and set(value) == set(keys)
          and all(isinstance(v, int | float) and not isinstance(v, bool)
                  for v in value.values())
          and valid(value))
    if not ok:
        raise DataError(f"simulator knob {name!r} is {str(value)[:80]}",
                        file=sim_knobs_file() or "coverage/simulate/knobs.json",
                        expected="null or an object with numbers " + ", ".join(keys)
                        + f" ({rule})")
    return {k: float(v) for k, v in value.items()}


MAN_MATCH: dict[str, float] | None = _numbers_knob(
    "man_match", KNOBS["man_match"], _MAN_MATCH_KEYS, lambda v: 0.0 <= v["te_stays_in"] <= 1.0,
    "te_stays_in a probability in [0, 1]")
# None: the first spare defender of a man call robs the hole (a linebacker always, anyone
# else half the time); else "rob": P(one spare linebacker or safety robs), "s_weight": the odds
# that a spare safety is the one rather than a linebacker; a spare corner blitzes
MAN_SPARES: dict[str, float] | None = _numbers_knob(
    "man_spares", KNOBS["man_spares"], ("rob", "s_weight"),
    lambda v: 0.0 <= v["rob"] <= 1.0 and v["s_weight"] >= 0.0,
    "rob a probability in [0, 1], s_weight at least 0")
# P(a linebacker walks up to the edge of the line): in a man call, in a zone call
FIFTH_ON_LINE: tuple[float, float] = tuple(KNOBS["fifth_on_line"])
# False: the package follows the wide receivers only; True: drawn from the real
# PACKAGE_COUNTS_BY_WR_COVERAGE given the wide receivers and the coverage call
PACKAGE_BY_COVERAGE: bool = bool(KNOBS["package_by_coverage"])
# False: tight ends drawn per formation by hand; True: the offense's personnel drawn from
# PERSONNEL_BY_FORMATION_ALIGNMENT (who fills the alignment's spots)
OFFENSE_PERSONNEL: bool = bool(KNOBS["offense_personnel"])
MOTION_BUMP: tuple[float, float] = tuple(KNOBS["motion_bump"])
MOTION_BUMP_BOX: bool = bool(KNOBS["motion_bump_box"])
# yards behind the line a jet / across motion man runs at
MOTION_DEPTH: dict[str, tuple[float, float]] = {
    k: tuple(v) for k, v in KNOBS["motion_depth"].items()}
MOTION_BUMP_LAG: int = int(KNOBS["motion_bump_lag"])  # frames
# None: a jet / across motion runs straight to its depth; else the fraction (lo, hi) of the
# lateral travel by which the motion man has dropped to it
MOTION_DROPBACK: tuple[float, float] | None = (
    tuple(KNOBS["motion_dropback"]) if KNOBS["motion_dropback"] is not None else None)
# None: any skill player but a fullback motions, jet / across / short / orbit whoever he is;
# else position -> {kind: weight}, the motion man drawn at his position's real rate
MOTION_KINDS: dict[str, dict[str, float]] | None = KNOBS["motion_kinds"]
# None: only the bump and each defender's follow answer motion; else the fraction (lo, hi) of
# the motion man's lateral travel with which the zone defender over him walks with him
MOTION_ANSWER: tuple[float, float] | None = (
    tuple(KNOBS["motion_answer"]) if KNOBS["motion_answer"] is not None else None)
