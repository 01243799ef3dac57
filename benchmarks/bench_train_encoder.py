"""Training step of the frame encoder: the nn.TransformerEncoder module against the
functional training forward (``coverage/models/train_encoder.py``).

One step is forward + backward + AdamW of the encoder alone on one batch of frames
(``[batch, 22, features]``, already standardised), with dropout on. Both run on one
thread and are timed in CPU time (``time.process_time``), interleaved step by step and
repeated, so a shared, noisy machine slows both alike; the ratio of medians is the
figure. The profile of each step's largest operators follows:

    python benchmarks/bench_train_encoder.py [--batch 768] [--steps 20] [--dropout 0.1]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable

import docpage
import torch

from coverage.models.train_encoder import Dropout, train_tokens_and_pooled
from coverage.models.transformer import PlayerSetEncoder

Step = Callable[[], None]


def _stepper(args: argparse.Namespace, x: torch.Tensor, functional: bool) -> Step:
    torch.manual_seed(0)
    enc = PlayerSetEncoder(x.shape[-1], args.dim, args.depth, args.heads, args.dropout).train()
    opt = torch.optim.AdamW(enc.parameters(), lr=1e-3)
    drop = Dropout.for_encoder(enc, 0)

    def step() -> None:
        if functional:
            tokens, pooled = train_tokens_and_pooled(enc, x, drop)
        else:
            tokens, pooled = enc.tokens_and_pooled(x)
        loss = pooled.pow(2).mean() + tokens.mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    return step


def _profile(step: Step, top: int = 8) -> str:
    from torch.profiler import profile

    with profile() as prof:
        for _ in range(3):
            step()
    rows = sorted(prof.key_averages(), key=lambda e: -e.self_cpu_time_total)[:top]
    total = sum(e.self_cpu_time_total for e in prof.key_averages()) or 1
    return "\n".join(f"  {e.key:32s} {e.self_cpu_time_total / 3e3:7.1f} ms/step "
                     f"{100 * e.self_cpu_time_total / total:5.1f}%" for e in rows)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--batch", type=int, default=768, help="frames per step")
    ap.add_argument("--features", type=int, default=12)
    ap.add_argument("--dim", type=int, default=64)
    ap.add_argument("--depth", type=int, default=2)
    ap.add_argument("--heads", type=int, default=4)
    ap.add_argument("--dropout", type=float, default=0.1)
    ap.add_argument("--steps", type=int, default=20, help="timed steps of each, interleaved")
    docpage.add_flag(ap)
    args = ap.parse_args()
    torch.set_num_threads(1)
    x = torch.randn(args.batch, 22, args.features, generator=torch.Generator().manual_seed(0))
    steps = {"module": _stepper(args, x, False), "functional": _stepper(args, x, True)}
    for step in steps.values():  # warm-up: allocator, first-call dispatch
        step()
        step()
    times: dict[str, list[float]] = {k: [] for k in steps}
    for _ in range(args.steps):
        for name, step in steps.items():
            t0 = time.process_time()
            step()
            times[name].append(time.process_time() - t0)
    print(f"batch [{args.batch}, 22, {args.features}], dim {args.dim}, depth {args.depth}, "
          f"heads {args.heads}, dropout {args.dropout}; 1 thread, CPU time, "
          f"{args.steps} interleaved steps each (forward + backward + AdamW)")
    med = {k: statistics.median(v) for k, v in times.items()}
    for name, v in times.items():
        print(f"{name:10s} median {med[name] * 1e3:7.1f} ms/step  min {min(v) * 1e3:7.1f}  "
              f"{args.batch / med[name]:8.0f} frames/s")
    print(f"speed-up (ratio of medians): {med['module'] / med['functional']:.2f}x")
    for name, step in steps.items():
        print(f"\nlargest operators, {name} (profiler self CPU time; numpy's mask drawing "
              f"is outside it):\n{_profile(step)}")


if __name__ == "__main__":
    sys.exit(docpage.run(main, "train_encoder", "Training step of the frame encoder: "
                         "module against the functional forward"))
