"""A store moves from one complete generation to the next, never through a mix.

Ingest builds every file of a new generation in a hidden temporary folder beside the
current one, then switches the store's ``current`` pointer (a one-line file replaced
with one atomic rename). Readers open whatever the pointer names, so they see the old
store or the new one; a run killed mid-way leaves only a temporary folder that the next
run deletes, and the up-to-date check reads only a generation that was completed. One
writer at a time (an ingest, or a command writing model outputs into the live generation)
holds the store's lock; the next one waits for it.

```
<store>/current           name of the live generation, e.g. "gen-1764412345678901234"
        gen-<ns>/          one complete store (meta.json, plays.parquet, tracking/, ...)
        .gen-*.tmp/        a generation being built (or left by a killed run)
        .lock              held by the command writing into the store
        models/            checkpoints trained on this store's data (outlive generations)
```
"""

from __future__ import annotations

import errno
import fcntl
import os
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from coverage.errors import DataError

POINTER = "current"
LOCK = ".lock"
PREFIX = "gen-"
TMP_PREFIX = ".gen-"
TMP_SUFFIX = ".tmp"
COMPLETE_MARK = "meta.json"  # written last into a generation
# Never deleted when a legacy (single-folder) store is converted to generations.
_KEEP = {POINTER, LOCK, "models"}


def current(root: str | Path) -> Path | None:
    """The live generation of a store folder; a pre-generation store is its own; else None."""
    root = Path(root)
    pointer = root / POINTER
    if pointer.is_file():
        gen = _pointed(root, pointer)
        if (gen / COMPLETE_MARK).exists():
            return gen
    if (root / COMPLETE_MARK).exists():  # written before stores had generations
        return root
    return None


# In-process side of the lock: an OS file lock belongs to one open file, so a second
# ``locked`` of the same store in this process (a writer calling a writer, or another
# thread) must not open the file again. Threads wait on a per-store RLock; the file lock is
# taken once, by the outermost holder.
_THREAD_LOCKS: dict[str, threading.RLock] = {}
_HELD: dict[str, int] = {}  # store -> nesting depth of the holding thread
_GUARD = threading.Lock()


def _pointed(root: Path, pointer: Path) -> Path:
    """The generation the pointer names, which must be a folder directly inside the store:
    a pointer naming anything else (a path, ``..``, a link out of the store) would let the
    store's readers, and the app, read outside the store's folder."""
    try:
        name = pointer.read_text(errors="strict").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(f"the store's '{POINTER}' pointer cannot be read ({exc})",
                        file=str(pointer), expected="the name of a gen-* folder") from None
    gen = root / name
    if (not name.startswith(PREFIX) or "/" in name or "\\" in name or "\0" in name
            or gen.is_symlink()
            or (gen.exists() and gen.resolve().parent != root.resolve())):
        raise DataError(f"the store's '{POINTER}' pointer names {name[:80]!r}, not a "
                        "generation folder of the store", file=str(pointer),
                        expected=f"the name of a {PREFIX}* folder directly inside {root}")
    return gen


@contextmanager
def locked(root: str | Path, *, log: Callable[[str], None] | None = print) -> Iterator[None]:
    """Hold the store's write lock; wait (saying so) while another process holds it.

    Every writer of a store takes it (ingest, and each command that writes model outputs),
    so they serialise. An OS file lock, so a killed holder releases it with its process;
    re-entrant within one thread.
    """
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    key = str(root.resolve())
    with _GUARD:
        rlock = _THREAD_LOCKS.setdefault(key, threading.RLock())
    if not rlock.acquire(blocking=False):
        if log:
            log(f"waiting for another writer into {root} in this process to finish …")
        rlock.acquire()
    try:
        if _HELD.get(key):
            _HELD[key] += 1
            try:
                yield
            finally:
                _HELD[key] -= 1
            return
        with _file_lock(root, log):
            _HELD[key] = 1
            try:
                yield
            finally:
                _HELD.pop(key, None)
    finally:
        rlock.release()


@contextmanager
def _file_lock(root: Path, log: Callable[[str], None] | None) -> Iterator[None]:
    try:
        fd = os.open(root / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise DataError(f"cannot lock the store for writing: {exc.strerror}",
                        file=str(root / LOCK), expected="a store folder you can write to") \
            from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno not in (errno.EAGAIN, errno.EACCES):
                raise
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "?"
            if log:
                log(f"waiting for another command writing into {root} (pid {holder}) "
                    "to finish …")
            fcntl.flock(fd, fcntl.LOCK_EX)
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def clean(root: str | Path) -> None:
    """Remove what killed runs left behind. Call with the lock held."""
    root = Path(root)
    for stale in root.glob(f"{TMP_PREFIX}*{TMP_SUFFIX}"):
        shutil.rmtree(stale, ignore_errors=True)
    (root / f".{POINTER}.tmp").unlink(missing_ok=True)


def begin(root: str | Path) -> Path:
    """A fresh temporary generation folder. Call with the lock held.

    Made with the umask's mode (mkdtemp's 0700 would lock the store's other readers out of
    every generation of a shared store).
    """
    clean(root)
    while True:
        tmp = Path(root) / f"{TMP_PREFIX}{os.getpid()}-{time.time_ns()}{TMP_SUFFIX}"
        try:
            tmp.mkdir(0o777)
            return tmp
        except FileExistsError:
            continue


def commit(root: str | Path, tmp: Path) -> Path:
    """Make ``tmp`` the live generation with one atomic pointer switch.

    The generation it replaces is kept (a reader that opened it may still be reading);
    older ones, and the files of a pre-generation store, are removed.
    """
    root = Path(root)
    previous = current(root)
    final = root / f"{PREFIX}{time.time_ns()}"
    os.rename(tmp, final)
    _fsync_dir(final)
    staged = root / f".{POINTER}.tmp"
    staged.write_text(final.name + "\n")
    os.chmod(staged, 0o644)
    os.replace(staged, root / POINTER)
    _fsync_dir(root)
    _prune(root, keep={final, previous})
    return final


def abandon(tmp: Path) -> None:
    shutil.rmtree(tmp, ignore_errors=True)


def _prune(root: Path, keep: set[Path | None]) -> None:
    legacy = root in keep  # the previous generation was the folder itself
    for p in root.iterdir():
        if p in keep or p.name in _KEEP or p.name.startswith("."):
            continue
        if p.name.startswith(PREFIX) or legacy:
            if legacy and p.name == COMPLETE_MARK:
                continue
            shutil.rmtree(p) if p.is_dir() else p.unlink()
    if legacy:  # the old marker goes last: a half-pruned legacy store is never "complete"
        (root / COMPLETE_MARK).unlink(missing_ok=True)


def link_or_copy(src: Path, dst: Path) -> None:
    """Carry an unchanged file into a new generation without copying its bytes."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
