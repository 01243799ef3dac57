"""The defense: personnel, coverage assignments and the alignment it shows and plays.

This is where most of the man/zone signal is planted: alignment depth and
leverage, who lines up over whom, and safeties that show one shell after the
line set and rotate to another at the snap (a disguise), each made noisy so
that a good model stays well short of perfect.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from coverage.simulate.calls import SHELL_OF
from coverage.simulate.kinematics import W
from coverage.simulate.offense import Offense
from coverage.simulate.params import (
    ASSIGNMENT_COUNTS_BY_COVERAGE,
    CB_TE_COST,
    FIFTH_ON_LINE,
    GREEN_DOG,
    MAN_CB_PRESS,
    MAN_MATCH,
    MAN_ROTATION_LEAD,
    MAN_SAFETY,
    MAN_SPARES,
    PACKAGE_BY_COVERAGE,
    ZONE_CB_PRESS,
)
from coverage.simulate.personnel import draw_package
from coverage.simulate.roster import Player

ZONE_LANDMARK = {  # (depth past LOS, y as fraction of field width from the right sideline)
    "3L": (15.0, 0.83), "3M": (14.0, 0.5), "3R": (15.0, 0.17),
    "2L": (15.0, 0.75), "2R": (15.0, 0.25),
    "4OL": (13.0, 0.85), "4IL": (13.0, 0.62), "4IR": (13.0, 0.38), "4OR": (13.0, 0.15),
    "FL": (4.0, 0.9), "FR": (4.0, 0.1), "CFL": (8.0, 0.78), "CFR": (8.0, 0.22),
    "HCL": (8.0, 0.6), "HCR": (8.0, 0.4), "HOL": (8.0, 0.5), "DF": (16.0, 0.5), "PRE": (22.0, 0.5),
}
_MAN_MATCH_COVS = ("Cover-1", "Cover-1 Double", "Miscellaneous", "Cover-0", "Goal Line", "2-Man",
                   "Bracket")


def _zone_codes(cov: str, n_under: int) -> tuple[list[str], list[str]]:
    """(codes for CB_L, CB_R, S_L, S_R) and the underneath codes left-to-right."""
    under3 = {3: ["CFL", "HOL", "CFR"], 4: ["CFL", "HCL", "HCR", "CFR"], 2: ["HCL", "HCR"],
              1: ["HOL"], 5: ["FL", "HCL", "HOL", "HCR", "FR"], 0: []}
    if cov.startswith("Cover-3") or cov == "Red Zone":
        deep = ["3L", "3R", "3M", "CF"]
        if cov == "Cover-3 Cloud Left":
            deep = ["FL", "3R", "3L", "3M"]
        elif cov == "Cover-3 Cloud Right":
            deep = ["3L", "FR", "3M", "3R"]
        elif cov == "Cover-3 Double Cloud":
            deep = ["FL", "FR", "3L", "3R"]
        return deep, under3.get(n_under, under3[3])
    if cov == "Quarters":
        return ["4OL", "4OR", "4IL", "4IR"], {4: ["CFL", "HCL", "HCR", "CFR"]}.get(
            n_under, under3.get(n_under, []) if n_under != 3 else ["CFL", "HOL", "CFR"])
    if cov == "Cover-2":
        return ["FL", "FR", "2L", "2R"], {3: ["HCL", "HOL", "HCR"]}.get(n_under,
                                                                    under3.get(n_under, []))
    if cov == "Cover 6-Left":
        return ["FL", "4OR", "2L", "4IR"], {3: ["HCL", "HCR", "CFR"]}.get(n_under,
                                                                      under3.get(n_under, []))
    if cov == "Cover-6 Right":
        return ["4OL", "FR", "4IL", "2R"], {3: ["CFL", "HCL", "HCR"]}.get(n_under,
                                                                      under3.get(n_under, []))
    if cov == "Prevent":
        return ["PRE", "PRE", "PRE", "PRE"], ["PRE"] * n_under
    return ["3L", "3R", "3M", "CF"], under3.get(n_under, [])


@dataclass
class Defense:
    """The defense's call as the players carry it out; index order matches every array."""

    players: list[Player]
    slots: list[str]
    kind: list[str]  # DL / LB / CB / NCB / S
    codes: list[str | None]
    partner: np.ndarray  # offensive index this defender aligns on (man target when MAN), -1 none
    shown: np.ndarray  # (11,2) alignment shown after the line set
    played: np.ndarray  # (11,2) alignment at the snap (after late rotation)
    rot_start: np.ndarray  # secs before snap at which the late move starts (0 = at snap)
    shown_shell: int
    disguise: bool


