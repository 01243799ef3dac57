"""One synthetic play: formations, coverage, pre-snap behaviour and the first seconds after it.

Everything here works in the *normalised* frame (offense toward +x, LOS at
``los_x``); the season writer rotates to the raw field frame. "Left" in the
PFF-style assignment codes (3L, 2L, FL, ...) is the offense's left, i.e. the
+y side in the normalised frame.

Trajectories are produced by steering every player toward a target path with
speed and acceleration limits, so speeds, accelerations and directions derived
from the positions look like real tracking (no teleporting, no 20 yd/s spikes).
The man/zone signal lives in alignment depth/leverage, eyes, safety rotation
and, above all, in who follows a motion man -- each made noisy and sometimes
disguised so that a good model stays well short of perfect.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import linear_sum_assignment
from scipy.signal import lfilter

from coverage.simulate import params as P  # noqa: N812
from coverage.simulate.roster import Player

DT = 0.1
W = 53.3
OFF_DEF_SLOTS = 11

_MAN_COVS = ("Cover-1", "Cover-0", "2-Man", "Cover-1 Double")
_ZONE_COVS = ("Cover-3", "Quarters", "Cover-2", "Cover 6-Left", "Cover-6 Right", "Cover-3 Seam",
              "Cover-3 Cloud Right", "Cover-3 Cloud Left", "Cover-3 Double Cloud")
_OTHER_COVS = ("Red Zone", "Goal Line", "Bracket", "Prevent", "Miscellaneous")
SHELL_OF = {"Cover-0": 0, "Cover-1": 1, "Cover-1 Double": 1, "Cover-3": 1, "Cover-3 Seam": 1,
            "Cover-3 Cloud Right": 1, "Cover-3 Cloud Left": 1, "Cover-3 Double Cloud": 1,
            "Quarters": 2, "Cover-2": 2, "Cover 6-Left": 2, "Cover-6 Right": 2, "2-Man": 2,
            "Bracket": 2, "Prevent": 2, "Red Zone": 1, "Goal Line": 0, "Miscellaneous": 1}
ROUTES = ("GO", "HITCH", "OUT", "IN", "SLANT", "POST", "CORNER", "FLAT", "CROSS", "SCREEN")
_ROUTE_P_WR = np.array([0.2, 0.17, 0.12, 0.1, 0.08, 0.08, 0.06, 0.04, 0.1, 0.05])
_ROUTE_P_TE = np.array([0.1, 0.15, 0.1, 0.08, 0.04, 0.03, 0.05, 0.2, 0.2, 0.05])


def _logit(p: float) -> float:
    p = min(max(p, 1e-3), 1 - 1e-3)
    return float(np.log(p / (1 - p)))


_MAN_BASE = _logit(P.MAN_RATE)
# The down/distance, team and formation adjustments below are not centred on
# the season's situation mix; this shift brings the season Man share back to
# the real ~27% (checked on generated seasons).
_MAN_SHIFT = 0.15


@dataclass
class PlayContext:
    """Situation of a play before the snap (what the coverage call depends on)."""

    down: int
    togo: int
    to_goal: int  # yards to the opponent's goal line
    offense: str
    defense: str
    quarter: int


@dataclass
class SimPlay:
    """A simulated play in normalised coordinates, with its ground truth."""

    xy: np.ndarray  # (F, 22, 2) players, offense 0..10 then defense 11..21
    ball: np.ndarray  # (F, 2)
    o: np.ndarray  # (F, 22) orientation, NGS degrees
    events: list[str | None]
    snap_idx: int
    los_x: float
    ball_y: float
    players: list[Player]
    slots: list[str]
    assignment: list[str | None]
    man_target: list[int | None]
    info: dict[str, object] = field(default_factory=dict)
    per_player: dict[str, list[object]] = field(default_factory=dict)


# --------------------------------------------------------------------------- coverage call
def choose_coverage(rng: np.random.Generator, ctx: PlayContext, formation: str,
                    team_travel: float) -> str | None:
    """Coverage call from field zone, down/distance, formation and the defense's man rate."""
    del team_travel
    if rng.random() < P.NULL_COVERAGE_RATE:
        return None
    field_zone = "goal" if ctx.to_goal <= 5 else ("red" if ctx.to_goal <= 20 else "open")
    counts = P.COVERAGE_COUNTS_BY_FIELD[field_zone]
    names = list(counts)
    w = np.array([counts[n] for n in names], dtype=float)
    is_man = np.array([P.COVERAGE_MANZONE[n] == "Man" for n in names])
    is_other = np.array([P.COVERAGE_MANZONE[n] == "Other" for n in names])
    base_man = w[is_man].sum() / max(w[is_man | ~is_other].sum(), 1.0)
    dist = "short" if ctx.togo <= 3 else "medium" if ctx.togo <= 7 else "long"
    dd = f"{min(ctx.down, 3)}_{dist}"
    z = (_logit(base_man) + _MAN_SHIFT
         + 0.6 * (_logit(P.MAN_RATE_BY_DD.get(dd, P.MAN_RATE)) - _MAN_BASE)
         + 0.8 * (_logit(P.MAN_RATE_BY_TEAM.get(ctx.defense, P.MAN_RATE)) - _MAN_BASE)
         + 0.5 * (_logit(P.MAN_RATE_BY_FORMATION.get(formation, P.MAN_RATE)) - _MAN_BASE))
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
    return None if cov is None else P.COVERAGE_MANZONE[cov]


# --------------------------------------------------------------------------- offense
@dataclass
class _Off:
    players: list[Player]
    slots: list[str]
    pos: np.ndarray  # (11, 2) alignment at line set
    kind: list[str]  # OL / QB / RB / WR / TE
    side: np.ndarray  # +1 left (+y), -1 right, 0 middle
    rank: np.ndarray  # 0 = outermost receiver on its side


def _weighted(rng: np.random.Generator, d: dict[str, int]) -> str:
    k = list(d)
    w = np.array([d[x] for x in k], dtype=float)
    return k[int(rng.choice(len(k), p=w / w.sum()))]


