"""Tiny in-memory tracking tables with a planted man/zone signal, for tests and benchmarks.

Not a simulator (see ``coverage.simulate`` for that): just enough structure in the
normalised schema that a model must read tracking to beat chance, built in seconds.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from coverage.schema import FRAME_RATE_HZ


def toy_tracking(n_plays: int = 64, n_frames: int = 30, seed: int = 0,
                 week: int = 1, game_id: int = 2022090800) -> tuple[pl.LazyFrame, pl.DataFrame]:
    """``(tracking, plays)``: in man plays the defenders shadow the offense laterally and
    press at 1-2 yards, in zone they sit 5-10 yards deep; ~30% of plays are man."""
    rng = np.random.default_rng(seed)
    man = rng.random(n_plays) < 0.3
    los = rng.uniform(20, 90, n_plays)
    ball_y = rng.uniform(20, 33, n_plays)
    f = np.arange(n_frames)
    # positions [play, frame, 22 players, 2]
    off_y = ball_y[:, None] + rng.uniform(-20, 20, (n_plays, 11))
    off_x = los[:, None] - rng.uniform(0.5, 7, (n_plays, 11))
    drift = np.cumsum(rng.normal(0, 0.05, (n_plays, n_frames, 11)), axis=1)
    oy = off_y[:, None, :] + drift
    ox = np.broadcast_to(off_x[:, None, :], oy.shape)
    depth = np.where(man[:, None], rng.uniform(1, 2, (n_plays, 11)),
                     rng.uniform(5, 10, (n_plays, 11)))
    lat_man = oy + rng.normal(0, 0.3, oy.shape)
    lat_zone = (ball_y[:, None, None] + rng.uniform(-18, 18, (n_plays, 1, 11))
                + np.cumsum(rng.normal(0, 0.03, oy.shape), axis=1))
    dy = np.where(man[:, None, None], lat_man, lat_zone)
    dx = los[:, None, None] + depth[:, None, :] + rng.normal(0, 0.1, oy.shape)
    x = np.concatenate([ox, dx], axis=2)
    y = np.concatenate([oy, dy], axis=2)
    vx = np.gradient(x, axis=1) * FRAME_RATE_HZ
    vy = np.gradient(y, axis=1) * FRAME_RATE_HZ
    s = np.hypot(vx, vy)
    direction = np.degrees(np.arctan2(vx, vy)) % 360
    o = np.where(np.arange(22) < 11, 90.0, 270.0)[None, None, :] + rng.normal(0, 10, x.shape)
    shape = x.shape
    play_ids = np.arange(1, n_plays + 1) * 10
    tracking = pl.DataFrame({
        "gameId": np.full(x.size, game_id, dtype=np.int64),
        "playId": np.broadcast_to(play_ids[:, None, None], shape).ravel().astype(np.int64),
        "nflId": np.broadcast_to(np.arange(1000, 1022)[None, None, :], shape).ravel()
        .astype(np.int64),
        "frameId": np.broadcast_to(f[None, :, None] + 1, shape).ravel().astype(np.int32),
        "side": np.broadcast_to(np.where(np.arange(22) < 11, "offense", "defense")[None, None, :],
                                shape).ravel(),
        "x": x.ravel().astype(np.float32), "y": y.ravel().astype(np.float32),
        "s": s.ravel().astype(np.float32), "a": np.zeros(x.size, np.float32),
        "o": (o % 360).ravel().astype(np.float32), "dir": direction.ravel().astype(np.float32),
        "vx": vx.ravel().astype(np.float32), "vy": vy.ravel().astype(np.float32),
        "secs_from_snap": np.broadcast_to(((f - (n_frames - 1)) / FRAME_RATE_HZ)[None, :, None],
                                          shape).ravel().astype(np.float32),
    })
    plays = pl.DataFrame({
        "gameId": np.full(n_plays, game_id, dtype=np.int64),
        "playId": play_ids.astype(np.int64),
        "week": np.full(n_plays, week, dtype=np.int32),
        "los_x": los.astype(np.float32), "ball_y": ball_y.astype(np.float32),
        "pff_manZone": np.where(man, "Man", "Zone"),
    })
    return tracking.lazy(), plays


def toy_family_tracking(n_plays: int = 6, n_frames: int = 23, seed: int = 3
                        ) -> tuple[pl.LazyFrame, pl.DataFrame]:
    """:func:`toy_tracking` with a coverage family per play (Cover-1 for man, Cover-3 for
    zone), as the family model's data needs it."""
    tracking, plays = toy_tracking(n_plays=n_plays, n_frames=n_frames, seed=seed)
    family = pl.when(pl.col("pff_manZone") == "Man").then(pl.lit("Cover-1")).otherwise(
        pl.lit("Cover-3"))
    return tracking, plays.with_columns(family.alias("pff_passCoverage"))