@dataclass
class _Layout:
    """Who plays which role, and where each defender would naturally stand across the field."""

    kind: list[str]
    i_lb: list[int]
    i_cb: list[int]
    i_nb: list[int]
    i_s: list[int]
    s_left: int
    s_right: int
    deep_s: int  # the single-high safety in 1-high, -1 otherwise
    cb_side: dict[int, int]  # CB1 left (+y), CB2 right
    nat: np.ndarray  # natural y of each defender, for alignment matching
    rec: list[int]  # offensive indices of eligible receivers


def build_defense(rng: np.random.Generator, roster: dict[str, list[Player]], off: Offense,
                  cov: str | None, los: float, by: float, front34: bool = False) -> Defense:
    """Personnel, assignments and shown/played alignment for the call.

    ``front34``: this defense plays outside linebackers as its edge rushers (as about
    half the league does), so many linebackers rush rather than cover.
    """
    pkg = draw_package(rng, off, cov) if PACKAGE_BY_COVERAGE else _package(rng, off, cov)
    slots, players, kind = _personnel(roster, pkg, front34)
    shell = SHELL_OF.get(cov or "Cover-3", 1)
    lay = _layout(rng, off, kind, shell, by)
    codes: list[str | None] = [None] * 11
    partner = -np.ones(11, dtype=int)
    if cov in _MAN_MATCH_COVS:
        _assign_man(rng, cov, off, lay, codes, partner)
    elif cov is not None:
        _assign_zone(rng, cov, shell, off, lay, codes, partner)

    disguise_p = {0: 0.45, 1: 0.35, 2: 0.15}[shell]
    disguise = cov is not None and rng.random() < disguise_p
    shown_shell = {0: int(rng.choice([1, 2])), 1: 2, 2: 1}[shell] if disguise else shell
    man = cov in _MAN_MATCH_COVS
    shown = _shown_alignment(rng, off, lay, codes, partner, shown_shell, los, by, man)
    played, rot = _played_alignment(rng, off, lay, codes, partner, shown, cov, shell, disguise,
                                    los, by)
    shown[:, 1] = np.clip(shown[:, 1], 0.5, W - 0.5)
    played[:, 1] = np.clip(played[:, 1], 0.5, W - 0.5)
    return Defense(players, slots, kind, codes, partner, shown, played, rot, shown_shell,
                   disguise)


def _package(rng: np.random.Generator, off: Offense, cov: str | None) -> str:
    """Base / nickel / dime, matched to the number of wide receivers as real defenses do."""
    n_wr = sum(1 for k in off.kind if k == "WR")
    if cov == "Goal Line" or n_wr <= 1:
        return "base"
    if n_wr == 2:
        return "base" if rng.random() < 0.55 else "nickel"
    if n_wr == 3:
        return "nickel" if rng.random() < 0.85 else "dime"
    return "dime" if rng.random() < 0.6 else "nickel"


def _personnel(roster: dict[str, list[Player]], pkg: str,
               front34: bool = False) -> tuple[list[str], list[Player], list[str]]:
    # a 3-4 front puts its stand-up outside linebackers on the edges and keeps two
    # off-ball inside backers; a 4-3 has ends on the edges and outside backers beside the MLB
    edge, side_lb = ("OLB", "ILB") if front34 else ("DE", "OLB")
    dl = [("DE", roster[edge][0], "DL"), ("DT", roster["DT"][0], "DL"),
          ("DT", roster["DT"][1], "DL"), ("DE", roster[edge][1], "DL")]
    lbs = {"base": [("WLB", roster[side_lb][0]), ("MLB", roster["MLB"][0]),
                    ("SLB", roster[side_lb][1])],
           "nickel": [("WLB", roster["ILB"][0]), ("MLB", roster["MLB"][0])],
           "dime": [("MLB", roster["MLB"][0])]}[pkg]
    dbs = [("CB1", roster["CB"][0], "CB"), ("CB2", roster["CB"][1], "CB")]
    if pkg in ("nickel", "dime"):
        dbs.append(("NCB", roster["CB"][2], "NCB"))
    if pkg == "dime":
        dbs.append(("DB", roster["CB"][3], "NCB"))
    saf = [("FS", roster["FS"][0], "S"), ("SS", roster["SS"][0], "S")]
    slots = [d[0] for d in dl] + [lb[0] for lb in lbs] + [d[0] for d in dbs] + [s[0] for s in saf]
    players = [d[1] for d in dl] + [lb[1] for lb in lbs] + [d[1] for d in dbs] + [s[1] for s in saf]
    kind = ["DL"] * 4 + ["LB"] * len(lbs) + [d[2] for d in dbs] + ["S", "S"]
    return slots, players, kind


