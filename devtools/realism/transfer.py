"""Checkpoints on real tracking: how models trained on the simulator call real plays.

A synthetic test week says how well a model learned the simulator, not how it reads real
football, and the app's main use is real tracking. So every checkpoint is run on every
real tracking play a user has (``../shared/bdb`` here), with the real-label context priors
beside them as the bar: P(man) at fixed times before the snap, log-loss and Brier against
the real labels, how often each model calls man (a model calling one class on every play
has learned nothing that transfers), and, where the real per-defender charting exists,
how many defender responsibilities the family model gets right.

The plays are few (8 in ``../shared/bdb``): every figure is printed with its n.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from coverage import evaluation
from coverage.family.data import player_labels
from coverage.pipelines import family_week, load_model, pipeline
from coverage.schema import PLAY_KEYS
from coverage.store import Store
from coverage.vocab import ASSIGNMENTS, MAN, ZONE, label_expr

OFFSETS: tuple[float, ...] = (-3.0, -2.0, -1.0, 0.0)
# a frame stands for offset t when it lies in (t - 0.25 s, t + 0.05 s]: 10 Hz tracking,
# and a few real plays chart the snap a frame late
_BEFORE, _AFTER = 0.25, 0.05


def _per_frame(model: Any, cfg: dict[str, Any], store: Store, week: int
               ) -> tuple[pl.DataFrame, bool]:
    run = pipeline(cfg["architecture"])
    plays = store.plays_with_formations(every_play=run.per_play).filter(pl.col("week") == week)
    tracked = store.plays().filter(pl.col("week") == week).select(PLAY_KEYS)
    plays = plays.join(tracked, on=PLAY_KEYS, how="semi")
    if plays.height == 0:
        return pl.DataFrame(), run.per_play
    out = run.predictor(model, cfg, store, week, plays, device="cpu", batch_size=512)
    return out.join(tracked, on=PLAY_KEYS, how="semi"), run.per_play


def variants(model_dirs: Sequence[str | Path]
             ) -> list[tuple[str, Path, Any, dict[str, Any]]]:
    """(name, checkpoint, model, config), each checkpoint loaded once: a checkpoint with a
    context prior is shown as served and without its prior (its config less the prior), so
    the tracking model's own reading is visible too."""
    out = []
    for d in map(Path, model_dirs):
        model, cfg = load_model(d)
        out.append((d.name, d, model, cfg))
        if cfg.get("prior"):
            out.append((f"{d.name} (no prior)", d, model,
                         {k: v for k, v in cfg.items() if k != "prior"}))
    return out


def at_offsets(frames: pl.DataFrame, per_play: bool,
               offsets: Sequence[float] = OFFSETS) -> pl.DataFrame:
    """(gameId, playId, offset, p_man): the last frame at or just before each offset; a
    per-play model's one P(man) stands at every offset."""
    if per_play:
        one = frames.group_by(PLAY_KEYS).agg(pl.col("p_man").first())
        return one.join(pl.DataFrame({"offset": list(offsets)}), how="cross")
    parts = []
    for t in offsets:
        near = frames.filter((pl.col("secs_from_snap") > t - _BEFORE)
                             & (pl.col("secs_from_snap") <= t + _AFTER))
        parts.append(near.sort("secs_from_snap").group_by(PLAY_KEYS)
                     .agg(pl.col("p_man").last()).with_columns(pl.lit(t).alias("offset")))
    return pl.concat(parts).select(*PLAY_KEYS, "offset", "p_man")


def _responsibilities(model_dir: Path, store: Store, week: int) -> dict[str, int] | None:
    """Defenders whose responsibility group (MAN, DEEP, FLAT, HOOK, RUSH, OTHER) the family
    model names right at the snap, on the plays with real per-defender charting."""
    truth = player_labels(store)
    if truth is None or truth.height == 0:
        return None
    _, resp = family_week(model_dir, store, week, write=False)
    snap = (resp.filter(pl.col("secs_from_snap") == pl.col("secs_from_snap").max()
                        .over(PLAY_KEYS))
            .select(*PLAY_KEYS, "nflId", "assignment"))
    lut = dict(enumerate(ASSIGNMENTS))
    joined = snap.join(truth.with_columns(pl.col("assign_id").replace_strict(lut)
                                          .alias("truth")),
                       on=[*PLAY_KEYS, "nflId"], how="inner")
    if joined.height == 0:
        return None
    return {"right": int((joined["assignment"] == joined["truth"]).sum()),
            "n": joined.height, "plays": joined.select(PLAY_KEYS).unique().height}


