"""A command that runs beside the app at the lowest priority and never outlives it.

The app server starts ``coverage finish-training`` while an analyst uses the app: it must
take only the CPU the app leaves idle, and it must stop with the server however the server
ends (Ctrl-C reaches the whole process group; a killed or crashed server is caught by the
kernel's parent-death signal on Linux, and by a check of the parent elsewhere). Both sides
of that contract live here so they cannot drift apart.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import signal
import subprocess
import sys
from collections.abc import Iterator, Sequence

PARENT_OPTION = "--with-parent"
_PR_SET_PDEATHSIG = 1


def spawn(args: Sequence[str]) -> subprocess.Popen:
    """``python -m coverage *args --with-parent <this pid>``: the child lowers its own
    priority and ties its life to this process (:func:`become_child_of`). Its output goes
    to this terminal, so its few lines (what it trains, what it swapped in) are seen."""
    cmd = [sys.executable, "-m", "coverage", *args, PARENT_OPTION, str(os.getpid())]
    return subprocess.Popen(cmd, stdin=subprocess.DEVNULL)


def become_child_of(parent: int) -> bool:
    """Lowest CPU priority, and a SIGTERM when ``parent`` dies (Linux); False when the
    parent is already gone (the caller should then stop at once)."""
    with contextlib.suppress(OSError, AttributeError):
        os.nice(19)
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError, TypeError):
            libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGTERM), 0, 0, 0)
    return parent_alive(parent)


def parent_alive(parent: int) -> bool:
    """Whether this process is still the child of ``parent`` (an orphan is re-parented)."""
    return os.getppid() == parent


def process_alive(pid: int) -> bool:
    """Whether a process with this id runs (one of another user counts as running)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


@contextlib.contextmanager
def signals_held() -> Iterator[None]:
    """Delay Ctrl-C and SIGTERM until the block ends: for steps that must not stop halfway,
    such as the two renames that swap a checkpoint folder."""
    held = {signal.SIGINT, signal.SIGTERM}
    mask = getattr(signal, "pthread_sigmask", None)
    old = mask(signal.SIG_BLOCK, held) if mask is not None else None
    try:
        yield
    finally:
        if mask is not None:
            mask(signal.SIG_SETMASK, old)
