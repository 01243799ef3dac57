"""Training data memory against the number of weeks read (issue 15: flat in frames).

Loads the first 1, 2, 4, ... training weeks of a store the way training does
(``load_frames`` for the transformer / LSTM, ``load_explain_frames`` for the family
model: each week's per-frame tensors spilled to disk as built, ``coverage/spill.py``)
and, as the baseline, the same weeks stacked in memory, each in a fresh process. Prints
the bytes of the arrays the process holds (a map of a spilled file is the kernel's page
cache, which it can drop, not the process's), the process's own (anonymous) memory the
load added (which includes what polars' and glibc's allocators keep after building a
week) and the growth of both per 100 k frames:

    python benchmarks/bench_train_memory.py [--store STORE] [--weeks 1,2,4,8]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import docpage

REPO = Path(__file__).resolve().parent.parent


def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def _child(store_path: str | None, n_weeks: int, mode: str, family: bool) -> None:
    import numpy as np
    import polars as pl

    from coverage.family.data import build_explain_frames, concat_explain, player_labels
    from coverage.features import build_frames, concat_frames
    from coverage.opener import open_store
    from coverage.spill import Spill

    store = open_store(store_path)
    weeks = list(store.weeks[:n_weeks])
    plays = store.plays()
    base = _status_kb("RssAnon")
    spill = mode == "disk"
    if mode == "drop":  # each week built and thrown away: what the allocators keep
        arrays, n = [], 0
        for w in weeks:
            n += len(build_frames(store.tracking(w), plays.filter(pl.col("week") == w)))
    elif family:
        labels = player_labels(store)
        parts = (build_explain_frames(store.tracking(w), plays.filter(pl.col("week") == w),
                                      labels) for w in weeks)
        ef = concat_explain(parts, spill=spill)
        arrays = [*vars(ef.ft).values(), ef.nfl, ef.family, ef.assign, ef.target]
        n = len(ef)
    else:
        parts = (build_frames(store.tracking(w), plays.filter(pl.col("week") == w))
                 for w in weeks)
        ft = concat_frames(parts, Spill() if spill else None)
        arrays, n = list(vars(ft).values()), len(ft)
    # the arrays' bytes held in the process (a map of a file is the page cache's)
    held = sum(a.nbytes for a in arrays if isinstance(a, np.ndarray)
               and not isinstance(a, np.memmap))
    print(json.dumps({"frames": n, "held_mb": held / 2**20,
                      "anon_mb": (_status_kb("RssAnon") - base) / 1024,
                      "peak_mb": _status_kb("VmHWM") / 1024}))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--store", default=None, help="store (default: the embedded synthetic one)")
    ap.add_argument("--weeks", default="1,2,4,8")
    ap.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    docpage.add_flag(ap)
    args = ap.parse_args()
    if args.child:
        n, mode, family = args.child
        _child(args.store, int(n), mode, family == "1")
        return
    labels = {"memory": "in memory (baseline)", "disk": "on disk (training)",
              "drop": "built and dropped"}
    for family in (False, True):
        what = "family (load_explain_frames)" if family else "transformer/LSTM (load_frames)"
        print(f"\n== {what}: memory the load adds to the process (anonymous), by weeks read")
        rows = {}
        for mode in ("memory", "disk", *(() if family else ("drop",))):
            for n in [int(w) for w in args.weeks.split(",")]:
                cmd = [sys.executable, __file__, "--child", str(n), mode, str(int(family)),
                       "--no-doc"] + (["--store", args.store] if args.store else [])
                out = subprocess.run(cmd, capture_output=True, text=True, check=True, cwd=REPO)
                r = json.loads(out.stdout.strip().splitlines()[-1])
                rows.setdefault(mode, []).append(r)
                print(f"{labels[mode]:<22} {n} weeks, {r['frames']:>9,} frames: arrays held "
                      f"{r['held_mb']:7.1f} MB; the load added {r['anon_mb']:7.1f} MB own "
                      f"memory (incl. what the allocators keep), peak RSS "
                      f"{r['peak_mb']:7.1f} MB", flush=True)
        print("(built and dropped: each week's frames built and thrown away, nothing kept: "
              "the own memory the allocators keep from the building alone)" if not family
              else "", end="" if family else "\n")
        for mode, rs in rows.items():
            if len(rs) > 1 and rs[-1]["frames"] > rs[0]["frames"]:
                per = 1e5 / (rs[-1]["frames"] - rs[0]["frames"])
                held = (rs[-1]["held_mb"] - rs[0]["held_mb"]) * per
                anon = (rs[-1]["anon_mb"] - rs[0]["anon_mb"]) * per
                print(f"{labels[mode]}: arrays held +{held:.1f} MB, own memory +{anon:.1f} MB "
                      "per 100 k frames read")


if __name__ == "__main__":
    sys.exit(docpage.run(main, "train_memory", "Training data memory against the "
                         "weeks read"))
