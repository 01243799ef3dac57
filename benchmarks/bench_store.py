"""Ingest throughput and single-play load latency on a real-size tracking week.

By default simulates one real-size week (`coverage simulate --real-size`: 16 games of
~112 plays, real-length pre-snap phases; ~1,800 plays and ~7 M rows, like a 2022 week),
ingests it and times `Store.play_frames` against a full-week read + filter in the same
process. ``--store STORE`` times the play loads on an existing store instead (no
simulation, no ingest); ``--raw DIR`` ingests that raw folder instead of simulating.
Needs only the package (no test helpers), so it runs in the environment `make setup`
builds.

    python benchmarks/bench_store.py [--plays 1800] [--store STORE | --raw DIR] [--keep DIR]
"""

from __future__ import annotations

import argparse
import resource
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import docpage
import numpy as np
import polars as pl

from coverage.ingest import ingest
from coverage.opener import open_store
from coverage.simulate import simulate_season
from coverage.store import Store

PLAY_LOAD_GOAL_MS = 50.0
GAMES = 16


def build_week(root: Path, n_plays: int) -> int:
    """Simulate one real-size week into ``root``; returns its tracking rows."""
    summary = simulate_season(root, seed=0, weeks=1, games_per_week=GAMES,
                              plays_per_game=max(1, round(n_plays / GAMES)),
                              approach_secs=(3.0, 7.0), after_set_secs=(2.0, 15.0))
    return int(summary["tracking_rows"])  # type: ignore[call-overload]


def _ingest(raw: Path, store_dir: Path, plays: int) -> None:
    t0 = time.perf_counter()
    if not any(raw.glob("tracking_week_*.csv")):
        rows = build_week(raw, plays)
    else:
        rows = pl.scan_csv(raw / "tracking_week_*.csv").select(pl.len()).collect().item()
    csv_mb = sum(p.stat().st_size for p in raw.glob("tracking_week_*.csv")) / 1e6
    print(f"week: {rows:,} rows, {csv_mb:,.0f} MB CSV (ready in {time.perf_counter() - t0:.1f}s)")
    t0 = time.perf_counter()
    report = ingest(raw, store_dir, progress=False, force=True)
    dt = time.perf_counter() - t0
    store = Store(store_dir)
    pq_mb = sum(store.tracking_path(w).stat().st_size for w in store.weeks) / 1e6
    rss_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024
    print(f"ingest: {dt:.1f}s, {rows / dt:,.0f} rows/s, {report.plays_kept} plays, "
          f"parquet {pq_mb:.0f} MB, peak RSS {rss_gb:.2f} GB (incl. simulating)")


def time_play_loads(store: Store, week: int, n: int = 40) -> None:
    """Median / p95 of ``Store.play_frames`` against reading the week and filtering."""
    plays = store.plays().filter(pl.col("week") == week).select("gameId", "playId")
    rng = np.random.default_rng(0)
    picks = [plays.row(int(i)) for i in rng.integers(0, plays.height, n)]
    store.play_frames(*picks[0])  # warm the OS cache and metadata
    lat = []
    for g, p in picks:
        t = time.perf_counter()
        df = store.play_frames(g, p)
        lat.append((time.perf_counter() - t) * 1000)
    if df.height == 0:
        raise SystemExit("play_frames returned no rows")
    base = []
    path = store.tracking_path(week)
    for g, p in picks[:5]:
        t = time.perf_counter()
        pl.read_parquet(path).filter((pl.col("gameId") == g) & (pl.col("playId") == p))
        base.append((time.perf_counter() - t) * 1000)
    med, p95 = statistics.median(lat), sorted(lat)[int(0.95 * len(lat)) - 1]
    print(f"play_frames (week {week}, {plays.height:,} plays): median {med:.1f} ms, p95 "
          f"{p95:.1f} ms (median goal < {PLAY_LOAD_GOAL_MS:.0f} ms: "
          f"{'met' if med < PLAY_LOAD_GOAL_MS else 'NOT met'}); full-week read+filter "
          f"baseline {statistics.median(base):.0f} ms -> {statistics.median(base) / med:.0f}x "
          "faster")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--plays", type=int, default=1800, help="plays in the simulated week")
    ap.add_argument("--store", type=Path, default=None,
                    help="time play loads on this store (no simulation or ingest)")
    ap.add_argument("--week", type=int, default=None, help="with --store (default: last)")
    ap.add_argument("--raw", type=Path, default=None, help="ingest this raw folder")
    ap.add_argument("--keep", type=Path, default=None, help="work folder to keep")
    docpage.add_flag(ap)
    args = ap.parse_args()
    if args.store is not None:
        store = open_store(args.store)
        time_play_loads(store, args.week or store.weeks[-1])
        return
    work = args.keep or Path(tempfile.mkdtemp(prefix="bench_store_"))
    raw, store_dir = args.raw or work / "raw", work / "store"
    try:
        _ingest(raw, store_dir, args.plays)
        store = Store(store_dir)
        time_play_loads(store, store.weeks[-1])
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(docpage.run(main, "store", "Ingest throughput and single-play load latency"))
