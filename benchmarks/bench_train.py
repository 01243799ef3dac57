"""Training throughput of the tracking models, against the machine's matmul peak and against
the trainer before windowed training, measured in the same run.

For each model (transformer, family, LSTM) two paths train from the same frames with the
same optimiser step (forward, backward, gradient clipping, AdamW), batch drawing included:

* **before**: the trainer as it was (:mod:`baseline_training`): each sampled moment is its
  own k-frame window, LSTM batches of plays in random order;
* **now**: what ``coverage train`` / ``coverage init`` run (chunks of overlapping windows
  with every frame encoded once, each step split into one single-threaded shard per core,
  LSTM batches of plays of similar length), at the trainers' training precision and, where
  that is not float32, in float32 beside it (``--precisions``; see
  :class:`~coverage.models.train_encoder.TrainPrecision`).

The paths alternate in rounds, so a busy machine slows all alike; each round's first step
of a path is not timed (it finds the caches the other path left). Figures:
*moments/s* (predictions trained on), *frames/s* (moments x k frames each, the unit of the
issue; for the LSTM every frame is a moment), *encoded/s* (frames through the encoder),
*GFLOP/s* (floating-point work actually done, counted by torch's FLOP counter on the
same batches) and that as a share of the machine's matmul peak, measured here in float32
and bfloat16 with the same threads; *frames per CPU-s* is the same work per second of
this process's CPU time, which other load on the machine disturbs less than wall time.

    python benchmarks/bench_train.py [--store DIR] [--weeks 1 2 3 4 5 6 7] [--rounds 6]
                                     [--precisions auto float32] [--unsharded]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

import baseline_training as before
import docpage
import numpy as np
import torch
from torch.utils.flop_counter import FlopCounterMode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from coverage.family.train import explain_batches, multitask_loss  # noqa: E402
from coverage.family.week_frames import WeekFrames  # noqa: E402
from coverage.features import FEATURES, input_hparams  # noqa: E402
from coverage.models.registry import build_model  # noqa: E402
from coverage.models.train_encoder import train_precision  # noqa: E402
from coverage.opener import open_store  # noqa: E402
from coverage.training.loop import Shards, Stepper, masked_bce  # noqa: E402
from coverage.training.options import (  # noqa: E402
    NETWORK_DEFAULTS,
    PRECISION_NAMES,
    ModelInputs,
    Optimisation,
)
from coverage.training.sampling import lstm_batches, window_batches  # noqa: E402
from coverage.training.windows import (  # noqa: E402
    WindowedFamily,
    WindowedTransformer,
    train_dropout,
)

_IN, _OPT = ModelInputs(), Optimisation()  # the trainers' defaults
# the 'now' paths: the trainers' training precision, and float32 beside it when that differs
PRECISIONS = tuple(dict.fromkeys((_OPT.precision, "float32")))  # auto first: the default
CPU = torch.device("cpu")
BEFORE_DROPOUT = 0.1  # every tracking network's, before NETWORK_DEFAULTS dropped it
K, STRIDE, PER_PLAY, CHUNK, BATCH = (_IN.history, _IN.stride, _IN.frames_per_play, _IN.chunk,
                                     _OPT.batch_size)


def matmul_peak(dtype: torch.dtype) -> float:
    """Best GFLOP/s of square matmuls on this machine's torch threads."""
    best = 0.0
    for n in (1024, 2048, 3072):
        a, b = torch.randn(n, n, dtype=dtype), torch.randn(n, n, dtype=dtype)
        a @ b
        t0 = time.perf_counter()
        for _ in range(3):
            a @ b
        best = max(best, 6 * n ** 3 / (time.perf_counter() - t0) / 1e9)
    return best


class _Loss:
    """A benchmark step's loss as the trainers' Objective gives it (validation unused)."""

    def __init__(self, step: Callable, count: Callable) -> None:
        self.step, self.count = step, count

    def train_loss(self, module, batch, device):
        return self.step(module, batch), self.count(batch)[0]

    def validate(self, model):  # pragma: no cover - never validated here
        raise NotImplementedError


