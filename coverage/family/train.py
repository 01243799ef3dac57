"""Train the multi-task family model (family + assignment + man matchup) with the shared loop.

Same discipline as the man/zone models (:mod:`coverage.training.tracking`): weeks 1-7
train, week 8 selects (early stopping and the family temperature), week 9 is scored once
at the end. Sampling is per play (``frames_per_play`` moments of every labelled play per
epoch, drawn as chunks of overlapping windows: :mod:`coverage.training.sampling`) and half
the chunks are mirrored; the mirror reverses each side's slot order, so defender labels
and pointer targets are reversed with it. Only the objective differs from
the man/zone models: :class:`FamilyObjective` is handed to :func:`coverage.training.loop.fit`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import torch
from torch import nn
from torch.nn import functional

from coverage import evaluation
from coverage.errors import DataError
from coverage.family.baselines import family_prior_report
from coverage.family.data import ExplainFrames, load_explain_frames
from coverage.family.predict import ExplainOutputs, explain_outputs
from coverage.family.report import family_report
from coverage.features import FEATURES, input_hparams
from coverage.models.checkpoint import save_checkpoint
from coverage.models.registry import build_model
from coverage.models.train_encoder import train_precision
from coverage.store import Store
from coverage.training.data import resolve_split
from coverage.training.loop import fit, pick_device, seed_everything
from coverage.training.options import (
    NETWORK_DEFAULTS,
    EpochCallback,
    ExperimentHooks,
    ModelInputs,
    Optimisation,
    RunSpec,
    TrainOptions,
)
from coverage.training.sampling import chunk_rows, mirror_half, window_sampling
from coverage.training.tracking import run_config
from coverage.training.windows import WindowedFamily, train_dropout
from coverage.vocab import ASSIGNMENTS, FAMILIES, MAN_FAMILY_INDEX, ZONE

ARCHITECTURE = "family"


@dataclass
class TaskWeights:
    """Loss weights of the per-defender heads, relative to the family head's 1."""

    assign_weight: float = 0.5
    pointer_weight: float = 0.5


@dataclass
class FamilyTrainOptions(TrainOptions):
    """The shared option groups with the family model's defaults, plus its task weights."""

    run: RunSpec = field(default_factory=lambda: RunSpec(model=ARCHITECTURE, name="family"))
    optim: Optimisation = field(default_factory=lambda: Optimisation(epochs=20, patience=4))
    inputs: ModelInputs = field(default_factory=ModelInputs)
    hooks: ExperimentHooks = field(default_factory=ExperimentHooks)
    tasks: TaskWeights = field(default_factory=TaskWeights)


