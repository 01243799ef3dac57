"""How right the models are: accuracy by time and by group, calibration, confusion, and the
stored evaluation reports and checkpoint metrics beside them.

Evaluation files written by ``coverage evaluate`` (one held-out week, scored once) are
preferred where they exist; the tables computed here from predictions + labels let the
pages still show something right after ``coverage predict`` on a new store.
"""

from __future__ import annotations

import json
import threading
import weakref
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from coverage import evaluation
from coverage.app.play_data import snap_predictions
from coverage.errors import CoverageError
from coverage.models.checkpoint import (
    CONFIG,
    IMPORTANCE,
    METRICS,
    TENDENCIES,
    WEIGHTS,
    validate_checkpoint,
)
from coverage.schema import PLAY_KEYS
from coverage.store import Store
from coverage.vocab import MAN, MAN_ZONE, ZONE, is_man, labelled


def _truth(plays: pl.DataFrame, *columns: pl.Expr | str) -> pl.DataFrame:
    """The labelled plays' keys (Int64, as predictions carry them) with ``columns``."""
    return labelled(plays).select(pl.col("gameId").cast(pl.Int64),
                                  pl.col("playId").cast(pl.Int64), *columns)


# the last predictions table's calls at the snap: a page draws several charts from one table
# (Accuracy: six), and each would otherwise scan every pre-snap row of every week again
_SNAP_LOCK = threading.Lock()
_SNAP_LAST: list = [None, None]  # [weakref to the predictions, their calls at the snap]


def _snaps(preds: pl.DataFrame | None) -> pl.DataFrame:
    if preds is None:
        return snap_predictions(preds)
    with _SNAP_LOCK:
        ref, snap = _SNAP_LAST
        if ref is not None and ref() is preds:
            return snap
    snap = snap_predictions(preds)
    with _SNAP_LOCK:
        _SNAP_LAST[:] = [weakref.ref(preds), snap]
    return snap


def _snap_truth(preds: pl.DataFrame | None, plays: pl.DataFrame, model: str | None,
                *columns: pl.Expr | str) -> pl.DataFrame:
    """Calls at the snap (``model``'s only, when given) of the labelled plays, with ``columns``."""
    snap = _snaps(preds)
    if model is not None:
        snap = snap.filter(pl.col("model") == model)
    return snap.join(_truth(plays, *columns), on=PLAY_KEYS, how="inner")


def scored_predictions(preds: pl.DataFrame | None, plays: pl.DataFrame) -> pl.DataFrame:
    """Pre-snap prediction rows of labelled plays with y (1 = man) and correct."""
    if preds is None or preds.height == 0:
        return pl.DataFrame(schema={"model": pl.String, "gameId": pl.Int64, "playId": pl.Int64,
                                    "secs_from_snap": pl.Float64, "p_man": pl.Float64,
                                    "y": pl.Int8, "correct": pl.Boolean})
    lab = _truth(plays, is_man().cast(pl.Int8).alias("y"))
    return (preds.select(pl.col("model").cast(pl.String), pl.col("gameId").cast(pl.Int64),
                         pl.col("playId").cast(pl.Int64),
                         pl.col("secs_from_snap").cast(pl.Float64).round(1),
                         pl.col("p_man").cast(pl.Float64))
            .filter(pl.col("secs_from_snap") <= 1e-6)
            .join(lab, on=PLAY_KEYS, how="inner")
            .with_columns(((pl.col("p_man") >= 0.5).cast(pl.Int8) == pl.col("y"))
                          .alias("correct")))


def accuracy_curve(preds: pl.DataFrame | None, plays: pl.DataFrame, *,
                   bin_secs: float = 0.5, max_secs: float = 8.0,
                   min_plays: int = 1) -> pl.DataFrame:
    """Accuracy by time to snap per model on these plays (coverage.evaluation.CURVE_SCHEMA),
    against the more common label of these plays (Zone on a tie or without labels)."""
    maj = int(labelled(plays).select(is_man().mean() > 0.5).item() or False)
    return evaluation.accuracy_by_time(scored_predictions(preds, plays), bin_secs=bin_secs,
                                       max_secs=max_secs, majority_class=maj,
                                       min_plays=min_plays)


def accuracy_by_group(preds: pl.DataFrame | None, plays: pl.DataFrame, by: str,
                      model: str | None = None) -> pl.DataFrame:
    """Accuracy at the snap per value of ``by`` (e.g. defensiveTeam, down, offenseFormation).

    Columns: model, group, accuracy, ci_low, ci_high, n_plays.
    """
    df = _snap_truth(preds, plays, model, pl.col(by).cast(pl.String).fill_null("—").alias("group"),
                     is_man().alias("is_man"))
    correct = (pl.col("p_man") >= 0.5) == pl.col("is_man")
    return share_by(df, ("model", "group"), correct, "accuracy").sort("model", "group")