class TrainPath:
    """One way of training one model: its batches, its step and how a batch counts.

    The "now" path steps with the trainers' own :class:`~coverage.training.loop.Stepper`
    (data-parallel shards on the CPU's cores where the view allows); "before" takes the
    plain step the trainer took."""

    def __init__(self, model: str, path: str, module: torch.nn.Module, params: torch.nn.Module,
                 batches: Callable, step: Callable, count: Callable) -> None:
        self.model, self.path, self.module, self.step_fn, self.count = \
            model, path, module, step, count
        self.opt = torch.optim.AdamW(params.parameters(), lr=1e-3, weight_decay=1e-4)
        self.params = params
        self.rng = np.random.default_rng(0)
        self.gen = batches(np.random.default_rng(0))
        self.seconds, self.cpu = 0.0, 0.0
        self.totals = np.zeros(3)  # moments, encoded frames, FLOPs
        self.flops_per_unit = 0.0
        cpu = torch.device("cpu")
        n = Shards.available(module, cpu) if path.startswith("now") else 1
        self.stepper = Stepper(params, module, _Loss(step, count), self.opt, cpu,
                               Shards(module, n) if n > 1 else None)

    def step(self, batch) -> None:
        self.params.train()
        self.stepper(batch, self.rng)

    def calibrate(self) -> None:
        """FLOPs of forward + backward per unit of ``count`` (encoded or padded frames),
        from two batches counted by torch in plain steps (the counter sees one thread;
        shards do the same work), not timed."""
        flops, units = 0, 0
        shards, self.stepper.shards = self.stepper.shards, None
        for _ in range(2):
            batch = next(self.gen)
            with FlopCounterMode(display=False) as fc:
                self.step(batch)
            flops += fc.get_total_flops()
            units += self.count(batch)[2]
        self.stepper.shards = shards
        self.flops_per_unit = flops / units

    def timed(self, steps: int) -> None:
        # one step untimed first: the first step after another path's pays for caches and
        # thread pools left cold, which a trainer stepping on and on never does
        self.step(next(self.gen))
        for _ in range(steps):
            t0, c0 = time.perf_counter(), time.process_time()
            batch = next(self.gen)
            self.step(batch)
            self.seconds += time.perf_counter() - t0
            self.cpu += time.process_time() - c0
            moments, encoded, units = self.count(batch)
            self.totals += (moments, encoded, units * self.flops_per_unit)


def _twins(kind: str, hp: dict, n: int = 2) -> list[torch.nn.Module]:
    """``n`` models of ``kind`` with the same initial weights, one per path: the first (the
    'before' path) with the dropout the trainers had then, the others with the trainers'."""
    out = []
    for i in range(n):
        torch.manual_seed(0)
        dropout = BEFORE_DROPOUT if i == 0 else NETWORK_DEFAULTS[kind]["dropout"]
        out.append(build_model(kind, {**hp, "dropout": dropout}))
    return out


def _now(precision: str) -> str:
    """A 'now' path's name: the trainers' step at one training precision, as resolved on
    this CPU ("auto" is mixed or float32)."""
    return f"now, {train_precision(precision, CPU).name}"


def _drop(model):
    """The training forward's dropout the trainers use on this device (None: the module's)."""
    return train_dropout(model, CPU, np.random.default_rng(1))


def _tracking_paths(ft, hp: dict, batch: int = BATCH, precisions: tuple[str, ...] = PRECISIONS
                    ) -> list[TrainPath]:
    def step(module, batch):
        (x,), y, _ = batch
        return masked_bce(module(x), y, None, 3.0)

    def count(batch):
        (x,), y, _ = batch
        enc = x.shape[0] * x.shape[1]
        return y.numel(), enc, enc

    m0, *now = _twins("transformer", hp, 1 + len(precisions))
    return [TrainPath("transformer", "before", m0, m0,
                  before.transformer_batches(ft, K, STRIDE, PER_PLAY, BATCH), step, count),
            *[TrainPath("transformer", _now(p),
                        WindowedTransformer(m, K, _drop(m), train_precision(p, CPU)), m,
                        window_batches(ft, K, STRIDE, PER_PLAY, CHUNK, batch), step, count)
              for p, m in zip(precisions, now, strict=True)]]


def _family_paths(ef, hp: dict, batch: int = BATCH, precisions: tuple[str, ...] = PRECISIONS
                  ) -> list[TrainPath]:
    def step(module, batch):
        x, fam, assign, target = batch
        return multitask_loss(module(x), fam, assign, target, 0.5, 0.5)[0]

    def count(batch):
        x, fam, _, _ = batch
        enc = x.shape[0] * x.shape[1]
        return fam.shape[0], enc, enc

    m0, *now = _twins("family", {**hp, "n_families": 8, "n_assignments": 6},
                      1 + len(precisions))
    return [TrainPath("family", "before", m0, m0,
                  before.family_batches(ef, K, STRIDE, PER_PLAY, BATCH), step, count),
            *[TrainPath("family", _now(p),
                        WindowedFamily(m, K, _drop(m), train_precision(p, CPU)), m,
                        explain_batches(ef, K, STRIDE, PER_PLAY, CHUNK, batch), step, count)
              for p, m in zip(precisions, now, strict=True)]]