def _layout(rng: np.random.Generator, off: Offense, kind: list[str], shell: int,
            by: float) -> _Layout:
    i_lb = [i for i, k in enumerate(kind) if k == "LB"]
    i_cb = [i for i, k in enumerate(kind) if k == "CB"]
    i_nb = [i for i, k in enumerate(kind) if k == "NCB"]
    i_s = [i for i, k in enumerate(kind) if k == "S"]
    rec = [i for i in range(11) if off.kind[i] in ("WR", "TE", "RB")]
    # strength: side with more receivers
    strong = 1 if (off.side[rec] == 1).sum() >= (off.side[rec] == -1).sum() else -1
    cb_side = {i_cb[0]: 1, i_cb[1]: -1}
    nat = np.zeros(11)
    for i in i_cb:
        nat[i] = 46.0 if cb_side[i] == 1 else 7.3
    for j, i in enumerate(i_nb):
        nat[i] = by + (strong if j == 0 else -strong) * 7.0
    for j, i in enumerate(i_lb):
        nat[i] = by + (len(i_lb) - 1) * (1.5 - j * 1.5) * (1 if len(i_lb) > 1 else 0)
    s_left = i_s[0] if rng.random() < 0.5 else i_s[1]
    s_right = i_s[1] if s_left == i_s[0] else i_s[0]
    nat[s_left] = by + 8.0
    nat[s_right] = by - 8.0
    deep_s = i_s[0] if shell == 1 else -1  # FS
    return _Layout(kind, i_lb, i_cb, i_nb, i_s, s_left, s_right, deep_s, cb_side, nat, rec)


def _match(off: Offense, lay: _Layout, cand: list[int]) -> list[tuple[int, int]]:
    """Optimal defender -> receiver pairs by receiver type and lateral distance.

    CBs like wide WRs on their own side, nickels like slots, LB/S like TE/RB.
    """
    ry = off.pos[lay.rec, 1]

    def cost_for(i: int, j: int) -> float:
        rk, kd = off.rank[lay.rec[j]], off.kind[lay.rec[j]]
        c = abs(lay.nat[i] - ry[j]) * 0.3
        if lay.kind[i] == "CB":
            if CB_TE_COST is not None and kd == "TE":
                c += CB_TE_COST
            else:
                c += 0 if rk == 0 and kd == "WR" else (2.5 if rk == 0 else 8.0)
            c += 0 if np.sign(off.side[lay.rec[j]]) == lay.cb_side[i] else 20.0
        elif lay.kind[i] == "NCB":
            c += 0 if kd == "WR" and rk >= 1 else (3.0 if kd in ("WR", "TE") else 6.0)
        elif lay.kind[i] == "S":
            if MAN_MATCH is not None and kd in ("TE", "RB"):
                c += MAN_MATCH["s_te" if kd == "TE" else "s_rb"]
            else:
                c += -1.5 if kd == "TE" else (2.0 if kd == "WR" and rk >= 1 else 3.0)
        elif kd == "TE":  # LB
            c += 2.5 if MAN_MATCH is None else MAN_MATCH["lb_te"]
        else:
            c += 2.0 if kd == "RB" else 7.0
        return c

    cmat = np.array([[cost_for(i, j) for j in range(len(lay.rec))] for i in cand])
    from scipy.optimize import linear_sum_assignment  # scipy is slow to import: only when used

    ri, ci = linear_sum_assignment(cmat)
    return [(cand[a], lay.rec[b]) for a, b in zip(ri, ci, strict=True)]


