"""From a real download to real-trained predictions in one call (``coverage init --data``).

The shipped checkpoints are trained on the synthetic season, and their weights do not
transfer to real tracking; an analyst with the Kaggle files should see models trained on
them without learning four training commands first. This module runs those steps in
order: train the tabular model (situation, personnel, tendencies), then the transformer,
the LSTM and the family model, each starting from the tabular model's per-play P(man)
(:mod:`coverage.prior`), on the store's real weeks; then predict every week with them and
score the test week.

Three things make that bearable on a laptop:

* a **time budget** (CPU only, by default): each model gets its share of it, its learning
  rate anneals over that time (:func:`coverage.training.loop.fit`), so it ends as a full
  run ends rather than cut off mid-descent, and early stopping on the validation week
  still ends it sooner when it has converged; with a CUDA GPU it trains in full;
* **resumable steps**: a small JSON state file in ``store.models_dir`` records which steps
  finished, for which data and plan, so Ctrl-C and a re-run pick up at the next step (a
  changed store or plan starts over);
* **resumable epochs**: inside a step, :func:`coverage.training.loop.fit` keeps its state
  after every finished epoch, so an interrupted model continues where it stopped.

Checkpoints go to ``store.models_dir/real_<model>``, beside the data and never among the
shipped ones in models/ (predictions are keyed by model name, so the names differ too).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl
import torch
from tqdm.auto import tqdm

from coverage import vocab
from coverage.atomic import write_json
from coverage.config import finish_in_background, models_root
from coverage.errors import CoverageError, DataError
from coverage.family.train import FamilyTrainOptions
from coverage.family.week_frames import WeekFrames
from coverage.models import registry
from coverage.models.checkpoint import Checkpoint, fingerprint, is_checkpoint
from coverage.opener import open_store
from coverage.pipelines import train
from coverage.serving import deferred_notes, ensure_predictions, shipped_models
from coverage.store import Store
from coverage.training.data import MIN_WEEKS, held_out, partial_split
from coverage.training.notes import INIT_STATE_FILE, budget_note, budget_stopped, finish_hint
from coverage.training.options import DEFAULT_BUDGET_MINUTES, TrainOptions

Log = Callable[[str], None]

# Training order: the cheap per-play models first, so something useful exists early and
# the tracking models can start from the tabular model's P(man).
MODELS = registry.NAMES
TRACKING = registry.TAKES_PRIOR
PRIOR = "tabular"
# Each model's share of the time budget (of what is left when its turn comes).
SHARES = {"tabular": 0.1, "transformer": 0.3, "lstm": 0.2, "family": 0.4}
# Training options a CPU budget changes besides the clock, per model: none. The models,
# their inputs and their sampling are those of an untimed run; only the learning rate's
# schedule follows the clock (coverage.training.loop.fit).
CPU_LIMITS: dict[str, dict[str, Any]] = {m: {} for m in MODELS}
MIN_STEP_SECONDS = 30.0  # a model whose share is used up still gets this long to train
PREDICT_STEP = "predict"
STATE_FILE = INIT_STATE_FILE
RESUME_DIR = ".resume"
STATE_VERSION = 1


def real_name(model: str) -> str:
    """Checkpoint (and prediction) name of a model trained on the user's real data."""
    return f"real_{model}"


@dataclass(frozen=True)
class BootstrapOptions:
    """``budget_minutes``: None = :data:`DEFAULT_BUDGET_MINUTES` on CPU and full training
    with a CUDA GPU; 0 = full training everywhere; any other value applies everywhere."""

    budget_minutes: float | None = None
    device: str = "auto"
    seed: int = 0
    force: bool = False
    progress: bool = True

    def budget_seconds(self, cuda: bool) -> float | None:
        """Seconds of training in all, or None for full training."""
        if self.budget_minutes is None:
            return None if cuda else DEFAULT_BUDGET_MINUTES * 60.0
        if self.budget_minutes < 0:
            raise CoverageError(f"--budget-minutes {self.budget_minutes}: expected 0 (no "
                                "limit) or a positive number of minutes")
        return self.budget_minutes * 60.0 or None


