"""Explain-mode cost and faithfulness: occlusion attribution per play and per week.

    .venv/bin/python benchmarks/bench_explain.py [--model models/family] [--store DIR]
        [--week 9] [--plays 40] [--deletion] [--week-plays 60] [--rounds 2] [--simulated]

Per play: ``attribute_play`` as the app runs it. Per week (``--week-plays`` > 0, a trained
checkpoint): ``attribution_week`` on the week's first N plays, timed in CPU seconds
(``time.process_time``, both cores together) and wall seconds, interleaved round by round
with the per-play path it replaced (tracking partitioned per play, frames rebuilt per play,
the float32 module on torch's own threads) and with itself in float32, so a busy machine
slows all of them alike; plus how far the variants' summaries differ.

``--simulated`` simulates and ingests one week of real-length plays (``SIM_WEEK``, 240
plays) into a temporary store and times its week 1.

Without a trained checkpoint it times an untrained model of the default size (the cost
does not depend on the weights); the deletion test and the week need a trained one.
Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import docpage
import numpy as np
import polars as pl
import torch
from faithfulness import deletion_test

from coverage.explain.attribution import (
    PlayAttribution,
    attribute_play,
    attribution_week,
    p_man_removed,
    play_frames_tensors,
    play_summary,
    player_slots,
)
from coverage.explain.tells import tells
from coverage.family.predict import load_explainer
from coverage.opener import open_store
from coverage.store import Store

# one week of plays with real pre-snap lengths (line set to snap up to 13 s)
SIM_WEEK = {"seed": 0, "weeks": 1, "games_per_week": 4, "plays_per_game": 60,
            "approach_secs": (3.0, 7.0), "after_set_secs": (2.0, 13.0),
            "post_snap_secs": (2.0, 3.5)}


def simulated_store(root: Path) -> Path:
    """A store of ``SIM_WEEK`` under ``root`` (simulated, then ingested as a user would)."""
    from coverage.ingest import ingest
    from coverage.simulate import simulate_season

    simulate_season(root / "raw", **SIM_WEEK)
    ingest(root / "raw", root / "store", progress=False)
    return root / "store"


def _model(path: str | None):
    if path and (Path(path) / "config.json").exists():
        return load_explainer(path), True
    from coverage.features import FEATURES
    from coverage.models.registry import build_model
    from coverage.vocab import ASSIGNMENTS, FAMILIES

    hp = {"n_features": len(FEATURES), "n_families": len(FAMILIES),
          "n_assignments": len(ASSIGNMENTS)}
    return (build_model("family", hp).eval(), {"history": 5, "stride": 2}), False


def per_play_week(model_dir: str, store: Store, week: int, n_plays: int) -> pl.DataFrame:
    """The week summaries as before: tracking partitioned per play, each play's frames
    rebuilt from its rows, the float32 module on torch's own threads (the baseline)."""
    model, cfg = load_explainer(model_dir)
    plays = store.plays().filter(pl.col("week") == week).head(n_plays)
    by_play = store.tracking(week).collect().partition_by("gameId", "playId", as_dict=True)
    parts = []
    for play in plays.iter_rows(named=True):
        frames = by_play.get((play["gameId"], play["playId"]))
        if frames is not None:
            ef = play_frames_tensors(frames, play)
            ids, slots = player_slots(ef.nfl)
            remove = np.vstack([np.zeros((1, ids.size), bool), np.eye(ids.size, dtype=bool)])
            p = p_man_removed(model, cfg, ef.ft.x, slots, remove)  # module, torch's threads
            a = PlayAttribution(ids, ef.ft.frame_id, ef.ft.secs, p[0], (p[0] - p[1:]).T,
                                ef.ft.x, slots)
            parts.append(play_summary(play["gameId"], play["playId"], a))
    return pl.concat(parts)