def _assign_man(rng: np.random.Generator, cov: str, off: Offense, lay: _Layout,
                codes: list[str | None], partner: np.ndarray) -> None:
    """Man-match calls: everyone matched to a receiver plays him; spares rob or blitz."""
    cand = lay.i_cb + lay.i_nb + lay.i_lb + lay.i_s
    if cov in ("Cover-1", "Cover-1 Double", "Miscellaneous"):
        cand = [i for i in cand if i != lay.deep_s]
        codes[lay.deep_s] = "DF"
    if cov in ("2-Man", "Bracket"):
        cand = [i for i in cand if i not in lay.i_s]
        codes[lay.s_left] = "2L" if cov == "2-Man" else "4IL"
        codes[lay.s_right] = "2R" if cov == "2-Man" else "4IR"
    green_dog = []
    for d, r in _match(off, lay, cand):
        codes[d] = "MAN"
        partner[d] = r
        # a linebacker on a back often rushes when the back stays in to block (a "green
        # dog"): charted as a rusher, which keeps linebackers' man share near the real one
        if lay.kind[d] == "LB" and off.kind[r] == "RB" and rng.random() < GREEN_DOG:
            green_dog.append(d)
        # a tight end who stays in to block frees his man: a linebacker rushes, a
        # defensive back robs underneath
        elif (MAN_MATCH is not None and off.kind[r] == "TE"
              and rng.random() < MAN_MATCH["te_stays_in"]):
            if lay.kind[d] == "LB":
                green_dog.append(d)
            elif MAN_SPARES is None or lay.kind[d] == "S":
                codes[d] = "HOL"
    spare = [i for i in cand if codes[i] is None]
    if MAN_SPARES is None:
        for k, i in enumerate(spare):
            robber = k == 0 and (lay.kind[i] == "LB" or rng.random() < 0.5) and cov != "Cover-0"
            if robber or (cov == "Cover-0" and k == 0 and rng.random() < 0.3):
                codes[i] = "HOL"
            # otherwise: blitzes (no coverage code)
    else:
        _rob(rng, lay, spare, codes)
    for d in green_dog:
        codes[d] = None


def _rob(rng: np.random.Generator, lay: _Layout, spare: list[int],
         codes: list[str | None]) -> None:
    """At most one spare linebacker or safety of a man call robs the hole (``man_spares``);
    every other spare, a corner included, blitzes: real man calls leave the hole open about
    as often as they fill it, and almost never with a corner."""
    backers = [i for i in spare if lay.kind[i] in ("LB", "S")]
    if not backers or rng.random() >= MAN_SPARES["rob"]:
        return
    w = np.array([MAN_SPARES["s_weight"] if lay.kind[i] == "S" else 1.0 for i in backers])
    if w.sum() > 0:
        codes[int(rng.choice(backers, p=w / w.sum()))] = "HOL"


def _assign_zone(rng: np.random.Generator, cov: str, shell: int, off: Offense, lay: _Layout,
                 codes: list[str | None], partner: np.ndarray) -> None:
    """Zone calls: deep and underneath landmarks, plus whom each zone player lines up over."""
    deep, _ = _zone_codes(cov, 3)
    codes[lay.i_cb[0]], codes[lay.i_cb[1]] = deep[0], deep[1]
    if shell == 1:
        codes[lay.deep_s] = deep[2] if deep[2] != "CF" else "3M"
        under = [lay.i_s[1]] + lay.i_nb + lay.i_lb
    else:
        codes[lay.s_left], codes[lay.s_right] = deep[2], deep[3]
        under = lay.i_nb + lay.i_lb
    if cov.startswith("Cover-3 ") and "Cloud" in cov:
        codes[lay.i_s[0]] = "3M"
    # a fifth rusher from the LBs sometimes
    if len(under) >= 4 and rng.random() < 0.2:
        under = [u for u in under if u != lay.i_lb[-1]]
    under_sorted = sorted(under, key=lambda i: -lay.nat[i])
    _, ucodes = _zone_codes(cov, len(under_sorted))
    for i, c in zip(under_sorted, ucodes, strict=False):
        codes[i] = c
    # red zone: a few defenders play man inside the zone call
    p_man_in_zone = 0.25 if cov == "Red Zone" else 0.06
    cand = lay.i_cb + lay.i_nb + [i for i in lay.i_lb + lay.i_s if i in under]
    pairs = _match(off, lay, cand)
    man_kinds = ("LB", "NCB")
    if MAN_MATCH is not None:
        # as many defenders charted MAN as the real call has (pattern-matching zones:
        # Quarters corners on #1, a hook defender on the tight end), drawn among those
        # matched to a receiver
        man_kinds = ("LB", "NCB", "CB", "S")
        charted = sum(c is not None for c in codes)
        matched = sum(codes[d] is not None for d, _ in pairs)
        p_man_in_zone = min(1.0, _man_share(cov) * charted / max(matched, 1))
    for d, r in pairs:
        partner[d] = r
        if (lay.kind[d] in man_kinds and rng.random() < p_man_in_zone
                and codes[d] is not None):
            codes[d] = "MAN"


