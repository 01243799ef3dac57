"""The one optimisation loop every model trains with: seeded, early-stopped on the
validation week.

What is minimised, and what "validation loss" means, is an :class:`Objective`; the loop
(AdamW, cosine decay, gradient clipping, early stopping, keeping the best epoch's
weights, the per-epoch callback) is the same for all of them.

Two limits make long CPU runs practical (``coverage init --data``): a time budget, after which
training stops (mid-epoch if need be; the best epoch so far is kept), and a resume folder,
where every finished epoch leaves a safetensors file (weights, optimiser, step count, random
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
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
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
from coverage.models.workers import one_thread_per_worker
from coverage.training.averaging import WeightAverage

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
    precision: str = "float32"  # what the steps ran in (TrainPrecision's name, or autocast's)

    def summary(self) -> dict[str, Any]:
        """What a checkpoint's metrics record about how its training ended, so the app and
        ``coverage info`` can say when a model stopped short."""
        return {"stopped_by": self.stopped_by, "epochs_run": len(self.history),
                "epochs_max": self.epochs_max, "best_epoch": self.best_epoch,
                "best_val_loss": self.best_val_loss, "time_budget_s": self.time_budget_s,
                "precision": self.precision}


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
    """Where a fit stands between epochs: all it needs, beyond the model and optimiser, to
    continue after an interruption."""

    best: FitResult
    next_epoch: int = 0
    bad: int = 0
    elapsed: float = 0.0  # seconds trained so far, in this and earlier runs
    batches: int | None = None  # batches per epoch, known after the first (the bar's total)
    done: bool = False  # stopped (patience, budget or last epoch): a resume only reloads
    step: int = 0  # optimiser steps taken (the warm-up counts them)


RESUME_FILE = "fit_state.safetensors"


def _save_progress(path: Path, model: nn.Module, opt: torch.optim.Optimizer,
                   prog: _Progress, rng: np.random.Generator,
                   average: WeightAverage | None = None) -> None:
    """One safetensors file (tensors + a JSON header), renamed into place: a crash mid-write
    leaves the previous epoch's file."""
    opt_sd = opt.state_dict()
    tensors = {f"model.{k}": v for k, v in model.state_dict().items()}
    tensors |= {f"best.{k}": v for k, v in prog.best.state_dict.items()}
    tensors |= {f"opt.{i}.{k}": v for i, st in opt_sd["state"].items() for k, v in st.items()}
    tensors["torch_rng"] = torch.get_rng_state()
    counters = None
    if average is not None:
        shadow, counters = average.state()
        tensors |= {f"avg.{k}": v for k, v in shadow.items()}
    header = {"average": counters, "param_groups": opt_sd["param_groups"], "step": prog.step,
              "numpy_rng": rng.bit_generator.state, "python_rng": random.getstate(),
              "best_epoch": prog.best.best_epoch, "best_val_loss": prog.best.best_val_loss,
              "history": prog.best.history, "next_epoch": prog.next_epoch, "bad": prog.bad,
              "elapsed": prog.elapsed, "batches": prog.batches, "done": prog.done,
              "stopped_by": prog.best.stopped_by}
    tensors = {k: v.detach().cpu().contiguous() for k, v in tensors.items()}
    with atomic_path(path) as tmp:
        save_file(tensors, str(tmp), metadata={"state": json.dumps(header, default=float)})


def _load_progress(path: Path, model: nn.Module, opt: torch.optim.Optimizer,
                   rng: np.random.Generator, average: WeightAverage | None = None
                   ) -> _Progress | None:
    """Restore a saved fit into ``model``/``opt``/``rng`` (and ``average``, which starts
    from the restored weights when the file has none); None (start afresh) when there is
    none, or it belongs to a model of another shape."""
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
    if average is not None:
        shadow = {k[4:]: v for k, v in tensors.items() if k.startswith("avg.")}
        if header.get("average") and shadow.keys() == saved.keys():
            average.restore(shadow, header["average"])
        else:
            average.restore(saved, {})
    state: dict[int, dict[str, torch.Tensor]] = {}
    for k, v in tensors.items():
        if k.startswith("opt."):
            _, i, name = k.split(".", 2)
            state.setdefault(int(i), {})[name] = v
    opt.load_state_dict({"state": state, "param_groups": header["param_groups"]})
    torch.set_rng_state(tensors["torch_rng"])
    rng.bit_generator.state = header["numpy_rng"]
    py = header["python_rng"]
    random.setstate((py[0], tuple(py[1]), py[2]))
    best = FitResult({k[5:]: v for k, v in tensors.items() if k.startswith("best.")},
                     header["best_epoch"], header["best_val_loss"], header["history"],
                     header.get("stopped_by", "epochs"))
    return _Progress(best, header["next_epoch"], header["bad"], header["elapsed"],
                     header["batches"], header["done"], header.get("step", 0))


