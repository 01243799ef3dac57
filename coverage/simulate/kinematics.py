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
    from scipy.signal import lfilter  # scipy takes ~1 s to import: only when used

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
    """Stance sway and tracking noise: smooth positions never look like real tracking."""
    eps = rng.normal(0, 0.025, xy.shape)
    from scipy.signal import lfilter  # scipy takes ~1 s to import: only when used

    jitter = lfilter([1.0], [1.0, -0.85], eps, axis=0)
    xy = xy + jitter
    xy[..., 1] = np.clip(xy[..., 1], -2.0, W + 2.0)
    return xy


def ngs_kinematics(xy: np.ndarray, noise: np.random.Generator) -> tuple[np.ndarray, ...]:
    """s, a, dis, dir derived from the positions, like the NGS pipeline does."""
    vel = np.gradient(xy, DT, axis=0)
    s = np.sqrt((vel ** 2).sum(-1))
    acc = np.gradient(vel, DT, axis=0)
    a = np.sqrt((acc ** 2).sum(-1))
    step = np.zeros(xy.shape[:-1])
    step[1:] = np.sqrt((np.diff(xy, axis=0) ** 2).sum(-1))
    step[0] = s[0] * DT
    direction = np.degrees(np.arctan2(vel[..., 0], vel[..., 1])) % 360.0
    s = np.abs(s + noise.normal(0, 0.02, s.shape))
    a = np.abs(a + noise.normal(0, 0.05, a.shape))
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
    t_set = t_app + rng.uniform(0.2, 0.8)
    t_snap = t_set + rng.uniform(*after_set_secs)
    t_post = rng.uniform(*post_snap_secs)
    n_pre = int(round(t_snap / DT))
    F = n_pre + 1 + int(round(t_post / DT))
    return Timeline(t_app, t_set, n_pre * DT, n_pre, int(round(t_set / DT)), np.arange(F) * DT)


def orientation(rng: np.random.Generator, xy: np.ndarray, partner: np.ndarray,
                codes: list[str | None], ball_xy: np.ndarray) -> np.ndarray:
    """(F, 22) NGS orientation: the offense faces downfield, defenders watch ball or man.

    Man defenders watch their receiver more often than zone defenders do (a
    soft tell); anyone running mostly faces where he goes.
    """
    F = xy.shape[0]
    o = np.empty((F, 22))
    vel = np.gradient(xy, DT, axis=0)
    spd = np.sqrt((vel ** 2).sum(-1))
    mdir = angle(vel[..., 0], vel[..., 1])
    o[:, :11] = 90.0 + rng.normal(0, 12, (1, 11)) + rng.normal(0, 3, (F, 11))
    for j in range(11):
        i = 11 + j
        look_ball = angle(ball_xy[0] - xy[:, i, 0], ball_xy[1] - xy[:, i, 1])
        p_ = partner[j]
        if p_ >= 0:
            look_rec = angle(xy[:, p_, 0] - xy[:, i, 0], xy[:, p_, 1] - xy[:, i, 1])
            eyes_on_man = rng.random() < (0.55 if codes[j] == "MAN" else 0.2)
            base = look_rec if eyes_on_man else look_ball
        else:
            base = look_ball
        o[:, i] = base + rng.normal(0, 15) + rng.normal(0, 4, F)
    moving = spd > 2.0
    # running players mostly face where they go (backpedalers excepted)
    face_run = moving & (rng.random((1, 22)) < 0.8)
    return np.where(face_run, mdir + rng.normal(0, 10, (F, 22)), o) % 360.0