def _man_share(cov: str) -> float:
    """The real share of a call's charted defenders who play MAN."""
    counts = ASSIGNMENT_COUNTS_BY_COVERAGE.get(cov, {})
    return counts.get("MAN", 0) / max(sum(counts.values()), 1)


def _shown_alignment(rng: np.random.Generator, off: Offense, lay: _Layout,
                     codes: list[str | None], partner: np.ndarray, shown_shell: int, los: float,
                     by: float, man: bool = False) -> np.ndarray:
    """Spots after the line set: corners key off their man, safeties show ``shown_shell``;
    sometimes a linebacker walks up to the edge (a five-man line, which real defenses show
    in zone as in man)."""
    shown = np.zeros((11, 2))
    dl_y = by + np.array([4.2, 1.0, -1.0, -4.2]) + rng.normal(0, 0.4, 4)
    # linemen crowd the ball (real: median 0.66 yd, IQR 0.57-0.95)
    dl_x = np.clip(0.72 + rng.normal(0, 0.22, 4), 0.3, 1.8)
    shown[:4] = np.column_stack([los + dl_x, dl_y])
    n_lb = len(lay.i_lb)
    for j, i in enumerate(lay.i_lb):
        off_y = (0.0 if n_lb == 1 else (n_lb - 1) * (1.0 - 2.0 * j / (n_lb - 1)) * 2.5)
        shown[i] = [los + rng.uniform(3.2, 5.2), by + off_y + rng.normal(0, 0.6)]
    p_edge = FIFTH_ON_LINE[0 if man else 1]
    if p_edge > 0 and lay.i_lb and rng.random() < p_edge:
        i = max(lay.i_lb, key=lambda j: abs(shown[j, 1] - by))
        side = 1.0 if shown[i, 1] >= by else -1.0
        shown[i] = [los + rng.uniform(0.3, 1.3), by + side * rng.uniform(4.5, 7.0)]
    for i in lay.i_cb + lay.i_nb:
        shown[i] = _corner_spot(rng, off, lay, i, codes[i], int(partner[i]), los, by)
    deep = lay.deep_s if lay.deep_s >= 0 else lay.i_s[0]
    for i in lay.i_s:
        shown[i] = _safety_spot(rng, off, lay, i, int(partner[i]), shown_shell, deep, los, by,
                                _for_man(SHOWN_SAFETY) if man else SHOWN_SAFETY)
    return shown


@dataclass(frozen=True)
class _SafetyDepths:
    """Depth / width ranges (yd) of a safety's spot, per shell: what the offense reads."""

    two_high: tuple[float, float]
    two_high_width: tuple[float, float]
    middle: tuple[float, float]
    middle_sd: float
    zero_high: tuple[float, float]
    down: tuple[float, float] = (3.5, 7.5)  # the 1-high shell's down safety


# Shown shells sit a little wider and vaguer than the played ones they may disguise.
SHOWN_SAFETY = _SafetyDepths((9.0, 12.5), (8.0, 12.0), (9.5, 14.0), 2.0, (4.0, 7.5))
PLAYED_SAFETY = _SafetyDepths((9.0, 12.5), (8.0, 11.0), (10.0, 13.5), 1.5, (3.5, 6.5))


def _for_man(d: _SafetyDepths) -> _SafetyDepths:
    """A man call's safeties: the ``man_safety`` knob's depths when it is set (real man
    safeties come down into the box more than zone ones)."""
    if MAN_SAFETY is None:
        return d
    return replace(d, down=MAN_SAFETY.get("down", d.down),
                   zero_high=MAN_SAFETY.get("zero_high", d.zero_high))


