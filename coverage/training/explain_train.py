"""Train and score the multi-task explain model (family + assignment + man matchup).

Same discipline as :mod:`coverage.training.tracking`: weeks 1-7 train, week 8 selects
(early stopping and the family temperature), week 9 is scored once at the end. Sampling
is per play (``frames_per_play`` frames of every labelled play per epoch) and half the
samples are mirrored; the mirror reverses each side's slot order, so defender labels and
pointer targets are reversed with it.
"""

from __future__ import annotations

import copy
import math
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import torch
from scipy import optimize
from torch import nn
from torch.nn import functional
from tqdm.auto import tqdm

from coverage.errors import DataError
from coverage.explain.data import ExplainFrames, load_explain_frames
from coverage.explain.vocab import ASSIGNMENTS, FAMILIES, MAN_FAMILY_INDEX
from coverage.features import FEATURES, feature_stats, mirror
from coverage.models import build_model, fingerprint, save_checkpoint
from coverage.training import metrics
from coverage.training.data import open_source, resolve_split
from coverage.training.loop import pick_device, seed_everything

REPO_ROOT = Path(__file__).resolve().parents[2]
ARCHITECTURE = "family"
TIME_OFFSETS = (-3.0, -2.0, -1.0, 0.0)


@dataclass
class FamilyTrainOptions:
    data: str | None = None
    name: str = "family"
    out_root: Path = REPO_ROOT / "models"
    seed: int = 0
    epochs: int = 20
    batch_size: int = 256
    lr: float = 1e-3
    weight_decay: float = 1e-4
    patience: int = 4
    device: str = "auto"
    progress: bool = True
    train_weeks: tuple[int, ...] | None = None
    val_weeks: tuple[int, ...] | None = None
    test_weeks: tuple[int, ...] | None = None
    history: int = 5
    stride: int = 2
    frames_per_play: int = 8
    max_secs: float | None = None
    assign_weight: float = 0.5   # loss weights of the per-defender heads
    pointer_weight: float = 0.5
    hparams: dict[str, Any] = field(default_factory=dict)