def mixed_precision(device: torch.device) -> torch.dtype | None:
    """The autocast dtype training uses on ``device``: bfloat16 on a CUDA GPU that has it,
    else float16 (with loss scaling); None (float32) on the CPU and MPS, where the models'
    64-wide layers gain less from faster matmuls than the casts around them cost."""
    if device.type != "cuda":
        return None
    return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16


def shard_batch(batch: Any, parts: int) -> list[Any] | None:
    """``batch`` (tensors in nested tuples, None allowed) cut into ``parts`` along the first
    dimension, every tensor at the same fractions of the first one's rows, so labels kept
    per moment (``b * c`` rows for ``b`` chunks) stay with their chunk; None when it cannot
    be (fewer rows than parts, or rows that are not a multiple of the first tensor's)."""
    leaves: list[torch.Tensor] = []

    def walk(obj: Any) -> None:
        if isinstance(obj, torch.Tensor):
            leaves.append(obj)
        elif isinstance(obj, tuple | list):
            for o in obj:
                walk(o)
    walk(batch)
    b = leaves[0].shape[0] if leaves and leaves[0].dim() else 0
    if parts < 2 or b < parts or any(t.dim() == 0 or t.shape[0] % b for t in leaves):
        return None
    cuts = [b * i // parts for i in range(parts + 1)]

    def cut(obj: Any, i: int) -> Any:
        if isinstance(obj, torch.Tensor):
            m = obj.shape[0] // b
            return obj[cuts[i] * m:cuts[i + 1] * m]
        if isinstance(obj, tuple | list):
            return type(obj)(cut(o, i) for o in obj)
        return obj
    return [cut(batch, i) for i in range(parts)]


class Shards:
    """Data-parallel steps on the CPU: each of ``n`` threads runs a single-threaded forward
    and backward on its share of the batch, and the gradients are summed in a fixed order.

    Every operator of these small models, split across cores, pays a fork/join barrier and
    leaves the cores' caches half used (as in inference, :mod:`coverage.models.workers`);
    whole shards per core do not. Each shard draws its dropout masks from its own generator
    (``shard(rng)`` of the training view), seeded from the fit's Generator in the main
    thread, so a sharded fit is as reproducible, and as exactly resumable, as a plain one.
    """

    def __init__(self, step_model: nn.Module, n: int) -> None:
        self.step_model, self.n = step_model, n
        self.pool = ThreadPoolExecutor(n, thread_name_prefix="shard")

    @staticmethod
    def available(step_model: nn.Module, device: torch.device) -> int:
        """How many shards a step takes: one per core on the CPU, where the training view
        can give each its own dropout masks; 1 (a plain step) otherwise."""
        shard = getattr(step_model, "shard", None)
        if device.type != "cpu" or shard is None or shard(np.random.default_rng(0)) is None:
            return 1
        return torch.get_num_threads()

    def loss_and_grads(self, batch: Any, objective: Objective, device: torch.device,
                       params: list[nn.Parameter], rng: np.random.Generator
                       ) -> tuple[float, int] | None:
        """Set every parameter's ``.grad`` to the batch's gradient (the shards' mean-loss
        gradients weighted by their sample counts); the batch's mean loss and size. None
        when the batch cannot be sharded (the caller takes a plain step)."""
        parts = shard_batch(batch, self.n)
        if parts is None:
            return None
        seeds = rng.integers(0, 2**63 - 1, size=len(parts))

        def run(i: int) -> tuple[float, int, tuple[torch.Tensor | None, ...]]:
            view = self.step_model.shard(np.random.default_rng(int(seeds[i])))
            loss, size = objective.train_loss(view, parts[i], device)
            grads = torch.autograd.grad(loss, params, allow_unused=True)
            return float(loss.detach()), size, grads
        with one_thread_per_worker():
            results = list(self.pool.map(run, range(len(parts))))
        total = sum(size for _, size, _ in results)
        for j, p in enumerate(params):
            grad = None
            for _, size, grads in results:
                if grads[j] is not None:
                    g = grads[j] * (size / max(total, 1))
                    grad = g if grad is None else grad.add_(g)
            p.grad = grad
        return sum(loss * size for loss, size, _ in results) / max(total, 1), total

    def close(self) -> None:
        self.pool.shutdown()


@dataclass
class Stepper:
    """One optimiser step of a fit: forward, backward (data-parallel over ``shards`` when
    given), gradient clipping, the update. Benchmarks time the same object ``fit`` uses."""

    model: nn.Module
    step_model: nn.Module
    objective: Objective
    opt: torch.optim.Optimizer
    device: torch.device
    shards: Shards | None = None
    average: WeightAverage | None = None  # updated after every step

    def __post_init__(self) -> None:
        self.amp = mixed_precision(self.device)
        self.scaler = torch.amp.GradScaler(self.device.type, enabled=self.amp == torch.float16)
        self.params = [p for p in self.model.parameters() if p.requires_grad]

    def __call__(self, batch: Any, rng: np.random.Generator) -> tuple[float, int]:
        """Train on ``batch``; its mean loss and sample count."""
        sharded = (self.shards.loss_and_grads(batch, self.objective, self.device,
                                              self.params, rng)
                   if self.shards is not None else None)
        if sharded is None:
            with torch.autocast(self.device.type, dtype=self.amp or torch.float32,
                                enabled=self.amp is not None):
                loss, size = self.objective.train_loss(self.step_model, batch, self.device)
            self.opt.zero_grad(set_to_none=True)
            self.scaler.scale(loss).backward()
            value = float(loss.detach())
        else:
            value, size = sharded
        self.scaler.unscale_(self.opt)
        nn.utils.clip_grad_norm_(self.params, 1.0)
        self.scaler.step(self.opt)
        self.scaler.update()
        if self.average is not None:
            self.average.update(self.model)
        return value, size


def _train_epoch(stepper: Stepper, batches: Iterable[Any], lr_at: Callable[[], float],
                 rng: np.random.Generator, deadline: float | None = None
                 ) -> tuple[float, int, bool]:
    """One pass over the training batches, cut short at ``deadline`` (perf_counter time):
    the sample-weighted mean training loss, the number of batches and whether it was cut.
    ``lr_at()`` sets the learning rate before every step."""
    stepper.step_model.train()
    stepper.model.train()
    total, n, steps = 0.0, 0, 0
    for batch in batches:
        rate = lr_at()
        for group in stepper.opt.param_groups:
            group["lr"] = rate
        value, size = stepper(batch, rng)
        total += value * size
        n += size
        steps += 1
        if deadline is not None and time.perf_counter() >= deadline:
            return total / max(n, 1), steps, True
    return total / max(n, 1), steps, False


def learning_rate(lr: float, step: int, progress: float, warmup_steps: int) -> float:
    """``lr`` warmed up linearly over the first ``warmup_steps`` optimiser steps, times a
    cosine from 1 to 0 over ``progress`` (0 at the start, 1 at the end of training).

    The warm-up keeps Adam's first steps, taken on second-moment estimates of a handful
    of batches, from knocking a fresh transformer into predicting the base rate."""
    warm = min(1.0, (step + 1) / warmup_steps) if warmup_steps > 0 else 1.0
    return lr * warm * 0.5 * (1.0 + math.cos(math.pi * min(1.0, max(0.0, progress))))


def fit(model: nn.Module, train_batches: Callable[[np.random.Generator], Iterable[Any]],
        objective: Objective, *, rng: np.random.Generator, epochs: int, lr: float,
        weight_decay: float, patience: int, device: torch.device, progress: bool = True,
        desc: str = "train", compile_model: bool = False,
        train_module: nn.Module | None = None,
        on_epoch: Callable[[dict[str, float]], None] | None = None,
        time_budget_s: float | None = None, resume_dir: str | Path | None = None,
        warmup_steps: int = 0, average_epochs: float = 0.0) -> FitResult:
    """Adam-W with a linear warm-up over ``warmup_steps`` steps, then cosine decay; keep the
    weights of the epoch with the best ``val_loss``.

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

    ``average_epochs`` > 0 validates, selects and returns a moving average of the weights
    over about that many epochs (:mod:`coverage.training.averaging`) instead of the last
    step's.

    ``train_module``, when given, is what the training steps call instead of ``model``: a
    module holding ``model`` (its parameters, nothing else to learn) that takes another
    batch layout, such as a windowed view (:mod:`coverage.training.windows`). One that can
    ``shard(rng)`` itself trains data-parallel on the CPU's cores (:class:`Shards`).
    """
    model.to(device)
    step_model = train_module.to(device) if train_module is not None else model
    step_model = torch.compile(step_model) if compile_model else step_model
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=weight_decay)
    resume = Path(resume_dir) / RESUME_FILE if resume_dir is not None else None
    average = WeightAverage(model, average_epochs) if average_epochs > 0 else None
    prog = (_load_progress(resume, model, opt, rng, average) if resume is not None else None) \
        or _Progress(FitResult(copy.deepcopy(model.state_dict()), -1, math.inf))
    best = prog.best
    start = time.perf_counter() - prog.elapsed
    deadline = None if time_budget_s is None else start + time_budget_s
    epoch_now = [prog.next_epoch]

    def lr_at() -> float:  # cosine over the epochs, or the budget's clock if further along
        done = epoch_now[0] / epochs
        if time_budget_s is not None:
            done = max(done, (time.perf_counter() - start) / time_budget_s)
        prog.step += 1
        return learning_rate(lr, prog.step - 1, done, warmup_steps)
    n_shards = Shards.available(step_model, device)
    shards = Shards(step_model, n_shards) if n_shards > 1 else None
    stepper = Stepper(model, step_model, objective, opt, device, shards, average)
    bar = tqdm(range(prog.next_epoch, epochs), desc=desc, unit="epoch", disable=not progress,
               leave=False, initial=prog.next_epoch, total=epochs)
    for epoch in ([] if prog.done else bar):
        batches = tqdm(train_batches(rng), desc=f"{desc} epoch {epoch + 1}/{epochs}",
                       unit="batch", total=prog.batches, disable=not progress, leave=False)
        epoch_now[0] = epoch
        t_train = time.perf_counter()
        train_loss, n_batches, cut = _train_epoch(stepper, batches, lr_at, rng, deadline)
        t_val = time.perf_counter()
        batches.close()
        prog.next_epoch, prog.batches = epoch + 1, prog.batches or n_batches
        if average is not None:
            average.steps_per_epoch = prog.batches
        model.eval()
        with average.swapped_in(model) if average is not None else nullcontext():
            with torch.no_grad():
                val = objective.validate(model)
            # where an epoch's time goes (steps, validation), for benchmarks and trackers
            row = {"epoch": epoch, "train_loss": train_loss, **val,
                   "train_s": t_val - t_train, "val_s": time.perf_counter() - t_val}
            val_loss = row["val_loss"]
            best.history.append(row)
            bar.set_postfix(train=f"{train_loss:.4f}", val=f"{val_loss:.4f}")
            if val_loss < best.best_val_loss - 1e-5:
                best.state_dict = copy.deepcopy(model.state_dict())
                best.best_epoch, best.best_val_loss, prog.bad = epoch, val_loss, 0
            else:
                prog.bad += 1
        prog.elapsed = time.perf_counter() - start
        out_of_time = cut or (deadline is not None and time.perf_counter() >= deadline)
        prog.done = prog.bad >= patience or out_of_time or prog.next_epoch >= epochs
        if prog.done:
            best.stopped_by = ("budget" if out_of_time else "patience" if prog.bad >= patience
                               else "epochs")
        if resume is not None:
            _save_progress(resume, model, opt, prog, rng, average)
        if on_epoch is not None:
            on_epoch({**row, "best_val_loss": best.best_val_loss,
                      "best_epoch": float(best.best_epoch)})
        if prog.done:
            break
    bar.close()
    if shards is not None:
        shards.close()
    best.epochs_max, best.time_budget_s = epochs, time_budget_s
    best.precision = (str(stepper.amp).removeprefix("torch.") if stepper.amp is not None
                      else getattr(train_module, "training_precision", "float32"))
    model.load_state_dict(best.state_dict)
    model.eval()
    return best
