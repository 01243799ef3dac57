"""Tracking frames drawn from known templates, for tests and benchmarks.

The full simulator (:mod:`coverage.simulate`) models whole plays; this only
places 22 players around a ball with a known template, random split widths,
a random ball spot and per-frame jitter, so the detector can be checked
against exact truth and timed on any workload size without other modules.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import polars as pl

from coverage.formations.templates import Template, defense_templates, offense_templates
from coverage.schema import FIELD_WIDTH


def template_frames(
    n_plays: int,
    frames_per_play: int,
    *,
    seed: int = 0,
    noise: float = 0.25,
    offense: Sequence[Template] | None = None,
    defense: Sequence[Template] | None = None,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(tracking, truth) with the normalised columns the detector reads.

    ``truth`` has one row per player: gameId, playId, side, nflId, template,
    slot. Every play's last frame is the snap; a ``line_set`` event sits in
    the middle of the pre-snap window.
    """
    rng = np.random.default_rng(seed)
    libs = {"offense": list(offense or offense_templates()),
            "defense": list(defense or defense_templates())}
    F = frames_per_play
    ball_x = rng.uniform(25.0, 95.0, n_plays)
    ball_y = rng.uniform(FIELD_WIDTH / 2 - 6.0, FIELD_WIDTH / 2 + 6.0, n_plays)
    frame_ids = np.arange(1, F + 1, dtype=np.int32)
    parts, truth = [], []
    for side_i, (side, lib) in enumerate(libs.items()):
        pick = rng.integers(0, len(lib), n_plays)
        coords = np.stack([t.coords for t in lib])[pick]  # (P, 11, 2)
        wide = np.abs(coords[..., 0]) > 4.5
        stretch = rng.uniform(0.8, 1.25, (n_plays, 1))
        u = np.where(wide, np.sign(coords[..., 0]) * (4.5 + (np.abs(coords[..., 0]) - 4.5)
                                                    * stretch), coords[..., 0])
        d = coords[..., 1] * np.where(coords[..., 1] > 8.0, rng.uniform(0.9, 1.15, (n_plays, 1)),
                                      1.0)
        jitter = rng.normal(0.0, noise, (n_plays, F, 11, 2))
        sign = -1.0 if side == "offense" else 1.0
        x = ball_x[:, None, None] + sign * (d[:, None] + jitter[..., 1])
        y = np.clip(ball_y[:, None, None] + u[:, None] + jitter[..., 0], 0.2, FIELD_WIDTH - 0.2)
        ids = (np.arange(n_plays)[:, None] * 100 + side_i * 50 + np.arange(11)[None]).astype(
            np.int64)
        parts.append(pl.DataFrame({
            "playId": np.repeat(np.arange(n_plays), F * 11),
            "frameId": np.tile(np.repeat(frame_ids, 11), n_plays),
            "nflId": np.repeat(ids[:, None, :], F, axis=1).ravel(),
            "side": side,
            "x": x.ravel(),
            "y": y.ravel(),
        }))
        slots = np.array([t.slots for t in lib])[pick]
        truth.append(pl.DataFrame({
            "playId": np.repeat(np.arange(n_plays), 11),
            "side": side,
            "nflId": ids.ravel(),
            "template": np.repeat(np.array([t.name for t in lib])[pick], 11),
            "slot": slots.ravel(),
        }))
    parts.append(pl.DataFrame({
        "playId": np.repeat(np.arange(n_plays), F),
        "frameId": np.tile(frame_ids, n_plays),
        "nflId": pl.Series([None] * (n_plays * F), dtype=pl.Int64),
        "side": "ball",
        "x": np.repeat(ball_x, F),
        "y": np.repeat(ball_y, F),
    }))
    event = pl.when(pl.col("frameId") == F).then(pl.lit("ball_snap")).when(
        pl.col("frameId") == max(F // 2, 1)).then(pl.lit("line_set"))
    tracking = (
        pl.concat(parts)
        .with_columns(
            pl.lit(2099090100, pl.Int64).alias("gameId"),
            pl.col("playId").cast(pl.Int64),
            pl.col("frameId").cast(pl.Int32),
            pl.col("x").cast(pl.Float32),
            pl.col("y").cast(pl.Float32),
            ((pl.col("frameId") - F) / 10.0).cast(pl.Float32).alias("secs_from_snap"),
            event.otherwise(pl.lit(None, pl.String)).alias("event"),
        )
        .sort("gameId", "playId", "frameId")
    )
    truth_df = pl.concat(truth).with_columns(
        pl.lit(2099090100, pl.Int64).alias("gameId"), pl.col("playId").cast(pl.Int64)
    )
    return tracking, truth_df
