"""Training and validation frames, built from a store one week at a time.

Every tracking trainer (transformer, LSTM, family model) starts here, so the weeks'
frame tensors are built in one place.
"""

from __future__ import annotations

import polars as pl

from coverage.errors import DataError
from coverage.features import FrameTensors, build_frames, concat_frames
from coverage.spill import Spill
from coverage.store import Store


def load_frames(store: Store, weeks: list[int] | tuple[int, ...],
                max_secs: float | None = None) -> FrameTensors:
    """Build frame tensors week by week (one week in memory as a long table at a time).

    Several weeks (training) are stacked on disk as they are built (:mod:`coverage.spill`):
    the process holds one week's frame tensor, not the season's.
    """
    if not store.has_tracking:
        raise DataError("tracking models need a store with tracking; run "
                        "`coverage ingest RAW_DIR --out STORE` first", file=str(store.path))
    plays = store.plays()
    parts = (build_frames(store.tracking(w), plays.filter(pl.col("week") == w), max_secs)
             for w in weeks)
    return concat_frames(parts, Spill() if len(weeks) > 1 else None)
