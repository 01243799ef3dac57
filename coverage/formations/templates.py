"""Canonical American-football formation templates.

Coordinates are ``(u, d)`` in yards relative to the ball:

* ``u`` is lateral, ``u = y - ball_y``. In the normalised store the offense
  moves toward +x, so +u is the offense's *left* and the defense's *right*.
* ``d`` is depth away from the line of scrimmage on the player's own side
  (``ball_x - x`` for the offense, ``x - ball_x`` for the defense), so both
  sides read "how far off the ball" the same way.

The coordinates live in ``templates.json`` beside this module. Wide players'
lateral positions depend on the hash and the play call, so those numbers are only
shapes: :mod:`coverage.formations.assign` stretches the part of every template
outside the tackle box to the observed spread before matching. Depth is not
rescaled because it is what separates shotgun from under-center and a deep safety
from a box defender.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

import numpy as np

OL_SLOTS = ("LT", "LG", "C", "RG", "RT")
# An unbalanced line's extra tackle is a lineman, not a receiver, for the alignment rule.
LINE_SLOTS = (*OL_SLOTS, "OL6")
DEEP_SAFETY_DEPTH = 9.0  # yards off the ball that count as "high" for the shell rule


@dataclass(frozen=True)
class Template:
    """One canonical alignment of 11 players.

    ``formation`` / ``alignment`` use the official ``offenseFormation`` and
    ``receiverAlignment`` vocabularies so detections can be compared with
    plays.csv; ``shell`` / ``front`` describe defensive templates.
    """

    name: str
    side: str  # "offense" or "defense"
    slots: tuple[str, ...]
    coords: np.ndarray = field(repr=False)  # (11, 2): u, d
    formation: str = ""
    alignment: str | None = None
    shell: str | None = None
    front: str | None = None

    def __post_init__(self) -> None:
        coords = np.asarray(self.coords, dtype=np.float64)
        if coords.shape != (11, 2):
            raise ValueError(f"template {self.name!r}: coords must be (11, 2), got {coords.shape}")
        if len(self.slots) != 11 or len(set(self.slots)) != 11:
            raise ValueError(f"template {self.name!r}: needs 11 distinct slot labels")
        if self.side not in ("offense", "defense"):
            raise ValueError(f"template {self.name!r}: side must be 'offense' or 'defense'")
        object.__setattr__(self, "coords", coords)

    def mirrored(self, suffix: str = "_R") -> Template:
        """Flip the template left/right.

        Offensive line labels are tied to the body (LT is always on the
        offense's left), so the line is kept in place and only the skill
        players are mirrored; the line itself is symmetric anyway.
        """
        coords = self.coords.copy()
        movable = np.array([s not in OL_SLOTS for s in self.slots])
        coords[movable, 0] *= -1.0
        # Paired labels (CB1/CB2, DE1/DE2, ...) keep meaning "the +u one" after the flip.
        pair = {"1": "2", "2": "1"}
        swapped = tuple(
            s[:-1] + pair[s[-1]] if s[-1:] in pair and s[:-1] + pair[s[-1]] in self.slots else s
            for s in self.slots
        )
        return Template(
            name=self.name + suffix,
            side=self.side,
            slots=swapped,
            coords=coords,
            formation=self.formation,
            alignment=self.alignment,
            shell=self.shell,
            front=self.front,
        )


def _build(side: str, spec: dict, base: dict | None = None, **meta: str) -> Template:
    """A template from its spec in the library: name, players (after ``base``'s), labels."""
    players = {**(base or {}), **spec["players"]}
    meta = {**{k: v for k, v in spec.items() if k not in ("name", "players")}, **meta}
    return Template(name=spec["name"], side=side, slots=tuple(players),
                    coords=np.array(list(players.values()), dtype=np.float64), **meta)


def _with_mirror(t: Template) -> list[Template]:
    m = t.mirrored()
    return [t] if np.allclose(np.sort(m.coords, axis=0), np.sort(t.coords, axis=0)) else [t, m]


@cache
def _library() -> dict[str, Any]:
    """The template coordinates, kept as data in ``templates.json`` beside this module."""
    return json.loads(resources.files(__package__).joinpath("templates.json").read_text("utf-8"))


def offense_templates() -> list[Template]:
    """Default offensive library, both strong sides for asymmetric shapes.

    Every template is the offensive line plus its skill players (QB included).
    """
    lib = _library()
    return [m for spec in lib["offense"]
            for m in _with_mirror(_build("offense", spec, lib["offense_line"]))]


def defense_templates() -> list[Template]:
    """Default defensive library: fronts x shells, plus a goal-line look."""
    lib = _library()
    out: list[Template] = []
    for front, players in lib["defense_fronts"].items():
        for shell, safeties in lib["defense_shells"].items():
            spec = {"name": f"{front}_{shell.upper().replace('-', '')}", "players": safeties}
            out.extend(_with_mirror(_build("defense", spec, players, formation=f"{front} {shell}",
                                           shell=shell, front=front)))
    return out + [_build("defense", spec) for spec in lib["defense"]]


def default_templates() -> list[Template]:
    return offense_templates() + defense_templates()


def select_templates(templates: Iterable[Template] | None, side: str) -> list[Template]:
    return [t for t in (templates if templates is not None else default_templates())
            if t.side == side]
