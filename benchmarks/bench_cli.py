"""Start-up of `coverage` commands and the GIF export end to end, beside their goals.

Times, as subprocesses (median of ``--repeat``): `coverage --help` (the parser alone,
goal < 0.3 s), `coverage info` (reads the store, no torch), and `coverage export-gif`
of a 100-frame play of the store (goal < 1.5 s, process start included), against a
baseline in the same run: a process that imports every library module the commands
use, which is what each command paid before the command layer imported lazily.

    python benchmarks/bench_cli.py [--repeat 5] [--store STORE]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import docpage

REPO = Path(__file__).resolve().parent.parent
EVERYTHING = ("import coverage.pipelines, coverage.serving, coverage.family.train, "
              "coverage.explain.tells, coverage.export.gif, coverage.app.play_data, "
              "coverage.simulate, coverage.ingest, coverage.formations")
HELP_GOAL_S = 0.3
GIF_GOAL_S = 1.5


def _median_secs(cmd: list[str], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        subprocess.run(cmd, cwd=REPO, check=True, capture_output=True)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def _hundred_frame_play(store_arg: str | None) -> tuple[int, int, int] | None:
    """(gameId, playId, frames) of the store's play whose length is nearest 100 frames."""
    import polars as pl

    from coverage.errors import DataError
    from coverage.opener import default_store_dir, open_store

    if store_arg is None and not default_store_dir().exists():
        return None  # never build the embedded season inside a benchmark
    try:
        store = open_store(store_arg)
        week = store.weeks[-1]
        n = (store.tracking(week).group_by("gameId", "playId")
             .agg(pl.col("frameId").n_unique().alias("n"))
             .sort((pl.col("n") - 100).abs(), "gameId", "playId").head(1).collect())
    except DataError as exc:
        print(f"(no GIF timing: {exc})")
        return None
    return int(n["gameId"][0]), int(n["playId"][0]), int(n["n"][0])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--store", default=None,
                    help="store for `info` and the GIF (default: the embedded synthetic one)")
    docpage.add_flag(ap)
    args = ap.parse_args()
    cli = [sys.executable, "-m", "coverage"]
    store = ["--store", args.store] if args.store else []
    base = _median_secs([sys.executable, "-c", EVERYTHING], args.repeat)
    print(f"baseline: import every command's library   {base:6.2f} s")
    t = _median_secs([*cli, "--help"], args.repeat)
    print(f"{'coverage --help':<42} {t:6.2f} s  ({t / base:.2f}x the baseline; "
          f"goal < {HELP_GOAL_S} s: {'met' if t < HELP_GOAL_S else 'NOT met'})")
    t = _median_secs([*cli, "info", *([args.store] if args.store else [])], args.repeat)
    print(f"{'coverage info':<42} {t:6.2f} s  ({t / base:.2f}x the baseline)")
    play = _hundred_frame_play(args.store)
    if play is None:
        print("coverage export-gif: no store (run `coverage init` or pass --store)")
        return
    gid, pid, n = play
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [*cli, "export-gif", str(gid), str(pid), "-o", f"{tmp}/play.gif", *store]
        t = _median_secs(cmd, args.repeat)
    label = f"coverage export-gif ({n}-frame play)"
    print(f"{label:<42} {t:6.2f} s  ({t / base:.2f}x the baseline; goal < {GIF_GOAL_S} s: "
          f"{'met' if t < GIF_GOAL_S else 'NOT met'})")


if __name__ == "__main__":
    sys.exit(docpage.run(main, "cli", "Command start-up and the GIF export, end to end"))
