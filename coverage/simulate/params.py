"""Numbers the simulator bakes in, measured on the real 2022 season.

The values live in ``params.json`` beside this module, written by
``devtools/calibrate_simulator.py`` from the real BDB 2025 tables, so that the synthetic
season's label mix, formations, motion rates and per-coverage assignment mixes look like
the real ones. Re-run that script when the real data changes; nothing here reads the
real files at run time. The names below are the ones the simulator imports.
"""

from __future__ import annotations

import json
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
ASSIGNMENT_COUNTS_BY_COVERAGE: dict[str, dict[str, int]] = _DATA["ASSIGNMENT_COUNTS_BY_COVERAGE"]
ASSIGNMENT_VOCAB: list[str] = _DATA["ASSIGNMENT_VOCAB"]
POSITION_COUNTS: dict[str, int] = _DATA["POSITION_COUNTS"]

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