def _safety_spot(rng: np.random.Generator, off: Offense, lay: _Layout, i: int, partner: int,
                 shell: int, deep: int, los: float, by: float, d: _SafetyDepths) -> list[float]:
    """Two high: both deep and wide; one high: ``deep`` in the middle, the other down on
    his man's side; zero high: both down near the box."""
    sd = 1 if i == lay.s_left else -1
    if shell == 2:
        return [los + rng.uniform(*d.two_high), by + sd * rng.uniform(*d.two_high_width)]
    if shell == 1 and i == deep:
        return [los + rng.uniform(*d.middle), by + rng.normal(0, d.middle_sd)]
    if shell == 1:
        ty = off.pos[partner, 1] if partner >= 0 else by + sd * 5
        return [los + rng.uniform(*d.down), ty + rng.normal(0, 1.5)]
    ty = off.pos[partner, 1] if partner >= 0 else by + sd * 4
    return [los + rng.uniform(*d.zero_high), ty + rng.normal(0, 1.0)]


def _corner_spot(rng: np.random.Generator, off: Offense, lay: _Layout, i: int,
                 code: str | None, p_: int, los: float, by: float) -> list[float]:
    """Depth and leverage: man corners press and shade inside more often than zone corners."""
    if p_ < 0:
        return [los + rng.uniform(6, 9), lay.nat[i]]
    ry_ = off.pos[p_, 1]
    inside = np.sign(by - ry_) if abs(by - ry_) > 0.5 else 0.0
    man_i = code == "MAN"
    if man_i:
        press = rng.random() < (MAN_CB_PRESS[0] if lay.kind[i] == "CB" else 0.35)
        depth = rng.uniform(*MAN_CB_PRESS[1:]) if press else rng.uniform(3.5, 7.0)
        lev = inside * rng.uniform(0.3, 1.5) if rng.random() < 0.65 else \
            -inside * rng.uniform(0.0, 1.0)
    else:
        press = rng.random() < ZONE_CB_PRESS[0 if code in ("FL", "FR") else 1]
        depth = rng.uniform(0.8, 2.2) if press else rng.uniform(4.0, 8.0)
        lev = -inside * rng.uniform(0.3, 2.0) if rng.random() < 0.6 else \
            inside * rng.uniform(0.0, 1.0)
    if lay.kind[i] == "NCB":
        depth = rng.uniform(1.0, 4.5) if man_i else rng.uniform(3.0, 7.0)
    return [los + depth, ry_ + lev]


def _played_alignment(rng: np.random.Generator, off: Offense, lay: _Layout,
                      codes: list[str | None], partner: np.ndarray, shown: np.ndarray,
                      cov: str | None, shell: int, disguise: bool, los: float,
                      by: float) -> tuple[np.ndarray, np.ndarray]:
    """Spots at the snap (the real shell) and when each late move starts."""
    played = shown.copy()
    man = cov in _MAN_MATCH_COVS
    for i in lay.i_s:
        played[i] = _safety_spot(rng, off, lay, i, int(partner[i]), shell, lay.deep_s, los, by,
                                 _for_man(PLAYED_SAFETY) if man else PLAYED_SAFETY)
        if shell == 2 and cov == "Quarters":
            played[i, 0] = los + rng.uniform(8.0, 11.5)
    if not disguise:
        # without disguise the played spot is just a little settling of the shown one
        played[lay.i_s] = shown[lay.i_s] + rng.normal(0, 0.4, (2, 2))
    # late rotation: some start well before the snap, many only at the snap
    rot = np.zeros(11)
    rot[lay.i_s] = rng.choice([0.0, 0.0, rng.uniform(0.3, 1.0), rng.uniform(0.8, 2.0)])
    if MAN_ROTATION_LEAD is not None and man and disguise:
        # a man call's disguise must be rotated out of before the snap to get to the man
        rot[lay.i_s] = rng.uniform(*MAN_ROTATION_LEAD)
    # corners: man press corners sometimes creep down late; zone press corners bail at the snap
    for i in lay.i_cb + lay.i_nb:
        if codes[i] == "MAN" and shown[i, 0] - los > 4 and rng.random() < 0.25:
            played[i, 0] = los + rng.uniform(1.0, 3.0)
            rot[i] = rng.uniform(0.4, 1.5)
    return played, rot
