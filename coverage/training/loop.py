"""The one optimisation loop every model trains with: seeded, early-stopped on the
validation week.

What is minimised, and what "validation loss" means, is an :class:`Objective`; the loop
(AdamW, cosine decay, gradient clipping, early stopping, keeping the best epoch's
weights, the per-epoch callback) is the same for all of them.

Two limits make long CPU runs practical (``coverage init --data``): a time budget, after which
training stops (mid-epoch if need be; the best epoch so far is kept), and a resume folder,
where every finished epoch leaves a safetensors file (weights, optimiser, scheduler, random
states, history) so an interrupted run continues from its last finished epoch, exactly as if
it had never stopped.

For the man/zone models (:class:`MaskedBCE`) class imbalance (most plays are zone) is handled with
``pos_weight`` in the loss, which balances the gradients but shifts the optimal logit by
``log(pos_weight)``; we subtract that shift (``logit_offset``) before reporting
probabilities, so accuracy at 0.5 and calibration are those of an unweighted model. A
temperature fitted on the validation week then fixes the remaining over-/under-confidence.
"""

from __future__ import annotations

import copy
import json
import math
import random
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import torch
from safetensors import SafetensorError, safe_open
from safetensors.torch import save_file
from torch import nn
from torch.nn import functional
from tqdm.auto import tqdm

from coverage import evaluation
from coverage.atomic import atomic_path

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
    # what ended training: "patience" (early stopping), "epochs" (the epoch limit) or
    # "budget" (the time budget, possibly mid-epoch): a budget stop is an under-trained model
    stopped_by: str = "epochs"
    epochs_max: int = 0
    time_budget_s: float | None = None

    def summary(self) -> dict[str, Any]:
        """What a checkpoint's metrics record about how its training ended, so the app and
        ``coverage info`` can say when a model stopped short."""
        return {"stopped_by": self.stopped_by, "epochs_run": len(self.history),
                "epochs_max": self.epochs_max, "best_epoch": self.best_epoch,
                "best_val_loss": self.best_val_loss, "time_budget_s": self.time_budget_s}


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
        n = int(mask.sum()) if mask is not None else y.numel()
        return masked_bce(model(*inputs), y, mask, self.pos_weight), n

    def validate(self, model: nn.Module) -> dict[str, float]:
        z, yv = self.val_logits(model)
        val_loss = evaluation.log_loss(yv, evaluation.sigmoid(z - math.log(self.pos_weight)))
        return {"val_loss": val_loss, "val_auc": evaluation.roc_auc(yv, z)}


@dataclass
class _Progress:
    """Where a fit stands between epochs: all it needs, beyond the model, optimiser and
    scheduler, to continue after an interruption."""

    best: FitResult
    next_epoch: int = 0
    bad: int = 0
    elapsed: float = 0.0  # seconds trained so far, in this and earlier runs
    batches: int | None = None  # batches per epoch, known after the first (the bar's total)
    done: bool = False  # stopped (patience, budget or last epoch): a resume only reloads


RESUME_FILE = "fit_state.safetensors"


def _save_progress(path: Path, model: nn.Module, opt: torch.optim.Optimizer,
                   sched: Any, prog: _Progress, rng: np.random.Generator) -> None:
    """One safetensors file (tensors + a JSON header), renamed into place: a crash mid-write
    leaves the previous epoch's file."""
    opt_sd = opt.state_dict()
    tensors = {f"model.{k}": v for k, v in model.state_dict().items()}
    tensors |= {f"best.{k}": v for k, v in prog.best.state_dict.items()}
    tensors |= {f"opt.{i}.{k}": v for i, st in opt_sd["state"].items() for k, v in st.items()}
    tensors["torch_rng"] = torch.get_rng_state()
    header = {"param_groups": opt_sd["param_groups"], "sched": sched.state_dict(),
              "numpy_rng": rng.bit_generator.state, "python_rng": random.getstate(),
              "best_epoch": prog.best.best_epoch, "best_val_loss": prog.best.best_val_loss,
              "history": prog.best.history, "next_epoch": prog.next_epoch, "bad": prog.bad,
              "elapsed": prog.elapsed, "batches": prog.batches, "done": prog.done,
              "stopped_by": prog.best.stopped_by}
    tensors = {k: v.detach().cpu().contiguous() for k, v in tensors.items()}
    with atomic_path(path) as tmp:
        save_file(tensors, str(tmp), metadata={"state": json.dumps(header, default=float)})


