"""Atomic writes: a crash or a concurrent reader never sees a half-written file."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import polars as pl


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temp path in the target's folder; rename it over ``path`` on success."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.replace(tmp_path, path)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def write_parquet(frame: pl.DataFrame | pl.LazyFrame, path: str | Path, *,
                  row_group_size: int | None = None) -> Path:
    """Write zstd parquet atomically; LazyFrames are streamed with sink_parquet."""
    with atomic_path(path) as tmp:
        if isinstance(frame, pl.LazyFrame):
            frame.sink_parquet(tmp, compression="zstd", row_group_size=row_group_size,
                               statistics=True)
        else:
            frame.write_parquet(tmp, compression="zstd", row_group_size=row_group_size,
                                statistics=True)
    return Path(path)


def write_json(obj: object, path: str | Path) -> Path:
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(obj, indent=2, sort_keys=True, default=str))
    return Path(path)


def write_bytes(data: bytes | Callable[[Path], None], path: str | Path) -> Path:
    """Write bytes, or let a callback write the temp file (e.g. an image encoder)."""
    with atomic_path(path) as tmp:
        if callable(data):
            data(tmp)
        else:
            tmp.write_bytes(data)
    return Path(path)
