"""Keep a store's predictions in step with the checkpoints in models/.

The app reads predictions, never runs models per request. The store's manifest
records which checkpoint (by weights hash) produced each model's predictions, so
a retrained checkpoint is re-run and an unchanged one is not.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
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


evaluate, prediction_weeks, record_predictions, write_outputs = map(
    _deferred, ("evaluate", "prediction_weeks", "record_predictions", "write_outputs"))


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
                       log: Callable[[str], None] | None = print) -> dict[str, dict]:
    """Predict every week with each stale checkpoint, then evaluate on its test week; only
    re-evaluate one whose predictions are current but whose report an older version wrote.

    A checkpoint that cannot run on this store (e.g. a feature mismatch) is
    reported and skipped; it never takes the others down with it.
    """
    digests = {m: prediction_digest(m) for m in shipped_models(root)}  # reads the weights
    if not any(_needs_work(store.manifest().get(m.name, {}), d) for m, d in digests.items()):
        return store.manifest()  # nothing to write: no lock (a read-only store stays usable)
    with store.writing(log=log):  # every model's outputs and its manifest entry: one writer
        for m, digest in digests.items():
            if _needs_work(store.manifest().get(m.name, {}), digest):
                _ensure_model(store, m, digest, log)
        return store.manifest()


def _needs_work(entry: Mapping, digest: str) -> bool:
    """Stale predictions, or current ones whose report an older evaluation wrote."""
    return not _current(entry, digest) or (entry.get("status") == "ok"
                                           and entry.get("evaluation") != EVALUATION_VERSION)


def _ensure_model(store: Store, m: Path, digest: str,
                  log: Callable[[str], None] | None) -> None:
    stale = not _current(store.manifest().get(m.name, {}), digest)
    before = _week_files(store)
    try:
        if stale:
            if log and (why := prior_change(m)):
                log(why)
            write_outputs(m, store, test_weeks=_test_weeks(store, m), name=m.name)
            weeks = prediction_weeks(read_config(m)["architecture"], store)
            record_predictions(store, m.name, weeks, digest, replace=True)
        entry = {**store.manifest().get(m.name, {}), **_report_entry(store, m, digest)}
        if log:
            log(f"predictions ready: {m.name}")
    except CoverageError as exc:
        entry = _failed_entry(store.manifest().get(m.name, {}), digest, exc,
                              _rewritten(before, _week_files(store)))
        if log:
            log(f"skipped {m.name}: {exc}")
    store.update_manifest(lambda manifest: manifest.__setitem__(m.name, entry))


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
