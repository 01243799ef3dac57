"""Defender movement: the pre-snap walk-up and reactions to motion, then the coverage drops.

Before the snap a defender's only honest tell is how he reacts to the
offense: man defenders travel with their receiver, zone defenders mostly
hold or bump. After the snap man defenders trail their receiver and zone
defenders drop to landmarks and pattern-match. All of it is targets for
:func:`~coverage.simulate.kinematics.steer`.
"""

from __future__ import annotations

import numpy as np

from coverage.simulate.defense import ZONE_LANDMARK, Defense
from coverage.simulate.kinematics import DT, Timeline, W, lag
from coverage.simulate.motion import PreSnapMotion
from coverage.simulate.offense import QB, Offense
from coverage.simulate.params import (
    MOTION_ANSWER,
    MOTION_BUMP,
    MOTION_BUMP_BOX,
    MOTION_BUMP_LAG,
)


def defender_follow(rng: np.random.Generator, de: Defense,
                    team_travel: float) -> tuple[np.ndarray, np.ndarray]:
    """How much each defender tracks his partner's lateral movement, and how late.

    Man defenders mostly travel (some only bump); zone defenders travel as
    often as this defense's habit says, which blurs the motion tell.
    """
    follow = np.zeros(11)
    lag_f = np.zeros(11, dtype=int)
    for i in range(11):
        if de.partner[i] < 0:
            continue
        if de.codes[i] == "MAN":
            bump = rng.random() < 0.12
            follow[i] = rng.uniform(0.2, 0.45) if bump else rng.uniform(0.85, 1.0)
        elif de.codes[i] is not None:
            follow[i] = rng.uniform(0.5, 0.85) if rng.random() < team_travel else \
                rng.uniform(0.1, 0.4)
        # reaction lag on top of the ~0.3 s of the movement filter: 0.3-0.8 s in all
        lag_f[i] = int(rng.integers(0, 6))
    return follow, lag_f


def defense_before_snap(rng: np.random.Generator, de: Defense, off: Offense, xy_off: np.ndarray,
                        tl: Timeline, follow: np.ndarray, lag_f: np.ndarray, m: PreSnapMotion,
                        los: float, by: float) -> np.ndarray:
    """(F, 11, 2) defender targets, held at the snap spot after the snap."""
    dpos, w_set = _walk_up(rng, de, tl, los, by)
    _track_receivers(de, off, xy_off, tl, follow, lag_f, m, w_set, dpos)
    # zone defenders "bump" toward a crossing motion man (with ``motion_bump_box``, so do
    # the linebackers who blitz or cover a back: the box slides; a man corner or safety on
    # another receiver stays on his man, as real man defenders do)
    if m.player is not None:
        set_f = min(tl.set_idx, tl.n_frames - 1)
        total = xy_off[:, m.player, 1] - xy_off[set_f, m.player, 1]
        over = _zone_over_motion(de, xy_off, dpos, tl, m.player, los)
        for i in range(11):
            bumps = de.codes[i] not in (None, "MAN") or (MOTION_BUMP_BOX and de.kind[i] == "LB")
            if i == over:
                # walks with him to an inside-leverage spot a yard inside where he stops
                gap = xy_off[tl.snap_idx, m.player, 1] - dpos[set_f, i, 1]
                room = gap - np.sign(gap) * 1.0
                walk = lag(total, MOTION_BUMP_LAG) * rng.uniform(*MOTION_ANSWER)
                walk = np.clip(walk, min(room, 0.0), max(room, 0.0))
                dpos[:, i, 1] += np.where(tl.t > tl.t_set, walk, 0)
            elif bumps and de.partner[i] != m.player:
                dpos[:, i, 1] += np.where(tl.t > tl.t_set,
                                          lag(total, MOTION_BUMP_LAG) * rng.uniform(*MOTION_BUMP),
                                          0)
    dpos[tl.pre.sum():] = dpos[tl.snap_idx]
    return dpos


