"""Movement physics, body orientation and the play clock shared by every simulated player.

Target paths are built piecewise-linear at realistic speeds; the helpers here
turn them into tracking-like positions (finite acceleration, a little sway)
and derive what the NGS pipeline would report from those positions, so that
speeds, accelerations and directions look real (no teleporting, no 20 yd/s
spikes).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from coverage.simulate.params import OFFENSE_SWAY

DT = 0.1
W = 53.3


def steer(target: np.ndarray, tau: float = 0.15, vmax: float = 10.0) -> np.ndarray:
    """Follow ``target`` (F, N, 2) like an athlete: a critically damped lag.

    Two cascaded first-order lags (each ``tau`` seconds) turn piecewise-linear
    target paths into smooth positions with finite acceleration; the target
    paths themselves are built at realistic speeds. Runs vectorised over all
    frames and players (scipy's IIR filter), so it costs nothing per play.
    """
    alpha = DT / (tau + DT)
    x0 = target[:1]
    from scipy.signal import lfilter  # scipy is slow to import: only when used

    y = lfilter([alpha], [1.0, alpha - 1.0], target - x0, axis=0)
    y = lfilter([alpha], [1.0, alpha - 1.0], y, axis=0)
    # nobody outruns ~10 yd/s: cap the frame-to-frame step and re-integrate
    step = np.diff(y, axis=0)
    norm = np.sqrt((step ** 2).sum(-1, keepdims=True))
    step *= np.minimum(1.0, vmax * DT / np.maximum(norm, 1e-9))
    y[1:] = np.cumsum(step, axis=0)
    return y + x0


def interp_path(t: np.ndarray, kt: list[float], kxy: list[tuple[float, float]]) -> np.ndarray:
    """Positions at times ``t`` along a path given by key times and key points."""
    kx = [p[0] for p in kxy]
    ky = [p[1] for p in kxy]
    return np.column_stack([np.interp(t, kt, kx), np.interp(t, kt, ky)])


def lag(arr: np.ndarray, frames: int) -> np.ndarray:
    """``arr`` delayed by ``frames`` (held at its first value): a reaction time."""
    if frames <= 0:
        return arr
    out = np.empty_like(arr)
    out[frames:] = arr[:-frames]
    out[:frames] = arr[0]
    return out


def angle(dx: np.ndarray, dy: np.ndarray) -> np.ndarray:
    """NGS angle convention: degrees clockwise from +y."""
    return np.degrees(np.arctan2(dx, dy)) % 360.0


def along(poly: list[tuple[float, float]], dist: np.ndarray) -> np.ndarray:
    """Points at arc lengths ``dist`` along a polyline (held at its end)."""
    p = np.asarray(poly)
    seg = np.sqrt((np.diff(p, axis=0) ** 2).sum(1))
    cum = np.concatenate([[0.0], np.cumsum(seg)])
    return np.column_stack([np.interp(dist, cum, p[:, 0]), np.interp(dist, cum, p[:, 1])])


def add_jitter(rng: np.random.Generator, xy: np.ndarray) -> np.ndarray:
    """Stance sway and tracking noise: smooth positions never look like real tracking.

    NGS positions are themselves filtered, so a set player only sways a few
    hundredths of a yard; the level varies per play (domain randomisation of
    the tracking system's noise), never enough to make a set player "move".
    """
    level = rng.uniform(0.6, 1.4)
    # offense players stand still in their stance; defenders sway and shuffle a little
    who = np.concatenate([rng.uniform(*OFFENSE_SWAY, 11), rng.uniform(0.7, 1.3, 11)])
    if xy.shape[1] != 22:
        who = np.ones(xy.shape[1])
    eps = rng.normal(0, 0.026 * level, xy.shape) * who[None, :, None]
    from scipy.signal import lfilter  # scipy is slow to import: only when used

    # a slow, smooth shuffle (velocity correlated over ~1 s), not frame-to-frame noise
    sway_v = lfilter([1.0], [1.0, -0.95], eps, axis=0)
    jitter = lfilter([DT], [1.0, -0.97], sway_v, axis=0)
    xy = xy + jitter
    xy[..., 1] = np.clip(xy[..., 1], -2.0, W + 2.0)
    return xy


def _ema(x: np.ndarray, alpha: float) -> np.ndarray:
    """Causal exponential smoothing along axis 0, started at the first value (no transient)."""
    from scipy.signal import lfilter  # scipy is slow to import: only when used

    x0 = x[:1]
    return lfilter([alpha], [1.0, alpha - 1.0], x - x0, axis=0) + x0


def causal_velocity(xy: np.ndarray) -> np.ndarray:
    """(F, N, 2) velocity from the positions up to each frame only (as a live filter sees it)."""
    v = np.empty_like(xy)
    v[1:] = np.diff(xy, axis=0) / DT
    v[0] = v[1] if len(xy) > 1 else 0.0
    return _ema(v, 0.6)


def ngs_kinematics(xy: np.ndarray, noise: np.random.Generator) -> tuple[np.ndarray, ...]:
    """s, a, dis, dir derived from the positions, like the NGS pipeline does.

    Causal, as a live tracking filter reports them: each frame's speed,
    acceleration and direction use that frame and earlier ones only, so the
    snap frame does not already see the burst of the frames after it, and a
    set player reads s ~ 0, a ~ 0 with a wandering, meaningless ``dir``.
    """
    vel = causal_velocity(xy)
    s = np.sqrt((vel ** 2).sum(-1))
    acc = np.empty_like(vel)
    acc[1:] = np.diff(vel, axis=0) / DT
    acc[0] = 0.0
    acc = _ema(acc, 0.5)
    a = np.sqrt((acc ** 2).sum(-1))
    step = np.zeros(xy.shape[:-1])
    step[1:] = np.sqrt((np.diff(xy, axis=0) ** 2).sum(-1))
    step[0] = s[0] * DT
    direction = np.degrees(np.arctan2(vel[..., 0], vel[..., 1])) % 360.0
    # the tracking filter's dead band: a player swaying in place reads s = a = 0 (most
    # set players do in real NGS data); its width varies a little from play to play
    dead = noise.uniform(0.01, 0.04)
    gate = np.clip((s - dead) / dead, 0.0, 1.0)
    s = np.abs(s + noise.normal(0, 0.005, s.shape)) * gate
    a = np.abs(a + noise.normal(0, 0.01, a.shape)) * gate
    return s, a, step, direction


@dataclass
class Timeline:
    """The frame grid of one play and its landmark times (huddle break at t=0)."""

    t_app: float  # huddle break to arrival at the line
    t_set: float  # line set
    t_snap: float  # snap, rounded onto the frame grid
    snap_idx: int
    set_idx: int
    t: np.ndarray  # (F,) seconds since the huddle break

    @property
    def n_frames(self) -> int:
        return len(self.t)

    @property
    def pre(self) -> np.ndarray:
        """Frames up to and including the snap."""
        return self.t <= self.t_snap

    @property
    def post(self) -> np.ndarray:
        return ~self.pre

    @property
    def post_t(self) -> np.ndarray:
        """Seconds since the snap (0 before it)."""
        return np.clip(self.t - self.t_snap, 0, None)


def draw_timeline(rng: np.random.Generator, approach_secs: tuple[float, float],
                  after_set_secs: tuple[float, float],
                  post_snap_secs: tuple[float, float]) -> Timeline:
    """Huddle break, line set and snap times; the snap lands exactly on a frame."""
    t_app = rng.uniform(*approach_secs)
    t_set = t_app + rng.uniform(0.7, 1.4)  # the offense has stopped when the line sets
    t_snap = t_set + rng.uniform(*after_set_secs)
    t_post = rng.uniform(*post_snap_secs)
    n_pre = int(round(t_snap / DT))
    F = n_pre + 1 + int(round(t_post / DT))
    return Timeline(t_app, t_set, n_pre * DT, n_pre, int(round(t_set / DT)), np.arange(F) * DT)


def orientation(rng: np.random.Generator, xy: np.ndarray, partner: np.ndarray,
                codes: list[str | None], ball_xy: np.ndarray,
                kind: list[str] | None = None) -> np.ndarray:
    """(F, 22) NGS orientation: the offense faces downfield, defenders face the offense.

    Set defenders stand nearly square to the line, as real ones do,
    turned a little toward the ball or, more often for man defenders, toward
    their receiver (a soft tell); anyone running mostly faces where he goes.
    """
    F = xy.shape[0]
    o = np.empty((F, 22))
    vel = causal_velocity(xy)
    spd = np.sqrt((vel ** 2).sum(-1))
    mdir = angle(vel[..., 0], vel[..., 1])
    from scipy.signal import lfilter  # scipy is slow to import: only when used

    wobble = lfilter([0.3], [1.0, -0.7], rng.normal(0, 4, (F, 22)), axis=0)
    kinds = kind if kind is not None else ["WR"] * 11 + ["S"] * 11
    # how far off square each group stands (real medians: OL 13, TE 19, RB 17, WR/QB 7,
    # DL 17, LB 14, CB 22, S 14 degrees)
    spread = {"OL": 20.0, "QB": 11.0, "WR": 11.0, "TE": 27.0, "RB": 25.0,
              "DL": 22.0, "LB": 18.0, "CB": 28.0, "NCB": 26.0, "S": 18.0}
    o[:, :11] = 90.0 + rng.normal(0, 1.0, (1, 11)) * np.array(
        [spread.get(k, 12.0) for k in kinds[:11]])[None] + wobble[:, :11]
    for j in range(11):
        i = 11 + j
        look_ball = angle(ball_xy[0] - xy[:, i, 0], ball_xy[1] - xy[:, i, 1])
        p_ = partner[j]
        toward = 0.15
        base = look_ball
        if p_ >= 0:
            look_rec = angle(xy[:, p_, 0] - xy[:, i, 0], xy[:, p_, 1] - xy[:, i, 1])
            if rng.random() < (0.55 if codes[j] == "MAN" else 0.2):
                base, toward = look_rec, 0.3
        turn = (base - 270.0 + 180.0) % 360.0 - 180.0
        o[:, i] = (270.0 + toward * turn + rng.normal(0, spread.get(kinds[i], 18.0))
                   + wobble[:, i])
    moving = spd > 2.0
    # running players mostly face where they go (backpedalers excepted)
    face_run = moving & (rng.random((1, 22)) < 0.8)
    return np.where(face_run, mdir + rng.normal(0, 10, (F, 22)), o) % 360.0