def build_offense(rng: np.random.Generator, roster: dict[str, list[Player]], formation: str,
                  alignment: str, los: float, by: float) -> _Off:
    """Eleven offensive players on real-looking spots for this formation and alignment."""
    n_a, n_b = (int(c) for c in alignment.split("x"))
    strong = 1 if rng.random() < 0.5 else -1  # side of the first number
    n_side = {strong: n_a, -strong: n_b}
    backs = 5 - n_a - n_b
    n_te = {"SINGLEBACK": rng.choice([0, 1, 1, 2]), "I_FORM": rng.choice([1, 1, 2]),
            "JUMBO": rng.choice([2, 3]), "PISTOL": rng.choice([0, 1, 1, 2]),
            "EMPTY": rng.choice([0, 0, 1]), "WILDCAT": 1}.get(formation, rng.choice([0, 1, 1]))
    n_te = int(min(n_te, n_a + n_b + max(backs - 1, 0)))
    wr_i = te_i = rb_i = 0

    def take(pos: str) -> Player:
        nonlocal wr_i, te_i, rb_i
        if pos == "WR":
            wr_i += 1
            return roster["WR"][(wr_i - 1) % len(roster["WR"])]
        if pos == "TE":
            te_i += 1
            return roster["TE"][(te_i - 1) % len(roster["TE"])]
        rb_i += 1
        return roster["RB"][(rb_i - 1) % len(roster["RB"])]

    players = [roster["T"][0], roster["G"][0], roster["C"][0], roster["G"][1], roster["T"][1]]
    slots = ["LT", "LG", "C", "RG", "RT"]
    kind = ["OL"] * 5
    ol_y = np.array([2.9, 1.45, 0.0, -1.45, -2.9]) + rng.normal(0, 0.12, 5)
    ol_x = np.array([-1.4, -1.1, -0.9, -1.1, -1.4]) + rng.normal(0, 0.1, 5)
    pos = [np.column_stack([los + ol_x, by + ol_y])]
    side = [0] * 5
    rank = [9] * 5
    # quarterback
    qb_depth = {"SHOTGUN": 5.0, "EMPTY": 5.0, "PISTOL": 4.0, "WILDCAT": 5.5}.get(formation, 1.3)
    players.append(roster["QB"][0])
    slots.append("QB")
    kind.append("QB")
    pos.append(np.array([[los - qb_depth + rng.normal(0, 0.2), by + rng.normal(0, 0.15)]]))
    side.append(0)
    rank.append(9)
    # receivers, outermost first, on each side
    te_left = n_te
    wr_names = {1: "X", -1: "Z"}
    n_slot = 0
    for sd in (1, -1):
        k = n_side[sd]
        if k == 0:
            continue
        sideline = W - 1.0 if sd == 1 else 1.0
        bunch = k >= 3 and rng.random() < 0.12
        bunch_y = by + sd * rng.uniform(5.5, 8.0)
        for r in range(k):
            inner = r == k - 1 and r > 0
            use_te = inner and te_left > 0
            if r == 0 and k == 1 and te_left > 0 and formation in ("JUMBO", "I_FORM") \
                    and rng.random() < 0.5:
                use_te = True
            if use_te:
                te_left -= 1
                p = take("TE")
                kind.append("TE")
                slots.append("TE" if "TE" not in slots else "TE2")
                y = by + sd * (2.9 + rng.uniform(1.2, 2.2))
                x = los - 1.2
                if r == 0:  # lone TE as the only receiver on the side
                    y = by + sd * (2.9 + rng.uniform(1.5, 2.5))
            else:
                p = take("WR") if not (formation == "EMPTY" and inner and rng.random() < 0.4) \
                    else take("RB")
                kind.append("WR" if p.position == "WR" else "RB")
                if r == 0:
                    slots.append(wr_names[sd])
                    y = sideline - sd * rng.uniform(4.0, 12.0)
                    # tight splits near the ball on compressed formations
                    if rng.random() < 0.15:
                        y = by + sd * rng.uniform(8.0, 11.0)
                    x = los - (0.7 if rng.random() < 0.6 else 1.2)
                else:
                    n_slot += 1
                    slots.append("SLOT" if n_slot == 1 else f"SLOT{n_slot}")
                    outer_y = pos[-1][0, 1] if r > 0 else sideline
                    y = by + sd * 2.9 + (outer_y - by - sd * 2.9) * rng.uniform(0.35, 0.65)
                    x = los - rng.uniform(1.0, 1.8)
            if bunch and r < 3:
                y = bunch_y + sd * (1.2 - r * 1.1) + rng.normal(0, 0.2)
                x = los - (0.8, 2.0, 1.2)[r]
            players.append(p)
            pos.append(np.array([[x + rng.normal(0, 0.1), np.clip(y, 1.0, W - 1.0)]]))
            side.append(sd)
            rank.append(r)
    # backs
    for b in range(backs):
        if te_left > 0 and b == backs - 1 and b > 0:
            te_left -= 1
            p = take("TE")
            kind.append("TE")
            slots.append("WING")
            sd = -strong
            pos.append(np.array([[los - 2.0, by + sd * rng.uniform(3.5, 4.5)]]))
        else:
            fb = formation in ("I_FORM", "JUMBO") and b == 0 and backs >= 2
            p = roster["FB"][0] if fb else take("RB")
            kind.append("RB")
            slots.append("FB" if fb else ("RB" if "RB" not in slots else "RB2"))
            if formation in ("SHOTGUN", "EMPTY", "WILDCAT"):
                sd = (1 if b == 0 else -1) * (1 if rng.random() < 0.5 else -1)
                xy = [los - qb_depth + rng.normal(0, 0.3), by + sd * rng.uniform(1.3, 2.3)]
            elif fb:
                xy = [los - 4.3 + rng.normal(0, 0.2), by + rng.normal(0, 0.3)]
                sd = 0
            else:
                xy = [los - 7.0 + rng.normal(0, 0.3), by + rng.normal(0, 0.4)]
                sd = 0
            pos.append(np.array([xy]))
        players.append(p)
        side.append(0 if slots[-1] != "WING" else -strong)
        rank.append(9)
    xy_all = np.concatenate(pos, axis=0)
    xy_all[:, 1] = np.clip(xy_all[:, 1], 0.8, W - 0.8)
    return _Off(players, slots, xy_all, kind, np.array(side), np.array(rank))


