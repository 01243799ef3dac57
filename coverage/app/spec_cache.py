"""Player specs of the plays around the one on screen, built before they are asked for.

An analyst steps through the list (◀ / ▶, j / k) far more often than they jump around it.
While the current play is being watched, one background worker builds the next and the
previous play's spec, so those steps cost only the transfer and the drawing. Specs are kept
per process in a small LRU, keyed by everything they depend on (the store's contents, the
play, the models shown, the zoom), so going back to a play is instant too and a changed
store or model set never serves a stale figure.
"""

from __future__ import annotations

import contextlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor

MAX_SPECS = 48  # ~300 kB each


class SpecCache:
    """A thread-safe LRU of spec texts plus a one-worker prefetcher."""

    def __init__(self, max_items: int = MAX_SPECS) -> None:
        self._items: OrderedDict[Hashable, str] = OrderedDict()
        self._pending: dict[Hashable, Future] = {}
        self._lock = threading.Lock()
        self._max = max_items
        self._pool: ThreadPoolExecutor | None = None

    def get(self, key: Hashable) -> str | None:
        with self._lock:
            spec = self._items.get(key)
            if spec is not None:
                self._items.move_to_end(key)
            return spec

    def put(self, key: Hashable, spec: str) -> None:
        with self._lock:
            self._items[key] = spec
            self._items.move_to_end(key)
            while len(self._items) > self._max:
                self._items.popitem(last=False)

    def get_or_build(self, key: Hashable, build: Callable[[], str]) -> str:
        with self._lock:
            running = self._pending.get(key)
        if running is not None:  # being prefetched: wait for it rather than build it twice
            with contextlib.suppress(Exception):
                running.result(timeout=10)
        spec = self.get(key)
        if spec is None:
            spec = build()
            self.put(key, spec)
        return spec

    def prefetch(self, jobs: Iterable[tuple[Hashable, Callable[[], str]]]) -> None:
        """Build the missing ones in the background, in order; failures are dropped (the
        play is then built, and its error shown, when it is actually opened)."""
        for key, build in jobs:
            with self._lock:
                if key in self._items or key in self._pending:
                    continue
                if self._pool is None:
                    self._pool = ThreadPoolExecutor(max_workers=1,
                                                    thread_name_prefix="spec-prefetch")
                self._pending[key] = self._pool.submit(self._build, key, build)

    def _build(self, key: Hashable, build: Callable[[], str]) -> None:
        try:
            self.put(key, build())
        except Exception:  # noqa: BLE001 - a prefetch must never break the page
            pass
        finally:
            with self._lock:
                self._pending.pop(key, None)

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)


SPECS = SpecCache()


def neighbours(keys: list, current: object, span: int = 1) -> list:
    """The plays ``span`` steps after and before ``current`` in the list (wrapping, as
    ◀ / ▶ do), next ones first."""
    if current not in keys or len(keys) < 2:
        return []
    i = keys.index(current)
    out = []
    for d in range(1, span + 1):
        for j in ((i + d) % len(keys), (i - d) % len(keys)):
            if keys[j] != current and keys[j] not in out:
                out.append(keys[j])
    return out