def _load_progress(path: Path, model: nn.Module, opt: torch.optim.Optimizer, sched: Any,
                   rng: np.random.Generator) -> _Progress | None:
    """Restore a saved fit into ``model``/``opt``/``sched``/``rng``; None (start afresh) when
    there is none, or it belongs to a model of another shape."""
    if not path.exists():
        return None
    try:
        with safe_open(str(path), "pt") as f:
            header = json.loads(f.metadata()["state"])
            tensors = {k: f.get_tensor(k) for k in f.keys()}  # noqa: SIM118 (not a dict)
    except (SafetensorError, OSError, KeyError, json.JSONDecodeError):
        return None
    own = {k: v.shape for k, v in model.state_dict().items()}
    saved = {k[6:]: v for k, v in tensors.items() if k.startswith("model.")}
    if {k: v.shape for k, v in saved.items()} != own:
        return None
    model.load_state_dict(saved)
    state: dict[int, dict[str, torch.Tensor]] = {}
    for k, v in tensors.items():
        if k.startswith("opt."):
            _, i, name = k.split(".", 2)
            state.setdefault(int(i), {})[name] = v
    opt.load_state_dict({"state": state, "param_groups": header["param_groups"]})
    sched.load_state_dict(header["sched"])
    torch.set_rng_state(tensors["torch_rng"])
    rng.bit_generator.state = header["numpy_rng"]
    py = header["python_rng"]
    random.setstate((py[0], tuple(py[1]), py[2]))
    best = FitResult({k[5:]: v for k, v in tensors.items() if k.startswith("best.")},
                     header["best_epoch"], header["best_val_loss"], header["history"],
                     header.get("stopped_by", "epochs"))
    return _Progress(best, header["next_epoch"], header["bad"], header["elapsed"],
                     header["batches"], header["done"])


def mixed_precision(device: torch.device) -> torch.dtype | None:
    """The autocast dtype training uses on ``device``: bfloat16 on a CUDA GPU that has it,
    else float16 (with loss scaling); None (float32) on the CPU and MPS, where the models'
    64-wide layers gain less from faster matmuls than the casts around them cost."""
    if device.type != "cuda":
        return None
    return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16


def _train_epoch(model: nn.Module, step_model: nn.Module, batches: Iterable[Any],
                 objective: Objective, opt: torch.optim.Optimizer, device: torch.device,
                 deadline: float | None = None,
                 lr_at: Callable[[], float] | None = None) -> tuple[float, int, bool]:
    """One pass over the training batches, cut short at ``deadline`` (perf_counter time):
    the sample-weighted mean training loss, the number of batches and whether it was cut.
    ``lr_at()``, when given, sets the learning rate before every step."""
    step_model.train()
    model.train()
    amp = mixed_precision(device)
    scaler = torch.amp.GradScaler(device.type, enabled=amp == torch.float16)
    total, n, steps = 0.0, 0, 0
    for batch in batches:
        if lr_at is not None:
            rate = lr_at()
            for group in opt.param_groups:
                group["lr"] = rate
        with torch.autocast(device.type, dtype=amp or torch.float32, enabled=amp is not None):
            loss, size = objective.train_loss(step_model, batch, device)
        opt.zero_grad(set_to_none=True)
        scaler.scale(loss).backward()
        scaler.unscale_(opt)
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        scaler.step(opt)
        scaler.update()
        total += float(loss.detach()) * size
        n += size
        steps += 1
        if deadline is not None and time.perf_counter() >= deadline:
            return total / max(n, 1), steps, True
    return total / max(n, 1), steps, False


