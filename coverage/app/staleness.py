"""Which models' stored predictions a page must not show as current, and what to say.

The app only refreshes predictions of the embedded season; on a user's store it reads what
``coverage predict`` / ``coverage init`` wrote. When the checkpoint or its context prior has
changed since (or the last refresh failed), the rows shown are another model's calls under
the same name: every page that shows them says so in one line, with the command that makes
them again. Everything here reads files only (hashes, configs, the store's manifest).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

from coverage.app.provenance import checkpoint_dir
from coverage.errors import CoverageError
from coverage.models.checkpoint import read_config
from coverage.prior import prediction_digest, prior_change, resolve
from coverage.store import Store, folder_stamp
from coverage.training.notes import predictions_pending


def _recorded(entry: Mapping) -> set:
    """The checkpoint identities that wrote a model's stored rows, per its manifest entry."""
    weeks = entry.get("weeks")
    return set(weeks.values()) if isinstance(weeks, dict) and weeks else {entry.get("checkpoint")}


def _why(model_dir: Path, entry: Mapping) -> str:
    """The cause, in a few words, of rows made by another identity than the present one."""
    if str(entry.get("status", "")).startswith("error") and entry.get("failed_checkpoint"):
        return ("its last refresh failed "
                f"({str(entry['status']).removeprefix('error: ')[:80]}), so they are "
                "an earlier checkpoint's")
    if prior_change(model_dir):
        prior = (read_config(model_dir).get("prior") or {}).get("checkpoint", "?")
        return (f"they were made with another context prior than the '{prior}' present "
                "now")
    return "they were made by another checkpoint of that name (retrained or replaced since)"


def stale_lines(store: Store, models: Iterable[str], shown: Callable[[Path], str]
                ) -> dict[str, str]:
    """model -> one Markdown line for each model in ``models`` whose stored predictions are
    not its present checkpoint's (with its context prior's) calls. Models without a
    checkpoint folder or a manifest entry are left out: nothing says who wrote their rows
    (the provenance warning covers an unknown checkpoint)."""
    manifest = store.manifest()
    out = {}
    for name in models:
        d, entry = checkpoint_dir(store, name), manifest.get(name)
        if d is None or not isinstance(entry, dict):
            continue
        if predictions_pending(d.parent, name):
            out[name] = (f"**{name}**: trained in full just now (`coverage finish-training`); "
                         "its predictions are being written, and until then the rows shown "
                         "are the time-budgeted model's.")
            continue
        try:
            if _recorded(entry) == {prediction_digest(d)}:
                continue
            why = _why(d, entry)
        except (CoverageError, OSError):
            continue  # a checkpoint that cannot be read: the Model page says what is wrong
        out[name] = (f"**{name}**: the predictions shown are stale: {why}. Refresh them with "
                     f"`coverage predict {shown(d)} --data {shown(store.root)}`.")
    return out


def checkpoints_stamp(store: Store, models: Iterable[str]) -> str:
    """Names, sizes and times of the files of each model's checkpoint folder and of its
    context prior's (wherever that lives): a cache key that changes when either is
    retrained or replaced, read without hashing any weights."""
    parts = []
    for name in models:
        d = checkpoint_dir(store, name)
        if d is None:
            continue
        parts.append(folder_stamp(d))
        try:
            entry = read_config(d).get("prior")
            if isinstance(entry, dict) and entry.get("checkpoint"):
                parts.append(folder_stamp(resolve(entry)))
        except (CoverageError, OSError, KeyError):
            parts.append("prior?")
    return "|".join(parts)
