"""Whether every player is tracked in every pre-snap frame.

Real tracking can drop a player for a frame or skip frames; a simulator that never does
would leave a tell, and a model trained on complete frames could meet gaps it never saw
(the frame builder skips frames without 11 + 11 players, and a look-back window then spans
a gap). Measured per play over its pre-snap frames, on both sides alike.
"""

from __future__ import annotations

import polars as pl

from devtools.realism.alignment import LABELS

PLAY = ["gameId", "playId"]
OUT = [*PLAY, "moment", *LABELS, "metric", "value"]
PLAYERS = 22


def completeness_metrics(frames: pl.LazyFrame) -> pl.DataFrame:
    """Per play: the share of player-frames missing (22 players in every frame from the
    first to the snap), the share of frames without all 22, and the frame ids skipped."""
    per_frame = frames.group_by([*PLAY, *LABELS, "frameId"]).agg(
        pl.col("nflId").n_unique().alias("n"))
    per_play = per_frame.group_by([*PLAY, *LABELS]).agg(
        (1.0 - pl.col("n").sum() / (PLAYERS * (pl.col("frameId").max()
                                               - pl.col("frameId").min() + 1)))
        .alias("player-frames missing (share)"),
        (pl.col("n") < PLAYERS).mean().alias("frames without all 22 (share)"),
        (pl.col("frameId").max() - pl.col("frameId").min() + 1 - pl.len())
        .cast(pl.Float64).alias("frame ids skipped (per play)"))
    return (per_play.collect()
            .unpivot(index=[*PLAY, *LABELS], variable_name="metric", value_name="value")
            .with_columns(pl.lit("before the snap").alias("moment"),
                          pl.col("value").cast(pl.Float64))
            .select(OUT))