def share_by(df: pl.DataFrame, by: Sequence[str], hit: pl.Expr, name: str) -> pl.DataFrame:
    """Per ``by`` group: the share ``name`` of its rows where ``hit`` holds, with its Wilson
    interval (ci_low, ci_high) and the row count n_plays."""
    return (df.group_by(*by).agg(hit.sum().alias("k"), pl.len().alias("n_plays"))
            .with_columns((pl.col("k") / pl.col("n_plays")).alias(name))
            .pipe(evaluation.with_wilson)
            .select(*by, name, "ci_low", "ci_high", pl.col("n_plays").cast(pl.Int64)))


def calibration_bins(preds: pl.DataFrame | None, plays: pl.DataFrame, *,
                     n_bins: int = 10, at_snap: bool = True) -> pl.DataFrame:
    """Reliability table: per model and P(man) decile, mean prediction vs observed man rate.

    At the snap by default: one prediction per play, so ``n`` counts plays and
    long plays do not dominate the diagram.
    """
    df = (_snap_truth(preds, plays, None, is_man().cast(pl.Int8).alias("y")) if at_snap
          else scored_predictions(preds, plays))
    if df.height == 0:
        return pl.DataFrame(schema={"model": pl.String, "mean_pred": pl.Float64,
                                    "frac_man": pl.Float64, "n": pl.Int64})
    b = (pl.col("p_man") * n_bins).floor().clip(0, n_bins - 1).cast(pl.Int32)
    return (df.with_columns(b.alias("bin"))
            .group_by("model", "bin")
            .agg(pl.col("p_man").mean().alias("mean_pred"),
                 pl.col("y").cast(pl.Float64).mean().alias("frac_man"), pl.len().alias("n"))
            .select("model", "mean_pred", "frac_man", pl.col("n").cast(pl.Int64))
            .sort("model", "mean_pred"))


def confusion_matrix(preds: pl.DataFrame | None, plays: pl.DataFrame,
                     model: str | None = None) -> np.ndarray:
    """2x2 counts at the snap, rows = truth (Man, Zone), columns = prediction (Man, Zone)."""
    df = _snap_truth(preds, plays, model, "pff_manZone")
    truth, called = df["pff_manZone"].to_numpy(), (df["p_man"] >= 0.5).to_numpy()
    return np.array([[np.sum((truth == t) & (called == c)) for c in (True, False)]
                     for t in MAN_ZONE], dtype=np.int64)


def read_evaluation(store: Store) -> tuple[pl.DataFrame | None, dict[str, dict]]:
    """The store's accuracy-by-time curves (one table) and JSON reports by name.

    Unreadable files, and tables of another layout (written by an older version, until
    ``coverage init`` re-evaluates), are skipped: they must not take the page down.
    """
    schema = evaluation.CURVE_SCHEMA
    curves = [df.select([pl.col(c).cast(t) for c, t in schema.items()])
              for df in store.evaluation_curves() if set(schema) <= set(df.columns)]
    return (pl.concat(curves) if curves else None), store.evaluation_reports()


def read_checkpoints(models_root: str | Path) -> list[dict[str, Any]]:
    """Every ``<models_root>/<name>/`` with a config (+ metrics), sorted by name.

    Each entry: name, path, config (or None), metrics (or None), error (or None),
    has_weights. Broken JSON is reported on the entry instead of raised.
    """
    out: list[dict[str, Any]] = []
    for cfg_path in sorted(Path(models_root).glob(f"*/{CONFIG}")):
        d = cfg_path.parent
        entry: dict[str, Any] = {"name": d.name, "path": str(d), "config": None,
                                 "metrics": None, "error": None,
                                 "has_weights": (d / WEIGHTS).exists()}
        for key, p in (("config", cfg_path), ("metrics", d / METRICS)):
            if p.exists():
                try:
                    entry[key] = json.loads(p.read_text())
                except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
                    entry["error"] = f"{p.name}: {exc}"
                if entry[key] is not None and not isinstance(entry[key], dict):
                    entry["error"] = f"{p.name}: holds a JSON {type(entry[key]).__name__}"
                    entry[key] = None
        if entry["error"] is None and entry["has_weights"]:
            try:  # sizes and weight shapes, as every loader checks them
                validate_checkpoint(d)
            except CoverageError as exc:
                entry["error"] = str(exc)
        out.append(entry)
    return out


def metrics_table(metrics: dict[str, Any], keys: Iterable[str] = (
        "accuracy", "ci_low", "ci_high", "n", "auc", "brier", "ece", "log_loss",
        "majority_baseline")) -> pl.DataFrame:
    """val/test headline metrics of a metrics.json as a small split x metric table."""
    rows = []
    for split in ("val", "test"):
        m = metrics.get(split)
        if isinstance(m, dict):
            src = m.get("at_snap", m) if isinstance(m.get("at_snap"), dict) else m
            rows.append({"split": split, **{k: _num(src.get(k)) for k in keys}})
    return pl.DataFrame(rows) if rows else pl.DataFrame()


def _num(v: Any) -> float | None:
    try:
        return None if v is None else float(v)
    except (TypeError, ValueError):
        return None


