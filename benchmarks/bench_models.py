"""Model throughput: training frames/s, batched vs per-frame inference, peak memory.

    .venv/bin/python benchmarks/bench_models.py [--store STORE --week 9] [--device cuda]

Without ``--store`` it uses an in-memory toy week (tests.builders.toy), so it runs
anywhere in seconds; with a store it uses that week's real pre-snap frames.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

import docpage
import numpy as np
import polars as pl
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # for tests.builders

from coverage.features import FEATURES, build_frames, feature_stats  # noqa: E402
from coverage.models.registry import build_model  # noqa: E402
from coverage.training.frame_models import lstm_logits, transformer_logits  # noqa: E402
from coverage.training.loop import MaskedBCE, fit, pick_device, seed_everything  # noqa: E402
from coverage.training.sampling import lstm_batches, window_batches  # noqa: E402
from coverage.training.windows import WindowedTransformer  # noqa: E402
from tests.builders.toy import toy_tracking  # noqa: E402


def _frames(args: argparse.Namespace):
    t0 = time.perf_counter()
    if args.store:
        from coverage.store import Store

        store = Store(args.store)
        ft = build_frames(store.tracking(args.week),
                          store.plays().filter(pl.col("week") == args.week))
    else:
        ft = build_frames(*toy_tracking(n_plays=args.plays, n_frames=60, seed=0))
    return ft, time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--store")
    ap.add_argument("--week", type=int, default=9)
    ap.add_argument("--plays", type=int, default=200, help="toy plays when no --store")
    ap.add_argument("--device", default="auto")
    ap.add_argument("--per-frame-samples", type=int, default=200)
    docpage.add_flag(ap)
    args = ap.parse_args()
    device = pick_device(args.device)
    ft, build_s = _frames(args)
    n = len(ft)
    mean, std = feature_stats(ft.x)
    res: dict[str, object] = {"device": str(device), "frames": n, "threads":
                              torch.get_num_threads(), "build_frames_s": round(build_s, 2),
                              "build_frames_per_s": round(n / build_s)}
    k, stride = 5, 2
    for kind in ("transformer", "lstm"):
        hp = ({"n_features": len(FEATURES), "mean": mean, "std": std} if kind == "transformer"
              else {"n_features": len(FEATURES), "mean": mean, "std": std})
        model = build_model(kind, hp).to(device)
        rng = seed_everything(0)
        view = None
        if kind == "transformer":
            batches = window_batches(ft, k, stride, per_play=8, chunk=4, batch_size=256)
            view = WindowedTransformer(model, k)
            n_train = 8 * len(np.unique(ft.play_start))
        else:
            batches = lstm_batches(ft, batch_plays=16)
            n_train = n
        t0 = time.perf_counter()
        fit(model, batches, MaskedBCE(1.0, lambda m: (np.zeros(2), np.array([0.0, 1.0]))),
            rng=rng, epochs=1, lr=1e-3, weight_decay=0.0, patience=1, device=device,
            progress=False, train_module=view)
        train_s = time.perf_counter() - t0
        model.eval()
        t0 = time.perf_counter()
        z = (transformer_logits(model, ft, k, stride, 4096, device) if kind == "transformer"
             else lstm_logits(model, ft, 256, device))
        batch_s = time.perf_counter() - t0
        # per-frame loop: one forward per frame, as a naive real-time consumer would
        rows = np.linspace(0, n - 1, min(args.per_frame_samples, n)).astype(np.int64)
        hist = ft.history_index(k, stride)
        t0 = time.perf_counter()
        with torch.no_grad():
            for r in rows:
                if kind == "transformer":
                    model(torch.from_numpy(ft.x[hist[r]][None]).to(device))
                else:
                    s = ft.play_start[r]
                    model(torch.from_numpy(ft.x[s:r + 1][None]).to(device))
        loop_fps = rows.size / (time.perf_counter() - t0)
        res[kind] = {
            "params": sum(p.numel() for p in model.parameters()),
            "train_frames_per_s": round(n_train / train_s),
            "batched_infer_frames_per_s": round(n / batch_s),
            "per_frame_loop_frames_per_s": round(loop_fps),
            "batched_speedup": round((n / batch_s) / loop_fps, 1),
            "finite": bool(np.isfinite(z).all()),
        }
    res["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    if device.type == "cuda":
        res["peak_cuda_mb"] = round(torch.cuda.max_memory_allocated() / 2**20)
    print(json.dumps(res, indent=2))
    docpage.add_section("Per model", docpage.table(
        [{"model": k, **v} for k, v in res.items() if isinstance(v, dict)]))
    docpage.add_section("Run", docpage.table(
        [{"figure": k, "value": v} for k, v in res.items() if not isinstance(v, dict)]))


if __name__ == "__main__":
    sys.exit(docpage.run(main, "models", "Model throughput: training, batched and per-frame "
                         "inference, peak memory", output=False))
