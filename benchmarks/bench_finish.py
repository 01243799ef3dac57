"""Full training after the time budget: ``coverage finish-training`` on a budgeted store.

``make app DATA=DIR`` opens the app on models that ``coverage init``'s time budget stopped
short, and trains them in full beside it (:mod:`coverage.finish`). This measures that
second half on a store a budgeted init trained (``bench_real_scale.py --keep`` leaves one
in its work folder): the command's wall time and peak memory, process start to the last
model swapped in with its predictions, and each model's test-week figures at the snap,
budgeted (before) against finished (after), and against an untimed ``coverage init`` of the
same season when one is given (``--untimed-from``; finishing is meant to equal it).

The store is copied first with hard links (every write in a store replaces its file by a
rename, so the original stays as it was), so the benchmark can run again on it.

    python benchmarks/bench_finish.py --store WORK/store [--untimed-from STORE] [--out DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import bench_real_scale as rs
import docpage

BIN = Path(sys.executable).parent
FIGURES = ("acc@snap", "log-loss@snap", "AUC@snap")


def _gaps(tables: dict[str, list[dict]], against: str) -> list[dict]:
    """Per model and run, the test-week figures' difference to ``against``'s."""
    ref = {r["model"]: r for r in tables.get(against, [])}
    rows = []
    for label, table in tables.items():
        if label == against:
            continue
        for r in table:
            base = ref.get(r["model"])
            if base is None or r.get("acc@snap") is None or base.get("acc@snap") is None:
                continue
            rows.append({"run": label, "model": r["model"], **{
                f"{k} - {against}": round(r[k] - base[k], 4) for k in FIGURES
                if isinstance(r.get(k), float) and isinstance(base.get(k), float)}})
    return rows


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--store", type=Path, required=True,
                    help="a store trained by a budgeted `coverage init --data`")
    ap.add_argument("--untimed-from", type=Path, default=None,
                    help="a store of the same season trained by init with --budget-minutes 0")
    ap.add_argument("--out", type=Path, default=None, help="work folder (default: a temp one)")
    docpage.add_flag(ap)
    args = ap.parse_args()
    work = args.out or Path(tempfile.mkdtemp(prefix="bench_finish_"))
    work.mkdir(parents=True, exist_ok=True)
    copy = work / "store_finish"
    shutil.rmtree(copy, ignore_errors=True)
    subprocess.run(["cp", "-al", str(args.store), str(copy)], check=True)
    rows: list[dict] = []
    tables = {"budgeted (init)": rs._init_table(copy, "budgeted (init)")}
    try:
        rs._run("coverage finish-training --data STORE",
                [str(BIN / "coverage"), "finish-training", "--data", str(copy), "-q"],
                dict(os.environ), rows)
        tables["finished in full"] = rs._init_table(copy, "finished in full", finished=True)
        if args.untimed_from is not None:
            tables["untimed init"] = rs._init_table(args.untimed_from, "untimed init")
        models = [r for t in tables.values() for r in t]
        docpage.add_section("The command (wall time and peak RSS)", docpage.table(rows))
        docpage.add_section("Each model's training and the test week", docpage.table(
            models, ["run", "model", "train_s", "ended by", "week", *FIGURES]))
        against = "untimed init" if args.untimed_from is not None else "finished in full"
        docpage.add_section(f"Against the {against}", docpage.table(_gaps(tables, against)))
        print(json.dumps({"steps": rows, "models": models}, indent=1))
    finally:
        if args.out is None:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(docpage.run(main, "finish", "Full training after the time budget "
                                 "(coverage finish-training)"))
