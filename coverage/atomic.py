"""Atomic writes: a crash or a concurrent reader never sees a half-written file."""

from __future__ import annotations

import functools
import json
import os
import re
import stat
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import polars as pl

from coverage.errors import DataError, DiskFullError, is_disk_full


@functools.cache
def _umask() -> int:
    """The process umask, read once.

    ``os.umask`` can only be read by setting it, which briefly changes it for every
    thread (the app renders on several); /proc says it without touching it, and the
    set-and-restore fallback runs once per process, not per write.
    """
    try:
        found = re.search(r"^Umask:\s*([0-7]+)$", Path("/proc/self/status").read_text(),
                          re.MULTILINE)
    except OSError:
        found = None
    if found:
        return int(found.group(1), 8)
    old = os.umask(0o022)
    os.umask(old)
    return old


def file_mode() -> int:
    """The mode ``open()`` would give a new file; mkstemp's temp files are 0600, so a
    store written through them would be unreadable to the analyst's colleagues."""
    return 0o666 & ~_umask()


def special_file_kind(path: str | Path) -> str | None:
    """What ``path`` is when it exists but is neither a regular file nor a folder (a device,
    a fifo, a socket): an output must never be written over one. None otherwise."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return None
    for test, kind in ((stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                       (stat.S_ISFIFO, "a fifo (named pipe)"), (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return kind
    return None


def _refuse_special(path: Path) -> None:
    """The rename would replace a device node or fifo with a regular file (as root, it
    does): refuse, naming it. A symlink is replaced itself, never its target, so only the
    path's own entry counts here."""
    try:
        mode = os.lstat(path).st_mode
    except OSError:
        return
    if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode) or stat.S_ISLNK(mode)):
        raise DataError(f"{path} is {special_file_kind(path) or 'not a regular file'}; "
                        "refusing to replace it with a file", file=str(path),
                        expected="a regular file or a new path")


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temp path in the target's folder; rename it over ``path`` on success."""
    path = Path(path)
    _refuse_special(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        try:
            yield tmp_path
            os.chmod(tmp_path, file_mode())
        except Exception as exc:
            if is_disk_full(exc):  # the output's fault, not the input's: say which output
                raise DiskFullError(path) from exc
            raise
        _refuse_special(path)  # checked again right before the rename: it may be new
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