def _zone_over_motion(de: Defense, xy_off: np.ndarray, dpos: np.ndarray, tl: Timeline,
                      mover: int, los: float) -> int:
    """With ``motion_answer``: the zone defender over the motion man's path (apex, overhang
    or flat defender, or the box linebacker a back motions out past) who walks with him,
    so on film the defender nearest a motion man moves as a real one does. -1 for none:
    the knob is off, or a man defender already travels with him."""
    if MOTION_ANSWER is None or any(de.partner[i] == mover and de.codes[i] == "MAN"
                                    for i in range(11)):
        return -1
    set_f = min(tl.set_idx, tl.n_frames - 1)
    start_y, end_y = xy_off[set_f, mover, 1], xy_off[tl.snap_idx, mover, 1]
    lo, hi = min(start_y, end_y) - 1.0, max(start_y, end_y) + 1.0
    # a shallow zone defender between where the motion starts and where it goes
    cands = [i for i in range(11) if de.kind[i] != "DL" and de.codes[i] not in (None, "MAN")
             and dpos[set_f, i, 0] - los < 8.0 and lo <= dpos[set_f, i, 1] <= hi]
    if not cands:
        return -1
    return min(cands, key=lambda i: abs(dpos[set_f, i, 1] - end_y))


def _walk_up(rng: np.random.Generator, de: Defense, tl: Timeline, los: float,
             by: float) -> tuple[np.ndarray, np.ndarray]:
    """Neutral look -> shown alignment around the line set, then any late rotation.

    Before the line set defenders mill about in a neutral look (corners ~7
    off, safeties 2-deep-ish), so far from the snap there is little to read.
    Returns the targets and the settling weight per frame.
    """
    t, t_snap = tl.t, tl.t_snap
    dpos = np.empty((tl.n_frames, 11, 2))
    generic = de.shown.copy()
    for i in range(11):
        k = de.kind[i]
        if k in ("CB", "NCB"):
            generic[i, 0] = los + rng.uniform(4.0, 7.5)
        elif k == "S":
            generic[i] = [los + rng.uniform(8.0, 12.0), by + (1 if generic[i, 1] > by else -1)
                          * rng.uniform(5.0, 10.0)]
        elif k == "LB":
            generic[i, 0] = los + rng.uniform(3.0, 5.5)
    # the neutral look is only half way from the final spots: real defenses are mostly
    # aligned by the line set and walk there slowly
    generic = de.shown + (generic - de.shown) * 0.5
    # the defense is mostly set by the line set; a minority is still adjusting after it
    settle0 = max(tl.t_set - rng.uniform(1.5, 3.0), 0.0)
    late = rng.random() < 0.25
    settle1 = tl.t_set + (rng.uniform(0.5, 2.5) if late else rng.uniform(-0.6, 0.4))
    settle1 = max(settle1, settle0 + 0.8)
    w_set = np.clip((t - settle0) / max(settle1 - settle0, DT), 0, 1)
    for i in range(11):
        dpos[:, i] = generic[i] + (de.shown[i] - generic[i]) * w_set[:, None]
        if de.rot_start[i] > 0 or np.abs(de.played[i] - de.shown[i]).max() > 1e-9:
            r0 = t_snap - de.rot_start[i]
            dur_r = max(np.hypot(*(de.played[i] - de.shown[i])) / 4.5, 0.3)
            w_r = np.clip((t - r0) / dur_r, 0, 1)
            dpos[:, i] += (de.played[i] - de.shown[i]) * w_r[:, None]
    return dpos, w_set


def _track_receivers(de: Defense, off: Offense, xy_off: np.ndarray, tl: Timeline,
                     follow: np.ndarray, lag_f: np.ndarray, m: PreSnapMotion, w_set: np.ndarray,
                     dpos: np.ndarray) -> None:
    """Align on receivers: lateral position tracks the partner's current y."""
    t, t_set = tl.t, tl.t_set
    set_f = min(tl.set_idx, tl.n_frames - 1)
    for i in range(11):
        p_ = de.partner[i]
        if p_ < 0:
            continue
        ry_lag = lag(xy_off[:, p_, 1], lag_f[i])
        # before the set: align on wherever the receiver is walking to
        dy_app = np.where(t <= t_set, (ry_lag - off.pos[p_, 1]) * (1 - w_set) * 0.8, 0.0)
        # after the set: follow the shift / motion by this defender's follow fraction
        dy_mot = np.where(t > t_set, (ry_lag - xy_off[set_f, p_, 1]) * follow[i], 0.0)
        if de.codes[i] == "MAN" and m.kind == "jet" and p_ == m.player:
            # chasing a jet man: widen to the flat
            dpos[:, i, 0] += np.where(t > t_set, np.abs(dy_mot) * -0.08, 0.0)
        dpos[:, i, 1] += dy_app + dy_mot