def _lstm_paths(ft, hp: dict) -> list[TrainPath]:
    def step(module, batch):
        (x,), y, mask = batch
        return masked_bce(module(x), y, mask, 3.0)

    def count(batch):
        (x,), y, mask = batch
        valid = int(mask.sum())
        return valid, valid, y.numel()  # FLOPs scale with padded frames

    lhp = {k: v for k, v in hp.items() if k not in ("dim", "depth", "heads")}
    m0, m1 = _twins("lstm", {**lhp, **NETWORK_DEFAULTS["lstm"]})
    return [TrainPath("lstm", "before", m0, m0, before.lstm_batches(ft, 16), step, count),
            TrainPath("lstm", "now", m1, m1, lstm_batches(ft, 16), step, count)]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--store", default=None, help="a store or download (default: the "
                    "embedded synthetic season)")
    ap.add_argument("--weeks", type=int, nargs="+", default=[1, 2, 3, 4, 5, 6, 7])
    ap.add_argument("--rounds", type=int, default=6, help="alternating rounds per model")
    ap.add_argument("--steps", type=int, default=4,
                    help="timed steps per path per round (after one untimed step)")
    ap.add_argument("--batch", type=int, default=BATCH,
                    help="moments per batch of the 'now' path (default: the trainers')")
    ap.add_argument("--models", nargs="+", default=["transformer", "family", "lstm"])
    ap.add_argument("--precisions", nargs="+", default=list(PRECISIONS),
                    choices=PRECISION_NAMES,
                    help="training precisions of the 'now' paths (default: the trainers', "
                         "and float32 beside it)")
    ap.add_argument("--unsharded", action="store_true",
                    help="also time the 'now' step unsharded (operators on all threads)")
    docpage.add_flag(ap)
    args = ap.parse_args()
    peak32, peak16 = matmul_peak(torch.float32), matmul_peak(torch.bfloat16)
    print(f"matmul peak on {torch.get_num_threads()} threads: float32 {peak32:.0f} GFLOP/s, "
          f"bfloat16 {peak16:.0f} GFLOP/s", flush=True)
    store = open_store(args.store, progress=False)
    t0 = time.perf_counter()
    ef = WeekFrames(store).explain(args.weeks)
    print(f"frames of weeks {args.weeks}: {len(ef):,} in {time.perf_counter() - t0:.1f} s",
          flush=True)
    hp = {"n_features": len(FEATURES), **NETWORK_DEFAULTS["transformer"],
          **input_hparams(ef.ft.x[::7], "full")}
    rows = []
    # one path per precision as this CPU resolves it (auto is float32 without bf16 units)
    precisions = tuple(dict.fromkeys(train_precision(p, CPU).name for p in args.precisions))
    make = {"transformer": lambda: _tracking_paths(ef.ft, hp, args.batch, precisions),
            "family": lambda: _family_paths(ef, hp, args.batch, precisions),
            "lstm": lambda: _lstm_paths(ef.ft, hp)}
    for m in args.models:
        paths = make[m]()
        if args.unsharded and paths[1].stepper.shards is not None:
            plain = make[m]()[1]  # the same step, its operators split across the threads
            plain.path, plain.stepper.shards = f"{plain.path}, unsharded", None
            paths.append(plain)
        for p in paths:
            p.calibrate()
        for _ in range(args.rounds):
            for p in paths:
                p.timed(args.steps)
        base = None
        for p in paths:
            moments, encoded, flops = p.totals / p.seconds
            frames = moments * (K if p.model != "lstm" else 1)
            base = base or frames
            rows.append({"model": p.model, "path": p.path, "moments/s": round(moments),
                         "frames/s": round(frames), "encoded/s": round(encoded),
                         "GFLOP/s": round(flops / 1e9, 1),
                         "% fp32 peak": round(100 * flops / 1e9 / peak32, 1),
                         "% bf16 peak": round(100 * flops / 1e9 / peak16, 1),
                         "x before": round(frames / base, 2),
                         "frames per CPU-s": round(frames * p.seconds / p.cpu)})
            print(rows[-1], flush=True)
    docpage.add_section("Machine peak", f"float32 {peak32:.0f} GFLOP/s, bfloat16 "
                        f"{peak16:.0f} GFLOP/s (square matmuls, {torch.get_num_threads()} "
                        "threads)")
    docpage.add_section("Training throughput (same run, alternating rounds)",
                        docpage.table(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(docpage.run(main, "train", "Training throughput of the tracking "
                                 "models against the matmul peak"))
