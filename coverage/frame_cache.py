"""A week's model inputs, built once per store generation and memory-mapped after.

Every tracking model reads the same ``[N, 22, F]`` frames of a week, and building them is a
polars pass over millions of tracking rows: as long as a real-size week's whole prediction
by the model. So the commands that write model outputs (``coverage predict``, ``init``,
the app's prediction step) keep each week's frames beside the week's tracking, in the
store generation they were built from, and every later model and command maps them back
from disk instead of building them again. A generation's tracking never changes (an
ingest writes a new generation), so the frames stay right for its life; the folder is
named after the source of :mod:`coverage.features`, so frames of another feature code are
never read, and are removed when the current code writes its own.

The cache is an optimisation only: a week whose files are missing, unreadable or torn is
built as before, and a failed write (a read-only store, a full disk) is not an error.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from coverage import features
from coverage.atomic import atomic_path
from coverage.errors import CoverageError
from coverage.features import FrameTensors, frame_grid
from coverage.store import FRAMES

FOLDER = FRAMES
# the per-frame index arrays, saved beside the big x array
_INDEX = ("game_id", "play_id", "frame_id", "secs", "y", "play_start")


@functools.cache
def code_key() -> str:
    """Names the code that built the frames: the feature module's source and channels."""
    src = inspect.getsource(features).encode()
    return hashlib.sha256(src + repr(features.FEATURES).encode()).hexdigest()[:16]


def cache_dir(store: Any) -> Path:
    """Where the current code's frames of ``store``'s generation live."""
    return Path(store.path) / FOLDER / code_key()


def _paths(store: Any, week: int) -> tuple[Path, Path, Path]:
    """The frames, who stands in each slot (both mapped, not read), and the small index
    (read whole), in the order they are written."""
    d, w = cache_dir(store), int(week)
    return d / f"week_{w}.npy", d / f"week_{w}_nfl.npy", d / f"week_{w}_index.npz"


def load_week(store: Any, week: int) -> tuple[FrameTensors, np.ndarray] | None:
    """The kept frames of ``week`` and their ``[N, 22]`` nflId grid (see
    :func:`coverage.features.frame_grid`), the frames memory-mapped copy-on-write (pages
    come from the kernel's cache, and a caller that writes into them gets its own copy);
    None when they are absent or do not hold together."""
    x_path, nfl_path, index_path = _paths(store, week)
    if not index_path.is_file():
        return None
    try:
        with np.load(index_path, allow_pickle=False) as z:
            index = {k: z[k] for k in _INDEX}
            dropped = int(z["dropped_frames"])
        x = np.load(x_path, mmap_mode="c", allow_pickle=False)
        nfl = np.load(nfl_path, mmap_mode="c", allow_pickle=False)
    except (OSError, ValueError, KeyError):
        return None
    n = len(index["game_id"])
    if x.ndim != 3 or x.shape[0] != n or x.shape[2] != len(features.FEATURES) \
            or any(len(a) != n for a in index.values()) or x.dtype != np.float32 \
            or nfl.shape != x.shape[:2]:
        return None
    return FrameTensors(x=x, **index, dropped_frames=dropped), nfl


def keep_week(store: Any, week: int, ft: FrameTensors, nfl: np.ndarray) -> bool:
    """Write ``week``'s frames for later commands; False when they could not be written.

    The big arrays go first and the index last, each renamed into place whole, so a
    reader that finds the index finds complete arrays beside it."""
    x_path, nfl_path, index_path = _paths(store, week)
    try:
        _drop_other_codes(x_path.parent)
        for path, a in ((x_path, np.ascontiguousarray(ft.x, dtype=np.float32)),
                        (nfl_path, np.ascontiguousarray(nfl, dtype=np.int64))):
            with atomic_path(path) as tmp, open(tmp, "wb") as f:
                np.save(f, a, allow_pickle=False)
        with atomic_path(index_path) as tmp, open(tmp, "wb") as f:
            np.savez(f, **{k: getattr(ft, k) for k in _INDEX},
                     dropped_frames=np.int64(ft.dropped_frames))
    except (OSError, CoverageError):
        return False
    return True


def _drop_other_codes(here: Path) -> None:
    """Frames built by other feature code are never read again: free their disk."""
    if not here.parent.is_dir():
        return
    for other in here.parent.iterdir():
        if other.is_dir() and other.name != here.name:
            shutil.rmtree(other, ignore_errors=True)


def week_grid(store: Any, week: int, *, keep: bool = False
              ) -> tuple[FrameTensors, np.ndarray]:
    """Every 11 v 11 pre-snap frame of the tracked plays of ``week`` in ``store`` (a
    :class:`coverage.store.Store`) and who stands in each token slot.

    Read from the store's kept frames when they exist; built otherwise, and kept when
    ``keep`` (by a command that writes into the store: readers such as the app never
    write)."""
    if (got := load_week(store, week)) is not None:
        return got
    ft, nfl = frame_grid(store.tracking(week), store.plays().filter(pl.col("week") == week))
    if keep:
        keep_week(store, week, ft, nfl)
    return ft, nfl


def week_frames(store: Any, week: int, *, keep: bool = False) -> FrameTensors:
    """What a tracking model predicts of ``week`` (:func:`week_grid`). It needs no
    torch, so a command builds it while torch and the model load."""
    return week_grid(store, week, keep=keep)[0]
