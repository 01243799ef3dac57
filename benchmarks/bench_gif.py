"""Seconds to render a 100-frame play as a GIF (goal: < 1 s in process, < 1.5 s from the CLI).

The built 100-frame sample play by default; ``--store STORE`` renders that store's play
nearest 100 frames with its stored predictions (the CLI's end-to-end time, process start
included, is `benchmarks/bench_cli.py`).

Run: ``python benchmarks/bench_gif.py [--repeat N] [--size 1200x480] [--store STORE]``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import docpage
import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # for tests.builders

from coverage.app.play_player import player_spec  # noqa: E402
from coverage.export import render_play_gif  # noqa: E402
from coverage.views import combined_animation  # noqa: E402
from tests.builders.sample_play import sample_play  # noqa: E402

GOAL_S = 1.0


def hundred_frame_play() -> tuple[pl.DataFrame, pl.DataFrame, dict]:
    """The 60-frame sample stretched to 100 frames (frames 1-50 played twice)."""
    d = sample_play()
    f = d["frames"].filter(pl.col("frameId") <= 50)
    frames = pl.concat([f, f.with_columns(pl.col("frameId") + 50)])
    p = d["preds"].filter(pl.col("frameId") <= 50)
    preds = pl.concat([p, p.with_columns(pl.col("frameId") + 50)])
    return frames, preds, d["play"]


def store_play(store_arg: str) -> tuple[pl.DataFrame, pl.DataFrame | None, dict]:
    """The store's play nearest 100 frames (last week), its predictions and play row."""
    from coverage.opener import open_store

    store = open_store(store_arg)
    week = store.weeks[-1]
    n = (store.tracking(week).group_by("gameId", "playId")
         .agg(pl.col("frameId").n_unique().alias("n"))
         .sort((pl.col("n") - 100).abs(), "gameId", "playId").head(1).collect())
    gid, pid = int(n["gameId"][0]), int(n["playId"][0])
    preds = store.predictions(week)
    if preds is not None:
        preds = preds.filter((pl.col("gameId") == gid) & (pl.col("playId") == pid))
        preds = preds if preds.height else None
    return store.play_frames(gid, pid), preds, store.play_row(gid, pid)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--size", default="1200x480")
    ap.add_argument("--store", default=None, help="render a play of this store")
    docpage.add_flag(ap)
    args = ap.parse_args()
    size = tuple(int(v) for v in args.size.split("x"))
    frames, preds, play = store_play(args.store) if args.store else hundred_frame_play()
    gif_t, spec_t, nbytes, spec_bytes = [], [], 0, 0
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        nbytes = len(render_play_gif(frames, preds, play, size=size))
        gif_t.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        spec_bytes = len(player_spec(combined_animation(frames, preds, play), 0, 0))
        spec_t.append(time.perf_counter() - t0)
    n = frames["frameId"].n_unique()
    g = statistics.median(gif_t)
    print(f"render_play_gif  {size[0]}x{size[1]}: {g:.3f} s per {n}-frame play "
          f"({nbytes / 1e6:.2f} MB; goal < {GOAL_S} s: {'met' if g < GOAL_S else 'NOT met'})")
    print(f"the explorer's player spec: {statistics.median(spec_t):.3f} s per {n}-frame play "
          f"({spec_bytes / 1e6:.2f} MB of JSON)")


if __name__ == "__main__":
    sys.exit(docpage.run(main, "gif", "GIF rendering of a 100-frame play, in process"))
