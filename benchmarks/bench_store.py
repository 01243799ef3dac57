"""Ingest throughput and single-play load latency on a real-size tracking week.

Builds a week the size of a real 2022 week (~1,800 plays, ~7-8 M rows) by tiling
a template play (the real fixture play when ../shared/bdb is present), ingests it,
then times `Store.play_frames` against a full-week read + filter in the same process.

    python benchmarks/bench_store.py [--plays 1800] [--keep DIR]
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

import numpy as np
import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from coverage.ingest import ingest  # noqa: E402
from coverage.store import Store  # noqa: E402
from tests.builders.fixtures import find_shared_bdb  # noqa: E402
from tests.rawkit import make_raw_dir, play_rows  # noqa: E402

SHARED_BDB = find_shared_bdb()

def _template() -> tuple[pl.DataFrame, pl.DataFrame | None]:
    if SHARED_BDB is not None:
        t = pl.read_csv(SHARED_BDB / "tracking_2022_real_1play.csv", null_values=["NA", ""],
                        schema_overrides={"jerseyNumber": pl.Float64})
        plays = pl.read_csv(SHARED_BDB / "plays.csv", null_values=["NA", ""],
                            infer_schema_length=20000).filter(
            (pl.col("gameId") == 2022103007) & (pl.col("playId") == 1507))
        return t, plays
    rows = play_rows(2022090800, 56, "right", n_pre=170, n_post=40)
    return pl.DataFrame(rows), None


def build_week(root: Path, n_plays: int) -> int:
    template, plays_row = _template()
    make_raw_dir(root)  # games/plays/players scaffolding
    per_game = 110
    game_ids = np.arange(n_plays) // per_game
    play_ids = (np.arange(n_plays) % per_game) * 40 + 56
    reps = pl.DataFrame({"_g": game_ids, "_p": play_ids})
    week = (reps.join(template, how="cross")
            .with_columns((pl.col("_g") + 2022110600).alias("gameId"),
                          pl.col("_p").alias("playId"))
            .drop("_g", "_p"))
    week.write_csv(root / "tracking_week_1.csv")
    base = plays_row if plays_row is not None else pl.read_csv(root / "plays.csv").head(1)
    plays = reps.join(base.drop("gameId", "playId"), how="cross").with_columns(
        (pl.col("_g") + 2022110600).alias("gameId"), pl.col("_p").alias("playId")
    ).drop("_g", "_p")
    plays.write_csv(root / "plays.csv")
    (root / "games.csv").unlink()
    return week.height


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--plays", type=int, default=1800)
    ap.add_argument("--keep", type=Path, default=None)
    args = ap.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="bench_store_"))
    raw, store_dir = work / "raw", work / "store"
    t0 = time.perf_counter()
    if not (raw / "tracking_week_1.csv").exists():
        rows = build_week(raw, args.plays)
    else:
        rows = pl.scan_csv(raw / "tracking_week_1.csv").select(pl.len()).collect().item()
    csv_mb = (raw / "tracking_week_1.csv").stat().st_size / 1e6
    print(f"week: {rows:,} rows, {csv_mb:,.0f} MB CSV (built in {time.perf_counter() - t0:.1f}s)")

    t0 = time.perf_counter()
    report = ingest(raw, store_dir, progress=False, force=True)
    dt = time.perf_counter() - t0
    pq_mb = (store_dir / "tracking" / "week_1.parquet").stat().st_size / 1e6
    rss_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6
    print(f"ingest: {dt:.1f}s, {rows / dt:,.0f} rows/s, {report.plays_kept} plays, "
          f"parquet {pq_mb:.0f} MB, peak RSS {rss_gb:.2f} GB")

    store = Store(store_dir)
    plays = store.plays().select("gameId", "playId")
    rng = np.random.default_rng(0)
    picks = [plays.row(int(i)) for i in rng.integers(0, plays.height, 40)]
    store.play_frames(*picks[0])  # warm the OS cache and metadata

    lat = []
    for g, p in picks:
        t = time.perf_counter()
        df = store.play_frames(g, p)
        lat.append((time.perf_counter() - t) * 1000)
    assert df.height > 0
    base = []
    path = store.tracking_path(1)
    for g, p in picks[:5]:
        t = time.perf_counter()
        pl.read_parquet(path).filter((pl.col("gameId") == g) & (pl.col("playId") == p))
        base.append((time.perf_counter() - t) * 1000)
    med, p95 = statistics.median(lat), sorted(lat)[int(0.95 * len(lat)) - 1]
    print(f"play_frames: median {med:.1f} ms, p95 {p95:.1f} ms (goal < 50 ms); "
          f"full-week read+filter baseline {statistics.median(base):.0f} ms "
          f"-> {statistics.median(base) / med:.0f}x faster")
    if args.keep is None:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
