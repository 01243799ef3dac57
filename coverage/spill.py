"""Arrays built week by week, spilled to disk and memory-mapped back.

Training reads seven or eight weeks of frames at once (22 players x 12 float32 features
a frame), and stacking the weeks in memory makes the process grow with every week it reads. Here
each week's rows are appended to a temporary file as soon as they are built (one week's
arrays in memory at a time), and the stacked array is a copy-on-write map of that file:
batches read their rows from the kernel's page cache, which is not the process's own
memory and is given back under pressure. The files are unlinked when created, so
nothing is left on disk when the process ends, whatever way it ends.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import IO

import numpy as np

from coverage.config import cache_root


def spill_dir() -> Path | None:
    """A folder on disk for the files: the user's cache (``/tmp`` may be RAM-backed)."""
    root = cache_root() / "scratch"
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return root if os.access(root, os.W_OK) else None


class Spill:
    """Row-wise appends of named arrays; :meth:`arrays` maps every name back, stacked.

    Each name keeps the dtype and trailing shape of its first append; later appends must
    match them (they are rows of the same table).
    """

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory if directory is not None else spill_dir()
        self._files: dict[str, IO[bytes]] = {}
        self._meta: dict[str, tuple[np.dtype, tuple[int, ...], int]] = {}

    def append(self, **arrays: np.ndarray) -> None:
        for name, a in arrays.items():
            a = np.ascontiguousarray(a)
            if name not in self._files:
                # kept open across appends; closed in arrays() once mapped
                self._files[name] = tempfile.TemporaryFile(dir=self.directory)  # noqa: SIM115
                self._meta[name] = (a.dtype, a.shape[1:], 0)
            dtype, tail, rows = self._meta[name]
            if a.dtype != dtype or a.shape[1:] != tail:
                raise ValueError(f"{name}: rows of {a.dtype} {a.shape[1:]} appended to "
                                 f"{dtype} {tail}")
            self._files[name].write(a.tobytes())
            self._meta[name] = (dtype, tail, rows + a.shape[0])

    def arrays(self) -> dict[str, np.ndarray]:
        """The stacked arrays (writable copy-on-write maps; empty ones in memory)."""
        out: dict[str, np.ndarray] = {}
        for name, f in self._files.items():
            dtype, tail, rows = self._meta[name]
            f.flush()
            if rows == 0 or dtype.itemsize * rows * int(np.prod(tail)) == 0:
                out[name] = np.empty((rows, *tail), dtype)
            else:
                out[name] = np.memmap(f, dtype=dtype, mode="c", shape=(rows, *tail))
            f.close()  # the map keeps the (unlinked) file alive
        self._files.clear()
        return out