def time_week(model_dir: str, store: Store, week: int, n_plays: int, rounds: int) -> list[dict]:
    """plays/s of each way to summarise a week, CPU and wall, interleaved round by round."""
    variants = {
        "per play, float32 (before)": lambda: per_play_week(model_dir, store, week, n_plays),
        "week, float32": lambda: attribution_week(model_dir, store, week, write=False,
                                                  max_plays=n_plays, dtype="float32"),
        "week, inference dtype": lambda: attribution_week(model_dir, store, week, write=False,
                                                          max_plays=n_plays),
    }
    attribution_week(model_dir, store, week, write=False, max_plays=2)  # warm-up
    cpu: dict[str, list[float]] = {k: [] for k in variants}
    wall: dict[str, list[float]] = {k: [] for k in variants}
    got: dict[str, pl.DataFrame] = {}
    for _ in range(rounds):
        for k, fn in variants.items():
            c0, w0 = time.process_time(), time.perf_counter()
            got[k] = fn().sort("gameId", "playId", "nflId")
            cpu[k].append(time.process_time() - c0)
            wall[k].append(time.perf_counter() - w0)
    ref = got["per play, float32 (before)"]
    n = ref.select("gameId", "playId").n_unique()
    rows = []
    for k in variants:
        c, w = float(np.median(cpu[k])), float(np.median(wall[k]))
        diff = np.abs(got[k]["mean_abs"].to_numpy() - ref["mean_abs"].to_numpy())
        rows.append({"path": k, "plays": n, "plays_per_cpu_s": n / c, "plays_per_s": n / w,
                     "cpu_s": c, "wall_s": w,
                     "max_abs_diff_mean_abs": float(diff.max()),
                     "median_rel_diff_mean_abs": float(np.median(
                         diff / ref["mean_abs"].to_numpy().clip(1e-6)))})
    return rows


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="models/family")
    ap.add_argument("--store", default=None)
    ap.add_argument("--week", type=int, default=9)
    ap.add_argument("--plays", type=int, default=40)
    ap.add_argument("--deletion", action="store_true")
    ap.add_argument("--week-plays", type=int, default=60,
                    help="plays of --week for the per-week timing (0: skip it)")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--simulated", action="store_true",
                    help="time week 1 of a freshly simulated week (SIM_WEEK) instead")
    docpage.add_flag(ap)
    args = ap.parse_args()
    if args.simulated:
        tmp = tempfile.TemporaryDirectory(prefix="bench_explain_")
        args.store, args.week = str(simulated_store(Path(tmp.name))), 1
    store = open_store(args.store)
    (model, cfg), trained = _model(args.model)
    plays = store.plays().filter(pl.col("week") == args.week).head(args.plays)
    track = store.tracking(args.week).collect()
    players = store.players()
    attrs, t_attr, t_tells, n_frames = [], [], [], []
    torch.set_num_threads(torch.get_num_threads())
    for play in plays.iter_rows(named=True):
        frames = track.filter((pl.col("gameId") == play["gameId"])
                              & (pl.col("playId") == play["playId"]))
        t0 = time.perf_counter()
        a = attribute_play(model, cfg, frames, play)
        t1 = time.perf_counter()
        tells(a, frames, players)
        t2 = time.perf_counter()
        attrs.append(a)
        t_attr.append(t1 - t0)
        t_tells.append(t2 - t1)
        n_frames.append(a.frame_ids.size)
    t_attr, n_frames = np.array(t_attr[1:]), np.array(n_frames[1:])  # first = warm-up
    out = {
        "trained_model": trained, "plays": int(t_attr.size), "threads": torch.get_num_threads(),
        "frames_per_play_median": float(np.median(n_frames)),
        "attribution_s_per_play_median": float(np.median(t_attr)),
        "attribution_s_per_play_p90": float(np.quantile(t_attr, 0.9)),
        "attribution_ms_per_100_frames": float(1e5 * np.sum(t_attr) / np.sum(n_frames)),
        "tells_s_per_play_median": float(np.median(t_tells[1:])),
    }
    # baseline in the same process: one model call per removed player instead of one batch
    loop_t = []
    for a in attrs[1:4]:
        q = a.nfl_ids.size
        remove = np.vstack([np.zeros((1, q), bool), np.eye(q, dtype=bool)])
        t0 = time.perf_counter()
        for i in range(remove.shape[0]):
            p_man_removed(model, cfg, a.x, a.slots, remove[i:i + 1])
        loop_t.append((time.perf_counter() - t0) / a.frame_ids.size)
    if loop_t:
        batched = float(np.sum(t_attr) / np.sum(n_frames))
        out["per_player_loop_ms_per_100_frames"] = 1e5 * float(np.median(loop_t))
        out["batched_speedup"] = round(float(np.median(loop_t)) / batched, 1)
    if args.deletion:
        out["deletion_at_snap"] = deletion_test(model, cfg, attrs, at_secs=0.0)
        out["deletion_at_-2s"] = deletion_test(model, cfg, attrs, at_secs=-2.0)
    if args.week_plays and trained:
        week = time_week(args.model, store, args.week, args.week_plays, args.rounds)
        out["week"] = week
        docpage.add_section("Per week: attribution_week", docpage.table(week))
    print(json.dumps(out, indent=1))
    docpage.add_section("Figures", docpage.table(
        [{"figure": k, "value": v if not isinstance(v, dict | list) else json.dumps(v)}
         for k, v in out.items() if k != "week"]))
    print(f"attribution per play: median {out['attribution_s_per_play_median']:.2f} s "
          f"({out['frames_per_play_median']:.0f} frames), "
          f"{out.get('batched_speedup', float('nan'))}x a per-player loop (baseline)")
    for r in out.get("week", []):
        print(f"{r['path']}: {r['plays_per_cpu_s']:.2f} plays per CPU-s, "
              f"{r['plays_per_s']:.2f} plays/s wall ({r['plays']} plays)")


if __name__ == "__main__":
    sys.exit(docpage.run(main, "explain", "Explain mode: attribution cost per play and "
                         "faithfulness"))
