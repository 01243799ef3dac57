"""Canonical American-football formation templates.

Coordinates are ``(u, d)`` in yards relative to the ball:

* ``u`` is lateral, ``u = y - ball_y``. In the normalised store the offense
  moves toward +x, so +u is the offense's *left* and the defense's *right*.
* ``d`` is depth away from the line of scrimmage on the player's own side
  (``ball_x - x`` for the offense, ``x - ball_x`` for the defense), so both
  sides read "how far off the ball" the same way.

Wide players' lateral positions depend on the hash and the play call, so the
numbers here are only shapes: :mod:`coverage.formations.assign` stretches the
part of every template outside the tackle box to the observed spread before
matching. Depth is not rescaled because it is what separates shotgun from
under-center and a deep safety from a box defender.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

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


def _build(name: str, side: str, players: dict[str, tuple[float, float]], **meta: str) -> Template:
    return Template(
        name=name,
        side=side,
        slots=tuple(players),
        coords=np.array(list(players.values()), dtype=np.float64),
        **meta,
    )


def _with_mirror(t: Template) -> list[Template]:
    m = t.mirrored()
    return [t] if np.allclose(np.sort(m.coords, axis=0), np.sort(t.coords, axis=0)) else [t, m]


# --- offense building blocks (u: + is the offense's left) ---------------------------------
_OL = {"LT": (2.6, 1.2), "LG": (1.3, 1.0), "C": (0.0, 0.9), "RG": (-1.3, 1.0), "RT": (-2.6, 1.2)}
_QB_UC = {"QB": (0.0, 1.7)}
_QB_SG = {"QB": (0.0, 5.0)}
_QB_PI = {"QB": (0.0, 4.0)}


def offense_templates() -> list[Template]:
    """Default offensive library, both strong sides for asymmetric shapes."""
    specs: list[tuple[str, str, str, dict[str, tuple[float, float]]]] = [
        # name, offenseFormation, receiverAlignment, skill players (QB included)
        ("SHOTGUN_2x2", "SHOTGUN", "2x2", {**_QB_SG, "RB": (-1.7, 5.2), "X": (19.0, 1.0),
         "SLOT": (10.0, 1.6), "Z": (-18.0, 1.6), "SLOT2": (-9.5, 1.6)}),
        ("SHOTGUN_2x2_TE", "SHOTGUN", "2x2", {**_QB_SG, "RB": (1.7, 5.2), "X": (19.0, 1.0),
         "SLOT": (10.0, 1.6), "Z": (-17.0, 1.6), "TE": (-4.0, 1.3)}),
        ("SHOTGUN_3x1", "SHOTGUN", "3x1", {**_QB_SG, "RB": (1.7, 5.2), "X": (19.0, 1.0),
         "Z": (-19.0, 1.6), "SLOT": (-12.0, 1.6), "SLOT2": (-7.0, 1.6)}),
        ("SHOTGUN_3x1_TE", "SHOTGUN", "3x1", {**_QB_SG, "RB": (1.7, 5.2), "X": (19.0, 1.0),
         "Z": (-18.0, 1.6), "SLOT": (-10.0, 1.6), "TE": (-4.0, 1.3)}),
        ("SHOTGUN_BUNCH", "SHOTGUN", "3x1", {**_QB_SG, "RB": (1.7, 5.2), "X": (19.0, 1.0),
         "Z": (-9.0, 1.0), "SLOT": (-8.0, 2.5), "SLOT2": (-10.0, 2.5)}),
        ("SHOTGUN_2x1", "SHOTGUN", "2x1", {**_QB_SG, "RB": (1.7, 5.2), "FB": (-1.7, 5.2),
         "X": (19.0, 1.0), "Z": (-18.0, 1.6), "TE": (-4.0, 1.3)}),
        ("EMPTY_3x2", "EMPTY", "3x2", {**_QB_SG, "X": (19.0, 1.0), "SLOT": (10.0, 1.6),
         "Z": (-19.0, 1.6), "SLOT2": (-12.0, 1.6), "TE": (-6.0, 1.6)}),
        ("EMPTY_4x1", "EMPTY", "4x1", {**_QB_SG, "X": (19.0, 1.0), "Z": (-20.0, 1.6),
         "SLOT": (-14.0, 1.6), "SLOT2": (-9.0, 1.6), "TE": (-5.0, 1.6)}),
        ("PISTOL_2x2", "PISTOL", "2x2", {**_QB_PI, "RB": (0.0, 7.0), "X": (19.0, 1.0),
         "SLOT": (10.0, 1.6), "Z": (-17.0, 1.6), "TE": (-4.0, 1.3)}),
        ("PISTOL_3x1", "PISTOL", "3x1", {**_QB_PI, "RB": (0.0, 7.0), "X": (19.0, 1.0),
         "Z": (-18.0, 1.6), "SLOT": (-10.0, 1.6), "TE": (-4.0, 1.3)}),
        ("PISTOL_2x1", "PISTOL", "2x1", {**_QB_PI, "RB": (0.0, 7.0), "FB": (-1.8, 4.5),
         "X": (19.0, 1.0), "Z": (-17.0, 1.6), "TE": (-4.0, 1.3)}),
        ("SINGLEBACK_2x2", "SINGLEBACK", "2x2", {**_QB_UC, "RB": (0.0, 6.5), "X": (19.0, 1.0),
         "SLOT": (10.0, 1.6), "Z": (-17.0, 1.6), "TE": (-4.0, 1.3)}),
        ("SINGLEBACK_3x1", "SINGLEBACK", "3x1", {**_QB_UC, "RB": (0.0, 6.5), "X": (19.0, 1.0),
         "Z": (-18.0, 1.6), "SLOT": (-10.0, 1.6), "TE": (-4.0, 1.3)}),
        ("SINGLEBACK_2TE", "SINGLEBACK", "2x2", {**_QB_UC, "RB": (0.0, 6.5), "X": (17.0, 1.0),
         "TE2": (4.0, 1.3), "Z": (-17.0, 1.6), "TE": (-4.0, 1.3)}),
        ("I_FORM_2x1", "I_FORM", "2x1", {**_QB_UC, "FB": (0.0, 4.3), "RB": (0.0, 7.0),
         "X": (18.0, 1.0), "Z": (-16.0, 1.6), "TE": (-4.0, 1.3)}),
        ("I_FORM_1x1", "I_FORM", "1x1", {**_QB_UC, "FB": (0.0, 4.3), "RB": (0.0, 7.0),
         "X": (17.0, 1.0), "OL6": (4.0, 1.2), "TE": (-4.0, 1.3)}),
        ("JUMBO_1x1", "JUMBO", "1x1", {**_QB_UC, "FB": (0.0, 4.3), "RB": (0.0, 7.0),
         "OL6": (4.0, 1.2), "TE2": (5.4, 1.3), "TE": (-4.0, 1.3)}),
        ("JUMBO_2x1", "JUMBO", "2x1", {**_QB_UC, "RB": (0.0, 6.5), "TE2": (4.0, 1.3),
         "X": (5.5, 2.0), "TE": (-4.0, 1.3), "FB": (-2.0, 4.0)}),
    ]
    out: list[Template] = []
    for name, formation, alignment, skill in specs:
        t = _build(name, "offense", {**_OL, **skill}, formation=formation, alignment=alignment)
        out.extend(_with_mirror(t))
    return out


# --- defense building blocks (u: + is the offense's left = defense's right) -------------
_FRONTS: dict[str, dict[str, tuple[float, float]]] = {
    "BASE_43": {"DE1": (4.5, 1.0), "DT1": (1.5, 1.0), "DT2": (-1.5, 1.0), "DE2": (-4.5, 1.0),
                "WLB": (4.0, 5.0), "MLB": (0.0, 5.0), "SLB": (-4.0, 5.0),
                "CB1": (17.0, 6.0), "CB2": (-17.0, 6.0)},
    "BASE_34": {"DE1": (2.8, 1.0), "NT": (0.0, 1.0), "DE2": (-2.8, 1.0), "EDGE1": (5.5, 1.3),
                "EDGE2": (-5.5, 1.3), "WLB": (2.0, 5.0), "MLB": (-2.0, 5.0),
                "CB1": (17.0, 6.0), "CB2": (-17.0, 6.0)},
    "NICKEL": {"DE1": (4.5, 1.0), "DT1": (1.5, 1.0), "DT2": (-1.5, 1.0), "DE2": (-4.5, 1.0),
               "WLB": (2.5, 5.0), "MLB": (-2.5, 5.0), "NCB": (-9.5, 5.5),
               "CB1": (17.0, 6.0), "CB2": (-17.0, 6.0)},
    "DIME": {"DE1": (4.5, 1.0), "DT1": (1.5, 1.0), "DT2": (-1.5, 1.0), "DE2": (-4.5, 1.0),
             "MLB": (0.0, 5.5), "NCB": (-9.5, 5.5), "DB": (9.5, 5.5),
             "CB1": (17.0, 6.0), "CB2": (-17.0, 6.0)},
}
_SHELLS: dict[str, dict[str, tuple[float, float]]] = {
    "2-high": {"FS": (9.0, 12.5), "SS": (-9.0, 12.5)},
    "1-high": {"FS": (0.0, 13.5), "SS": (-5.0, 7.5)},
    "0-high": {"FS": (5.0, 7.0), "SS": (-5.0, 7.0)},
}


def defense_templates() -> list[Template]:
    """Default defensive library: fronts x shells, plus a goal-line look."""
    out: list[Template] = []
    for front, players in _FRONTS.items():
        for shell, safeties in _SHELLS.items():
            t = _build(f"{front}_{shell.upper().replace('-', '')}", "defense",
                       {**players, **safeties}, formation=f"{front} {shell}",
                       shell=shell, front=front)
            out.extend(_with_mirror(t))
    goal_line = {"DE1": (4.5, 0.8), "DT1": (1.5, 0.8), "NT": (0.0, 0.8), "DT2": (-1.5, 0.8),
                 "DE2": (-4.5, 0.8), "WLB": (3.5, 3.0), "MLB": (0.0, 3.0), "SLB": (-3.5, 3.0),
                 "CB1": (10.0, 3.0), "CB2": (-10.0, 3.0), "SS": (0.0, 6.0)}
    out.append(_build("GOAL_LINE_0HIGH", "defense", goal_line, formation="GOAL_LINE 0-high",
                      shell="0-high", front="GOAL_LINE"))
    return out


def default_templates() -> list[Template]:
    return offense_templates() + defense_templates()


def select_templates(templates: Iterable[Template] | None, side: str) -> list[Template]:
    return [t for t in (templates if templates is not None else default_templates())
            if t.side == side]
