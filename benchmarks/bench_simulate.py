"""Time the synthetic season generator: the embedded default and one real-size week.

Usage: ``.venv/bin/python benchmarks/bench_simulate.py [--skip-real-week]``
"""

from __future__ import annotations

import sys
import tempfile
import time

from coverage.simulate import simulate_season


def _bench(label: str, **kw: object) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        summary = simulate_season(tmp, **kw)  # type: ignore[arg-type]
        secs = time.perf_counter() - t0
    rows = int(summary["tracking_rows"])  # type: ignore[arg-type]
    mb = sum(summary["bytes"].values()) / 1e6  # type: ignore[union-attr]
    print(f"{label}: {summary['plays']} plays, {rows:,} tracking rows, {mb:.0f} MB CSV, "
          f"{secs:.1f} s, {rows / secs:,.0f} rows/s")


def main() -> None:
    _bench("default season (9 wk x 4 games x 40 plays)", seed=0)
    if "--skip-real-week" not in sys.argv:
        _bench("real-size week (16 games x 110 plays, 5-20 s pre-snap)", seed=0, weeks=1,
               games_per_week=16, plays_per_game=110, approach_secs=(3.0, 7.0),
               after_set_secs=(2.0, 13.0), post_snap_secs=(2.0, 3.5))


if __name__ == "__main__":
    main()