# ------------------------------------------------------------------ batches
def _mirror_labels(assign: np.ndarray, target: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Labels after :func:`coverage.features.mirror`: both sides' slots are reversed."""
    return assign[:, ::-1], np.where(target[:, ::-1] >= 0, 10 - target[:, ::-1], -1)


def explain_batches(ef: ExplainFrames, k: int, stride: int, per_play: int, batch_size: int,
                    augment: bool = True):
    """Seeded generator factory of ``(x [B,k,22,F], family [B], assign [B,11], target [B,11])``."""
    hist = ef.ft.history_index(k, stride)
    starts, lengths = ef.ft.play_bounds()
    keep = ef.family[starts] >= 0
    starts, lengths = starts[keep], lengths[keep]

    def gen(rng: np.random.Generator) -> Iterator[tuple[torch.Tensor, ...]]:
        offs = np.floor(rng.random((starts.size, per_play)) * lengths[:, None]).astype(np.int64)
        rows = (starts[:, None] + offs).ravel()
        rows = rows[rng.permutation(rows.size)]
        for i in range(0, rows.size, batch_size):
            r = rows[i:i + batch_size]
            x, assign, target = ef.ft.x[hist[r]], ef.assign[r], ef.target[r]
            if augment:
                flip = rng.random(r.size) < 0.5
                x = x.copy()
                x[flip] = mirror(x[flip])
                assign, target = assign.copy(), target.copy()
                assign[flip], target[flip] = _mirror_labels(assign[flip], target[flip])
            yield (torch.from_numpy(np.ascontiguousarray(x)), torch.from_numpy(ef.family[r]),
                   torch.from_numpy(np.ascontiguousarray(assign)),
                   torch.from_numpy(np.ascontiguousarray(target)))
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


# ------------------------------------------------------------------ inference
@dataclass
class ExplainOutputs:
    """Per-frame outputs of the explain model over an :class:`ExplainFrames`."""

    family_logits: np.ndarray   # [N, C] (temperature applied)
    assign: np.ndarray          # [N, 11, A] probabilities
    pointer: np.ndarray         # [N, 11, 11] probabilities over offense slots

    @property
    def family_probs(self) -> np.ndarray:
        z = self.family_logits - self.family_logits.max(-1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(-1, keepdims=True)

    @property
    def p_man(self) -> np.ndarray:
        return self.family_probs[:, list(MAN_FAMILY_INDEX)].sum(-1)


@torch.no_grad()
def explain_outputs(model: nn.Module, ef: ExplainFrames, k: int, stride: int,
                    temperature: float = 1.0, batch_size: int = 2048,
                    device: torch.device | str = "cpu") -> ExplainOutputs:
    """Every frame is encoded once; the GRU then reads the pooled history per frame."""
    model.eval().to(device)
    n = len(ef)
    hist = ef.ft.history_index(k, stride)
    pooled = torch.empty((n, model.temporal.hidden_size))
    tokens = torch.empty((n, ef.ft.x.shape[1], model.temporal.hidden_size))
    for i in range(0, n, batch_size):
        t, p = model.encode_frames(torch.from_numpy(ef.ft.x[i:i + batch_size]).to(device))
        tokens[i:i + t.shape[0]], pooled[i:i + t.shape[0]] = t.cpu(), p.cpu()
    fam = np.empty((n, len(FAMILIES)), np.float32)
    assign = np.empty((n, 11, len(ASSIGNMENTS)), np.float32)
    pointer = np.empty((n, 11, 11), np.float32)
    for i in range(0, n, batch_size):
        r = np.arange(i, min(n, i + batch_size))
        state = model.play_state(pooled[hist[r]].to(device))
        a, p = model.player_logits(tokens[r].to(device), state)
        fam[r] = (model.family_logits(state) / temperature).cpu().numpy()
        assign[r] = torch.softmax(a, -1).cpu().numpy()
        pointer[r] = torch.softmax(p, -1).cpu().numpy()
    return ExplainOutputs(fam, assign, pointer)


def fit_softmax_temperature(logits: np.ndarray, y: np.ndarray) -> float:
    """One temperature for the family softmax, minimising validation log-loss."""
    keep = y >= 0
    z, y = logits[keep].astype(np.float64), y[keep]
    if z.size == 0:
        return 1.0

    def nll(log_t: float) -> float:
        s = z / math.exp(log_t)
        s = s - s.max(-1, keepdims=True)
        return float(np.mean(np.log(np.exp(s).sum(-1)) - s[np.arange(len(y)), y]))

    res = optimize.minimize_scalar(nll, bounds=(math.log(0.05), math.log(20.0)),
                                   method="bounded")
    return float(math.exp(res.x))


# ------------------------------------------------------------------ metrics
def _rate(hits: np.ndarray) -> dict[str, float]:
    n, k = int(hits.size), int(np.sum(hits))
    lo, hi = metrics.wilson_interval(k, n)
    return {"accuracy": k / n if n else math.nan, "ci_low": lo, "ci_high": hi, "n": n}


def family_report(ef: ExplainFrames, out: ExplainOutputs, majority: int) -> dict[str, Any]:
    """Top-1 / top-2 family accuracy at the snap and 3/2/1 s before it (Wilson CIs), the
    majority-family baseline beside each, per-class recall and the confusion matrix at the
    snap, plus the implied man/zone accuracy; per-defender and man-matchup accuracy."""
    lab = ef.family >= 0
    probs = out.family_probs
    order = np.argsort(-probs, axis=1)
    top1 = order[:, 0] == ef.family
    top2 = (order[:, :2] == ef.family[:, None]).any(1)
    secs = np.round(ef.ft.secs, 1)
    at: dict[str, Any] = {}
    for off in TIME_OFFSETS:
        sel = lab & np.isclose(secs, off)
        at["snap" if off == 0 else f"{off:+.0f}s"] = {
            "top1": _rate(top1[sel]), "top2": _rate(top2[sel]),
            "majority_baseline": float(np.mean(ef.family[sel] == majority)) if sel.any()
            else math.nan}
    snap = lab & (secs == 0)
    c = len(FAMILIES)
    conf = np.zeros((c, c), np.int64)
    np.add.at(conf, (ef.family[snap], order[snap, 0]), 1)
    recall = {f: (float(conf[i, i] / conf[i].sum()) if conf[i].sum() else None)
              for i, f in enumerate(FAMILIES)}
    man_lab = ~np.isnan(ef.ft.y) & (secs == 0)
    man = metrics.summary(ef.ft.y[man_lab], out.p_man[man_lab], 0)
    # "at_snap" = the implied man/zone call, the headline the Model page reads for every model
    return {"at_snap": man, "at_offsets": at, "per_class_recall": recall,
            "confusion": conf.tolist(),
            "confusion_labels": list(FAMILIES), "majority_family": FAMILIES[majority],
            "man_zone_at_snap": man, "defenders": defender_report(ef, out)}


def defender_report(ef: ExplainFrames, out: ExplainOutputs) -> dict[str, Any]:
    """Per-defender assignment accuracy and man-matchup (right receiver) accuracy."""
    secs = np.round(ef.ft.secs, 1)
    pred = out.assign.argmax(-1)
    ptr = out.pointer.argmax(-1)
    res: dict[str, Any] = {}
    for name, rows in (("snap", secs == 0), ("-2s", np.isclose(secs, -2.0)),
                       ("all_frames", np.ones(len(ef), bool))):
        known = (ef.assign >= 0) & rows[:, None]
        man = (ef.target >= 0) & rows[:, None]
        per_class = {a: _rate((pred == i)[known & (ef.assign == i)])["accuracy"]
                     for i, a in enumerate(ASSIGNMENTS)}
        res[name] = {"assignment": _rate((pred == ef.assign)[known]),
                     "assignment_majority_baseline": float(np.mean(
                         ef.assign[known] == np.bincount(ef.assign[known]).argmax()))
                     if known.any() else math.nan,
                     "assignment_recall": per_class,
                     "man_matchup": _rate((ptr == ef.target)[man]),
                     "man_matchup_nearest_baseline": _rate(
                         (_nearest_receiver(ef) == ef.target)[man])}
    return res


def _nearest_receiver(ef: ExplainFrames) -> np.ndarray:
    """Baseline matchup: the closest offensive player to each defender, ``[N, 11]``."""
    xy = ef.ft.x[:, :, :2]
    d = np.linalg.norm(xy[:, 11:, None, :] - xy[:, None, :11, :], axis=-1)
    return d.argmin(-1)


# ------------------------------------------------------------------ training
def train_family(opts: FamilyTrainOptions, source=None) -> dict[str, Any]:
    """Fit on the train weeks, early-stop + temperature on val, score test once; save."""
    t0 = time.perf_counter()
    source = source or open_source(opts.data)
    if source.store is None:
        raise DataError("the family model needs a store with tracking", file=str(source.path))
    split = resolve_split(source.weeks, opts.train_weeks, opts.val_weeks, opts.test_weeks)
    device = pick_device(opts.device)
    store = source.store
    tr = load_explain_frames(store, split["train"], opts.max_secs, source.plays)
    va = load_explain_frames(store, split["val"], opts.max_secs, source.plays)
    if len(tr) == 0 or len(va) == 0:
        raise DataError("no pre-snap 11 v 11 frames in the train/val weeks", file=str(store.path))
    k, stride = opts.history, opts.stride
    mean, std = feature_stats(tr.ft.x[::7])
    hparams = {"n_features": len(FEATURES), "dim": 64, "depth": 2, "heads": 4, "dropout": 0.1,
               "n_families": len(FAMILIES), "n_assignments": len(ASSIGNMENTS),
               "man_families": list(MAN_FAMILY_INDEX), **opts.hparams, "mean": mean, "std": std}
    rng = seed_everything(opts.seed)
    model = build_model(ARCHITECTURE, hparams).to(device)
    optim = torch.optim.AdamW(model.parameters(), lr=opts.lr, weight_decay=opts.weight_decay)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(optim, T_max=max(1, opts.epochs))
    batches = explain_batches(tr, k, stride, opts.frames_per_play, opts.batch_size)
    vb = explain_batches(va, k, stride, 4, 1024, augment=False)
    best, best_loss, best_epoch, bad, history = None, math.inf, -1, 0, []
    for epoch in tqdm(range(opts.epochs), desc="family", disable=not opts.progress, leave=False):
        model.train()
        tot, n = 0.0, 0
        for x, fam, assign, target in batches(rng):
            out = model(x.to(device))
            loss, _ = multitask_loss(out, fam.to(device), assign.to(device), target.to(device),
                                     opts.assign_weight, opts.pointer_weight)
            optim.zero_grad(set_to_none=True)
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optim.step()
            tot, n = tot + float(loss.detach()) * x.shape[0], n + x.shape[0]
        sched.step()
        model.eval()
        parts, vn = np.zeros(3), 0
        with torch.no_grad():  # fixed val sample: same seed every epoch
            for x, fam, assign, target in vb(np.random.default_rng(0)):
                _, p = multitask_loss(model(x.to(device)), fam.to(device), assign.to(device),
                                      target.to(device), 1.0, 1.0)
                parts += np.array([p["family"], p["assign"], p["pointer"]]) * x.shape[0]
                vn += x.shape[0]
        parts /= max(vn, 1)
        val_loss = float(parts[0] + opts.assign_weight * parts[1] + opts.pointer_weight * parts[2])
        history.append({"epoch": epoch, "train_loss": tot / max(n, 1), "val_loss": val_loss,
                        "val_family": parts[0], "val_assign": parts[1], "val_pointer": parts[2]})
        if opts.progress:
            print(f"epoch {epoch}: train {tot / max(n, 1):.4f} val {val_loss:.4f} "
                  f"(family {parts[0]:.3f} assign {parts[1]:.3f} pointer {parts[2]:.3f})",
                  flush=True)
        if val_loss < best_loss - 1e-5:
            best, best_loss, best_epoch, bad = copy.deepcopy(model.state_dict()), val_loss, epoch, 0
        else:
            bad += 1
            if bad >= opts.patience:
                break
    model.load_state_dict(best)
    model.eval()
    vo = explain_outputs(model, va, k, stride, device=device)
    temperature = fit_softmax_temperature(vo.family_logits, va.family)
    vo = ExplainOutputs(vo.family_logits / temperature, vo.assign, vo.pointer)
    starts, _ = tr.ft.play_bounds()
    fam_tr = tr.family[starts]
    majority = int(np.bincount(fam_tr[fam_tr >= 0], minlength=len(FAMILIES)).argmax())
    tp = source.plays.filter(pl.col("week").is_in(list(split["train"])))
    cfg: dict[str, Any] = {
        "architecture": ARCHITECTURE, "hparams": hparams, "features": list(FEATURES),
        "families": list(FAMILIES), "assignments": list(ASSIGNMENTS),
        "man_families": [FAMILIES[i] for i in MAN_FAMILY_INDEX],
        "history": k, "stride": stride, "max_secs": opts.max_secs,
        "temperature": temperature, "seed": opts.seed,
        "split": {s: list(w) for s, w in split.items()},
        "data": {"path": str(source.path), "source": source.source},
        "fingerprint": fingerprint(tp["gameId"].to_numpy(), tp["playId"].to_numpy(),
                                   tp["pff_passCoverage"].to_list()),
    }
    # --- the one and only look at the test week
    te = load_explain_frames(store, split["test"], None, source.plays)
    to = explain_outputs(model, te, k, stride, temperature, device=device)
    from coverage.explain.baselines import family_prior_report

    weeks = {k: source.plays.filter(pl.col("week").is_in(list(w))) for k, w in split.items()}
    report = {"model": opts.name, "best_epoch": best_epoch, "history": history,
              "val": {**family_report(va, vo, majority),
                      "context_prior": family_prior_report(weeks["train"], weeks["val"])},
              "test": {**family_report(te, to, majority),
                       "context_prior": family_prior_report(weeks["train"], weeks["test"])},
              "frames": {"train": len(tr), "val": len(va), "test": len(te)},
              "majority_class": "Zone", "seconds": time.perf_counter() - t0}
    out_dir = Path(opts.out_root) / opts.name
    save_checkpoint(out_dir, model.cpu(), cfg, report)
    return {"dir": str(out_dir), "config": cfg, "metrics": report}
