"""Player specs of the plays around the one on screen, built before they are asked for.

An analyst steps through the list (◀ / ▶, j / k) far more often than they jump around it.
While the current play is being watched, one background worker builds the next and the
previous play's spec, so those steps cost only the transfer and the drawing. Specs are kept
per process in a small LRU, keyed by everything they depend on (the store's contents, the
play, the models shown, the zoom), so going back to a play is instant too and a changed
store or model set never serves a stale figure.

A cache may also *publish* its specs as files (:meth:`SpecCache.publish_to`) in the folder
the play player is served from: the player fetches the next and previous play's spec
over HTTP while the analyst watches, and draws it the moment ◀ / ▶ (or j / k) is
pressed, without waiting for the server's rerun (which follows and agrees).
"""

from __future__ import annotations

import contextlib
import hashlib
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

from coverage.atomic import write_bytes

MAX_SPECS = 48  # ~300 kB each
STALE_FILE_S = 24 * 3600  # published specs of dead processes are removed after a day


class SpecFiles:
    """Specs as files under one folder, named by a digest of their cache key and a
    per-process token (a restarted server with other code never serves an old file)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._token = secrets.token_hex(4)
        folder.mkdir(parents=True, exist_ok=True)
        now = time.time()
        for old in folder.glob("*.json"):
            with contextlib.suppress(OSError):
                if now - old.stat().st_mtime > STALE_FILE_S:
                    old.unlink()

    def name(self, key: Hashable) -> str:
        return f"{self._token}-{hashlib.sha256(repr(key).encode()).hexdigest()[:24]}.json"

    def write(self, key: Hashable, spec: str) -> None:
        target = self.folder / self.name(key)
        if target.exists():
            return
        write_bytes(spec.encode("utf-8"), target)  # the browser never reads half a spec

    def remove(self, key: Hashable) -> None:
        with contextlib.suppress(OSError):
            (self.folder / self.name(key)).unlink()


class SpecCache:
    """A thread-safe LRU of spec texts plus a one-worker prefetcher (its values may be
    anything that is never published: the explorer keeps its explanations in one too)."""

    def __init__(self, max_items: int = MAX_SPECS) -> None:
        self._items: OrderedDict[Hashable, Any] = OrderedDict()
        self._pending: dict[Hashable, Future] = {}
        self._lock = threading.Lock()
        self._max = max_items
        self._pools: dict[bool, ThreadPoolExecutor] = {}  # by slow
        self._files: SpecFiles | None = None

    def publish_to(self, folder: Path) -> SpecFiles:
        """Also keep every cached spec as a file in ``folder`` (once; later calls return
        the same :class:`SpecFiles`)."""
        with self._lock:
            if self._files is not None and self._files.folder == folder:
                return self._files
            self._files = SpecFiles(folder)
            items = list(self._items.items())
        for key, spec in items:
            with contextlib.suppress(OSError):
                self._files.write(key, spec)
        return self._files

    def published(self, key: Hashable) -> str | None:
        """The file name ``key``'s spec is (or will be, once built) published under."""
        files = self._files
        return files.name(key) if files is not None else None

    def get(self, key: Hashable) -> Any | None:
        with self._lock:
            spec = self._items.get(key)
            if spec is not None:
                self._items.move_to_end(key)
            return spec

    def put(self, key: Hashable, spec: Any) -> None:
        with self._lock:
            self._items[key] = spec
            self._items.move_to_end(key)
            evicted = []
            while len(self._items) > self._max:
                evicted.append(self._items.popitem(last=False)[0])
            files = self._files
        if files is not None:
            with contextlib.suppress(OSError):  # a read-only cache folder: no early draws
                files.write(key, spec)
                for old in evicted:
                    files.remove(old)

    def get_or_build(self, key: Hashable, build: Callable[[], Any]) -> Any:
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

    def prefetch(self, jobs: Iterable[tuple[Hashable, Callable[[], str]]], *,
                 slow: bool = False) -> None:
        """Build the missing ones in the background, in order; failures are dropped (the
        play is then built, and its error shown, when it is actually opened). ``slow``
        jobs get a worker of their own, so they never hold up the neighbours' specs."""
        for key, build in jobs:
            with self._lock:
                if key in self._items or key in self._pending:
                    continue
                if slow not in self._pools:
                    self._pools[slow] = ThreadPoolExecutor(
                        max_workers=1, thread_name_prefix="spec-slow" if slow else "spec-prefetch")
                pool = self._pools[slow]
                self._pending[key] = pool.submit(self._build, key, build)

    def later(self, jobs: Callable[[], Iterable[tuple[Hashable, Callable[[], str]]]],
              still_wanted: Callable[[], bool], delay: float) -> threading.Timer:
        """:meth:`prefetch` ``jobs()`` after ``delay`` seconds if ``still_wanted()`` then:
        for costly specs (Explain's) of the play being watched, not of every play stepped
        through. ``jobs`` runs on the timer's thread (its keys may cost a file stat)."""
        def fire() -> None:
            with contextlib.suppress(Exception):  # a prefetch must never break the page
                if still_wanted():
                    self.prefetch(jobs(), slow=True)

        timer = threading.Timer(delay, fire)
        timer.daemon = True
        timer.start()
        return timer

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