def fit(model: nn.Module, train_batches: Callable[[np.random.Generator], Iterable[Any]],
        objective: Objective, *, rng: np.random.Generator, epochs: int, lr: float,
        weight_decay: float, patience: int, device: torch.device, progress: bool = True,
        desc: str = "train", compile_model: bool = False,
        train_module: nn.Module | None = None,
        on_epoch: Callable[[dict[str, float]], None] | None = None,
        time_budget_s: float | None = None, resume_dir: str | Path | None = None) -> FitResult:
    """Adam-W with cosine decay; keep the weights of the epoch with the best ``val_loss``.

    ``on_epoch(row)``, when given, sees every epoch's validation-only metrics (plus the
    running best) as they happen, so experiment trackers (MLflow) and schedulers (Ray
    Tune's ASHA) can follow, and stop, training without a second copy of this loop.

    ``time_budget_s`` bounds the training time (earlier runs of a resumed fit included):
    the epoch that reaches it stops after its current batch and is still validated. Under a
    budget the cosine decay follows the clock (or the epochs, whichever is further along)
    instead of the epochs alone, so the learning rate has come down when time runs out:
    a budgeted model ends annealed, as a full run does, not cut off at a high rate.
    ``resume_dir`` keeps the state after every finished epoch; a later call with the same
    folder, model and data continues from it (the caller names the folder after what it
    trains, so a different run never picks up another's state).

    ``train_module``, when given, is what the training steps call instead of ``model``: a
    module holding ``model`` (its parameters, nothing else to learn) that takes another
    batch layout, such as a windowed view (:mod:`coverage.training.windows`).
    """
    model.to(device)
    step_model = train_module.to(device) if train_module is not None else model
    step_model = torch.compile(step_model) if compile_model else step_model
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=weight_decay)
    sched = (torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=max(1, epochs))
             if time_budget_s is None else torch.optim.lr_scheduler.LambdaLR(opt, lambda _: 1.0))
    resume = Path(resume_dir) / RESUME_FILE if resume_dir is not None else None
    prog = (_load_progress(resume, model, opt, sched, rng) if resume is not None else None) \
        or _Progress(FitResult(copy.deepcopy(model.state_dict()), -1, math.inf))
    best = prog.best
    start = time.perf_counter() - prog.elapsed
    deadline = None if time_budget_s is None else start + time_budget_s
    epoch_now = [prog.next_epoch]

    def lr_at() -> float:  # cosine over the budget's clock or the epochs, the further along
        done = max((time.perf_counter() - start) / time_budget_s, epoch_now[0] / epochs)
        return lr * 0.5 * (1.0 + math.cos(math.pi * min(1.0, done)))
    bar = tqdm(range(prog.next_epoch, epochs), desc=desc, unit="epoch", disable=not progress,
               leave=False, initial=prog.next_epoch, total=epochs)
    for epoch in ([] if prog.done else bar):
        batches = tqdm(train_batches(rng), desc=f"{desc} epoch {epoch + 1}/{epochs}",
                       unit="batch", total=prog.batches, disable=not progress, leave=False)
        epoch_now[0] = epoch
        train_loss, n_batches, cut = _train_epoch(model, step_model, batches, objective, opt,
                                                  device, deadline,
                                                  None if time_budget_s is None else lr_at)
        batches.close()
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
            best.best_epoch, best.best_val_loss, prog.bad = epoch, val_loss, 0
        else:
            prog.bad += 1
        prog.next_epoch, prog.batches = epoch + 1, prog.batches or n_batches
        prog.elapsed = time.perf_counter() - start
        out_of_time = cut or (deadline is not None and time.perf_counter() >= deadline)
        prog.done = prog.bad >= patience or out_of_time or prog.next_epoch >= epochs
        if prog.done:
            best.stopped_by = ("budget" if out_of_time else "patience" if prog.bad >= patience
                               else "epochs")
        if resume is not None:
            _save_progress(resume, model, opt, sched, prog, rng)
        if on_epoch is not None:
            on_epoch({**row, "best_val_loss": best.best_val_loss,
                      "best_epoch": float(best.best_epoch)})
        if prog.done:
            break
    bar.close()
    best.epochs_max, best.time_budget_s = epochs, time_budget_s
    model.load_state_dict(best.state_dict)
    model.eval()
    return best