def real_play_calls(checkpoints: Sequence[tuple[str, Path, Any, dict[str, Any]]],
                    stores: Sequence[Store]
                    ) -> tuple[pl.DataFrame, dict[str, dict[str, int]]]:
    """Every checkpoint's (:func:`variants`) P(man) at :data:`OFFSETS` on every labelled
    real tracking play, and the family models' responsibility counts."""
    rows, resp = [], {}
    for s_i, store in enumerate(stores):
        labels = store.plays().select(*PLAY_KEYS, "week", label_expr(),
                                      pl.col("pff_passCoverage").alias("coverage")
                                      if "pff_passCoverage" in store.plays().columns
                                      else pl.lit(None, pl.String).alias("coverage"))
        for week in store.weeks:
            for name, d, model, cfg in checkpoints:
                frames, per_play = _per_frame(model, cfg, store, week)
                if frames.height == 0:
                    continue
                calls = at_offsets(frames, per_play).join(labels, on=PLAY_KEYS)
                rows.append(calls.with_columns(pl.lit(name).alias("model"),
                                               pl.lit(s_i).alias("source")))
                if name == d.name and cfg["architecture"] == "family":
                    got = _responsibilities(d, store, week)
                    if got is not None:
                        tot = resp.setdefault(d.name, {"right": 0, "n": 0, "plays": 0})
                        for k in tot:
                            tot[k] += got[k]
    if not rows:
        return pl.DataFrame(), resp
    return pl.concat(rows, how="diagonal_relaxed").sort("model", "gameId", "playId",
                                                         "offset"), resp


def shared_plays(calls: pl.DataFrame) -> pl.DataFrame:
    """The labelled calls, at each offset only on the plays every model has a P(man) for.

    A per-play model (the context priors) answers at every offset while a tracking model
    answers only where the play's tracking reaches back that far; scored on their own plays,
    a prior's -3 s row would rest on 8 plays and a tracking model's on 1, and the rows could
    not be compared. Every model must answer, so an offset where one model has no play at
    all has no row."""
    lab = calls.filter(pl.col("label").is_not_null() & pl.col("p_man").is_not_null())
    if lab.height == 0:
        return lab
    n_models = calls["model"].n_unique()
    keys = [*PLAY_KEYS, "offset"]
    if "source" in lab.columns:
        keys = ["source", *keys]
    full = (lab.group_by(keys).agg(pl.col("model").n_unique().alias("_n"))
            .filter(pl.col("_n") == n_models).drop("_n"))
    return lab.join(full, on=keys, how="semi")


def scores(calls: pl.DataFrame) -> pl.DataFrame:
    """Per model and offset, on :func:`shared_plays`: n (with n man / n zone), log-loss,
    Brier, accuracy, share called man, mean P(man) on the real man and the real zone
    plays."""
    out = []
    lab = shared_plays(calls)
    for (model, offset), g in lab.group_by("model", "offset", maintain_order=True):
        y, p = g["label"].to_numpy().astype(float), g["p_man"].to_numpy().astype(float)
        out.append({"model": model, "offset": offset, "n": len(y),
                    "n_man": int(y.sum()), "n_zone": int((y == 0).sum()),
                    "log_loss": evaluation.log_loss(y, p), "brier": evaluation.brier(y, p),
                    "accuracy": float(np.mean((p >= 0.5) == (y == 1))),
                    "called_man": float(np.mean(p >= 0.5)),
                    "p_man_on_man": float(p[y == 1].mean()) if (y == 1).any() else None,
                    "p_man_on_zone": float(p[y == 0].mean()) if (y == 0).any() else None})
    return pl.DataFrame(out).sort("model", "offset") if out else pl.DataFrame()


