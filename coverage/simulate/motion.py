"""The offense before the snap: huddle break, walk to the line, shifts and motion.

Motion is the strongest man/zone tell on real film (a man defender travels
with the motion man, zone defenders only bump), so it is drawn at the real
season's rates and in the real variety of jet, across, short and orbit
motions.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from coverage.simulate.kinematics import DT, Timeline, W, interp_path
from coverage.simulate.offense import Offense
from coverage.simulate.params import (
    MOTION_DEPTH,
    MOTION_DROPBACK,
    MOTION_KINDS,
    MOTION_MAN_RATE_BY_POSITION,
    MOTION_RATES,
)


@dataclass
class PreSnapMotion:
    """Who shifted or went in motion after the line set (the truth behind player_play flags)."""

    shifted: np.ndarray  # (11,) bool
    moving_at_snap: np.ndarray  # (11,) bool
    motioned: np.ndarray  # (11,) bool
    player: int | None = None  # the motion man
    kind: str | None = None  # jet / across / short / orbit / out


def approach_targets(rng: np.random.Generator, off: Offense, tl: Timeline, los: float,
                     by: float) -> np.ndarray:
    """(F, 22, 2) targets whose offense half walks from the huddle to the alignment.

    Only the offense half is filled; the defense moves on its own targets.
    """
    huddle = np.column_stack([np.full(11, los - 8.0), np.full(11, by)])
    huddle = huddle + rng.normal(0, 1.2, (11, 2))
    dist = np.sqrt(((off.pos - huddle) ** 2).sum(1))
    # nobody starts further out than a ~3.2 yd/s walk covers before the line set
    frac = np.minimum(1.0, 3.2 * tl.t_app / np.maximum(dist.max(), 1e-6))
    start = off.pos + (huddle - off.pos) * frac
    tgt = np.empty((tl.n_frames, 22, 2))
    ramp = np.clip(tl.t / max(tl.t_app, DT), 0, 1)[:, None]
    ramp = ramp * ramp * (3 - 2 * ramp)
    tgt[:, :11] = start[None] + (off.pos - start)[None] * ramp[:, :, None]
    return tgt


def start_events(tl: Timeline) -> list[str | None]:
    """Per-frame event column with the huddle break and the line set marked."""
    events: list[str | None] = [None] * tl.n_frames
    events[0] = "huddle_break_offense"
    events[min(tl.set_idx, tl.snap_idx - 1)] = "line_set"
    return events


def shift_and_motion(rng: np.random.Generator, off: Offense, tl: Timeline, tgt: np.ndarray,
                     events: list[str | None], los: float, by: float) -> PreSnapMotion:
    """Maybe a shift, then maybe a motion, each only when the clock leaves room for it.

    Writes the moves into ``tgt`` and their events into ``events``, and marks the snap.
    """
    rec = [i for i in range(11) if off.kind[i] in ("WR", "TE", "RB")]
    motion_rate = MOTION_RATES["motion"]
    shift_rate = MOTION_RATES["shift"]
    m = PreSnapMotion(np.zeros(11, dtype=bool), np.zeros(11, dtype=bool),
                      np.zeros(11, dtype=bool))
    after = tl.t_snap - tl.t_set
    cur = off.pos.copy()
    if rng.random() < shift_rate and after > 2.5:
        _shift(rng, tl, tgt, events, cur, m, rec, by)
    if rng.random() < motion_rate / max(1 - 0.5 * shift_rate, 0.5) * 0.85 and after > 1.2:
        _motion(rng, off, tl, tgt, events, cur, m, rec, los, by)
    events[tl.snap_idx] = "ball_snap"
    return m


def _shift(rng: np.random.Generator, tl: Timeline, tgt: np.ndarray, events: list[str | None],
           cur: np.ndarray, m: PreSnapMotion, rec: list[int], by: float) -> None:
    """One or two receivers re-spot together: flip sides or move a few yards."""
    t = tl.t
    n_sh = int(rng.choice([1, 2], p=[0.6, 0.4]))
    who = rng.choice(rec, size=min(n_sh, len(rec)), replace=False)
    t0 = tl.t_set + rng.uniform(0.3, 0.8)
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
        t1 = min(t0 + dur, tl.t_snap - 0.3)
        seg = (t >= t0)
        w_ = np.clip((t - t0) / max(t1 - t0, DT), 0, 1)[seg, None]
        tgt[seg, i] = cur[i] + (new - cur[i]) * w_
        cur[i] = new
        m.shifted[i] = True


def _motion(rng: np.random.Generator, off: Offense, tl: Timeline, tgt: np.ndarray,
            events: list[str | None], cur: np.ndarray, m: PreSnapMotion, rec: list[int],
            los: float, by: float) -> None:
    if MOTION_KINDS is None:
        cands = [i for i in rec if off.slots[i] not in ("FB",)]
        mp = int(rng.choice(cands))
        m.kind = str(rng.choice(["jet", "across", "short", "orbit"], p=[0.3, 0.3, 0.3, 0.1]))
    else:
        mp, m.kind = _mover_and_kind(rng, off, rec)
    m.player = mp
    path_t, path = _motion_path(rng, m.kind, cur[mp].copy(), tl, los, by)
    seg = tl.t >= path_t[0]
    tgt[seg, mp] = interp_path(tl.t[seg], path_t, path)
    ev = int(round(path_t[0] / DT))
    while ev < tl.snap_idx and events[ev] is not None:
        ev += 1
    if ev < tl.snap_idx:
        events[ev] = "man_in_motion"
    m.motioned[mp] = True
    m.moving_at_snap[mp] = path_t[-1] > tl.t_snap - 0.05


def _mover_and_kind(rng: np.random.Generator, off: Offense, rec: list[int]) -> tuple[int, str]:
    """The motion man at the real per-player motion rate of his position (a fullback too),
    and a motion his position runs (``motion_kinds``): on real film backs motion out of
    the backfield, tight ends across the formation, receivers jet, across and short."""
    w = np.array([MOTION_MAN_RATE_BY_POSITION.get(off.kind[i], 0.0) for i in rec])
    mp = int(rng.choice(rec, p=w / w.sum()))
    kinds = MOTION_KINDS[off.kind[mp]]
    p = np.array(list(kinds.values()), dtype=float)
    return mp, str(rng.choice(list(kinds), p=p / p.sum()))


def _motion_path(rng: np.random.Generator, motion_type: str, y0: np.ndarray, tl: Timeline,
                 los: float, by: float) -> tuple[list[float], list[tuple[float, float]]]:
    """Key times and points of a motion that starts from ``y0`` toward the ball."""
    t_snap, t_set = tl.t_snap, tl.t_set
    sd = 1 if y0[1] > by else -1
    if motion_type == "jet":
        speed = rng.uniform(6.0, 8.0)
        y_end = by - sd * rng.uniform(2.0, 5.0)
        dur = abs(y_end - y0[1]) / speed
        t0 = max(t_snap - dur * rng.uniform(0.55, 0.9), t_set + 0.2)
        end = (los - rng.uniform(*MOTION_DEPTH["jet"]), y_end)
        return _dropped(rng, t0, dur, (y0[0], y0[1]), end)
    if motion_type == "across":
        speed = rng.uniform(3.0, 5.0)
        y_end = np.clip(by - sd * rng.uniform(5.0, 14.0), 2.0, W - 2.0)
        dur = abs(y_end - y0[1]) / speed
        t0 = max(t_snap - dur - rng.uniform(-0.6, 1.5), t_set + 0.2)
        end = (los - rng.uniform(*MOTION_DEPTH["across"]), y_end)
        return _dropped(rng, t0, dur, (y0[0], y0[1]), end)
    if motion_type == "out":  # a back out of the backfield to the flat or wide
        speed = rng.uniform(4.0, 6.5)
        side = sd if rng.random() < 0.6 else -sd
        end = (los - rng.uniform(0.7, 1.5),
               float(np.clip(by + side * rng.uniform(7.0, 14.0), 2.0, W - 2.0)))
        dur = float(np.hypot(end[0] - y0[0], end[1] - y0[1])) / speed
        t0 = max(t_snap - dur * rng.uniform(0.8, 1.6), t_set + 0.2)
        return [t0, t0 + dur], [(y0[0], y0[1]), end]
    if motion_type == "orbit":
        speed = rng.uniform(4.0, 6.0)
        mid = (los - rng.uniform(4.0, 6.5), by)
        y_end = by - sd * rng.uniform(3.0, 6.0)
        d1 = np.hypot(mid[0] - y0[0], mid[1] - y0[1])
        dur = (d1 + abs(y_end - by)) / speed
        t0 = max(t_snap - dur * rng.uniform(0.6, 0.95), t_set + 0.2)
        return [t0, t0 + d1 / speed, t0 + dur], [(y0[0], y0[1]), mid, (los - 3.0, y_end)]
    # short
    speed = rng.uniform(2.0, 4.0)
    y_end = y0[1] - sd * rng.uniform(2.5, 6.0)
    dur = abs(y_end - y0[1]) / speed
    t0 = max(t_snap - dur * rng.uniform(0.7, 1.3), t_set + 0.2)
    return [t0, t0 + dur], [(y0[0], y0[1]), (y0[0], y_end)]


def _dropped(rng: np.random.Generator, t0: float, dur: float, start: tuple[float, float],
             end: tuple[float, float]) -> tuple[list[float], list[tuple[float, float]]]:
    """A jet / across path from ``start`` to ``end`` over ``dur`` seconds: a straight line, or
    with ``motion_dropback`` one that first drops to ``end``'s depth and then runs across the
    formation at it (real motion men cross behind the backfield, not along the line)."""
    if MOTION_DROPBACK is None:
        return [t0, t0 + dur], [start, end]
    frac = rng.uniform(*MOTION_DROPBACK)
    mid = (end[0], start[1] + (end[1] - start[1]) * frac)
    d1 = float(np.hypot(mid[0] - start[0], mid[1] - start[1]))
    d2 = abs(end[1] - mid[1])
    t1 = t0 + dur * d1 / max(d1 + d2, 1e-6)
    return [t0, t1, t0 + dur], [start, mid, end]
