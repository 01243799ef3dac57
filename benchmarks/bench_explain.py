"""Explain-mode cost and faithfulness: occlusion attribution per play, deletion test.

    .venv/bin/python benchmarks/bench_explain.py [--model models/family] [--week 9]
                                                [--plays 40] [--deletion]

Without a trained checkpoint it times an untrained model of the default size (the cost
does not depend on the weights); the deletion test needs a trained one to mean anything.
Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import docpage
import numpy as np
import polars as pl
import torch
from faithfulness import deletion_test

from coverage.explain.attribution import attribute_play, p_man_removed
from coverage.explain.tells import tells
from coverage.family.predict import load_explainer
from coverage.opener import open_store


def _model(path: str | None):
    if path and (Path(path) / "config.json").exists():
        return load_explainer(path), True
    from coverage.features import FEATURES
    from coverage.models.registry import build_model
    from coverage.vocab import ASSIGNMENTS, FAMILIES

    hp = {"n_features": len(FEATURES), "n_families": len(FAMILIES),
          "n_assignments": len(ASSIGNMENTS)}
    return (build_model("family", hp).eval(), {"history": 5, "stride": 2}), False


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="models/family")
    ap.add_argument("--store", default=None)
    ap.add_argument("--week", type=int, default=9)
    ap.add_argument("--plays", type=int, default=40)
    ap.add_argument("--deletion", action="store_true")
    docpage.add_flag(ap)
    args = ap.parse_args()
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
    print(json.dumps(out, indent=1))
    docpage.add_section("Figures", docpage.table(
        [{"figure": k, "value": v if not isinstance(v, dict | list) else json.dumps(v)}
         for k, v in out.items()]))
    print(f"attribution per play: median {out['attribution_s_per_play_median']:.2f} s "
          f"({out['frames_per_play_median']:.0f} frames), "
          f"{out.get('batched_speedup', float('nan'))}x a per-player loop (baseline)")


if __name__ == "__main__":
    sys.exit(docpage.run(main, "explain", "Explain mode: attribution cost per play and "
                         "faithfulness"))