def transfer_summary(model_dirs: Sequence[str | Path], stores: Sequence[Store]
                     ) -> dict[str, Any]:
    """What the Model page and README read: per model, scores at each offset and the
    synthetic test figure it was shipped with, plus the per-play calls."""
    checkpoints = variants(model_dirs)
    calls, resp = real_play_calls(checkpoints, stores)
    table = scores(calls) if calls.height else pl.DataFrame()
    models: dict[str, Any] = {}
    for name, d, _, cfg in checkpoints:  # a "(no prior)" variant's config has no prior
        metrics = json.loads((d / "metrics.json").read_text()) \
            if (d / "metrics.json").exists() else {}
        prior = cfg.get("prior")
        test = (metrics.get("test_with_prior") if prior else None) or metrics.get("test") or {}
        snap_acc = (test.get("at_snap") or {}).get("accuracy", test.get("accuracy"))
        models[name] = {
            "architecture": cfg["architecture"],
            "prior": f"{prior['checkpoint']} (weight {prior['weight']:.2f})" if prior else None,
            "trained_on": cfg.get("data", {}).get("source", "unknown"),
            "feature_set": cfg.get("feature_set", "full"),
            "test_accuracy_at_snap": snap_acc,
            "real": table.filter(pl.col("model") == name).drop("model").to_dicts()
            if table.height else [],
            "responsibilities": resp.get(name),
        }
    plays = calls.select(*PLAY_KEYS, "label", "coverage").unique(maintain_order=True) \
        if calls.height else pl.DataFrame()
    shared = shared_plays(calls) if calls.height else pl.DataFrame()
    scored = {t: (shared.filter(pl.col("offset") == t).select(*PLAY_KEYS, "label").unique()
                  if shared.height else pl.DataFrame()) for t in OFFSETS}
    return {"offsets": list(OFFSETS), "models": models,
            "scored_plays": [{"offset": t, "n": g.height,
                              "n_man": int((g["label"] == 1).sum()) if g.height else 0,
                              "n_zone": int((g["label"] == 0).sum()) if g.height else 0}
                             for t, g in scored.items()],
            "plays": plays.to_dicts() if plays.height else [],
            "calls": calls.drop("source", "week").to_dicts() if calls.height else []}


def _secs(t: float) -> str:
    return "snap" if t == 0 else f"{t:+.0f} s".replace("-", "−")


def render(summary: dict[str, Any]) -> str:
    """Markdown: one row per model at the snap and at -1 / -3 s, each figure with the n
    plays it rests on (the same plays for every row at one time), then the per-play
    calls."""
    n_plays = len(summary["plays"])
    n_man = sum(1 for p in summary["plays"] if p["label"] == 1)
    at_t = {r["offset"]: r for r in summary.get("scored_plays", [])}
    scored = ", ".join(f"{_secs(t)}: {at_t[t]['n']} ({at_t[t]['n_man']} Man)"
                       for t in sorted(at_t, reverse=True))
    lines = [f"## Checkpoints on real tracking ({n_plays} real plays, {n_man} Man / "
             f"{sum(1 for p in summary['plays'] if p['label'] == 0)} Zone)", "",
             "Every row at one time is scored on the same plays: those every model has a "
             f"P(man) for at that time (plays scored at {scored or 'no time'}).", "",
             "| model | trained on | inputs + prior | own test week acc. at snap | real n | "
             "log-loss at snap | Brier | accuracy | called man | P(man) on man (n) / zone (n) | "
             "log-loss at −1 s / −3 s (n) | responsibilities (plays) |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]

    def f(v: Any, d: int = 3) -> str:
        return "–" if v is None else f"{v:.{d}f}"
    for name, m in summary["models"].items():
        at = {r["offset"]: r for r in m["real"]}
        s = at.get(0.0, {})
        early = " / ".join(f"{f(at[t]['log_loss'])} ({at[t]['n']})" if t in at else "– (0)"
                           for t in (-1.0, -3.0))
        r = m["responsibilities"]
        resp = f"{r['right']} of {r['n']} ({r['plays']})" if r else "–"
        n_zone = s.get("n_zone", s.get("n", 0) - s.get("n_man", 0))
        on = (f"{f(s.get('p_man_on_man'), 2)} ({s.get('n_man', 0)}) / "
              f"{f(s.get('p_man_on_zone'), 2)} ({n_zone})")
        lines.append(
            f"| {name} | {m['trained_on']} | {m['feature_set']}"
            f"{' + ' + m['prior'] if m['prior'] else ''} | "
            f"{f(m['test_accuracy_at_snap'])} | {s.get('n', 0)} | {f(s.get('log_loss'))} | "
            f"{f(s.get('brier'))} | {f(s.get('accuracy'), 2)} | {f(s.get('called_man'), 2)} | "
            f"{on} | {early} | {resp} |")
    lines += ["", "P(man) per play at −3 / −2 / −1 / 0 s (– : the play's tracking starts later):",
              "", "| play | truth | " + " | ".join(summary["models"]) + " |",
              "| --- | --- | " + " | ".join("---" for _ in summary["models"]) + " |"]
    by = {}
    for c in summary["calls"]:
        by.setdefault((c["gameId"], c["playId"]), {}).setdefault(c["model"], {})[
            c["offset"]] = c["p_man"]
    for p in summary["plays"]:
        key = (p["gameId"], p["playId"])
        truth = {1: MAN, 0: ZONE}.get(p["label"], "–")
        cells = [" / ".join(f(by[key].get(name, {}).get(t), 2) for t in summary["offsets"])
                 for name in summary["models"]]
        lines.append(f"| {key[0]}-{key[1]} | {truth} ({p['coverage'] or '–'}) | "
                     + " | ".join(cells) + " |")
    return "\n".join(lines)
