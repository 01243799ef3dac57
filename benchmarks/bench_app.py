"""Play-switch cost on the server: data prep + the play player's spec per play.

What a rerun does when the user picks another play, minus Streamlit's own overhead:
read one play's tracking rows (uncached), slice its predictions, build the animation of
every frame and its JSON spec for the browser player (``coverage.app.play_player``).
The browser side is ``bench_browser.py``. Runs on the embedded store (or ``--store``),
which needs predictions (``coverage init`` makes them).

    python benchmarks/bench_app.py [--store DIR] [--plays 30]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import docpage
import numpy as np
import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from coverage.app import play_data  # noqa: E402
from coverage.app.play_player import player_spec  # noqa: E402
from coverage.opener import open_store  # noqa: E402
from coverage.views import combined_animation  # noqa: E402


def _ms(xs: list[float]) -> str:
    a = np.asarray(xs) * 1000
    return f"median {np.median(a):6.1f} ms  p95 {np.percentile(a, 95):6.1f} ms  max {a.max():6.1f}"


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--store", default=None)
    ap.add_argument("--plays", type=int, default=30)
    docpage.add_flag(ap)
    args = ap.parse_args()
    store = open_store(args.store)
    if store.predictions() is None:
        raise SystemExit(f"{store} has no predictions: run `coverage predict` first")
    t0 = time.perf_counter()
    plays = store.plays()
    preds = store.predictions()
    table = play_data.play_table(plays, preds, "transformer")
    print(f"{store}\nstartup (plays + all predictions + play table): "
          f"{(time.perf_counter() - t0) * 1000:.0f} ms, {table.height} plays, "
          f"{preds.height:,} prediction rows")
    rng = np.random.default_rng(0)
    idx = rng.choice(table.height, size=min(args.plays, table.height), replace=False)
    load, prep, build, ser, total, size = [], [], [], [], [], []
    n_frames = []
    for i in idx:
        g, p = int(table["gameId"][int(i)]), int(table["playId"][int(i)])
        t0 = time.perf_counter()
        frames = store.play_frames(g, p)
        t1 = time.perf_counter()
        row = plays.filter((pl.col("gameId") == g) & (pl.col("playId") == p)).row(
            0, named=True)
        pp = play_data.play_predictions(preds, g, p)
        slots = play_data.formation_slots(frames)  # per-frame hover slots (explain off)
        filt = play_data.filter_plays(
            table, play_data.PlayFilters({"family": ["Man", "Zone"]}))
        t2 = time.perf_counter()
        anim = combined_animation(frames, pp, row, slots=slots)  # every frame
        t3 = time.perf_counter()
        spec = player_spec(anim, g, p)  # what the page sends the browser
        t4 = time.perf_counter()
        size.append(len(spec))
        load.append(t1 - t0)
        prep.append(t2 - t1)
        build.append(t3 - t2)
        ser.append(t4 - t3)
        total.append(t4 - t0)
        n_frames.append(frames["frameId"].n_unique())
        assert filt.height > 0
    print(f"{len(idx)} play switches, {np.median(n_frames):.0f} frames median")
    print(f"  read play tracking (uncached)  {_ms(load)}")
    print(f"  filters, predictions, slots    {_ms(prep)}")
    print(f"  animation of every frame       {_ms(build)}")
    print(f"  player spec (JSON)             {_ms(ser)}  "
          f"median {np.median(size) / 1000:.0f} kB")
    print(f"  TOTAL per switch               {_ms(total)}  (server part of the < 300 ms "
          "goal; the browser's is bench_browser.py)")
    return 0


if __name__ == "__main__":
    sys.exit(docpage.run(main, "app", "Play switch on the server: data prep and the "
                         "player's spec"))
