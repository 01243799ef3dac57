"""The one-command pipeline (`make app DATA=DIR`) at real scale, step by step.

A real-size synthetic season (9 weeks of 14 games x 120 plays with real-length pre-snap
phases: 15,120 plays, about as many tracking rows as the 2022 weeks 1-9), marked "real" so
`coverage init --data` trains the real_* models on it. Each step runs as its own process,
as a user would run it, and reports wall time and that process's peak memory:

1. simulate the raw CSVs (not part of a user's pipeline; for scale only)
2. `coverage ingest RAW -o STORE`
3. `coverage init --data STORE` as `make app DATA=DIR` runs it (its default budget, or
   ``--budget-minutes``): train, predict every week with every real_* model, score the
   test week; each model's training time and how its training ended, the prediction
   step's time, from init's own record
4. `coverage predict STORE/models/real_X --weeks 9` per model, process start to
   predictions written: the transformer once on a store without kept week frames (see
   :mod:`coverage.frame_cache`), then every model as after init
5. the Play explorer's first load on the store, server side (streamlit AppTest, cold)
6. with ``--finish``: ``coverage finish-training`` on the store, as ``make app DATA=DIR``
   runs it beside the app: each budget-stopped model trained in full and swapped in, its
   training time and test-week figures
7. with ``--untimed``: the same init on a copy of the store with no time budget, and each
   model's test-week accuracy at the snap, log-loss and AUC beside the default path's
   (``--untimed-from STORE``: that table from a copy trained so earlier)

    python benchmarks/bench_real_scale.py [--out DIR] [--budget-minutes B] [--finish] [--untimed]
        [--untimed-from STORE] [--weeks 9 --games 14 --plays 120] [--keep]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import docpage

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def _run(label: str, cmd: list[str], env: dict[str, str], rows: list[dict]) -> None:
    """Run one step as its own process: wall time and that process's peak RSS."""
    t0 = time.perf_counter()
    with tempfile.TemporaryFile("w+") as log:
        proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(proc.pid, 0)  # rusage of this child alone
        secs = time.perf_counter() - t0
        log.seek(0)
        tail = "\n".join(log.read().strip().splitlines()[-6:])
    rc = os.waitstatus_to_exitcode(status)
    peak_gb = round(usage.ru_maxrss / 1024 / 1024, 2)  # Linux: KiB
    rows.append({"step": label, "seconds": round(secs, 1), "peak_rss_gb": peak_gb, "rc": rc})
    print(f"== {label}: {secs:.1f} s, peak RSS {peak_gb:.2f} GB, rc {rc}\n{tail}", flush=True)
    if rc != 0:
        raise SystemExit(f"step failed: {label}")


def _first_load(store: Path, env: dict[str, str], rows: list[dict]) -> None:
    code = (
        "import time; t=time.perf_counter();"
        "from streamlit.testing.v1 import AppTest;"
        "at=AppTest.from_file('app_pages/1_Play_explorer.py', default_timeout=600).run();"
        "assert not at.exception, at.exception;"
        "print(f'first load {time.perf_counter()-t:.1f} s')"
    )
    _run("explorer first load (AppTest, cold caches)", [sys.executable, "-c", code],
         {**env, "COVERAGE_DATA": str(store)}, rows)


def _init_table(store: Path, label: str, *, finished: bool = False) -> list[dict]:
    """Per real_* model: training time, how it ended, test-week figures at the snap
    (``finished``: the models ``coverage finish-training`` trained, with its times)."""
    from coverage.bootstrap import PREDICT_STEP, STATE_FILE
    from coverage.store import Store
    from coverage.training.notes import FINISH_STATE_FILE

    st = Store(store)
    state = json.loads((st.models_dir / STATE_FILE).read_text())
    steps = state["steps"]
    if finished:
        status = st.models_dir / FINISH_STATE_FILE  # absent: the budget stopped none short
        steps = json.loads(status.read_text())["models"] if status.exists() else {}
    reports = st.evaluation_reports()
    rows = []
    for name, step in steps.items():
        row: dict = {"run": label, "model": name, "train_s": step.get("seconds")}
        if name == PREDICT_STEP:
            rows.append({**row, "model": "predict every week, score"})
            continue
        metrics_path = st.models_dir / name / "metrics.json"
        training = json.loads(metrics_path.read_text()).get("training", {}) \
            if metrics_path.exists() else {}
        if training:
            row["ended by"] = (f"{training['stopped_by']} at epoch {training['epochs_run']}"
                               f" of {training['epochs_max']}")
        rep = next((r for k, r in reports.items() if k.startswith(name + "_week_")), None)
        if rep is not None:
            snap = rep.get("at_snap", {})
            row.update({"week": rep.get("week"), "acc@snap": snap.get("accuracy"),
                        "log-loss@snap": snap.get("log_loss"), "AUC@snap": snap.get("auc")})
        rows.append(row)
    return rows


