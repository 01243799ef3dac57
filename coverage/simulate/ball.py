"""The ball and the play's outcome events (pass, sack or handoff).

Downstream code cuts plays at the official events (ball_snap, pass_forward,
...), so the events must sit on the frames where the ball actually does
those things.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from coverage.simulate.calls import weighted
from coverage.simulate.kinematics import DT
from coverage.simulate.offense import QB
from coverage.simulate.params import PASS_RESULT_COUNTS


@dataclass
class BallOutcome:
    """The ball's path and, on a dropback, how the pass went."""

    ball: np.ndarray  # (F, 2)
    pass_result: str | None = None
    target_rec: int | None = None  # offensive index of the targeted receiver
    t_throw: float | None = None  # seconds after the snap


def ball_and_outcome(rng: np.random.Generator, xy: np.ndarray, kind: list[str],
                     routes: list[str | None], events: list[str | None], snap_idx: int,
                     ball_xy: np.ndarray, dropback: bool) -> BallOutcome:
    """Ball from the spot to the QB, then thrown or handed off; marks the events."""
    F = xy.shape[0]
    sn = snap_idx
    ball = np.tile(ball_xy, (F, 1)).astype(float)
    ball[sn + 1:] = xy[sn + 1:, QB] + np.array([0.3, 0.0])
    k_snap = min(sn + 4, F)
    if k_snap > sn + 1:
        w_ = np.linspace(0, 1, k_snap - sn)[1:, None]
        ball[sn + 1:k_snap] = ball_xy + (xy[sn + 1:k_snap, QB] - ball_xy) * w_
    out = BallOutcome(ball)
    if dropback:
        _pass(rng, xy, routes, events, sn, out)
    else:
        _run(rng, xy, kind, events, sn, out)
    return out


def _pass(rng: np.random.Generator, xy: np.ndarray, routes: list[str | None],
          events: list[str | None], sn: int, out: BallOutcome) -> None:
    F = xy.shape[0]
    ball = out.ball
    pr = weighted(rng, PASS_RESULT_COUNTS)
    out.pass_result = pr
    out.t_throw = t_throw = rng.uniform(1.9, 3.4)
    route_runners = [i for i in range(11) if routes[i] is not None]
    if pr in ("C", "I", "IN") and route_runners:
        target = out.target_rec = int(rng.choice(route_runners))
        fi = sn + int(round(t_throw / DT))
        if fi >= F:
            return
        events[fi] = "pass_forward"
        flight = rng.uniform(0.5, 1.2)
        fa_ = min(sn + int(round((t_throw + flight) / DT)), F - 1)
        n_fl = fa_ - fi
        if n_fl <= 0:
            return
        w_ = np.linspace(0, 1, n_fl + 1)[1:, None]
        dest = xy[fa_, target]
        ball[fi + 1:fa_ + 1] = ball[fi] + (dest - ball[fi]) * w_
        ball[fa_ + 1:] = xy[fa_ + 1:, target]
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


def _run(rng: np.random.Generator, xy: np.ndarray, kind: list[str], events: list[str | None],
         sn: int, out: BallOutcome) -> None:
    F = xy.shape[0]
    rb = [i for i in range(11) if kind[i] == "RB"]
    if not rb:
        return
    fi = sn + int(rng.integers(5, 9))
    if fi < F:
        events[fi] = "handoff"
        out.ball[fi:] = xy[fi:, rb[0]] + np.array([0.2, 0.0])
    fc = sn + int(rng.integers(22, 34))
    if fc < F:
        events[fc] = "first_contact"
    if fc + 5 < F:
        events[fc + 5] = "tackle"