def held_out_weeks(reports: dict[str, dict], models: list[str], weeks: list[int]) -> list[int]:
    """The test weeks the evaluation reports name for these models (scored once, never
    trained on); the last week of the store when there is no report; [] when the reports
    name no held-out week among ``weeks``: a partial download's test week may have no
    tracking, or be the selection week (the report's ``held_out`` is False)."""
    ours = [r for k, r in reports.items() if isinstance(r, dict) and "week" in r
            and k.rsplit("_week_", 1)[0] in models]
    named = sorted({int(r["week"]) for r in ours
                    if int(r["week"]) in weeks and r.get("held_out", True)})
    return named if named or ours else weeks[-1:]


def scope_note(selected: list[int], held_out: list[int], n_plays: int) -> str:
    """One line saying which weeks a chart covers and whether that is test accuracy."""
    span = ", ".join(str(w) for w in selected)
    label = "week" if len(selected) == 1 else "weeks"
    if set(selected) <= set(held_out):
        return f"{label.capitalize()} {span}: the held-out test {label} ({n_plays} plays)."
    return (f"{label.capitalize()} {span} ({n_plays} plays) include training weeks: read "
            "these as fit, not as test accuracy.")


def read_importance(checkpoint: str | Path) -> pl.DataFrame | None:
    """A tabular checkpoint's permutation importance per feature group (importance.json),
    largest log-loss increase first; None where the checkpoint has none or it is broken."""
    p = Path(checkpoint) / IMPORTANCE
    try:
        groups = json.loads(p.read_text())["groups"]
        table = pl.DataFrame(groups)
    except (OSError, json.JSONDecodeError, KeyError, TypeError, pl.exceptions.PolarsError):
        return None
    need = {"group", "features", "log_loss_increase", "auc_drop", "accuracy_drop"}
    if table.height == 0 or not need <= set(table.columns):
        return None
    return table.select(*sorted(need)).sort("log_loss_increase", descending=True)


def tendency_checkpoint(roots: Iterable[str | Path]) -> Path | None:
    """The first checkpoint under ``roots`` that carries learned team tendencies (found by
    its files alone: validating every checkpoint would build each network, importing torch
    on the Teams page)."""
    for root in roots:
        for cfg_path in sorted(Path(root).glob(f"*/{CONFIG}")):
            if (cfg_path.parent / TENDENCIES).is_file():
                return cfg_path.parent
    return None


def read_tendencies(checkpoint: str | Path) -> pl.DataFrame | None:
    """Per-defense tendencies a tabular checkpoint learned (tendencies.parquet)."""
    try:
        table = pl.read_parquet(Path(checkpoint) / TENDENCIES)
    except (OSError, pl.exceptions.PolarsError):
        return None
    if "team" not in table.columns or "man_rate" not in table.columns:
        return None
    return table.sort("man_rate", descending=True)


REAL_PLAYS = "real_plays.json"


def read_real_plays(models_root: str | Path) -> dict[str, Any] | None:
    """``python -m devtools.realism transfer --json models/real_plays.json``: how the
    checkpoints call every real tracking play the project has; None where it is missing or
    unreadable."""
    try:
        summary = json.loads((Path(models_root) / REAL_PLAYS).read_text())
        summary["models"], summary["plays"], summary["calls"]  # noqa: B018 (shape check)
    except (OSError, json.JSONDecodeError, KeyError, TypeError):
        return None
    return summary


def real_plays_table(summary: dict[str, Any]) -> pl.DataFrame:
    """One row per checkpoint: its own test week beside its figures on the real plays at
    the snap and, where the plays' tracking reaches back that far, at -1 s."""
    rows = []
    for name, m in summary["models"].items():
        at = {r["offset"]: r for r in m.get("real", [])}
        snap, early = at.get(0.0, {}), at.get(-1.0, {})
        resp = m.get("responsibilities")
        rows.append({
            "model": name, "trained on": m.get("trained_on"),
            "context prior": m.get("prior") or "–",
            "own test week, acc. at snap": m.get("test_accuracy_at_snap"),
            "real plays": snap.get("n", 0),
            "log-loss at snap": snap.get("log_loss"), "Brier at snap": snap.get("brier"),
            "accuracy at snap": snap.get("accuracy"), "called man": snap.get("called_man"),
            "log-loss at −1 s": early.get("log_loss"), "plays at −1 s": early.get("n", 0),
            "responsibilities right": f"{resp['right']} of {resp['n']}" if resp else "–",
        })
    return pl.DataFrame(rows)


def real_play_calls(summary: dict[str, Any], offset: float = 0.0) -> pl.DataFrame:
    """Per real play: the truth and each checkpoint's P(man) at ``offset`` seconds."""
    calls = pl.DataFrame(summary["calls"])
    if calls.height == 0:
        return calls
    wide = (calls.filter(pl.col("offset") == offset)
            .pivot(on="model", index=["gameId", "playId"], values="p_man"))
    plays = pl.DataFrame(summary["plays"]).with_columns(
        pl.col("label").replace_strict({1.0: MAN, 0.0: ZONE}, default="–",
                                       return_dtype=pl.String).alias("truth"))
    return (plays.select("gameId", "playId", "truth", "coverage")
            .join(wide, on=["gameId", "playId"], how="left", maintain_order="left"))