# --------------------------------------------------------------------------- defense
_ZONE_LANDMARK = {  # (depth past LOS, y as fraction of field width from the right sideline)
    "3L": (15.0, 0.83), "3M": (14.0, 0.5), "3R": (15.0, 0.17),
    "2L": (15.0, 0.75), "2R": (15.0, 0.25),
    "4OL": (13.0, 0.85), "4IL": (13.0, 0.62), "4IR": (13.0, 0.38), "4OR": (13.0, 0.15),
    "FL": (4.0, 0.9), "FR": (4.0, 0.1), "CFL": (8.0, 0.78), "CFR": (8.0, 0.22),
    "HCL": (8.0, 0.6), "HCR": (8.0, 0.4), "HOL": (8.0, 0.5), "DF": (16.0, 0.5), "PRE": (22.0, 0.5),
}


def _zone_codes(cov: str, n_under: int, rng: np.random.Generator) -> tuple[list[str], list[str]]:
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
    del rng
    return ["3L", "3R", "3M", "CF"], under3.get(n_under, [])


@dataclass
class _Def:
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


def build_defense(rng: np.random.Generator, roster: dict[str, list[Player]], off: _Off,
                  cov: str | None, los: float, by: float) -> _Def:
    """Personnel, assignments and shown/played alignment for the call."""
    n_wr = sum(1 for k in off.kind if k == "WR")
    heavy = cov == "Goal Line"
    if heavy or n_wr <= 1:
        pkg = "base"
    elif n_wr == 2:
        pkg = "base" if rng.random() < 0.55 else "nickel"
    elif n_wr == 3:
        pkg = "nickel" if rng.random() < 0.85 else "dime"
    else:
        pkg = "dime" if rng.random() < 0.6 else "nickel"
    dl = [("DE", roster["DE"][0], "DL"), ("DT", roster["DT"][0], "DL"),
          ("DT", roster["DT"][1], "DL"), ("DE", roster["DE"][1], "DL")]
    lbs = {"base": [("WLB", roster["OLB"][0]), ("MLB", roster["MLB"][0]),
                    ("SLB", roster["OLB"][1])],
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
    n = 11
    i_lb = [i for i, k in enumerate(kind) if k == "LB"]
    i_cb = [i for i, k in enumerate(kind) if k == "CB"]
    i_nb = [i for i, k in enumerate(kind) if k == "NCB"]
    i_s = [i for i, k in enumerate(kind) if k == "S"]

    rec = [i for i in range(11) if off.kind[i] in ("WR", "TE", "RB")]
    ry = off.pos[rec, 1]
    # strength: side with more receivers
    strong = 1 if (off.side[rec] == 1).sum() >= (off.side[rec] == -1).sum() else -1
    # cornerback sides: CB1 left (+y), CB2 right
    cb_side = {i_cb[0]: 1, i_cb[1]: -1}
    # natural y of each defender, for alignment matching
    nat = np.zeros(n)
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
    # receiver type cost: CBs like wide WRs, nickels like slots, LB/S like TE/RB
    def cost_for(i: int, j: int) -> float:
        rk, kd = off.rank[rec[j]], off.kind[rec[j]]
        c = abs(nat[i] - ry[j]) * 0.3
        if kind[i] == "CB":
            c += 0 if rk == 0 and kd == "WR" else 8.0
            c += 0 if np.sign(off.side[rec[j]]) == cb_side[i] else 20.0
        elif kind[i] == "NCB":
            c += 0 if kd == "WR" and rk >= 1 else (3.0 if kd in ("WR", "TE") else 6.0)
        elif kind[i] == "S":
            c += 0 if kd == "TE" else (2.0 if kd == "WR" and rk >= 1 else 4.0)
        else:  # LB
            c += 0 if kd in ("RB", "TE") else 7.0
        return c

    shell = SHELL_OF.get(cov or "Cover-3", 1)
    mz = man_zone_of(cov)
    codes: list[str | None] = [None] * n
    partner = -np.ones(n, dtype=int)
    deep_s = -1  # the single-high safety in 1-high
    if shell == 1:
        deep_s = i_s[0]  # FS
    # who can be matched to receivers
    if cov in ("Cover-1", "Cover-1 Double", "Miscellaneous", "Cover-0", "Goal Line", "2-Man",
               "Bracket"):
        cand = i_cb + i_nb + i_lb + i_s
        if cov in ("Cover-1", "Cover-1 Double", "Miscellaneous"):
            cand = [i for i in cand if i != deep_s]
            codes[deep_s] = "DF"
        if cov in ("2-Man", "Bracket"):
            cand = [i for i in cand if i not in i_s]
            codes[s_left] = "2L" if cov == "2-Man" else "4IL"
            codes[s_right] = "2R" if cov == "2-Man" else "4IR"
        cmat = np.array([[cost_for(i, j) for j in range(len(rec))] for i in cand])
        ri, ci = linear_sum_assignment(cmat)
        for a, b in zip(ri, ci, strict=True):
            codes[cand[a]] = "MAN"
            partner[cand[a]] = rec[b]
        spare = [i for i in cand if codes[i] is None]
        for k, i in enumerate(spare):
            robber = k == 0 and (kind[i] == "LB" or rng.random() < 0.5) and cov != "Cover-0"
            if robber or (cov == "Cover-0" and k == 0 and rng.random() < 0.3):
                codes[i] = "HOL"
            # otherwise: blitzes (no coverage code)
    elif cov is not None:
        deep, _ = _zone_codes(cov, 3, rng)
        codes[i_cb[0]], codes[i_cb[1]] = deep[0], deep[1]
        if shell == 1:
            codes[deep_s] = deep[2] if deep[2] != "CF" else "3M"
            other = i_s[1]
            under = [other] + i_nb + i_lb
        else:
            codes[s_left], codes[s_right] = deep[2], deep[3]
            under = i_nb + i_lb
        if cov.startswith("Cover-3 ") and "Cloud" in cov:
            codes[i_s[0]] = "3M"
        # a fifth rusher from the LBs sometimes
        if len(under) >= 4 and rng.random() < 0.2:
            under = [u for u in under if u != i_lb[-1]]
        under_sorted = sorted(under, key=lambda i: -nat[i])
        _, ucodes = _zone_codes(cov, len(under_sorted), rng)
        for i, c in zip(under_sorted, ucodes, strict=False):
            codes[i] = c
        # red zone: a few defenders play man inside the zone call
        p_man_in_zone = 0.25 if cov == "Red Zone" else 0.06
        # alignment partners for zone players (whom they line up over)
        cand = i_cb + i_nb + [i for i in i_lb + i_s if i in under]
        cmat = np.array([[cost_for(i, j) for j in range(len(rec))] for i in cand])
        ri, ci = linear_sum_assignment(cmat)
        for a, b in zip(ri, ci, strict=True):
            partner[cand[a]] = rec[b]
            if (kind[cand[a]] in ("LB", "NCB") and rng.random() < p_man_in_zone
                    and codes[cand[a]] is not None):
                codes[cand[a]] = "MAN"
    is_man = mz == "Man" or cov in ("Goal Line", "Bracket")

    # ---- alignment shown after the line set, and at the snap
    disguise_p = {0: 0.45, 1: 0.35, 2: 0.15}[shell]
    disguise = cov is not None and rng.random() < disguise_p
    shown_shell = {0: int(rng.choice([1, 2])), 1: 2, 2: 1}[shell] if disguise else shell
    shown = np.zeros((n, 2))
    played = np.zeros((n, 2))
    rot = np.zeros(n)
    # DL
    dl_y = by + np.array([4.2, 1.0, -1.0, -4.2]) + rng.normal(0, 0.4, 4)
    shown[:4] = np.column_stack([los + 1.0 + rng.normal(0, 0.15, 4), dl_y])
    for j, i in enumerate(i_lb):
        off_y = (0.0 if len(i_lb) == 1 else (len(i_lb) - 1) * (1.0 - 2.0 * j / (len(i_lb) - 1))
                 * 2.5)
        shown[i] = [los + rng.uniform(4.0, 6.0), by + off_y + rng.normal(0, 0.6)]
    for i in i_cb + i_nb:
        p_ = partner[i]
        man_i = codes[i] == "MAN"
        if p_ < 0:
            shown[i] = [los + rng.uniform(6, 9), nat[i]]
            continue
        rx, ry_ = off.pos[p_]
        inside = np.sign(by - ry_) if abs(by - ry_) > 0.5 else 0.0
        if man_i:
            press = rng.random() < (0.5 if kind[i] == "CB" else 0.3)
            depth = rng.uniform(0.8, 2.0) if press else rng.uniform(4.0, 7.5)
            lev = inside * rng.uniform(0.3, 1.5) if rng.random() < 0.65 else \
                -inside * rng.uniform(0.0, 1.0)
        else:
            press = rng.random() < (0.25 if codes[i] in ("FL", "FR") else 0.15)
            depth = rng.uniform(1.0, 2.2) if press else rng.uniform(4.5, 9.0)
            lev = -inside * rng.uniform(0.3, 2.0) if rng.random() < 0.6 else \
                inside * rng.uniform(0.0, 1.0)
        if kind[i] == "NCB":
            depth = rng.uniform(1.5, 5.5) if man_i else rng.uniform(3.0, 7.5)
        shown[i] = [los + depth, ry_ + lev]
    # safeties: shown shell
    for i in i_s:
        sd = 1 if i == s_left else -1
        if shown_shell == 2:
            shown[i] = [los + rng.uniform(10.5, 14.0), by + sd * rng.uniform(8.0, 12.0)]
        elif shown_shell == 1:
            if i == (deep_s if deep_s >= 0 else i_s[0]):
                shown[i] = [los + rng.uniform(11.5, 16.0), by + rng.normal(0, 2.0)]
            else:
                tgt = partner[i] if partner[i] >= 0 else None
                ty = off.pos[tgt, 1] if tgt is not None else by + sd * 5
                shown[i] = [los + rng.uniform(5.5, 9.0), ty + rng.normal(0, 1.5)]
        else:
            tgt = partner[i] if partner[i] >= 0 else None
            ty = off.pos[tgt, 1] if tgt is not None else by + sd * 4
            shown[i] = [los + rng.uniform(4.5, 8.0), ty + rng.normal(0, 1.0)]
    played[:] = shown
    # played shell at the snap (safety rotation)
    for i in i_s:
        sd = 1 if i == s_left else -1
        if shell == 2:
            played[i] = [los + rng.uniform(11.0, 14.0), by + sd * rng.uniform(8.0, 11.0)]
            if cov == "Quarters":
                played[i, 0] = los + rng.uniform(9.5, 13.0)
        elif shell == 1:
            if i == deep_s:
                played[i] = [los + rng.uniform(12.0, 15.5), by + rng.normal(0, 1.5)]
            else:
                tgt = partner[i]
                ty = off.pos[tgt, 1] if tgt >= 0 else by + sd * 5
                played[i] = [los + rng.uniform(5.5, 9.0), ty + rng.normal(0, 1.5)]
        else:
            tgt = partner[i]
            ty = off.pos[tgt, 1] if tgt >= 0 else by + sd * 4
            played[i] = [los + rng.uniform(4.0, 7.0), ty + rng.normal(0, 1.0)]
    if not disguise:
        # without disguise the played spot is just a little settling of the shown one
        played[i_s] = shown[i_s] + rng.normal(0, 0.4, (2, 2))
    # late rotation: some start well before the snap, many only at the snap
    rot[:] = 0.0
    rot[i_s] = rng.choice([0.0, 0.0, rng.uniform(0.3, 1.0), rng.uniform(0.8, 2.0)])
    # corners: man press corners sometimes creep down late; zone press corners bail at the snap
    for i in i_cb + i_nb:
        if codes[i] == "MAN" and shown[i, 0] - los > 4 and rng.random() < 0.25:
            played[i, 0] = los + rng.uniform(1.0, 3.0)
            rot[i] = rng.uniform(0.4, 1.5)
    shown[:, 1] = np.clip(shown[:, 1], 0.5, W - 0.5)
    played[:, 1] = np.clip(played[:, 1], 0.5, W - 0.5)
    del is_man
    return _Def(players, slots, kind, codes, partner, shown, played, rot, shown_shell, disguise)


# --------------------------------------------------------------------------- motion physics
def steer(target: np.ndarray, tau: float = 0.15, vmax: float = 10.0) -> np.ndarray:
    """Follow ``target`` (F, N, 2) like an athlete: a critically damped lag.

    Two cascaded first-order lags (each ``tau`` seconds) turn piecewise-linear
    target paths into smooth positions with finite acceleration; the target
    paths themselves are built at realistic speeds. Runs vectorised over all
    frames and players (scipy's IIR filter), so it costs nothing per play.
    """
    alpha = DT / (tau + DT)
    x0 = target[:1]
    y = lfilter([alpha], [1.0, alpha - 1.0], target - x0, axis=0)
    y = lfilter([alpha], [1.0, alpha - 1.0], y, axis=0)
    # nobody outruns ~10 yd/s: cap the frame-to-frame step and re-integrate
    step = np.diff(y, axis=0)
    norm = np.sqrt((step ** 2).sum(-1, keepdims=True))
    step *= np.minimum(1.0, vmax * DT / np.maximum(norm, 1e-9))
    y[1:] = np.cumsum(step, axis=0)
    return y + x0


def _interp_path(t: np.ndarray, kt: list[float], kxy: list[tuple[float, float]]) -> np.ndarray:
    kx = [p[0] for p in kxy]
    ky = [p[1] for p in kxy]
    return np.column_stack([np.interp(t, kt, kx), np.interp(t, kt, ky)])


def _lag(arr: np.ndarray, frames: int) -> np.ndarray:
    if frames <= 0:
        return arr
    out = np.empty_like(arr)
    out[frames:] = arr[:-frames]
    out[:frames] = arr[0]
    return out


def _angle(dx: np.ndarray, dy: np.ndarray) -> np.ndarray:
    return np.degrees(np.arctan2(dx, dy)) % 360.0


def _route_polyline(rng: np.random.Generator, route: str, x0: float, y0: float, by: float,
                    sd: int) -> list[tuple[float, float]]:
    inward = -1.0 if y0 > by else 1.0  # +y is the offense's left
    out_ = -inward
    d = rng.uniform(5.0, 12.0)
    if route == "GO":
        return [(x0, y0), (x0 + 40, y0 + out_ * rng.uniform(0, 2))]
    if route == "HITCH":
        return [(x0, y0), (x0 + d, y0), (x0 + d - 1.5, y0 + inward * 0.5)]
    if route == "OUT":
        return [(x0, y0), (x0 + d, y0), (x0 + d - 0.5, y0 + out_ * 15)]
    if route == "IN":
        return [(x0, y0), (x0 + d, y0), (x0 + d + 0.5, y0 + inward * 20)]
    if route == "SLANT":
        return [(x0, y0), (x0 + 2.5, y0), (x0 + 20, y0 + inward * 16)]
    if route == "POST":
        return [(x0, y0), (x0 + 11, y0), (x0 + 35, y0 + inward * 14)]
    if route == "CORNER":
        return [(x0, y0), (x0 + 11, y0), (x0 + 30, y0 + out_ * 16)]
    if route == "FLAT":
        return [(x0, y0), (x0 + 2, y0 + out_ * 2), (x0 + 4, y0 + out_ * 20)]
    if route == "CROSS":
        return [(x0, y0), (x0 + 4, y0 + inward * 2), (x0 + 9, y0 + inward * 35)]
    if route == "SCREEN":
        return [(x0, y0), (x0 - 2, y0 + inward * 1.5), (x0 + 6, y0 + inward * 3)]
    del sd
    return [(x0, y0), (x0 + 30, y0)]


def _along(poly: list[tuple[float, float]], dist: np.ndarray) -> np.ndarray:
    p = np.asarray(poly)
    seg = np.sqrt((np.diff(p, axis=0) ** 2).sum(1))
    cum = np.concatenate([[0.0], np.cumsum(seg)])
    return np.column_stack([np.interp(dist, cum, p[:, 0]), np.interp(dist, cum, p[:, 1])])


# --------------------------------------------------------------------------- the play
def simulate_play(rng: np.random.Generator, ctx: PlayContext, off_roster: dict[str, list[Player]],
                  def_roster: dict[str, list[Player]], *, approach_secs: tuple[float, float],
                  after_set_secs: tuple[float, float], post_snap_secs: tuple[float, float],
                  team_travel: float) -> SimPlay:
    """Simulate one play from huddle break to a few seconds after the snap."""
    los = 10.0 + (100 - ctx.to_goal)
    by = float(np.clip(26.65 + rng.choice([-3.3, 0.0, 3.3], p=[0.4, 0.2, 0.4])
                       + rng.normal(0, 0.6), 18, 35))
    short = ctx.togo <= 2 or ctx.to_goal <= 3
    fa = dict(P.FORMATION_ALIGNMENT_COUNTS)
    form_w = {k: sum(v.values()) for k, v in fa.items()}
    if short:
        for k in ("I_FORM", "JUMBO", "SINGLEBACK"):
            form_w[k] *= 3.0
    formation = _weighted(rng, {k: int(v) for k, v in form_w.items()})
    aligns = {a: c for a, c in fa[formation].items() if a not in ("1x0", "3x0")}
    alignment = _weighted(rng, aligns)
    off = build_offense(rng, off_roster, formation, alignment, los, by)
    cov = choose_coverage(rng, ctx, formation, team_travel)
    de = build_defense(rng, def_roster, off, cov, los, by)
    mz = man_zone_of(cov)

    # ---- timeline
    t_app = rng.uniform(*approach_secs)
    t_set = t_app + rng.uniform(0.2, 0.8)
    t_snap = t_set + rng.uniform(*after_set_secs)
    t_post = rng.uniform(*post_snap_secs)
    n_pre = int(round(t_snap / DT))
    F = n_pre + 1 + int(round(t_post / DT))
    snap_idx = n_pre
    t = np.arange(F) * DT
    t_snap = snap_idx * DT
    pre = t <= t_snap

    # ---- offense targets before the snap: huddle -> alignment
    huddle = np.column_stack([np.full(11, los - 8.0), np.full(11, by)])
    huddle = huddle + rng.normal(0, 1.2, (11, 2))
    dist = np.sqrt(((off.pos - huddle) ** 2).sum(1))
    frac = np.minimum(1.0, 3.2 * t_app / np.maximum(dist.max(), 1e-6))
    start = off.pos + (huddle - off.pos) * frac
    tgt = np.empty((F, 22, 2))
    ramp = np.clip(t / max(t_app, DT), 0, 1)[:, None]
    ramp = ramp * ramp * (3 - 2 * ramp)
    tgt[:, :11] = start[None] + (off.pos - start)[None] * ramp[:, :, None]

    events: list[str | None] = [None] * F
    events[0] = "huddle_break_offense"
    set_idx = int(round(t_set / DT))
    events[min(set_idx, snap_idx - 1)] = "line_set"

    # ---- shift and motion after the line set
    rec = [i for i in range(11) if off.kind[i] in ("WR", "TE", "RB")]
    motion_rate = P.MOTION_RATES["motion"]
    shift_rate = P.MOTION_RATES["shift"]
    follow = np.zeros(11)  # how much each defender tracks its partner's lateral movement
    lag_f = np.zeros(11, dtype=int)
    for i in range(11):
        p_ = de.partner[i]
        if p_ < 0:
            continue
        if de.codes[i] == "MAN":
            bump = rng.random() < 0.15
            follow[i] = rng.uniform(0.15, 0.4) if bump else rng.uniform(0.8, 1.0)
        elif de.codes[i] is not None:
            follow[i] = rng.uniform(0.5, 0.85) if rng.random() < team_travel else \
                rng.uniform(0.0, 0.3)
        # reaction lag on top of the ~0.3 s of the movement filter: 0.3-0.6 s in all
        lag_f[i] = int(rng.integers(0, 4))
    shifted = np.zeros(11, dtype=bool)
    moving_at_snap = np.zeros(11, dtype=bool)
    motioned = np.zeros(11, dtype=bool)
    motion_player = None
    motion_type = None
    after = t_snap - t_set
    cur = off.pos.copy()
    if rng.random() < shift_rate and after > 2.5:
        n_sh = int(rng.choice([1, 2], p=[0.6, 0.4]))
        who = rng.choice(rec, size=min(n_sh, len(rec)), replace=False)
        t0 = t_set + rng.uniform(0.3, 0.8)
        ev = int(round(t0 / DT))
        if events[ev] is None:
            events[ev] = "shift"
        for i in who:
            new = cur[i].copy()
            flip = rng.random() < 0.5  # flip sides, else a short re-spot
            new_y = (by + (by - cur[i, 1]) * rng.uniform(0.6, 1.0) if flip
                     else cur[i, 1] + rng.normal(0, 3.5))
            new[1] = np.clip(new_y, 1.5, W - 1.5)
            dur = max(abs(new[1] - cur[i, 1]) / rng.uniform(2.5, 4.5), 0.6)
            t1 = min(t0 + dur, t_snap - 0.3)
            seg = (t >= t0)
            w_ = np.clip((t - t0) / max(t1 - t0, DT), 0, 1)[seg, None]
            tgt[seg, i] = cur[i] + (new - cur[i]) * w_
            cur[i] = new
            shifted[i] = True
    if rng.random() < motion_rate / max(1 - 0.5 * shift_rate, 0.5) * 0.85 and after > 1.2:
        cands = [i for i in rec if off.slots[i] not in ("FB",)]
        mp = int(rng.choice(cands))
        motion_player = mp
        motion_type = str(rng.choice(["jet", "across", "short", "orbit"], p=[0.3, 0.3, 0.3, 0.1]))
        y0 = cur[mp].copy()
        sd = 1 if y0[1] > by else -1
        if motion_type == "jet":
            speed = rng.uniform(6.0, 8.0)
            y_end = by - sd * rng.uniform(2.0, 5.0)
            dur = abs(y_end - y0[1]) / speed
            t0 = max(t_snap - dur * rng.uniform(0.55, 0.9), t_set + 0.2)
            path_t = [t0, t0 + dur]
            path = [(y0[0], y0[1]), (los - rng.uniform(1.0, 2.0), y_end)]
        elif motion_type == "across":
            speed = rng.uniform(3.0, 5.0)
            y_end = np.clip(by - sd * rng.uniform(5.0, 14.0), 2.0, W - 2.0)
            dur = abs(y_end - y0[1]) / speed
            t0 = max(t_snap - dur - rng.uniform(-0.6, 1.5), t_set + 0.2)
            path_t = [t0, t0 + dur]
            path = [(y0[0], y0[1]), (los - rng.uniform(0.8, 1.8), y_end)]
        elif motion_type == "orbit":
            speed = rng.uniform(4.0, 6.0)
            mid = (los - rng.uniform(4.0, 6.5), by)
            y_end = by - sd * rng.uniform(3.0, 6.0)
            d1 = np.hypot(mid[0] - y0[0], mid[1] - y0[1])
            dur = (d1 + abs(y_end - by)) / speed
            t0 = max(t_snap - dur * rng.uniform(0.6, 0.95), t_set + 0.2)
            path_t = [t0, t0 + d1 / speed, t0 + dur]
            path = [(y0[0], y0[1]), mid, (los - 3.0, y_end)]
        else:  # short
            speed = rng.uniform(2.0, 4.0)
            y_end = y0[1] - sd * rng.uniform(2.5, 6.0)
            dur = abs(y_end - y0[1]) / speed
            t0 = max(t_snap - dur * rng.uniform(0.7, 1.3), t_set + 0.2)
            path_t = [t0, t0 + dur]
            path = [(y0[0], y0[1]), (y0[0], y_end)]
        seg = t >= path_t[0]
        tgt[seg, mp] = _interp_path(t[seg], path_t, path)
        ev = int(round(path_t[0] / DT))
        while ev < snap_idx and events[ev] is not None:
            ev += 1
        if ev < snap_idx:
            events[ev] = "man_in_motion"
        motioned[mp] = True
        moving_at_snap[mp] = path_t[-1] > t_snap - 0.05
        cur[mp] = tgt[snap_idx, mp]
    events[snap_idx] = "ball_snap"

    # ---- offense after the snap
    dropback = rng.random() < P.DROPBACK_RATE
    post_t = np.clip(t - t_snap, 0, None)
    post = ~pre
    routes: list[str | None] = [None] * 11
    qb = 5
    snap_xy = tgt[snap_idx, :11].copy()
    for i in range(11):
        x0, y0_ = snap_xy[i]
        if off.kind[i] == "OL":
            if dropback:
                end = (x0 - rng.uniform(1.0, 2.5), y0_ + np.sign(y0_ - by) * rng.uniform(0, 1))
            else:
                end = (x0 + rng.uniform(0.5, 2.0), y0_ + rng.normal(0, 1))
            w_ = np.clip(post_t / 1.2, 0, 1)[post, None]
            tgt[post, i] = snap_xy[i] + (np.array(end) - snap_xy[i]) * w_
        elif i == qb:
            drop = rng.uniform(5.0, 7.5) if off.pos[qb, 0] > los - 2 else rng.uniform(1.0, 3.0)
            if not dropback:
                drop = rng.uniform(0.5, 1.5)
            w_ = np.clip(post_t / 1.3, 0, 1)[post, None]
            tgt[post, i] = snap_xy[i] + np.array([-drop, rng.normal(0, 0.5)]) * w_
        elif off.kind[i] in ("WR", "TE", "RB"):
            if dropback and (off.kind[i] != "RB" or rng.random() < 0.5) \
                    and not (off.kind[i] == "TE" and rng.random() < 0.3):
                probs = _ROUTE_P_TE if off.kind[i] != "WR" else _ROUTE_P_WR
                if moving_at_snap[i] and motion_type == "jet":
                    r = "FLAT"
                else:
                    r = str(rng.choice(ROUTES, p=probs / probs.sum()))
                if off.kind[i] == "RB":
                    r = str(rng.choice(["FLAT", "ANGLE", "WHEEL", "CROSS"]))
                routes[i] = r
                poly = _route_polyline(rng, r if r in ROUTES else "FLAT", x0, y0_, by, 0)
                vmax = rng.uniform(6.5, 8.8) if off.kind[i] == "WR" else rng.uniform(5.5, 7.5)
                v = vmax * (1 - np.exp(-post_t[post] / 0.55))
                dist = np.cumsum(v) * DT
                tgt[post, i] = _along(poly, dist)
            elif not dropback and off.kind[i] == "RB":
                hole = (los + 6.0, by + rng.normal(0, 4))
                w_ = np.clip(post_t / 2.2, 0, 1)[post, None]
                tgt[post, i] = snap_xy[i] + (np.array(hole) - snap_xy[i]) * w_
            else:  # block
                end = (x0 + rng.uniform(1, 4), y0_ + rng.normal(0, 1))
                w_ = np.clip(post_t / 1.5, 0, 1)[post, None]
                tgt[post, i] = snap_xy[i] + (np.array(end) - snap_xy[i]) * w_
    xy_off = steer(tgt[:, :11])

    # ---- defense before the snap
    dpos = np.empty((F, 11, 2))
    generic = de.shown.copy()
    # before the line set defenders mill about in a neutral look: corners ~7 off,
    # safeties 2-deep-ish, so far from the snap there is little to read
    for i in range(11):
        k = de.kind[i]
        if k in ("CB", "NCB"):
            generic[i, 0] = los + rng.uniform(5.0, 8.0)
        elif k == "S":
            generic[i] = [los + rng.uniform(9.0, 13.0), by + (1 if generic[i, 1] > by else -1)
                          * rng.uniform(5.0, 10.0)]
        elif k == "LB":
            generic[i, 0] = los + rng.uniform(4.0, 6.5)
    settle0 = max(t_set - rng.uniform(0.5, 1.5), 0.0)
    settle1 = t_set + rng.uniform(0.5, 2.0)
    w_set = np.clip((t - settle0) / max(settle1 - settle0, DT), 0, 1)
    for i in range(11):
        dpos[:, i] = generic[i] + (de.shown[i] - generic[i]) * w_set[:, None]
        if de.rot_start[i] > 0 or np.abs(de.played[i] - de.shown[i]).max() > 1e-9:
            r0 = t_snap - de.rot_start[i]
            dur_r = max(np.hypot(*(de.played[i] - de.shown[i])) / 4.5, 0.3)
            w_r = np.clip((t - r0) / dur_r, 0, 1)
            dpos[:, i] += (de.played[i] - de.shown[i]) * w_r[:, None]
    # align on receivers: lateral position tracks the partner's current y
    xo_t = xy_off  # realised offense paths
    for i in range(11):
        p_ = de.partner[i]
        if p_ < 0:
            continue
        ry_lag = _lag(xo_t[:, p_, 1], lag_f[i])
        # before the set: align on wherever the receiver is walking to
        dy_app = np.where(t <= t_set, (ry_lag - off.pos[p_, 1]) * (1 - w_set) * 0.8, 0.0)
        # after the set: follow the shift / motion by this defender's follow fraction
        base_y = xo_t[min(set_idx, F - 1), p_, 1]
        dy_mot = np.where(t > t_set, (ry_lag - base_y) * follow[i], 0.0)
        if de.codes[i] == "MAN" and motion_type == "jet" and p_ == motion_player:
            # chasing a jet man: widen to the flat
            dpos[:, i, 0] += np.where(t > t_set, np.abs(dy_mot) * -0.08, 0.0)
        dpos[:, i, 1] += dy_app + dy_mot
    # zone defenders "bump" toward a crossing motion man
    if motion_player is not None:
        total = xo_t[:, motion_player, 1] - xo_t[min(set_idx, F - 1), motion_player, 1]
        for i in range(11):
            if de.codes[i] not in (None, "MAN") and de.partner[i] != motion_player:
                dpos[:, i, 1] += np.where(t > t_set, _lag(total, 5) * rng.uniform(0.05, 0.2), 0)
    dpos[pre.sum():] = dpos[snap_idx]

    # ---- defense after the snap
    qb_path = xy_off[:, qb]
    for i in range(11):
        code = de.codes[i]
        s0 = dpos[snap_idx, i]
        if de.kind[i] == "DL" or code is None:
            aim = qb_path[post] + rng.normal(0, 1.0, 2)
            stall = los + (rng.uniform(-0.5, 1.0) if de.kind[i] == "DL" else rng.uniform(-4, 0))
            aim[:, 0] = np.maximum(aim[:, 0], stall)
            w_ = np.clip(post_t[post] / 1.5, 0, 1)[:, None]
            dpos[post, i] = s0 + (aim - s0) * w_
        elif code == "MAN" and de.partner[i] >= 0:
            rp = _lag(xo_t[:, de.partner[i]], int(rng.integers(2, 5)))[post]
            off0 = s0 - xo_t[snap_idx, de.partner[i]]
            trail = np.array([rng.uniform(-1.5, 1.0),
                              np.sign(by - rp[0, 1]) * rng.uniform(0.3, 1.2)])
            dec = np.exp(-post_t[post] / rng.uniform(0.6, 1.2))[:, None]
            dpos[post, i] = rp + off0 * dec + trail * (1 - dec)
        else:
            lm = _ZONE_LANDMARK.get(code, (8.0, 0.5))
            land = np.array([los + lm[0] + rng.normal(0, 1.0),
                             by + (W * lm[1] - W / 2) * 0.9 + rng.normal(0, 1.0)])
            drop_t = max(rng.uniform(1.0, 1.8), np.hypot(*(land - s0)) / rng.uniform(5.5, 7.0))
            w_ = np.clip(post_t[post] / drop_t, 0, 1)[:, None]
            path = s0 + (land - s0) * w_
            # pattern-match: drift toward the nearest receiver in the zone
            rxy = xo_t[post][:, rec]
            d = np.sqrt(((rxy - land[None, None]) ** 2).sum(-1))
            j = d.argmin(1)
            near = rxy[np.arange(len(j)), j]
            close = (d.min(1) < 9.0)[:, None]
            path = path + np.where(close, (near - path) * 0.3 * w_, 0.0)
            dpos[post, i] = path
    xy_def = steer(dpos, tau=0.1)

    # ---- jitter (stance sway, tracking noise)
    xy = np.concatenate([xy_off, xy_def], axis=1)
    eps = rng.normal(0, 0.025, xy.shape)
    jitter = lfilter([1.0], [1.0, -0.85], eps, axis=0)
    xy = xy + jitter
    xy[..., 1] = np.clip(xy[..., 1], -2.0, W + 2.0)

    # ---- orientation
    o = np.empty((F, 22))
    vel = np.gradient(xy, DT, axis=0)
    spd = np.sqrt((vel ** 2).sum(-1))
    mdir = _angle(vel[..., 0], vel[..., 1])
    o[:, :11] = 90.0 + rng.normal(0, 12, (1, 11)) + rng.normal(0, 3, (F, 11))
    ball_xy = np.array([los, by])
    for j in range(11):
        i = 11 + j
        look_ball = _angle(ball_xy[0] - xy[:, i, 0], ball_xy[1] - xy[:, i, 1])
        p_ = de.partner[j]
        if p_ >= 0:
            look_rec = _angle(xy[:, p_, 0] - xy[:, i, 0], xy[:, p_, 1] - xy[:, i, 1])
            eyes_on_man = rng.random() < (0.55 if de.codes[j] == "MAN" else 0.2)
            base = look_rec if eyes_on_man else look_ball
        else:
            base = look_ball
        o[:, i] = base + rng.normal(0, 15) + rng.normal(0, 4, F)
    moving = spd > 2.0
    # running players mostly face where they go (backpedalers excepted)
    face_run = moving & (rng.random((1, 22)) < 0.8)
    o = np.where(face_run, mdir + rng.normal(0, 10, (F, 22)), o) % 360.0

    # ---- ball
    ball = np.tile(ball_xy, (F, 1)).astype(float)
    sn = snap_idx
    ball[sn + 1:] = xy[sn + 1:, qb] + np.array([0.3, 0.0])
    k_snap = min(sn + 4, F)
    if k_snap > sn + 1:
        w_ = np.linspace(0, 1, k_snap - sn)[1:, None]
        ball[sn + 1:k_snap] = ball_xy + (xy[sn + 1:k_snap, qb] - ball_xy) * w_
    pass_result = None
    target_rec = None
    t_throw = None
    if dropback:
        pr = _weighted(rng, P.PASS_RESULT_COUNTS)
        pass_result = pr
        t_throw = rng.uniform(1.9, 3.4)
        route_runners = [i for i in range(11) if routes[i] is not None]
        if pr in ("C", "I", "IN") and route_runners:
            target_rec = int(rng.choice(route_runners))
            fi = sn + int(round(t_throw / DT))
            if fi < F:
                events[fi] = "pass_forward"
                flight = rng.uniform(0.5, 1.2)
                fa_ = min(sn + int(round((t_throw + flight) / DT)), F - 1)
                n_fl = fa_ - fi
                if n_fl > 0:
                    w_ = np.linspace(0, 1, n_fl + 1)[1:, None]
                    dest = xy[fa_, target_rec]
                    ball[fi + 1:fa_ + 1] = ball[fi] + (dest - ball[fi]) * w_
                    ball[fa_ + 1:] = xy[fa_ + 1:, target_rec]
                    if sn + int(round((t_throw + flight) / DT)) < F:
                        events[fa_] = "pass_arrived"
                        if fa_ + 1 < F:
                            events[fa_ + 1] = ("pass_outcome_caught" if pr == "C" else
                                               "pass_outcome_interception" if pr == "IN" else
                                               "pass_outcome_incomplete")
        elif pr == "S":
            fi = sn + int(round(t_throw / DT))
            if fi < F:
                events[fi] = "qb_sack"
    else:
        rb = [i for i in range(11) if off.kind[i] == "RB"]
        if rb:
            fi = sn + int(rng.integers(5, 9))
            if fi < F:
                events[fi] = "handoff"
                ball[fi:] = xy[fi:, rb[0]] + np.array([0.2, 0.0])
            fc = sn + int(rng.integers(22, 34))
            if fc < F:
                events[fc] = "first_contact"
            if fc + 5 < F:
                events[fc + 5] = "tackle"

    # ---- ground truth & per-player facts
    players = off.players + de.players
    slots = off.slots + de.slots
    assignment: list[str | None] = [None] * 11 + list(de.codes)
    man_target: list[int | None] = [None] * 11 + [
        off.players[de.partner[j]].nflId if de.codes[j] == "MAN" and de.partner[j] >= 0 else None
        for j in range(11)]
    rushers = [1 if (de.kind[j] == "DL" or de.codes[j] is None) else 0 for j in range(11)]
    info = {
        "formation": formation, "alignment": alignment, "coverage": cov, "man_zone": mz,
        "shell_shown": de.shown_shell, "shell_played": SHELL_OF.get(cov or "")
        if cov else None, "disguise": bool(de.disguise),
        "motion": motion_player is not None, "motion_type": motion_type,
        "motion_nflId": off.players[motion_player].nflId if motion_player is not None else None,
        "shift": bool(shifted.any()), "dropback": dropback, "pass_result": pass_result,
        "target_rec": target_rec, "t_throw": t_throw, "by": by, "los": los,
        "qb_under_center": bool(off.pos[qb, 0] > los - 2),
    }
    per_player = {
        "route": routes + [None] * 11,
        "rusher": [None] * 11 + rushers,
        "in_motion_at_snap": list(moving_at_snap) + [None] * 11,
        "motion_since_set": list(motioned) + [None] * 11,
        "shift_since_set": list(shifted) + [None] * 11,
        "kind": off.kind + de.kind,
    }
    return SimPlay(xy, ball, o, events, snap_idx, los, by, players, slots, assignment,
                   man_target, info, per_player)
