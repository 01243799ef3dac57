"""Start-up of a `coverage` command: the CLI imports what a subcommand runs when it runs.

Times `coverage --help` (the parser alone) and `coverage info` (reads the embedded store,
no torch) as subprocesses, against a baseline in the same run: a process that imports every
library module the commands use, which is what each command paid before the command layer.

    python benchmarks/bench_cli.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
EVERYTHING = ("import coverage.pipelines, coverage.serving, coverage.family.train, "
              "coverage.explain.tells, coverage.export.gif, coverage.app.play_data, "
              "coverage.simulate, coverage.ingest, coverage.formations")


def _median_secs(cmd: list[str], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        subprocess.run(cmd, cwd=REPO, check=True, capture_output=True)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    cli = [sys.executable, "-m", "coverage"]
    base = _median_secs([sys.executable, "-c", EVERYTHING], args.repeat)
    print(f"baseline: import every command's library   {base:6.2f} s")
    for name, cmd in (("coverage --help", [*cli, "--help"]), ("coverage info", [*cli, "info"])):
        t = _median_secs(cmd, args.repeat)
        print(f"{name:<42} {t:6.2f} s  ({t / base:.2f}x the baseline)")


if __name__ == "__main__":
    main()
