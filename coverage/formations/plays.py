"""One row per play: the detected offensive formation/alignment and defensive shell/front.

The table that models (as features) and the app (as filters) consume; ingest writes it
into the store once, so no reader pays for detection.
"""

from __future__ import annotations

from collections.abc import Iterable

import polars as pl

from coverage.formations.efpi import EFPI
from coverage.schema import FORMATION_COLUMNS, PLAY_KEYS


def play_formations(frames: pl.LazyFrame | pl.DataFrame | Iterable[pl.LazyFrame],
                    every: str = "snap") -> pl.DataFrame:
    """Detected formations per play from normalised tracking (one frame, or one per week).

    Detected at the snap by default because that is where the official
    ``offenseFormation`` / ``receiverAlignment`` labels are charted; note that
    a model predicting at earlier frames then sees a snap-time label, so use
    ``every="lineset"``-style per-frame output (:class:`EFPI`) where strict
    causality matters. Bad frames are skipped, so a play may be missing.
    Pass one LazyFrame per week to keep memory flat.
    """
    parts = [_week_formations(lf.lazy(), every) for lf in _as_weeks(frames)]
    if not parts:
        return pl.DataFrame(schema=dict.fromkeys(FORMATION_COLUMNS, pl.String))
    return pl.concat(parts).select(FORMATION_COLUMNS).sort("gameId", "playId")


def _as_weeks(frames) -> list[pl.LazyFrame]:
    if isinstance(frames, pl.DataFrame | pl.LazyFrame):
        return [frames.lazy()]
    return list(frames)


def _week_formations(lf: pl.LazyFrame, every: str) -> pl.DataFrame:
    # At the snap keep one frame back so the detector can anchor on the set ball.
    wanted = lf.filter(pl.col("secs_from_snap").is_between(-0.15, 0.05)) if every == "snap" \
        else lf
    forms = EFPI(wanted, on_bad="skip").fit(every=every).formations
    key = "frameId" if "frameId" in forms.columns else "segment"
    last = forms.sort(key).group_by("gameId", "playId", "side").last()
    off = last.filter(pl.col("side") == "offense").select(
        "gameId", "playId", pl.col("formation").alias("off_formation"),
        pl.col("alignment").alias("off_alignment"))
    de = last.filter(pl.col("side") == "defense").select(
        "gameId", "playId", pl.col("shell").alias("def_shell"),
        pl.col("front").alias("def_front"))
    return off.join(de, on=PLAY_KEYS, how="full", coalesce=True)
