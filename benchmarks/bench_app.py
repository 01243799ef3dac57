"""Play-switch cost in the Play explorer: data prep + figure build (+ JSON) per play.

What a rerun does when the user picks another play, minus Streamlit's own
overhead: read one play's tracking rows (cold, then cached), slice its
predictions, build ``combined_figure`` and serialise it as ``st.plotly_chart``
does. Goal: < 300 ms server time. Runs on the embedded store (or ``--store``),
writing fake predictions into a temp copy when the store has none.

    python benchmarks/bench_app.py [--store DIR] [--plays 30]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import plotly.io as pio
import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from coverage.app import play_data  # noqa: E402
from coverage.store import Store  # noqa: E402
from coverage.views import combined_figure  # noqa: E402


def _ms(xs: list[float]) -> str:
    a = np.asarray(xs) * 1000
    return f"median {np.median(a):6.1f} ms  p95 {np.percentile(a, 95):6.1f} ms  max {a.max():6.1f}"


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--store", default=None)
    ap.add_argument("--plays", type=int, default=30)
    args = ap.parse_args()
    store = Store.open(args.store)
    tmp = None
    if store.predictions() is None:
        from tests.test_app import fake_predictions

        tmp = Path(tempfile.mkdtemp(prefix="bench_app_"))
        shutil.copytree(store.path, tmp / "store")
        fake_predictions(tmp / "store")
        store = Store(tmp / "store")
    try:
        t0 = time.perf_counter()
        plays = store.plays()
        preds = store.predictions()
        table = play_data.play_table(plays, preds, "transformer")
        print(f"{store}\nstartup (plays + all predictions + play table): "
              f"{(time.perf_counter() - t0) * 1000:.0f} ms, {table.height} plays, "
              f"{preds.height:,} prediction rows")
        rng = np.random.default_rng(0)
        idx = rng.choice(table.height, size=min(args.plays, table.height), replace=False)
        load, prep, build, ser, total = [], [], [], [], []
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
            stride = play_data.animation_stride(frames["frameId"].n_unique())
            fig = combined_figure(frames, pp, row, frame_stride=stride, slots=slots,
                                  frame_ms=100 * stride)
            t3 = time.perf_counter()
            pio.to_json(fig, validate=False)  # what st.plotly_chart does
            t4 = time.perf_counter()
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
        print(f"  combined_figure build          {_ms(build)}")
        print(f"  figure -> JSON                 {_ms(ser)}")
        print(f"  TOTAL per switch               {_ms(total)}  (goal < 300 ms)")
        return 0 if np.median(np.asarray(total)) < 0.3 else 1  # p95 is printed above
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