def _untimed(store: Path, work: Path, env: dict[str, str], rows: list[dict]) -> Path:
    """A copy of the store (without its models) trained by init with no budget."""
    copy = work / "store_untimed"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(store, copy, ignore=shutil.ignore_patterns("models"), symlinks=True)
    _run("coverage init --data (no budget)",
         [str(BIN / "coverage"), "init", "--data", str(copy), "--budget-minutes", "0", "-q"],
         env, rows)
    return copy


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", type=Path, default=None, help="work folder (default: a temp one)")
    ap.add_argument("--weeks", type=int, default=9)
    ap.add_argument("--games", type=int, default=14)
    ap.add_argument("--plays", type=int, default=120)
    ap.add_argument("--budget-minutes", type=float, default=None,
                    help="init's budget (default: init's own default, as `make app` runs)")
    ap.add_argument("--untimed", action="store_true",
                    help="also train without a budget on a copy and compare the models")
    ap.add_argument("--finish", action="store_true",
                    help="then `coverage finish-training` (what `make app DATA=DIR` runs "
                         "beside the app): the budget-stopped models trained in full, timed, "
                         "and their test-week figures")
    ap.add_argument("--keep", action="store_true", help="keep the work folder")
    ap.add_argument("--untimed-from", type=Path, default=None,
                    help="instead of --untimed: the table of a store already trained by init "
                         "with --budget-minutes 0 on the same season (untimed quality does not "
                         "depend on the machine's load, so it may run beside other work)")
    docpage.add_flag(ap)
    args = ap.parse_args()
    work = args.out or Path(tempfile.mkdtemp(prefix="bench_real_scale_"))
    work.mkdir(parents=True, exist_ok=True)
    raw, store = work / "raw", work / "store"
    env = {**os.environ, "COVERAGE_DATA_DIR": str(work / "data")}
    cli = str(BIN / "coverage")
    rows: list[dict] = []
    try:
        sim = (
            "import json, sys; from coverage.simulate import simulate_season;"
            f"s = simulate_season({str(raw)!r}, seed=0, weeks={args.weeks}, "
            f"games_per_week={args.games}, plays_per_game={args.plays}, "
            "approach_secs=(3.0, 7.0), after_set_secs=(2.0, 13.0), post_snap_secs=(2.0, 3.5));"
            f"open({str(raw / '_source.json')!r}, 'w').write(json.dumps({{'source': 'real'}}));"
            "print(s['plays'], 'plays', s['tracking_rows'], 'rows')"
        )
        if not (raw / "_source.json").exists():
            _run("simulate real-size season", [sys.executable, "-c", sim], env, rows)
        _run("coverage ingest", [cli, "ingest", str(raw), "-o", str(store), "-q"], env, rows)
        budget = [] if args.budget_minutes is None else ["--budget-minutes",
                                                          str(args.budget_minutes)]
        _run("coverage init --data" + (f" (budget {args.budget_minutes:g} min)" if budget
                                        else " (default)"),
             [cli, "init", "--data", str(store), *budget, "-q"], env, rows)
        models = _init_table(store, "default")
        from coverage.bootstrap import MODELS, real_name  # the models init trains
        from coverage.frame_cache import FOLDER
        from coverage.store import Store

        # first as on a store whose week frames were never kept (they are built, then
        # kept), then each model as after init (kept frames mapped back)
        shutil.rmtree(Store(store).path / FOLDER, ignore_errors=True)
        _run(f"coverage predict real_transformer --weeks {args.weeks} (week frames not kept "
             "yet)", [cli, "predict", str(store / "models" / "real_transformer"), "--data",
                      str(store), "--weeks", str(args.weeks)], env, rows)
        for m in map(real_name, MODELS):
            _run(f"coverage predict {m} --weeks {args.weeks}",
                 [cli, "predict", str(store / "models" / m), "--data", str(store),
                  "--weeks", str(args.weeks)], env, rows)
        _first_load(store, env, rows)
        if args.finish:
            _run("coverage finish-training --data (full training after the budget)",
                 [cli, "finish-training", "--data", str(store), "-q"], env, rows)
            models += _init_table(store, "finished in full", finished=True)
        if args.untimed:
            models += _init_table(_untimed(store, work, env, rows), "no budget")
        elif args.untimed_from is not None:
            models += _init_table(args.untimed_from, "no budget")
        docpage.add_section("Steps (wall time and each process's peak RSS)",
                            docpage.table(rows))
        docpage.add_section("Inside init: each model's training and the test week",
                            docpage.table(models, ["run", "model", "train_s", "ended by",
                                                   "week", "acc@snap", "log-loss@snap",
                                                   "AUC@snap"]))
        print(json.dumps(models, indent=1))
    finally:
        print(json.dumps(rows, indent=1))
        if not args.keep and args.out is None:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(docpage.run(main, "real_scale", "The one-command pipeline at real "
                                 "scale, step by step"))