def uses_cuda(device: str) -> bool:
    """Whether training will run on a CUDA GPU (then it trains in full by default)."""
    return device.startswith("cuda") or (device == "auto" and torch.cuda.is_available())


def labelled_weeks(plays: pl.DataFrame) -> list[int]:
    """Weeks with at least one Man or Zone label: the only weeks a model can fit or score."""
    if "pff_manZone" not in plays.columns:
        return []
    lab = plays.filter(pl.col("pff_manZone").is_in([vocab.MAN, vocab.ZONE]))
    return sorted(lab["week"].drop_nulls().unique().to_list())


def kind(model: str) -> str:
    """Which weeks a model trains on: "tracking" (tracked and labelled) or "labels"."""
    return "tracking" if registry.spec(model).needs_tracking else "labels"


def split_weeks(store: Store) -> dict[str, dict[str, tuple[int, ...]] | None]:
    """Per kind of model, the split its weeks allow (:func:`partial_split`): the label-only
    models on every labelled week, the tracking models on the labelled weeks with tracking;
    None where there are too few weeks to train and select."""
    labels = labelled_weeks(store.all_plays())
    return {"labels": partial_split(labels),
            "tracking": partial_split([w for w in store.weeks if w in labels])}


def _weeks(ws: list[int] | tuple[int, ...]) -> str:
    ws = sorted(ws)
    if len(ws) > 2 and ws == list(range(ws[0], ws[-1] + 1)):
        return f"weeks {ws[0]}-{ws[-1]}"
    return ("week " if len(ws) == 1 else "weeks ") + ", ".join(str(w) for w in ws)


def split_notes(store: Store, splits: Mapping[str, Mapping[str, Any] | None]) -> list[str]:
    """What the data leaves out and why: models skipped for too few weeks, and test figures
    that are not held out. One sentence per kind of model; none for a full download."""
    notes = []
    for k, what in (("labels", "labels"), ("tracking", "tracking with labels")):
        mine = [real_name(m) for m in MODELS if kind(m) == k]
        names = ", ".join(mine)
        they_need = "it needs" if len(mine) == 1 else "they need"
        split = splits[k]
        have = (labelled_weeks(store.all_plays()) if k == "labels" else
                [w for w in store.weeks if w in labelled_weeks(store.all_plays())])
        if split is None:
            trained = [real_name(m) for m in MODELS if splits[kind(m)] is not None]
            notes.append(
                f"skipped {names}: a model trains on one week and is selected on another, "
                f"so {they_need} {what} for at least {MIN_WEEKS} weeks; this data has "
                + (f"{what} for {_weeks(have)} only. " if have else f"no {what}. ")
                + (f"The app opens with {', '.join(trained)}. " if trained else "")
                + "Add the missing weeks' files to the download and re-run `coverage init "
                  "--data DIR` to train them.")
        elif not held_out(split):
            notes.append(
                f"{names}: {what} for {_weeks(have)} only, so they train on "
                f"{_weeks(split['train'])} and select on {_weeks(split['val'])}; no week is "
                f"left to hold out, so their test figures are on {_weeks(split['test'])}, the "
                "selection week, and read optimistic (3 or more weeks give a held-out test "
                "week).")
    return notes


def data_fingerprint(store: Store) -> str:
    """Changes when the plays, their labels or any week's tracking change: the finished
    steps of a changed store are stale."""
    plays = store.plays()
    h = hashlib.sha256()
    for col in ("pff_manZone", "pff_passCoverage"):
        labels = plays[col].to_list() if col in plays.columns else []
        h.update(fingerprint(plays["gameId"].to_numpy(), plays["playId"].to_numpy(),
                             labels or [None] * plays.height).encode())
    sizes = {w: store.tracking_path(w).stat().st_size for w in store.weeks}
    h.update(json.dumps(sizes, sort_keys=True).encode())
    return h.hexdigest()


