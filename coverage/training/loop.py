"""The one optimisation loop every model trains with: seeded, early-stopped on the
validation week.

What is minimised, and what "validation loss" means, is an :class:`Objective`; the loop
(AdamW, cosine decay, gradient clipping, early stopping, keeping the best epoch's
weights, the per-epoch callback) is the same for all of them.

For the man/zone models (:class:`MaskedBCE`) class imbalance (~27% man) is handled with
``pos_weight`` in the loss, which balances the gradients but shifts the optimal logit by
``log(pos_weight)``; we subtract that shift (``logit_offset``) before reporting
probabilities, so accuracy at 0.5 and calibration are those of an unweighted model. A
temperature fitted on the validation week then fixes the remaining over-/under-confidence.
"""

from __future__ import annotations

import copy
import math
import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import torch
from torch import nn
from torch.nn import functional
from tqdm.auto import tqdm

from coverage import evaluation

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


class Objective(Protocol):
    """What :func:`fit` minimises and how it judges an epoch."""

    def train_loss(self, model: nn.Module, batch: Any, device: torch.device
                   ) -> tuple[torch.Tensor, int]:
        """The loss of one training batch and the number of samples it averages over."""
        ...

    def validate(self, model: nn.Module) -> dict[str, float]:
        """Validation metrics of the current weights (run in eval mode, without gradients);
        ``val_loss`` selects the epoch, the other keys go into the history."""
        ...


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


@dataclass
class MaskedBCE:
    """P(man) objective: pos-weighted, masked BCE on ``(inputs, y, mask)`` batches.

    ``val_logits(model)`` returns (logits, labels) for the validation week; the loss
    there is unweighted and offset-corrected, i.e. the quantity we actually report.
    """

    pos_weight: float
    val_logits: Callable[[nn.Module], tuple[np.ndarray, np.ndarray]]

    def train_loss(self, model: nn.Module, batch: Batch, device: torch.device
                   ) -> tuple[torch.Tensor, int]:
        inputs, y, mask = _to(batch, device)
        return masked_bce(model(*inputs), y, mask, self.pos_weight), y.shape[0]

    def validate(self, model: nn.Module) -> dict[str, float]:
        z, yv = self.val_logits(model)
        val_loss = evaluation.log_loss(yv, evaluation.sigmoid(z - math.log(self.pos_weight)))
        return {"val_loss": val_loss, "val_auc": evaluation.roc_auc(yv, z)}


def _train_epoch(model: nn.Module, step_model: nn.Module, batches: Iterable[Any],
                 objective: Objective, opt: torch.optim.Optimizer, device: torch.device
                 ) -> float:
    """One pass over the training batches; the sample-weighted mean training loss."""
    model.train()
    total, n = 0.0, 0
    for batch in batches:
        loss, size = objective.train_loss(step_model, batch, device)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        total += float(loss.detach()) * size
        n += size
    return total / max(n, 1)


def fit(model: nn.Module, train_batches: Callable[[np.random.Generator], Iterable[Any]],
        objective: Objective, *, rng: np.random.Generator, epochs: int, lr: float,
        weight_decay: float, patience: int, device: torch.device, progress: bool = True,
        desc: str = "train", compile_model: bool = False,
        on_epoch: Callable[[dict[str, float]], None] | None = None) -> FitResult:
    """Adam-W with cosine decay; keep the weights of the epoch with the best ``val_loss``.

    ``on_epoch(row)``, when given, sees every epoch's validation-only metrics (plus the
    running best) as they happen, so experiment trackers (MLflow) and schedulers (Ray
    Tune's ASHA) can follow, and stop, training without a second copy of this loop.
    """
    model.to(device)
    step_model = torch.compile(model) if compile_model else model
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=weight_decay)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=max(1, epochs))
    best = FitResult(copy.deepcopy(model.state_dict()), -1, math.inf)
    bad = 0
    bar = tqdm(range(epochs), desc=desc, unit="epoch", disable=not progress, leave=False)
    for epoch in bar:
        train_loss = _train_epoch(model, step_model, train_batches(rng), objective, opt, device)
        sched.step()
        model.eval()
        with torch.no_grad():
            val = objective.validate(model)
        row = {"epoch": epoch, "train_loss": train_loss, **val}
        val_loss = row["val_loss"]
        best.history.append(row)
        bar.set_postfix(train=f"{train_loss:.4f}", val=f"{val_loss:.4f}")
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
