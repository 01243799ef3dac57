"""Keep a store's predictions in step with the checkpoints in models/.

The app reads predictions, never runs models per request. The store's manifest
records which checkpoint (by weights hash) produced each model's predictions, so
a retrained checkpoint is re-run and an unchanged one is not.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from pathlib import Path
from typing import Any

from coverage.config import models_root
from coverage.errors import CoverageError
from coverage.evaluation import EVALUATION_VERSION
from coverage.models import registry
from coverage.models.checkpoint import checkpoints_in, read_config
from coverage.prior import prediction_digest, prior_change
from coverage.store import Store


def _deferred(name: str) -> Callable[..., Any]:
    """A function of :mod:`coverage.pipelines`, resolved on its first call (as the model table
    resolves each model's own): running models imports torch, and the app asks
    :func:`ensure_predictions` on a server's first page, where usually nothing is stale."""
    def call(*args: Any, **kwargs: Any) -> Any:
        return registry.resolve(f"coverage.pipelines:{name}")(*args, **kwargs)
    call.__name__ = call.__qualname__ = name
    return call


evaluate, prediction_weeks, record_predictions, write_outputs, write_test_outputs = map(
    _deferred, ("evaluate", "prediction_weeks", "record_predictions", "write_outputs",
                "write_test_outputs"))

# manifest key: the held-out weeks whose test-week outputs (the family model's attribution
# summaries, for the Teams page) :func:`ensure_predictions` left to :func:`write_deferred`
DEFERRED = "deferred_test_weeks"


def shipped_models(root: str | Path | None = None) -> list[Path]:
    """Checkpoint folders under ``root`` (default: the shipped models)."""
    return checkpoints_in(root if root is not None else models_root())


def _current(entry: Mapping, digest: str) -> bool:
    """Every stored week of this name came from this checkpoint: none was overwritten since
    (e.g. by ``coverage predict`` or ``evaluate`` with another checkpoint of the same name)."""
    weeks = entry.get("weeks", {})
    return entry.get("checkpoint") == digest and all(v == digest for v in weeks.values())


def stale_models(store: Store, root: str | Path | None = None) -> list[Path]:
    """Checkpoints whose predictions are missing from the store or out of date."""
    manifest = store.manifest()
    return [m for m in shipped_models(root)
            if not _current(manifest.get(m.name, {}), prediction_digest(m))]


def _report_entry(store: Store, m: Path, digest: str) -> dict:
    """The manifest entry of a checkpoint whose outputs are in the store: its test report."""
    test_weeks = _test_weeks(store, m)
    report = evaluate(m, store, test_weeks[0], name=m.name) if test_weeks else {}
    return {"checkpoint": digest, "status": "ok", "evaluation": EVALUATION_VERSION,
            "test_week": test_weeks[0] if test_weeks else None,
            "accuracy_at_snap": report.get("at_snap", {}).get("accuracy")}


def _test_weeks(store: Store, m: Path) -> list[int]:
    """The checkpoint's test weeks it can predict here: a label-only model's test week may
    have no tracking in a partial download, and is scored from its per-play calls."""
    cfg = read_config(m)
    weeks = prediction_weeks(cfg["architecture"], store)
    return [w for w in cfg.get("split", {}).get("test", []) if w in weeks]


def ensure_predictions(store: Store, root: str | Path | None = None, *,
                       log: Callable[[str], None] | None = print,
                       defer: Collection[str] = ()) -> dict[str, dict]:
    """Predict every week with each stale checkpoint, then evaluate on its test week; only
    re-evaluate one whose predictions are current but whose report an older version wrote.

    ``defer``: checkpoint names whose test-week outputs (attribution summaries, which only
    the Teams page reads) are left for :func:`write_deferred`, so that the explorer opens
    without waiting for them; their manifest entries say so.

    A checkpoint that cannot run on this store (e.g. a feature mismatch) is
    reported and skipped; it never takes the others down with it.
    """
    digests = {m: prediction_digest(m) for m in shipped_models(root)}  # reads the weights
    if not any(_needs_work(store.manifest().get(m.name, {}), d) for m, d in digests.items()):
        return store.manifest()  # nothing to write: no lock (a read-only store stays usable)
    with store.writing(log=log):  # every model's outputs and its manifest entry: one writer
        for m, digest in digests.items():
            if _needs_work(store.manifest().get(m.name, {}), digest):
                _ensure_model(store, m, digest, log, defer=m.name in defer)
        return store.manifest()


def _needs_work(entry: Mapping, digest: str) -> bool:
    """Stale predictions, or current ones whose report an older evaluation wrote."""
    return not _current(entry, digest) or (entry.get("status") == "ok"
                                           and entry.get("evaluation") != EVALUATION_VERSION)


def _ensure_model(store: Store, m: Path, digest: str,
                  log: Callable[[str], None] | None, *, defer: bool = False) -> None:
    stale = not _current(store.manifest().get(m.name, {}), digest)
    before = _week_files(store)
    try:
        deferred: list[int] = []
        if stale:
            if log and (why := prior_change(m)):
                log(why)
            tests = _test_weeks(store, m)
            deferred = tests if defer and _has_test_outputs(m) else []
            write_outputs(m, store, test_weeks=[] if deferred else tests, name=m.name)
            weeks = prediction_weeks(read_config(m)["architecture"], store)
            record_predictions(store, m.name, weeks, digest, replace=True)
        entry = {**store.manifest().get(m.name, {}), **_report_entry(store, m, digest)}
        if stale:  # this checkpoint's outputs: all written, or the test weeks' deferred
            entry.pop(DEFERRED, None)
            entry.update({DEFERRED: deferred} if deferred else {})
        if log:
            log(f"predictions ready: {m.name}")
    except CoverageError as exc:
        entry = _failed_entry(store.manifest().get(m.name, {}), digest, exc,
                              _rewritten(before, _week_files(store)))
        if log:
            log(f"skipped {m.name}: {exc}")
    store.update_manifest(lambda manifest: manifest.__setitem__(m.name, entry))


def _has_test_outputs(m: Path) -> bool:
    return registry.spec(read_config(m)["architecture"]).test_week_writer is not None


def deferred_outputs(manifest: Mapping[str, Mapping]) -> dict[str, list[int]]:
    """Checkpoint name -> the held-out weeks whose test-week outputs are still to write."""
    return {name: list(e[DEFERRED]) for name, e in manifest.items()
            if isinstance(e, Mapping) and e.get(DEFERRED)}


def deferred_notes(manifest: Mapping[str, Mapping]) -> list[str]:
    """One sentence per checkpoint whose test-week outputs are still to write."""
    return [f"{name}'s attribution summaries (Teams page) of week "
            f"{', '.join(map(str, weeks))} are written in the background, first thing "
            "`coverage finish-training` does"
            for name, weeks in deferred_outputs(manifest).items()]


def write_deferred(store: Store, root: str | Path | None = None, *,
                   log: Callable[[str], None] | None = print) -> list[str]:
    """Write the test-week outputs :func:`ensure_predictions` deferred, for checkpoints
    whose predictions are still current (a replaced checkpoint's are written with its
    predictions); returns the names written. Each name's flag goes only once its outputs
    are in, so an interrupted run leaves it for the next."""
    pending = deferred_outputs(store.manifest())  # read before any weights are hashed
    models = {m.name: m for m in shipped_models(root) if m.name in pending}
    if not models:
        return []
    done = []
    with store.writing(log=log):
        for name, weeks in deferred_outputs(store.manifest()).items():
            m = models.get(name)
            if m is None or not _current(store.manifest().get(name, {}), prediction_digest(m)):
                continue
            try:
                write_test_outputs(m, store, weeks, name=name)
            except CoverageError as exc:
                if log:
                    log(f"{name}: test-week outputs not written: {exc}")
                continue
            store.update_manifest(lambda manifest, n=name: manifest[n].pop(DEFERRED, None))
            done.append(name)
            if log:
                log(f"{name}: test-week outputs written (weeks {', '.join(map(str, weeks))})")
    return done


def _week_files(store: Store) -> dict[str, tuple[int, int, int]]:
    """Identity of each week file of the predictions (inode, mtime, size): every write
    replaces the file atomically, so a week this run wrote shows a new identity."""
    out = {}
    for week in sorted(set(store.weeks) | set(store.label_weeks)):
        f = store.output_path("predictions", week)
        if f.exists():
            st = f.stat()
            out[str(week)] = (st.st_ino, st.st_mtime_ns, st.st_size)
    return out


def _rewritten(before: Mapping[str, tuple], after: Mapping[str, tuple]) -> list[str]:
    """The weeks whose predictions file a run replaced (it holds the model's lock: no other
    writer touched them in between)."""
    return [w for w, ident in after.items() if before.get(w) != ident]


def _failed_entry(entry: Mapping, digest: str, exc: CoverageError,
                  rewritten: list[str]) -> dict:
    """The manifest entry of a checkpoint whose refresh failed part-way.

    It says, week by week, which checkpoint wrote the rows still in the store: the weeks
    the failed run rewrote are this checkpoint's, the others keep the older one's mark.
    It carries no ``checkpoint`` of its own, so the model stays stale (tried again next
    time) and no reader takes the older rows for this checkpoint's (an older entry without
    weeks loses its mark: its rows are of unknown origin, so they are predicted again).
    """
    weeks = entry.get("weeks") if isinstance(entry.get("weeks"), dict) else {}
    weeks = {**weeks, **dict.fromkeys(rewritten, digest)}
    return {"weeks": weeks, "status": f"error: {exc}", "failed_checkpoint": digest}