def plan(store: Store, opts: BootstrapOptions) -> dict[str, Any]:
    """Everything that decides what the steps produce; a different plan retrains."""
    cuda = uses_cuda(opts.device)
    budget = opts.budget_seconds(cuda)
    splits = split_weeks(store)
    return {"split": {k: None if v is None else {s: list(w) for s, w in v.items()}
                      for k, v in splits.items()},
            "models": [m for m in MODELS if splits[kind(m)] is not None],
            "budget_s": budget, "device": "cuda" if cuda else "cpu", "seed": opts.seed,
            "limits": CPU_LIMITS if budget is not None else {m: {} for m in MODELS}}


# ------------------------------------------------------------------ state file
def _state_path(store: Store) -> Path:
    return store.models_dir / STATE_FILE


def load_state(store: Store, data: str, the_plan: Mapping[str, Any], *,
               force: bool = False) -> dict[str, Any]:
    """The finished steps for this data and plan; a fresh state (and no half-trained
    epochs) when either changed, the file is unreadable or ``force``."""
    fresh = {"version": STATE_VERSION, "data": data, "plan": dict(the_plan), "steps": {}}
    path = _state_path(store)
    try:
        state = json.loads(path.read_text()) if path.exists() else None
    except (OSError, json.JSONDecodeError):
        state = None
    if (force or state is None or state.get("version") != STATE_VERSION
            or state.get("data") != data or state.get("plan") != fresh["plan"]):
        shutil.rmtree(store.models_dir / RESUME_DIR, ignore_errors=True)
        return fresh
    return state


def _finished(store: Store, state: Mapping[str, Any], model: str) -> bool:
    """Recorded as finished and its checkpoint still there."""
    ckpt = store.models_dir / real_name(model)
    return real_name(model) in state["steps"] and is_checkpoint(ckpt)


def _record(store: Store, state: dict[str, Any], step: str, **info: Any) -> None:
    state["steps"][step] = {"finished": datetime.now(UTC).isoformat(timespec="seconds"),
                            **info}
    write_json(state, _state_path(store))


# ------------------------------------------------------------------ steps
def resume_dir(root: Path, data: str, the_plan: Mapping[str, Any], model: str) -> Path:
    """Per model, data and plan, so another run's half-trained epochs are never picked up."""
    key = hashlib.sha256(json.dumps([data, the_plan, model], sort_keys=True,
                                    default=str).encode()).hexdigest()[:12]
    return root / RESUME_DIR / f"{real_name(model)}-{key}"


def train_options(store: Store, model: str, the_plan: Mapping[str, Any],
                  opts: BootstrapOptions, *, time_budget_s: float | None,
                  resume_dir: Path | None) -> TrainOptions:
    """``coverage train`` options for one real_* model of the plan."""
    cls = FamilyTrainOptions if model == "family" else TrainOptions
    split = the_plan["split"][kind(model)]
    prior = store.models_dir / real_name(PRIOR)
    extra = {"prior": str(prior)} if model in TRACKING and is_checkpoint(prior) else {}
    return cls.of(model=model, data=str(store.path), name=real_name(model),
                  out_root=store.models_dir, seed=opts.seed, device=opts.device,
                  progress=opts.progress, train_weeks=tuple(split["train"]),
                  val_weeks=tuple(split["val"]), test_weeks=tuple(split["test"]),
                  time_budget_s=time_budget_s, resume_dir=resume_dir,
                  **the_plan["limits"][model], **extra)


def _step_budget(budget: float | None, spent: float, todo: list[str], model: str
                 ) -> float | None:
    """``model``'s share of what is left of the budget; None without a budget."""
    if budget is None:
        return None
    share = SHARES[model] / sum(SHARES[m] for m in todo)
    return max(MIN_STEP_SECONDS, (budget - spent) * share)


