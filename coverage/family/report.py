"""The family model's report: what ``metrics.json`` holds and ``train-family`` prints.

Family accuracy is read at fixed moments before the snap with Wilson intervals and the
majority family beside it, and per-defender responsibilities and man matchups beside their
naive baselines (most common group, nearest receiver), so each number says how much the
tracking adds.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from coverage import evaluation
from coverage.family.data import ExplainFrames
from coverage.family.predict import ExplainOutputs
from coverage.training.evaluate import OFFSETS
from coverage.vocab import ASSIGNMENTS, FAMILIES


def family_report(ef: ExplainFrames, out: ExplainOutputs, majority: int) -> dict[str, Any]:
    """Top-1 / top-2 family accuracy at the snap and 3/2/1 s before it (Wilson CIs), the
    majority-family baseline beside each, per-class recall and the confusion matrix at the
    snap, plus the implied man/zone accuracy; per-defender and man-matchup accuracy."""
    lab = ef.family >= 0
    probs = out.family_probs
    order = np.argsort(-probs, axis=1)
    top1 = order[:, 0] == ef.family
    top2 = (order[:, :2] == ef.family[:, None]).any(1)
    secs = np.round(ef.ft.secs, 1)
    at: dict[str, Any] = {}
    for off in OFFSETS:
        sel = lab & np.isclose(secs, off)
        at["snap" if off == 0 else f"{off:+.0f}s"] = {
            "top1": evaluation.rate(top1[sel]), "top2": evaluation.rate(top2[sel]),
            "majority_baseline": float(np.mean(ef.family[sel] == majority)) if sel.any()
            else math.nan}
    snap = lab & (secs == 0)
    c = len(FAMILIES)
    conf = np.zeros((c, c), np.int64)
    np.add.at(conf, (ef.family[snap], order[snap, 0]), 1)
    recall = {f: (float(conf[i, i] / conf[i].sum()) if conf[i].sum() else None)
              for i, f in enumerate(FAMILIES)}
    man_lab = ~np.isnan(ef.ft.y) & (secs == 0)
    man = evaluation.summary(ef.ft.y[man_lab], out.p_man[man_lab], 0)
    # "at_snap" = the implied man/zone call, the headline the Model page reads for every model
    return {"at_snap": man, "at_offsets": at, "per_class_recall": recall,
            "confusion": conf.tolist(),
            "confusion_labels": list(FAMILIES), "majority_family": FAMILIES[majority],
            "man_zone_at_snap": man, "defenders": defender_report(ef, out)}


def defender_report(ef: ExplainFrames, out: ExplainOutputs) -> dict[str, Any]:
    """Per-defender assignment accuracy and man-matchup (right receiver) accuracy."""
    secs = np.round(ef.ft.secs, 1)
    pred = out.assign.argmax(-1)
    ptr = out.pointer.argmax(-1)
    res: dict[str, Any] = {}
    for name, rows in (("snap", secs == 0), ("-2s", np.isclose(secs, -2.0)),
                       ("all_frames", np.ones(len(ef), bool))):
        known = (ef.assign >= 0) & rows[:, None]
        man = (ef.target >= 0) & rows[:, None]
        per_class = {a: evaluation.rate((pred == i)[known & (ef.assign == i)])["accuracy"]
                     for i, a in enumerate(ASSIGNMENTS)}
        res[name] = {"assignment": evaluation.rate((pred == ef.assign)[known]),
                     "assignment_majority_baseline": float(np.mean(
                         ef.assign[known] == np.bincount(ef.assign[known]).argmax()))
                     if known.any() else math.nan,
                     "assignment_recall": per_class,
                     "man_matchup": evaluation.rate((ptr == ef.target)[man]),
                     "man_matchup_nearest_baseline": evaluation.rate(
                         (_nearest_receiver(ef) == ef.target)[man])}
    return res


def _nearest_receiver(ef: ExplainFrames) -> np.ndarray:
    """Baseline matchup: the closest offensive player to each defender, ``[N, 11]``."""
    xy = ef.ft.x[:, :, :2]
    d = np.linalg.norm(xy[:, 11:, None, :] - xy[:, None, :11, :], axis=-1)
    return d.argmin(-1)
