"""The synthetic season generator: time of the embedded default, peak memory of a real week.

Each run is its own `coverage simulate` process (as a user runs it), timed with its own
peak RSS from ``wait4``: the embedded default season (9 weeks x 4 games x 40 plays), then
one real-size week (16 games x 120 plays, real-length pre-snap phases: ~1,900 plays,
~8 M tracking rows) beside the 4 GB goal. Tracking is streamed to disk game by game, so
the week's peak should sit far below it and not grow with the number of games.

Usage: ``.venv/bin/python benchmarks/bench_simulate.py [--skip-default] [--games 16]
[--plays 120]``
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import docpage

BIN = Path(sys.executable).parent
PEAK_GOAL_GB = 4.0


def _run(label: str, args: list[str]) -> tuple[float, float]:
    """Run `coverage simulate OUT ARGS`; print and return (seconds, peak RSS in GB)."""
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        proc = subprocess.Popen([str(BIN / "coverage"), "simulate", tmp, *args],
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        out = proc.stdout.read() if proc.stdout else b""  # drain before waiting
        _, status, usage = os.wait4(proc.pid, 0)
        secs = time.perf_counter() - t0
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{label} failed:\n{out.decode()[-2000:]}")
    summary = json.loads(out)
    rows = int(summary["tracking_rows"])
    mb = sum(summary["bytes"].values()) / 1e6
    peak_gb = usage.ru_maxrss / 1024 / 1024  # Linux: KiB
    print(f"{label}: {summary['plays']:,} plays, {rows:,} tracking rows, {mb:,.0f} MB CSV, "
          f"{secs:.1f} s ({rows / secs:,.0f} rows/s), peak RSS {peak_gb:.2f} GB", flush=True)
    return secs, peak_gb


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--skip-default", action="store_true", help="only the real-size week")
    ap.add_argument("--games", type=int, default=16, help="games in the real-size week")
    ap.add_argument("--plays", type=int, default=120, help="plays per game")
    docpage.add_flag(ap)
    args = ap.parse_args()
    if not args.skip_default:
        _run("default season (9 wk x 4 games x 40 plays)", ["--seed", "0"])
    _, peak = _run(f"real-size week ({args.games} games x {args.plays} plays, 3:7 s approach, "
                   "2:15 s set)",
                   ["--seed", "0", "--real-size", "--weeks", "1", "--games-per-week",
                    str(args.games), "--plays-per-game", str(args.plays)])
    print(f"peak RSS of a real-size week: {peak:.2f} GB (goal < {PEAK_GOAL_GB:.0f} GB: "
          f"{'met' if peak < PEAK_GOAL_GB else 'NOT met'})")


if __name__ == "__main__":
    sys.exit(docpage.run(main, "simulate", "The synthetic season generator: time and peak memory"))