# ------------------------------------------------------------------ batches
def _mirror_labels(assign: np.ndarray, target: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Labels after :func:`coverage.features.mirror`: both sides' slots are reversed."""
    return assign[..., ::-1], np.where(target[..., ::-1] >= 0, 10 - target[..., ::-1], -1)


def explain_batches(ef: ExplainFrames, k: int, stride: int, per_play: int, chunk: int,
                    batch_size: int, augment: bool = True
                    ) -> Callable[[np.random.Generator], Iterator[tuple[torch.Tensor, ...]]]:
    """Seeded generator factory of chunks for a
    :class:`~coverage.training.windows.WindowedFamily`: ``(x [b, chunk + k - 1, 22, F],
    family [b * chunk], assign [b * chunk, 11], target [b * chunk, 11])``, the labels of
    each chunk's moments in order (:func:`coverage.training.sampling.window_batches`)."""
    per_batch = max(1, batch_size // chunk)

    def gen(rng: np.random.Generator) -> Iterator[tuple[torch.Tensor, ...]]:
        rows = chunk_rows(ef.ft, rng, per_play, chunk, k, stride, labelled=ef.family >= 0)
        for i in range(0, rows.shape[0], per_batch):
            r = rows[i:i + per_batch]  # indexing copies: the batch is the generator's own
            m = r[:, k - 1:]
            x, assign, target = torch.from_numpy(ef.ft.x[r]), ef.assign[m], ef.target[m]
            if augment:
                flip = mirror_half(x, rng)
                assign[flip], target[flip] = _mirror_labels(assign[flip], target[flip])
            yield x, torch.from_numpy(ef.family[m].ravel()), \
                torch.from_numpy(assign.reshape(-1, assign.shape[-1])), \
                torch.from_numpy(target.reshape(-1, target.shape[-1]))
    return gen


def multitask_loss(out: dict[str, torch.Tensor], family: torch.Tensor, assign: torch.Tensor,
                   target: torch.Tensor, w_assign: float, w_pointer: float
                   ) -> tuple[torch.Tensor, dict[str, float]]:
    """Family CE + weighted defender CE + weighted pointer CE (unknown labels = -1 ignored)."""
    lf = functional.cross_entropy(out["family"], family, ignore_index=-1)
    la = functional.cross_entropy(out["assign"].flatten(0, 1), assign.flatten(), ignore_index=-1)
    has_t = (target >= 0).any()
    lp = (functional.cross_entropy(out["pointer"].flatten(0, 1), target.flatten(),
                                   ignore_index=-1) if has_t else out["pointer"].sum() * 0.0)
    la = torch.nan_to_num(la)
    loss = lf + w_assign * la + w_pointer * lp
    return loss, {"family": float(lf.detach()), "assign": float(la.detach()),
                  "pointer": float(lp.detach())}


@dataclass
class FamilyObjective:
    """Multi-task loss to train; on a fixed validation sample (same draw every epoch) the
    same weighted sum selects the epoch, with each head's loss kept in the history."""

    weights: TaskWeights
    val_batches: Callable[[np.random.Generator], Iterator[tuple[torch.Tensor, ...]]]
    device: torch.device
    windowed: nn.Module  # the model's view that reads the batches' chunks

    def train_loss(self, model: nn.Module, batch: tuple[torch.Tensor, ...],
                   device: torch.device) -> tuple[torch.Tensor, int]:
        x, fam, assign, target = batch
        out = model(x.to(device))
        loss, _ = multitask_loss(out, fam.to(device), assign.to(device), target.to(device),
                                 self.weights.assign_weight, self.weights.pointer_weight)
        return loss, fam.shape[0]

    def validate(self, model: nn.Module) -> dict[str, float]:
        parts, vn = np.zeros(3), 0
        dev = self.device
        for x, fam, assign, target in self.val_batches(np.random.default_rng(0)):
            out = self.windowed(x.to(dev))
            _, p = multitask_loss(out, fam.to(dev), assign.to(dev), target.to(dev), 1.0, 1.0)
            parts += np.array([p["family"], p["assign"], p["pointer"]]) * fam.shape[0]
            vn += fam.shape[0]
        parts /= max(vn, 1)
        w = self.weights
        val_loss = float(parts[0] + w.assign_weight * parts[1] + w.pointer_weight * parts[2])
        return {"val_loss": val_loss, "val_family": parts[0], "val_assign": parts[1],
                "val_pointer": parts[2]}


def _print_epoch(row: dict[str, float]) -> None:
    print(f"epoch {row['epoch']}: train {row['train_loss']:.4f} val {row['val_loss']:.4f} "
          f"(family {row['val_family']:.3f} assign {row['val_assign']:.3f} "
          f"pointer {row['val_pointer']:.3f})", flush=True)


def _epoch_callback(opts: TrainOptions) -> EpochCallback | None:
    """The per-epoch progress line (unless quiet), then the caller's hook."""
    hook = opts.hooks.on_epoch
    if not opts.optim.progress:
        return hook

    def on_epoch(row: dict[str, float]) -> None:
        _print_epoch(row)
        if hook is not None:
            hook(row)
    return on_epoch


# ------------------------------------------------------------------ training
def _hparams(opts: TrainOptions, tr: ExplainFrames) -> dict[str, Any]:
    return {"n_features": len(FEATURES), **NETWORK_DEFAULTS[ARCHITECTURE],
            "n_families": len(FAMILIES), "n_assignments": len(ASSIGNMENTS),
            "man_families": list(MAN_FAMILY_INDEX), **opts.inputs.hparams,
            **input_hparams(tr.ft.x[::7], opts.inputs.feature_set)}


def train_family(opts: TrainOptions, store: Store,
                 frames: Mapping[str, ExplainFrames] | None = None) -> dict[str, Any]:
    """Fit on the train weeks, early-stop + temperature on val, score test once; save.

    ``opts`` is normally a :class:`FamilyTrainOptions`; plain :class:`TrainOptions` get
    the default task weights. ``frames`` ({"train", "val", "test"}, as
    :meth:`coverage.family.week_frames.WeekFrames.split` gives them) skips building them.
    """
    t0 = time.perf_counter()
    run, o, k, stride = opts.run, opts.optim, opts.inputs.history, opts.inputs.stride
    if not store.has_tracking:
        raise DataError("the family model needs a store with tracking", file=str(store.path))
    split = resolve_split(store.weeks, run.train_weeks, run.val_weeks, run.test_weeks)
    device = pick_device(o.device)
    frames = dict(frames or {})
    for part in ("train", "val"):
        if part not in frames:
            frames[part] = load_explain_frames(store, split[part], opts.inputs.max_secs,
                                               store.plays())
    tr, va = frames["train"], frames["val"]
    if len(tr) == 0 or len(va) == 0:
        raise DataError("no pre-snap 11 v 11 frames in the train/val weeks", file=str(store.path))
    hparams = _hparams(opts, tr)
    rng = seed_everything(run.seed)
    model = build_model(ARCHITECTURE, hparams).to(device)
    windowed = WindowedFamily(model, k, train_dropout(model, device, rng),
                              train_precision(o.precision, device))
    per_play = opts.inputs.frames_per_play
    sampling = window_sampling(per_play, opts.inputs.chunk)
    chunk = sampling["chunk"]
    objective = FamilyObjective(getattr(opts, "tasks", TaskWeights()),
                                explain_batches(va, k, stride, 4, 4, 1024, augment=False),
                                device, windowed)
    res = fit(model, explain_batches(tr, k, stride, per_play, chunk, o.batch_size),
              objective, rng=rng, epochs=o.epochs, lr=o.lr, weight_decay=o.weight_decay,
              patience=o.patience, device=device, progress=o.progress, desc=ARCHITECTURE,
              train_module=windowed,
              on_epoch=_epoch_callback(opts), time_budget_s=o.time_budget_s,
              resume_dir=o.resume_dir, warmup_steps=o.warmup_steps,
              average_epochs=o.average_epochs)
    vo = explain_outputs(model, va, k, stride, device=device)
    temperature = evaluation.fit_temperature(vo.family_logits, va.family)
    vo = ExplainOutputs(vo.family_logits / temperature, vo.assign, vo.pointer)
    starts, _ = tr.ft.play_bounds()
    fam_tr = tr.family[starts]
    majority = int(np.bincount(fam_tr[fam_tr >= 0], minlength=len(FAMILIES)).argmax())
    cfg = {**run_config(ARCHITECTURE, opts, store, split, hparams, "pff_passCoverage"),
           "families": list(FAMILIES), "assignments": list(ASSIGNMENTS),
           "man_families": [FAMILIES[i] for i in MAN_FAMILY_INDEX], "temperature": temperature}
    # --- the one and only look at the test week
    te = (frames["test"] if "test" in frames
          else load_explain_frames(store, split["test"]))
    to = explain_outputs(model, te, k, stride, temperature, device=device)
    weeks = {s: store.plays().filter(pl.col("week").is_in(list(w))) for s, w in split.items()}
    name = run.name or ARCHITECTURE
    report = {"model": name, "best_epoch": res.best_epoch, "history": res.history,
              "training": {**res.summary(), "sampling": sampling},
              "val": {**family_report(va, vo, majority),
                      "context_prior": family_prior_report(weeks["train"], weeks["val"])},
              "test": {**family_report(te, to, majority),
                       "context_prior": family_prior_report(weeks["train"], weeks["test"])},
              "frames": {"train": len(tr), "val": len(va), "test": len(te)},
              "majority_class": ZONE, "seconds": time.perf_counter() - t0}
    out_dir = Path(run.out_root) / name
    save_checkpoint(out_dir, model.cpu(), cfg, report)
    return {"dir": str(out_dir), "config": cfg, "metrics": report}
