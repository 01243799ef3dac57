"""The shared optimisation loop: seeded, early-stopped on the validation week.

Class imbalance (~27% man) is handled with ``pos_weight`` in the loss, which balances the
gradients but shifts the optimal logit by ``log(pos_weight)``; we subtract that shift
(``logit_offset``) before reporting probabilities, so accuracy at 0.5 and calibration are
those of an unweighted model. A temperature fitted on the validation week then fixes the
remaining over-/under-confidence.
"""

from __future__ import annotations

import copy
import math
import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn
from torch.nn import functional
from tqdm.auto import tqdm

from coverage.training import metrics

Batch = tuple[tuple[torch.Tensor, ...], torch.Tensor, torch.Tensor | None]  # inputs, y, mask


def seed_everything(seed: int) -> np.random.Generator:
    """Seed torch and Python; return the numpy Generator all sampling must go through."""
    random.seed(seed)
    torch.manual_seed(seed)
    return np.random.default_rng(seed)


def pick_device(name: str = "auto") -> torch.device:
    if name != "auto":
        return torch.device(name)
    if torch.cuda.is_available():
        return torch.device("cuda")
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def resolve_pos_weight(y: np.ndarray, spec: str | float | None) -> float:
    """``auto`` = n_zone / n_man on the training labels; ``none`` = 1."""
    if spec is None or spec == "none":
        return 1.0
    if spec == "auto":
        y = np.asarray(y)
        n_pos = float(np.sum(y == 1))
        return float((y.size - n_pos) / n_pos) if n_pos else 1.0
    return float(spec)


@dataclass
class FitResult:
    state_dict: dict[str, torch.Tensor]
    best_epoch: int
    best_val_loss: float
    history: list[dict[str, float]] = field(default_factory=list)


def _to(batch: Batch, device: torch.device) -> Batch:
    inputs, y, mask = batch
    return (tuple(t.to(device, non_blocking=True) for t in inputs), y.to(device),
            None if mask is None else mask.to(device))


def masked_bce(logits: torch.Tensor, y: torch.Tensor, mask: torch.Tensor | None,
               pos_weight: float) -> torch.Tensor:
    pw = torch.tensor(pos_weight, device=logits.device, dtype=logits.dtype)
    loss = functional.binary_cross_entropy_with_logits(logits, y, pos_weight=pw, reduction="none")
    if mask is None:
        return loss.mean()
    mask = mask.to(loss.dtype)
    return (loss * mask).sum() / mask.sum().clamp_min(1.0)


def fit(model: nn.Module, train_batches: Callable[[np.random.Generator], Iterable[Batch]],
        val_logits: Callable[[nn.Module], tuple[np.ndarray, np.ndarray]], *,
        rng: np.random.Generator, epochs: int, lr: float, weight_decay: float,
        pos_weight: float, patience: int, device: torch.device, progress: bool = True,
        desc: str = "train", compile_model: bool = False,
        on_epoch: Callable[[dict[str, float]], None] | None = None) -> FitResult:
    """Adam-W with cosine decay; keep the weights of the best validation log-loss epoch.

    ``val_logits(model)`` returns (logits, labels) for the validation week; the loss
    there is unweighted and offset-corrected, i.e. the quantity we actually report.
    ``on_epoch(row)``, when given, sees every epoch's validation-only metrics (plus the
    running best) as they happen, so experiment trackers (MLflow) and schedulers (Ray
    Tune's ASHA) can follow, and stop, training without a second copy of this loop.
    """
    model.to(device)
    step_model = torch.compile(model) if compile_model else model
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=weight_decay)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=max(1, epochs))
    offset = -math.log(pos_weight)
    best = FitResult(copy.deepcopy(model.state_dict()), -1, math.inf)
    bad = 0
    bar = tqdm(range(epochs), desc=desc, unit="epoch", disable=not progress, leave=False)
    for epoch in bar:
        model.train()
        total, n = 0.0, 0
        for batch in train_batches(rng):
            inputs, y, mask = _to(batch, device)
            loss = masked_bce(step_model(*inputs), y, mask, pos_weight)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            total += float(loss.detach()) * y.shape[0]
            n += y.shape[0]
        sched.step()
        model.eval()
        with torch.no_grad():
            z, yv = val_logits(model)
        val_loss = metrics.log_loss(yv, metrics.sigmoid(z + offset))
        row = {"epoch": epoch, "train_loss": total / max(n, 1), "val_loss": val_loss,
               "val_auc": metrics.roc_auc(yv, z)}
        best.history.append(row)
        bar.set_postfix(train=f"{row['train_loss']:.4f}", val=f"{val_loss:.4f}")
        if val_loss < best.best_val_loss - 1e-5:
            best.state_dict = copy.deepcopy(model.state_dict())
            best.best_epoch, best.best_val_loss, bad = epoch, val_loss, 0
        else:
            bad += 1
        if on_epoch is not None:
            on_epoch({**row, "best_val_loss": best.best_val_loss,
                      "best_epoch": float(best.best_epoch)})
        if bad >= patience:
            break
    model.load_state_dict(best.state_dict)
    model.eval()
    return best
