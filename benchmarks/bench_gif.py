"""Seconds to render a 100-frame play as a GIF (target: well under 2 s on 2 cores).

Run: ``python benchmarks/bench_gif.py [--repeat N] [--size 1200x480]``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # for tests.builders

from coverage.export import render_play_gif  # noqa: E402
from coverage.views import combined_figure, field_figure  # noqa: E402
from tests.builders.sample_play import sample_play  # noqa: E402


def hundred_frame_play() -> tuple[pl.DataFrame, pl.DataFrame, dict]:
    """The 60-frame sample stretched to 100 frames (frames 1-50 played twice)."""
    d = sample_play()
    f = d["frames"].filter(pl.col("frameId") <= 50)
    frames = pl.concat([f, f.with_columns(pl.col("frameId") + 50)])
    p = d["preds"].filter(pl.col("frameId") <= 50)
    preds = pl.concat([p, p.with_columns(pl.col("frameId") + 50)])
    return frames, preds, d["play"]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--size", default="1200x480")
    args = ap.parse_args()
    size = tuple(int(v) for v in args.size.split("x"))
    frames, preds, play = hundred_frame_play()
    assert frames["frameId"].n_unique() == 100
    gif_t, fig_t, comb_t, nbytes = [], [], [], 0
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        nbytes = len(render_play_gif(frames, preds, play, size=size))
        gif_t.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        field_figure(frames, play).to_json()
        fig_t.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        combined_figure(frames, preds, play).to_json()
        comb_t.append(time.perf_counter() - t0)
    print(f"render_play_gif  {size[0]}x{size[1]}: {statistics.median(gif_t):.3f} s per 100-frame "
          f"play ({nbytes / 1e6:.2f} MB)")
    print(f"field_figure + to_json:    {statistics.median(fig_t):.3f} s per 100-frame play")
    print(f"combined_figure + to_json: {statistics.median(comb_t):.3f} s per 100-frame play")


if __name__ == "__main__":
    main()