def train_step(store: Store, model: str, the_plan: Mapping[str, Any], data: str,
               opts: BootstrapOptions, time_budget_s: float | None, week_frames: WeekFrames,
               *, resume: Path, out_root: Path | None = None,
               on_epoch: Callable[[dict[str, float]], None] | None = None,
               overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Train one real_* model (a tracking one on the frames built once for all of them)
    into ``out_root`` (default: the store's models folder), its finished epochs kept in
    ``resume``; refuse a checkpoint not marked as trained on real data. ``overrides``:
    training options over the plan's (``coverage finish-training``'s tests shorten it)."""
    topts = train_options(store, model, the_plan, opts, time_budget_s=time_budget_s,
                          resume_dir=resume).with_values(**(overrides or {}))
    if out_root is not None:
        topts = topts.with_values(out_root=out_root)
    if on_epoch is not None:
        topts = topts.with_values(on_epoch=on_epoch)
    frames = None
    if model in TRACKING:
        r = topts.run
        split = {"train": r.train_weeks, "val": r.val_weeks, "test": r.test_weeks}
        frames = week_frames.split(split, topts.inputs.max_secs, explain=model == "family")
    out = train(topts, store, frames)
    cfg = out["config"]
    if cfg.get("data", {}).get("source") != "real" or not cfg.get("fingerprint"):
        raise CoverageError(f"{out['dir']}: trained without the real-data source/fingerprint "
                            "marks; refusing to serve it as a real_* model")
    return out


def drop_resume(resume: Path) -> None:
    """Remove a finished model's epoch files (and their folder once it is empty)."""
    shutil.rmtree(resume, ignore_errors=True)
    if resume.parent.is_dir() and not any(resume.parent.iterdir()):
        resume.parent.rmdir()


def _format_plan(store: Store, the_plan: Mapping[str, Any]) -> str:
    budget, models = the_plan["budget_s"], the_plan["models"]
    total = sum(SHARES[m] for m in models) or 1.0
    limit = (f"budget {budget / 60:.3g} min of training on CPU "
             f"({', '.join(f'{m} {SHARES[m] / total:.0%}' for m in models)}; "
             "`--budget-minutes 0` trains in full)") if budget is not None else "full training"
    parts = []
    for k in ("labels", "tracking"):
        names = [real_name(m) for m in models if kind(m) == k]
        if names and (s := the_plan["split"][k]) is not None:
            parts.append(f"{', '.join(names)} on train {_weeks(s['train'])}, validate "
                         f"{_weeks(s['val'])}, test {_weeks(s['test'])}")
    what = "; ".join(parts) if parts else "nothing (too few weeks: see the note at the end)"
    return f"training on {store.path}: {what}; {limit}"


# ------------------------------------------------------------------ entry points
def bootstrap(store: Store, opts: BootstrapOptions | None = None, *,
              log: Log | None = print) -> dict[str, Any]:
    """Train the real_* models on a real store (skipping finished steps), then predict every
    week with them and score the test week. Returns the state plus the manifest entries."""
    opts = opts or BootstrapOptions()
    if store.source != "real":
        raise DataError(f"real_* models are trained on real data; this store's source is "
                        f"{store.source!r}", file=str(store.path),
                        expected="a Big Data Bowl download (or a store ingested from one)")
    data, the_plan = data_fingerprint(store), plan(store, opts)
    state = load_state(store, data, the_plan, force=opts.force)
    state["notes"] = split_notes(store, split_weeks(store))
    models = the_plan["models"]
    todo = [m for m in models if not _finished(store, state, m)]
    if log:
        log(_format_plan(store, the_plan))
        for m in models:
            if m not in todo:
                log(f"{real_name(m)}: already trained on this data, skipped")
    spent = sum(state["steps"].get(real_name(m), {}).get("seconds", 0.0)
                for m in models if m not in todo)
    bar = tqdm(total=len(models) + 1, initial=len(models) - len(todo), unit="step",
               desc="coverage init", disable=not opts.progress)
    week_frames = WeekFrames(store)
    for i, model in enumerate(todo):
        step_budget = _step_budget(the_plan["budget_s"], spent, todo[i:], model)
        bar.set_postfix_str(real_name(model) + (f" ({step_budget / 60:.1f} min)"
                                                if step_budget else ""))
        t0 = time.perf_counter()
        resume = resume_dir(store.models_dir, data, the_plan, model)
        out = train_step(store, model, the_plan, data, opts, step_budget, week_frames,
                         resume=resume)
        drop_resume(resume)
        seconds = time.perf_counter() - t0
        spent += seconds
        _record(store, state, real_name(model), seconds=round(seconds, 1), dir=out["dir"])
        if log:
            log(f"{real_name(model)}: trained in {seconds / 60:.1f} min -> {out['dir']}")
        bar.update()
    week_frames.clear()  # the training frames are done with: predicting builds its own
    bar.set_postfix_str("predict + evaluate")
    t0 = time.perf_counter()
    manifest = ensure_predictions(store, root=store.models_dir, log=log,
                                  defer=deferrable(store))
    ours = {real_name(m): manifest.get(real_name(m), {}) for m in models}
    _record(store, state, PREDICT_STEP, models={k: v.get("status") for k, v in ours.items()},
            seconds=round(time.perf_counter() - t0, 1))
    bar.update()
    bar.close()
    return {"store": str(store.path), "models_dir": str(store.models_dir),
            "trained": [real_name(m) for m in todo], "state": state, "models": ours,
            "notes": state["notes"]}


def deferrable(store: Store) -> list[str]:
    """The budget-stopped models whose test-week outputs (attribution summaries, for the
    Teams page) init leaves to ``coverage finish-training``, when the app starts that beside
    itself: it writes them first, within minutes, and a model it finishes rewrites its own
    anyway, so the explorer need not wait for them."""
    return budget_stopped(store.models_dir) if finish_in_background() else []


def init_data(data: str | Path, opts: BootstrapOptions | None = None, *,
              log: Log | None = print) -> dict[str, Any]:
    """``coverage init --data DIR``: open (ingesting a raw folder once) and make the store
    ready for the app: real-trained predictions for real data; the shipped models'
    predictions for a synthetic season (they were trained on the synthetic simulator)."""
    opts = opts or BootstrapOptions()
    store = open_store(data, progress=opts.progress)
    if not store.has_tracking:
        raise DataError(f"{store.path} has label tables but no tracking; the app and the "
                        "tracking models need the tracking files", file=str(store.path),
                        expected="tracking_week_<N>.csv or .parquet beside plays.csv")
    if store.source == "real":
        return bootstrap(store, opts, log=log)
    if log:
        log(f"{store.path} holds {store.source} data: serving the shipped checkpoints "
            f"({', '.join(m.name for m in shipped_models())}) instead of training real_* ones")
    manifest = ensure_predictions(store, root=models_root(), log=log)
    return {"store": str(store.path), "models_dir": str(models_root()), "trained": [],
            "state": None, "models": manifest}


def _budget_note(models_dir: Path, name: str) -> str | None:
    """Whether (and where) the time budget stopped one served checkpoint, if readable."""
    try:
        ckpt = Checkpoint(Path(models_dir) / name)
        return budget_note(ckpt.metrics, ckpt.architecture)
    except (CoverageError, OSError):
        return None


def summary_lines(result: Mapping[str, Any]) -> list[str]:
    """One line per served model: its status and test-week accuracy at the snap, and below
    it whether the time budget stopped it short; last, the notes on what the data's weeks
    left out (skipped models, test weeks not held out) and how to finish the short ones."""
    lines, short = [], []
    for name, entry in result["models"].items():
        acc = entry.get("accuracy_at_snap")
        status = entry.get("status", "not run")
        what = (f"accuracy at the snap {acc:.3f} on week {entry.get('test_week')}"
                if status == "ok" and acc is not None else status)
        lines.append(f"{name}: {what}")
        if note := _budget_note(result["models_dir"], name):
            lines.append(f"  {name}: {note}")
            short.append(name)
    lines += [f"note: {n}" for n in result.get("notes") or ()]
    lines += [f"note: {n}" for n in deferred_notes(result["models"])]
    return lines + ([f"note: {finish_hint(short)}"] if short else [])
