"""Throughput of formation detection on a generated workload.

A real week is ~1,500 plays with tens to a few hundred pre-snap frames each;
``--plays 1500 --frames 100`` approximates it; ``--store STORE [--week W]`` runs on that
week's real pre-snap frames instead. Run with
``python benchmarks/bench_formations.py [--plays N] [--frames F | --store S] [--threads T]``.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import docpage

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # for tests.builders


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--plays", type=int, default=400)
    ap.add_argument("--frames", type=int, default=50, help="pre-snap frames per play")
    ap.add_argument("--threads", type=int, default=2, help="BLAS/polars threads (2 = laptop)")
    ap.add_argument("--store", default=None, help="time a week of this store instead")
    ap.add_argument("--week", type=int, default=None, help="with --store (default: last)")
    docpage.add_flag(ap)
    args = ap.parse_args()
    for var in ("POLARS_MAX_THREADS", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(args.threads)

    import polars as pl

    from coverage.formations import EFPI
    from tests.builders.formation_frames import template_frames

    if args.store:
        from coverage.opener import open_store

        store = open_store(args.store)
        week = args.week or store.weeks[-1]
        tracking = store.tracking(week).filter(pl.col("secs_from_snap") <= 0).collect()
        n_frames = tracking.select(pl.struct("gameId", "playId", "frameId").n_unique()).item()
        print(f"workload: week {week} of {args.store}: {n_frames} pre-snap frames "
              f"({tracking.height} rows), {args.threads} threads")
    else:
        tracking, _ = template_frames(args.plays, args.frames, seed=0)
        n_frames = args.plays * args.frames
        print(f"workload: {args.plays} plays x {args.frames} frames = {n_frames} frames "
              f"({tracking.height} rows), both sides, {args.threads} threads")
    secs: dict[str, float] = {}
    for every, thr in (("frame", 0.0), ("frame", 0.1), ("1s", 0.0), ("play", 0.0), ("snap", 0.0)):
        t0 = time.perf_counter()
        efpi = EFPI(tracking).fit(every=every, change_threshold=thr)
        dt = time.perf_counter() - t0
        secs.setdefault(every, dt)
        print(f"every={every:<6} change_threshold={thr:<4} {dt:7.2f} s  "
              f"{n_frames / dt:10.0f} input frames/s  ({efpi.formations.height} rows out)")
    print(f"per play {secs['play']:.2f} s: {secs['frame'] / secs['play']:.0f}x faster than "
          f"fitting every frame (the baseline, {secs['frame']:.2f} s)")


if __name__ == "__main__":
    sys.exit(docpage.run(main, "formations", "Formation detection throughput"))
