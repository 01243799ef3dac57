"""One synthetic play: formations, coverage, pre-snap behaviour and the first seconds after it.

Everything here works in the *normalised* frame (offense toward +x, LOS at
``los_x``); the season writer rotates to the raw field frame. "Left" in the
PFF-style assignment codes (3L, 2L, FL, ...) is the offense's left, i.e. the
+y side in the normalised frame.

Trajectories are produced by steering every player toward a target path with
speed and acceleration limits (:mod:`~coverage.simulate.kinematics`). The
man/zone signal lives in alignment depth/leverage, eyes, safety rotation
and, above all, in who follows a motion man
(:mod:`~coverage.simulate.defense`, :mod:`~coverage.simulate.defense_paths`).

The random draws happen in one fixed order (the order of the calls in
:func:`simulate_play`), which is what makes a season byte-identical for a
seed: reordering the calls changes every play after the first.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from coverage.simulate.ball import BallOutcome, ball_and_outcome
from coverage.simulate.calls import (
    SHELL_OF,
    PlayContext,
    choose_coverage,
    choose_formation,
    man_zone_of,
)
from coverage.simulate.defense import Defense, build_defense
from coverage.simulate.defense_paths import (
    defender_follow,
    defense_after_snap,
    defense_before_snap,
)
from coverage.simulate.kinematics import add_jitter, draw_timeline, orientation, steer
from coverage.simulate.motion import PreSnapMotion, approach_targets, shift_and_motion, start_events
from coverage.simulate.offense import QB, Offense, build_offense, offense_after_snap
from coverage.simulate.params import DROPBACK_RATE
from coverage.simulate.roster import Player

__all__ = ["PlayContext", "SimPlay", "choose_coverage", "man_zone_of", "simulate_play"]


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


def simulate_play(rng: np.random.Generator, ctx: PlayContext, off_roster: dict[str, list[Player]],
                  def_roster: dict[str, list[Player]], *, approach_secs: tuple[float, float],
                  after_set_secs: tuple[float, float], post_snap_secs: tuple[float, float],
                  team_travel: float, front34: bool = False) -> SimPlay:
    """Simulate one play from huddle break to a few seconds after the snap."""
    los = 10.0 + (100 - ctx.to_goal)
    by = float(np.clip(26.65 + rng.choice([-3.3, 0.0, 3.3], p=[0.4, 0.2, 0.4])
                       + rng.normal(0, 0.6), 18, 35))
    formation, alignment = choose_formation(rng, ctx)
    off = build_offense(rng, off_roster, formation, alignment, los, by)
    cov = choose_coverage(rng, ctx, formation, team_travel)
    de = build_defense(rng, def_roster, off, cov, los, by, front34)

    # offense before the snap: huddle -> alignment, then shift / motion
    tl = draw_timeline(rng, approach_secs, after_set_secs, post_snap_secs)
    tgt = approach_targets(rng, off, tl, los, by)
    events = start_events(tl)
    follow, lag_f = defender_follow(rng, de, team_travel)
    m = shift_and_motion(rng, off, tl, tgt, events, los, by)

    # offense after the snap
    dropback = bool(rng.random() < DROPBACK_RATE)
    routes = offense_after_snap(rng, off, tgt, tl, los, by, dropback,
                                m.moving_at_snap & (m.kind == "jet"))
    # the recorded snap frame often lags the real snap a little: the linemen's get-off
    # already shows in it, as in real tracking's snap frame
    early = bool(rng.random() < 0.6) and tl.snap_idx + 1 < tl.n_frames
    f_ol, f_dl = rng.uniform(0.4, 1.0), rng.uniform(0.1, 0.4)
    s_ = tl.snap_idx
    if early:
        ol = [i for i in range(11) if off.kind[i] == "OL"]
        tgt[s_, ol] += (tgt[s_ + 1, ol] - tgt[s_, ol]) * f_ol
    xy_off = steer(tgt[:, :11])

    # defense: walk-up and reactions before the snap, coverage after it
    dpos = defense_before_snap(rng, de, off, xy_off, tl, follow, lag_f, m, los, by)
    defense_after_snap(rng, de, off, xy_off, dpos, tl, los, by)
    if early:
        dl = [i for i in range(11) if de.kind[i] == "DL"]
        dpos[s_, dl] += (dpos[s_ + 1, dl] - dpos[s_, dl]) * f_dl
    xy_def = steer(dpos, tau=0.1)

    xy = add_jitter(rng, np.concatenate([xy_off, xy_def], axis=1))
    # the tracked ball sits a little off the spot the players align on (the center's grip,
    # the tracking chip): real players' depths from the ball vary by a few tenths
    ball_xy = np.array([los + float(np.clip(rng.normal(0.0, 0.3), -0.7, 0.7)),
                        by + float(rng.normal(0.0, 0.15))])
    o = orientation(rng, xy, de.partner, de.codes, ball_xy, off.kind + de.kind)
    outcome = ball_and_outcome(rng, xy, off.kind, routes, events, tl.snap_idx, ball_xy, dropback)
    info = _play_info(off, de, cov, formation, alignment, m, dropback, outcome, los, by)
    return _with_truth(xy, outcome.ball, o, events, tl.snap_idx, los, by, off, de, routes, m,
                       info)


def _play_info(off: Offense, de: Defense, cov: str | None, formation: str, alignment: str,
               m: PreSnapMotion, dropback: bool, outcome: BallOutcome, los: float,
               by: float) -> dict[str, object]:
    """Play-level ground truth (truth_plays.csv and the plays.csv fields it drives)."""
    return {
        "formation": formation, "alignment": alignment, "coverage": cov,
        "man_zone": man_zone_of(cov),
        "shell_shown": de.shown_shell, "shell_played": SHELL_OF.get(cov or "")
        if cov else None, "disguise": bool(de.disguise),
        "motion": m.player is not None, "motion_type": m.kind,
        "motion_nflId": off.players[m.player].nflId if m.player is not None else None,
        "shift": bool(m.shifted.any()), "dropback": dropback,
        "pass_result": outcome.pass_result, "target_rec": outcome.target_rec,
        "t_throw": outcome.t_throw, "by": by, "los": los,
        "qb_under_center": bool(off.pos[QB, 0] > los - 2),
    }


def _with_truth(xy: np.ndarray, ball: np.ndarray, o: np.ndarray, events: list[str | None],
                snap_idx: int, los: float, by: float, off: Offense, de: Defense,
                routes: list[str | None], m: PreSnapMotion, info: dict[str, object]) -> SimPlay:
    """Bundle the tracks with the per-player truth the season writer turns into CSV rows."""
    assignment: list[str | None] = [None] * 11 + list(de.codes)
    man_target: list[int | None] = [None] * 11 + [
        off.players[de.partner[j]].nflId if de.codes[j] == "MAN" and de.partner[j] >= 0 else None
        for j in range(11)]
    rushers = [1 if (de.kind[j] == "DL" or de.codes[j] is None) else 0 for j in range(11)]
    per_player = {
        "route": routes + [None] * 11,
        "rusher": [None] * 11 + rushers,
        "in_motion_at_snap": list(m.moving_at_snap) + [None] * 11,
        "motion_since_set": list(m.motioned) + [None] * 11,
        "shift_since_set": list(m.shifted) + [None] * 11,
        "kind": off.kind + de.kind,
    }
    return SimPlay(xy, ball, o, events, snap_idx, los, by, off.players + de.players,
                   off.slots + de.slots, assignment, man_target, info, per_player)