def defense_after_snap(rng: np.random.Generator, de: Defense, off: Offense, xy_off: np.ndarray,
                       dpos: np.ndarray, tl: Timeline, los: float, by: float) -> None:
    """Fill the post-snap part of ``dpos``: rush, trail the man, or drop to a zone."""
    post = tl.post
    post_t = tl.post_t[post]
    rec = [i for i in range(11) if off.kind[i] in ("WR", "TE", "RB")]
    for i in range(11):
        code = de.codes[i]
        s0 = dpos[tl.snap_idx, i]
        if de.kind[i] == "DL" or code is None:
            dpos[post, i] = _rush(rng, de.kind[i] == "DL", s0, xy_off[post, QB], post_t, los)
        elif code == "MAN" and de.partner[i] >= 0:
            dpos[post, i] = _trail(rng, s0, xy_off, int(de.partner[i]), post, post_t,
                                   tl.snap_idx, by)
        else:
            dpos[post, i] = _zone_drop(rng, code, s0, xy_off[post][:, rec], post_t, los, by)


def _rush(rng: np.random.Generator, lineman: bool, s0: np.ndarray, qb_path: np.ndarray,
          post_t: np.ndarray, los: float) -> np.ndarray:
    """At the quarterback, stalled at the line (linemen) or a little behind it (blitzers)."""
    aim = qb_path + rng.normal(0, 1.0, 2)
    stall = los + (rng.uniform(-0.5, 1.0) if lineman else rng.uniform(-4, 0))
    aim[:, 0] = np.maximum(aim[:, 0], stall)
    w_ = np.clip(post_t / 1.5, 0, 1)[:, None]
    return s0 + (aim - s0) * w_


def _trail(rng: np.random.Generator, s0: np.ndarray, xy_off: np.ndarray, partner: int,
           post: np.ndarray, post_t: np.ndarray, snap_idx: int, by: float) -> np.ndarray:
    """Man coverage: shadow the receiver with a lag, settling into an inside trail."""
    rp = lag(xy_off[:, partner], int(rng.integers(2, 5)))[post]
    off0 = s0 - xy_off[snap_idx, partner]
    trail = np.array([rng.uniform(-1.5, 1.0), np.sign(by - rp[0, 1]) * rng.uniform(0.3, 1.2)])
    dec = np.exp(-post_t / rng.uniform(0.6, 1.2))[:, None]
    return rp + off0 * dec + trail * (1 - dec)


def _zone_drop(rng: np.random.Generator, code: str, s0: np.ndarray, rxy: np.ndarray,
               post_t: np.ndarray, los: float, by: float) -> np.ndarray:
    """Zone coverage: drop to the landmark, drifting toward the nearest receiver in the zone."""
    lm = ZONE_LANDMARK.get(code, (8.0, 0.5))
    land = np.array([los + lm[0] + rng.normal(0, 1.0),
                     by + (W * lm[1] - W / 2) * 0.9 + rng.normal(0, 1.0)])
    drop_t = max(rng.uniform(1.0, 1.8), np.hypot(*(land - s0)) / rng.uniform(5.5, 7.0))
    w_ = np.clip(post_t / drop_t, 0, 1)[:, None]
    path = s0 + (land - s0) * w_
    d = np.sqrt(((rxy - land[None, None]) ** 2).sum(-1))
    j = d.argmin(1)
    near = rxy[np.arange(len(j)), j]
    close = (d.min(1) < 9.0)[:, None]
    return path + np.where(close, (near - path) * 0.3 * w_, 0.0)
