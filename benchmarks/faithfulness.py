"""Faithfulness of the occlusion attribution: the deletion test (a development measurement).

Removing the players the attribution ranks highest must move P(man) more than removing as
many random players; if it did not, the rings in explain mode would point at the wrong
players. ``bench_explain.py`` reports it and a test holds the shipped model to it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from coverage.explain.attribution import PlayAttribution, p_man_removed


def deletion_test(model: torch.nn.Module, cfg: dict[str, Any],
                  attributions: list[PlayAttribution], ks: tuple[int, ...] = (1, 2, 3),
                  n_random: int = 5, seed: int = 0, at_secs: float = 0.0) -> dict[str, Any]:
    """Faithfulness: removing the top-k attributed players at a frame must move P(man) more
    than removing k random players. Returns mean |change| for both, per k, over plays."""
    rng = np.random.default_rng(seed)
    out: dict[str, Any] = {"plays": 0, "at_secs": at_secs}
    top: dict[int, list[float]] = {k: [] for k in ks}
    rnd: dict[int, list[float]] = {k: [] for k in ks}
    for a in attributions:
        t = int(np.argmin(np.abs(a.secs - at_secs)))
        if abs(a.secs[t] - at_secs) > 0.05:
            continue
        out["plays"] += 1
        q = a.nfl_ids.size
        order = np.argsort(-np.abs(a.values[t]))
        masks = []
        for k in ks:
            m = np.zeros(q, bool)
            m[order[:k]] = True
            masks.append(m)
            for _ in range(n_random):
                m = np.zeros(q, bool)
                m[rng.choice(q, k, replace=False)] = True
                masks.append(m)
        p = p_man_removed(model, cfg, a.x[: t + 1], a.slots[: t + 1], np.array(masks))[:, t]
        delta = np.abs(p - a.p_man[t])
        for i, k in enumerate(ks):
            base = i * (1 + n_random)
            top[k].append(float(delta[base]))
            rnd[k].append(float(delta[base + 1: base + 1 + n_random].mean()))
    for k in ks:
        tk, rk = np.array(top[k]), np.array(rnd[k])
        out[f"k{k}"] = {"top_mean_abs_change": float(tk.mean()) if tk.size else float("nan"),
                        "random_mean_abs_change": float(rk.mean()) if rk.size else float("nan"),
                        "share_plays_top_beats_random": float(np.mean(tk > rk)) if tk.size
                        else float("nan")}
    return out
