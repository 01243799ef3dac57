"""The offense: eleven players on real-looking spots, and where they go after the snap.

Spots follow the formation and receiver alignment call so that the formation
detector and the defense's alignment rules see the structures they see on
real film; after the snap the offense only needs to look plausible for the
first seconds (routes, pass sets, run blocking).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from coverage.simulate.kinematics import DT, Timeline, W, along
from coverage.simulate.params import OFFENSE_PERSONNEL, PERSONNEL_BY_FORMATION_ALIGNMENT
from coverage.simulate.roster import Player

ROUTES = ("GO", "HITCH", "OUT", "IN", "SLANT", "POST", "CORNER", "FLAT", "CROSS", "SCREEN")
_ROUTE_P_WR = np.array([0.2, 0.17, 0.12, 0.1, 0.08, 0.08, 0.06, 0.04, 0.1, 0.05])
_ROUTE_P_TE = np.array([0.1, 0.15, 0.1, 0.08, 0.04, 0.03, 0.05, 0.2, 0.2, 0.05])
_QB_DEPTH = {"SHOTGUN": 4.6, "EMPTY": 4.6, "PISTOL": 3.6, "WILDCAT": 5.0}
QB = 5  # index of the quarterback among the offense's eleven


@dataclass
class Offense:
    """The offense at the line set; index order is the order of every per-player array."""

    players: list[Player]
    slots: list[str]
    pos: np.ndarray  # (11, 2) alignment at line set
    kind: list[str]  # OL / QB / RB / WR / TE
    side: np.ndarray  # +1 left (+y), -1 right, 0 middle
    rank: np.ndarray  # 0 = outermost receiver on its side


@dataclass
class _Lineup:
    """The offense as it is being filled in, plus who is left on the depth chart."""

    roster: dict[str, list[Player]]
    te_left: int
    players: list[Player] = field(default_factory=list)
    slots: list[str] = field(default_factory=list)
    kind: list[str] = field(default_factory=list)
    pos: list[np.ndarray] = field(default_factory=list)
    side: list[int] = field(default_factory=list)
    rank: list[int] = field(default_factory=list)
    n_slot: int = 0
    taken: dict[str, int] = field(default_factory=lambda: {"WR": 0, "TE": 0, "RB": 0})

    def take(self, pos: str) -> Player:
        """Next player down the depth chart, so nobody lines up twice."""
        self.taken[pos] += 1
        lst = self.roster[pos]
        return lst[(self.taken[pos] - 1) % len(lst)]

    def add(self, player: Player, kind: str, slot: str, xy: np.ndarray, side: int,
            rank: int) -> None:
        self.players.append(player)
        self.kind.append(kind)
        self.slots.append(slot)
        self.pos.append(xy)
        self.side.append(side)
        self.rank.append(rank)


def build_offense(rng: np.random.Generator, roster: dict[str, list[Player]], formation: str,
                  alignment: str, los: float, by: float) -> Offense:
    """Eleven offensive players on real-looking spots for this formation and alignment."""
    n_a, n_b = (int(c) for c in alignment.split("x"))
    strong = 1 if rng.random() < 0.5 else -1  # side of the first number
    n_side = {strong: n_a, -strong: n_b}
    backs = 5 - n_a - n_b
    # every entry is drawn, whatever the formation, so the draw order never depends on it
    n_te = {"SINGLEBACK": rng.choice([0, 1, 1, 2]), "I_FORM": rng.choice([1, 1, 2]),
            "JUMBO": rng.choice([2, 3]), "PISTOL": rng.choice([0, 1, 1, 2]),
            "EMPTY": rng.choice([0, 0, 1]), "WILDCAT": 1}.get(formation, rng.choice([0, 1, 1]))
    n_te = int(min(n_te, n_a + n_b + max(backs - 1, 0)))
    lineup = _Lineup(roster, te_left=n_te)
    _add_line_and_qb(rng, lineup, formation, los, by)
    plan = _personnel_plan(rng, formation, alignment, n_side, backs) if OFFENSE_PERSONNEL \
        else None
    if plan is not None:
        lineup.te_left = 0  # the plan places every tight end
    for sd in (1, -1):
        if n_side[sd] > 0:
            _add_side_receivers(rng, lineup, formation, sd, n_side[sd], los, by,
                                None if plan is None else plan[sd])
    _add_backs(rng, lineup, formation, backs, strong, los, by,
               None if plan is None else plan[0])
    xy_all = np.concatenate(lineup.pos, axis=0)
    xy_all[:, 1] = np.clip(xy_all[:, 1], 0.8, W - 0.8)
    return Offense(lineup.players, lineup.slots, xy_all, lineup.kind, np.array(lineup.side),
                   np.array(lineup.rank))


def personnel_mix(formation: str, alignment: str) -> dict[str, int]:
    """Real plays by offensive personnel ("RT": backs, tight ends) for this formation and
    alignment; the formation's whole mix where the cell is thin, the league's where the
    formation has none (a rare formation such as JUMBO mostly brings extra linemen)."""
    cells = PERSONNEL_BY_FORMATION_ALIGNMENT
    cell = cells.get(formation, {}).get(alignment, {})
    if sum(cell.values()) >= 30:
        return cell
    pooled: dict[str, int] = {}
    for group in ([cells[formation]] if formation in cells else list(cells.values())):
        for mix in group.values():
            for k, n in mix.items():
                pooled[k] = pooled.get(k, 0) + n
    return pooled


def _personnel_plan(rng: np.random.Generator, formation: str, alignment: str,
                    n_side: dict[int, int], backs: int) -> dict[int, list[str]]:
    """Who fills each spot: side ``sd`` -> kinds outermost first, 0 -> the backfield.

    The personnel comes from the real mix of the formation and alignment. The backfield
    takes the backs and tight ends (first, so in a fullback's spot), then receivers; a
    back beyond its spots splits out, as in empty sets; the other tight ends take the
    innermost spots, on a side drawn by its free spots; receivers take the rest, outside
    first."""
    mix = personnel_mix(formation, alignment)
    keys = sorted(mix)
    w = np.array([mix[k] for k in keys], dtype=float)
    pick = keys[int(rng.choice(len(keys), p=w / w.sum()))]
    n_rb, n_te = int(pick[0]), int(pick[1])
    rb_back = min(n_rb, backs)
    te_back = min(n_te, backs - rb_back)
    back = ["TE"] * te_back + ["RB"] * rb_back + ["WR"] * (backs - rb_back - te_back)
    inner = {sd: n_side[sd] for sd in (1, -1)}  # spots still free on each side, from inside
    side_kind: dict[int, list[str]] = {sd: [] for sd in (1, -1)}
    for kind in ["RB"] * (n_rb - rb_back) + ["TE"] * (n_te - te_back):
        sd = 1 if rng.random() < inner[1] / max(inner[1] + inner[-1], 1) else -1
        inner[sd] -= 1
        side_kind[sd].append(kind)
    plan = {sd: ["WR"] * inner[sd] + side_kind[sd][::-1] for sd in (1, -1)}
    plan[0] = back
    return plan


def _add_line_and_qb(rng: np.random.Generator, lineup: _Lineup, formation: str, los: float,
                     by: float) -> None:
    roster = lineup.roster
    ol = [roster["T"][0], roster["G"][0], roster["C"][0], roster["G"][1], roster["T"][1]]
    ol_y = np.array([2.9, 1.45, 0.0, -1.45, -2.9]) + rng.normal(0, 0.12, 5)
    # the center is over the ball; tackles stand a little off it
    ol_x = np.array([-1.0, -0.65, -0.45, -0.65, -1.0]) + rng.normal(0, 0.22, 5)
    ol_xy = np.column_stack([los + ol_x, by + ol_y])
    for k, (p, slot) in enumerate(zip(ol, ["LT", "LG", "C", "RG", "RT"], strict=True)):
        lineup.add(p, "OL", slot, ol_xy[k:k + 1], 0, 9)
    qb_depth = _QB_DEPTH.get(formation, 1.3)
    qb_xy = np.array([[los - qb_depth + rng.normal(0, 0.2), by + rng.normal(0, 0.15)]])
    lineup.add(roster["QB"][0], "QB", "QB", qb_xy, 0, 9)


def _add_side_receivers(rng: np.random.Generator, lineup: _Lineup, formation: str, sd: int,
                        k: int, los: float, by: float, kinds: list[str] | None = None) -> None:
    """The ``k`` receivers on side ``sd``, outermost first (slots are spaced off the outer one).

    ``kinds`` (outermost first) says who stands where; None: receivers, with a tight end
    inside while the formation's hand-set count lasts."""
    sideline = W - 1.0 if sd == 1 else 1.0
    bunch = k >= 3 and rng.random() < 0.12
    bunch_y = by + sd * rng.uniform(5.5, 8.0)
    for r in range(k):
        inner = r == k - 1 and r > 0
        use_te = inner and lineup.te_left > 0
        if r == 0 and k == 1 and lineup.te_left > 0 and formation in ("JUMBO", "I_FORM") \
                and rng.random() < 0.5:
            use_te = True
        if kinds is not None:
            use_te = kinds[r] == "TE"
        if use_te:
            p, kind, slot, x, y = _tight_end_spot(rng, lineup, sd, r, k, los, by)
        else:
            p, kind, slot, x, y = _wide_spot(rng, lineup, formation, sd, r, inner, sideline,
                                             los, by, None if kinds is None else kinds[r])
        if bunch and r < 3:
            y = bunch_y + sd * (1.2 - r * 1.1) + rng.normal(0, 0.2)
            x = los - (0.8, 2.0, 1.2)[r]
        xy = np.array([[x + rng.normal(0, 0.25), np.clip(y, 1.0, W - 1.0)]])
        lineup.add(p, kind, slot, xy, sd, r)


def _tight_end_spot(rng: np.random.Generator, lineup: _Lineup, sd: int, r: int, k: int,
                    los: float, by: float) -> tuple[Player, str, str, float, float]:
    lineup.te_left -= 1
    p = lineup.take("TE")
    n_te = lineup.kind.count("TE")
    slot = "TE" if n_te == 0 else f"TE{n_te + 1}"
    y = by + sd * (2.9 + rng.uniform(1.2, 2.2))
    x = los - 1.2
    if r == 0:  # lone TE as the only receiver on the side
        y = by + sd * (2.9 + rng.uniform(1.5, 2.5))
    if r < k - 1:  # tight ends inside him too (heavy sets): wings outside the inline one
        y = by + sd * (2.9 + rng.uniform(1.2, 2.2) + 1.7 * (k - 1 - r))
        x = los - 1.6
    return p, "TE", slot, x, y


def _wide_spot(rng: np.random.Generator, lineup: _Lineup, formation: str, sd: int, r: int,
               inner: bool, sideline: float, los: float, by: float,
               kind: str | None = None) -> tuple[Player, str, str, float, float]:
    if kind is None:
        p = lineup.take("WR") if not (formation == "EMPTY" and inner and rng.random() < 0.4) \
            else lineup.take("RB")
    else:  # the personnel plan's receiver or split-out back
        p = lineup.take(kind)
    kind = "WR" if p.position == "WR" else "RB"
    if r == 0:
        slot = {1: "X", -1: "Z"}[sd]
        # outside receivers split ~9-17 yd from the ball, as the real widest ones do
        y = by + sd * rng.uniform(9.0, 17.0)
        if sd * (sideline - y) < 1.5:
            y = sideline - sd * rng.uniform(1.5, 4.0)
        # tight splits near the ball on compressed formations
        if rng.random() < 0.15:
            y = by + sd * rng.uniform(6.0, 9.0)
        x = los - (0.7 if rng.random() < 0.6 else 1.2)
    else:
        lineup.n_slot += 1
        slot = "SLOT" if lineup.n_slot == 1 else f"SLOT{lineup.n_slot}"
        outer_y = lineup.pos[-1][0, 1]
        y = by + sd * 2.9 + (outer_y - by - sd * 2.9) * rng.uniform(0.35, 0.65)
        x = los - rng.uniform(1.0, 1.8)
    return p, kind, slot, x, y


def _add_backs(rng: np.random.Generator, lineup: _Lineup, formation: str, backs: int,
               strong: int, los: float, by: float, kinds: list[str] | None = None) -> None:
    """Backfield players; a spare tight end becomes a wing on the weak side. ``kinds``
    (the personnel plan's backfield) names each one; None: backs and a spare tight end."""
    qb_depth = _QB_DEPTH.get(formation, 1.3)
    first_side = -strong  # the side the first back stands on, where he is beside the QB
    for b in range(backs):
        if lineup.te_left > 0 and b == backs - 1 and b > 0:
            lineup.te_left -= 1
            p = lineup.take("TE")
            xy = np.array([[los - 2.0, by - strong * rng.uniform(3.5, 4.5)]])
            lineup.add(p, "TE", "WING", xy, -strong, 9)
            continue
        fb = formation in ("I_FORM", "JUMBO") and b == 0 and backs >= 2
        want = "RB" if kinds is None else kinds[b]
        if want == "RB":
            p = lineup.roster["FB"][0] if fb else lineup.take("RB")
            slot = "FB" if fb else ("RB" if "RB" not in lineup.slots else "RB2")
        else:  # the plan's tight end (a fullback or H-back) or receiver in the backfield
            p = lineup.take(want)
            slot = "FB" if fb else f"{want}_BACK"
        if kinds is not None and b > 0:  # the plan's second / third back: his own spot
            sd = -first_side if b == 1 else 0
            depth = (max(qb_depth, 3.0) if sd != 0
                     else 6.5 if formation in ("I_FORM", "JUMBO") else max(qb_depth, 3.0) + 1.8)
            xy = [los - depth + rng.normal(0, 0.3), by + sd * rng.uniform(1.5, 2.5)]
        elif formation in ("SHOTGUN", "EMPTY", "WILDCAT"):
            sd = (1 if b == 0 else -1) * (1 if rng.random() < 0.5 else -1)
            first_side = sd
            xy = [los - qb_depth + rng.normal(0, 0.3), by + sd * rng.uniform(1.3, 2.3)]
        elif fb:
            xy = [los - 4.3 + rng.normal(0, 0.2), by + rng.normal(0, 0.3)]
        else:
            xy = [los - 6.5 + rng.normal(0, 0.4), by + rng.normal(0, 0.4)]
        lineup.add(p, want, slot, np.array([xy]), 0, 9)


# --------------------------------------------------------------------------- after the snap
def route_polyline(rng: np.random.Generator, route: str, x0: float, y0: float,
                   by: float) -> list[tuple[float, float]]:
    """Stem and break of a route as a polyline in the normalised frame."""
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
    return [(x0, y0), (x0 + 30, y0)]


def offense_after_snap(rng: np.random.Generator, off: Offense, tgt: np.ndarray, tl: Timeline,
                       los: float, by: float, dropback: bool,
                       jet_at_snap: np.ndarray) -> list[str | None]:
    """Fill the post-snap offense targets in ``tgt`` in place; returns each player's route.

    ``jet_at_snap`` marks a jet-motion man still moving at the snap: he always
    runs to the flat, which is what defenders key on.
    """
    post_t = tl.post_t
    post = tl.post
    routes: list[str | None] = [None] * 11
    snap_xy = tgt[tl.snap_idx, :11].copy()
    for i in range(11):
        x0, y0_ = snap_xy[i]
        kind = off.kind[i]
        if kind == "OL":
            if dropback:
                end = (x0 - rng.uniform(1.0, 2.5), y0_ + np.sign(y0_ - by) * rng.uniform(0, 1))
            else:
                end = (x0 + rng.uniform(0.5, 2.0), y0_ + rng.normal(0, 1))
            w_ = np.clip(post_t / 1.2, 0, 1)[post, None]
            tgt[post, i] = snap_xy[i] + (np.array(end) - snap_xy[i]) * w_
        elif i == QB:
            drop = rng.uniform(5.0, 7.5) if off.pos[QB, 0] > los - 2 else rng.uniform(1.0, 3.0)
            if not dropback:
                drop = rng.uniform(0.5, 1.5)
            w_ = np.clip(post_t / 1.3, 0, 1)[post, None]
            tgt[post, i] = snap_xy[i] + np.array([-drop, rng.normal(0, 0.5)]) * w_
        elif kind in ("WR", "TE", "RB"):
            if dropback and (kind != "RB" or rng.random() < 0.5) \
                    and not (kind == "TE" and rng.random() < 0.3):
                routes[i] = _run_route(rng, kind, bool(jet_at_snap[i]), x0, y0_, by, tgt,
                                       post, post_t, i)
            elif not dropback and kind == "RB":
                hole = (los + 6.0, by + rng.normal(0, 4))
                w_ = np.clip(post_t / 2.2, 0, 1)[post, None]
                tgt[post, i] = snap_xy[i] + (np.array(hole) - snap_xy[i]) * w_
            else:  # block
                end = (x0 + rng.uniform(1, 4), y0_ + rng.normal(0, 1))
                w_ = np.clip(post_t / 1.5, 0, 1)[post, None]
                tgt[post, i] = snap_xy[i] + (np.array(end) - snap_xy[i]) * w_
    return routes


def _run_route(rng: np.random.Generator, kind: str, jet: bool, x0: float, y0: float, by: float,
               tgt: np.ndarray, post: np.ndarray, post_t: np.ndarray, i: int) -> str:
    """Pick a route for player ``i`` and write his path along it into ``tgt``."""
    probs = _ROUTE_P_TE if kind != "WR" else _ROUTE_P_WR
    r = "FLAT" if jet else str(rng.choice(ROUTES, p=probs / probs.sum()))
    if kind == "RB":
        r = str(rng.choice(["FLAT", "ANGLE", "WHEEL", "CROSS"]))
    poly = route_polyline(rng, r if r in ROUTES else "FLAT", x0, y0, by)
    vmax = rng.uniform(6.5, 8.8) if kind == "WR" else rng.uniform(5.5, 7.5)
    v = vmax * (1 - np.exp(-post_t[post] / 0.55))
    dist = np.cumsum(v) * DT
    tgt[post, i] = along(poly, dist)
    return r
