"""Week inference on one single-threaded worker per core, over whole plays.

The frame models' operators work on tensors of a few hundred kB to a few MB: split
across cores, each pays a fork/join barrier and leaves both cores' caches half used.
Running each core on its own run of plays, one thread per operator, avoids both.
Ranges end at play boundaries, so a frame's
history (which never leaves its play) is always in its own worker's range, and the
workers write disjoint rows of shared output buffers.
"""

from __future__ import annotations

import ctypes
import functools
import sys
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import numpy as np
import torch

_lock = threading.Lock()
# False: one thread runs the week and each operator is split across the cores
PER_CORE = True


# glibc mallopt parameters
_M_TRIM_THRESHOLD, _M_TOP_PAD, _M_MMAP_THRESHOLD = -1, -2, -3


@functools.cache
def keep_freed_memory() -> bool:
    """Let glibc keep freed blocks of up to 32 MB (and 128 MB of free heap) for reuse.

    Each operator allocates its output afresh; by default glibc unmaps such blocks on
    free, so every batch page-faults its outputs again. Kept, the next batch reuses the
    same pages. Set once per process (glibc only; False elsewhere); the price is that
    freed blocks are not handed back to the system between batches.
    """
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL("libc.so.6")
        ok = libc.mallopt(_M_MMAP_THRESHOLD, 32 << 20)
        ok &= libc.mallopt(_M_TRIM_THRESHOLD, 128 << 20)
        ok &= libc.mallopt(_M_TOP_PAD, 16 << 20)
    except (OSError, AttributeError):
        return False
    return bool(ok)


def play_ranges(play_start: np.ndarray, parts: int) -> list[tuple[int, int]]:
    """``[start, end)`` row ranges of about equal size, each a run of whole plays."""
    n = len(play_start)
    if n == 0:
        return []
    starts = np.flatnonzero(np.r_[True, play_start[1:] != play_start[:-1]])
    # each cut moves up to the next play's first row (past the last play: no cut)
    at = np.searchsorted(starts, np.linspace(0, n, parts + 1)[1:-1])
    cuts = np.unique(starts[at[at < starts.size]])
    edges = [0, *[int(c) for c in cuts if 0 < c < n], n]
    return [(a, b) for a, b in zip(edges[:-1], edges[1:], strict=True) if b > a]


@contextmanager
def one_thread_per_worker() -> Iterator[None]:
    """Operators run single-threaded inside (the workers take the cores); the previous
    setting is restored after."""
    with _lock:  # two week predictions at once must not restore each other's setting
        workers = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            yield
        finally:
            torch.set_num_threads(workers)


def run_over_plays(play_start: np.ndarray, fn: Callable[[int, int], None],
                   device: torch.device | str = "cpu") -> None:
    """``fn(start, end)`` on each worker's range of plays, in inference mode.

    On a GPU, with one thread or over one play it is one call over every row, and the
    operators keep every thread.
    """
    keep_freed_memory()
    ranges = play_ranges(play_start, torch.get_num_threads())
    if not PER_CORE or torch.device(device).type != "cpu" or len(ranges) < 2:
        # a GPU, one thread, or one play: one call, the operators keep every thread
        with torch.inference_mode():
            fn(0, len(play_start))
        return

    def work(r: tuple[int, int]) -> None:
        with torch.inference_mode():
            fn(*r)

    with one_thread_per_worker(), ThreadPoolExecutor(
            len(ranges), thread_name_prefix="coverage-infer") as pool:
        for f in [pool.submit(work, r) for r in ranges]:
            f.result()  # re-raises a worker's error here
