"""Data preparation for the app pages: play lists, filters and aggregate tables.

Everything here is a pure polars function of store tables (play index,
long-format predictions) so the pages stay thin and every number a page shows
is unit-tested without Streamlit. Evaluation files written by the models code
are preferred where they exist; the aggregates below let the pages still show
accuracy, calibration and team tendencies from raw predictions + labels when
they do not (e.g. right after ``coverage predict`` on a new store).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from coverage.training.metrics import wilson_interval  # noqa: F401 - one definition, re-exported

Z95 = 1.959963984540054
DISTANCE_BUCKETS = ("short (1-3)", "medium (4-6)", "long (7+)")
UNLABELLED = "Unlabelled"
OUTCOMES = ("hit", "miss")
PLAY_KEYS = ("gameId", "playId")
# Categorical filters: play-table column -> sidebar label. One place so the
# page, the option lists and the tests cannot disagree on names.
FILTER_COLUMNS = {
    "week": "Week",
    "gameId": "Game",
    "offense": "Offense",
    "defense": "Defense",
    "down": "Down",
    "distance": "Distance",
    "family": "True coverage",
    "coverage": "Coverage type",
    "outcome": "Prediction at snap",
    "passResult": "Pass result",
    "formation": "Offensive formation",
    "detected": "Detected formation",
    "shell": "Defensive shell (detected)",
}


# --------------------------------------------------------------------------- intervals
def wilson_exprs(k: str, n: str, z: float = Z95) -> list[pl.Expr]:
    """``ci_low``/``ci_high`` columns from count columns, vectorised (same formula)."""
    kk, nn = pl.col(k).cast(pl.Float64), pl.col(n).cast(pl.Float64)
    phat = kk / nn
    denom = 1.0 + z * z / nn
    centre = (phat + z * z / (2 * nn)) / denom
    half = z * (phat * (1 - phat) / nn + z * z / (4 * nn * nn)).sqrt() / denom
    ok = nn > 0
    return [
        pl.when(ok).then((centre - half).clip(0.0, 1.0)).otherwise(None).alias("ci_low"),
        pl.when(ok).then((centre + half).clip(0.0, 1.0)).otherwise(None).alias("ci_high"),
    ]


# --------------------------------------------------------------------------- play table
def distance_bucket_expr(col: str = "yardsToGo") -> pl.Expr:
    """Short / medium / long buckets: analysts filter by these, not exact yards."""
    y = pl.col(col)
    return (pl.when(y.is_null()).then(None)
            .when(y <= 3).then(pl.lit(DISTANCE_BUCKETS[0]))
            .when(y <= 6).then(pl.lit(DISTANCE_BUCKETS[1]))
            .otherwise(pl.lit(DISTANCE_BUCKETS[2])))


def labelled(plays: pl.DataFrame) -> pl.DataFrame:
    """Plays with a Man or Zone label (Other / missing cannot score a binary model)."""
    return plays.filter(pl.col("pff_manZone").is_in(["Man", "Zone"]))


def models_in(preds: pl.DataFrame | None) -> list[str]:
    """Model names present in a predictions table, sorted (empty when none)."""
    if preds is None or preds.height == 0:
        return []
    return sorted(preds["model"].unique().to_list())


def snap_predictions(preds: pl.DataFrame | None) -> pl.DataFrame:
    """P(man) at the snap per (model, play): the last frame at or before the snap.

    "At the snap" is the model's final pre-snap call, which is what a defense
    has shown by the time the ball moves; later frames are not predictions.
    """
    schema = {"model": pl.String, "gameId": pl.Int64, "playId": pl.Int64, "p_man": pl.Float64}
    if preds is None or preds.height == 0:
        return pl.DataFrame(schema=schema)
    return (preds.filter(pl.col("secs_from_snap") <= 1e-6)
            .sort("secs_from_snap")
            .group_by("model", "gameId", "playId", maintain_order=True)
            .agg(pl.col("p_man").last().cast(pl.Float64))
            .select(pl.col("model").cast(pl.String), pl.col("gameId").cast(pl.Int64),
                    pl.col("playId").cast(pl.Int64), "p_man"))


def play_table(plays: pl.DataFrame, preds: pl.DataFrame | None = None,
               model: str | None = None, formations: pl.DataFrame | None = None
               ) -> pl.DataFrame:
    """One row per play with the filterable columns and the model's call at the snap.

    Columns: gameId, playId, week, offense, defense, quarter, down, yardsToGo,
    down_distance, distance, family, coverage, formation, passResult, description,
    p_man_snap, predicted, outcome, label. Without predictions the prediction
    columns are null so the same filters and table work either way.
    """
    t = plays.select(
        pl.col("gameId").cast(pl.Int64), pl.col("playId").cast(pl.Int64),
        pl.col("week").cast(pl.Int32),
        pl.col("possessionTeam").alias("offense"), pl.col("defensiveTeam").alias("defense"),
        pl.col("quarter").cast(pl.Int32), pl.col("down").cast(pl.Int32),
        pl.col("yardsToGo").cast(pl.Int32),
        distance_bucket_expr().alias("distance"),
        pl.col("pff_manZone").fill_null(UNLABELLED).alias("family"),
        pl.col("pff_passCoverage").fill_null("—").alias("coverage"),
        pl.col("offenseFormation").fill_null("—").alias("formation"),
        pl.col("passResult").fill_null("—"),
        pl.col("playDescription").fill_null("").alias("description"),
    ).with_columns(
        pl.format("{} & {}", pl.col("down"), pl.col("yardsToGo")).alias("down_distance"),
    )
    if formations is not None and formations.height:
        det = formations.select(
            pl.col("gameId").cast(pl.Int64), pl.col("playId").cast(pl.Int64),
            pl.concat_str(pl.col("off_formation").fill_null("?"), pl.lit(" "),
                          pl.col("off_alignment").fill_null("?")).alias("detected"),
            pl.col("def_shell").alias("shell"))
        t = t.join(det, on=list(PLAY_KEYS), how="left")
    snap = snap_predictions(preds)
    if model is not None:
        snap = snap.filter(pl.col("model") == model)
    elif snap.height:
        snap = snap.filter(pl.col("model") == snap["model"].min())
    t = t.join(snap.select(*PLAY_KEYS, pl.col("p_man").alias("p_man_snap")), on=list(PLAY_KEYS),
               how="left")
    predicted = (pl.when(pl.col("p_man_snap").is_null()).then(None)
                 .when(pl.col("p_man_snap") >= 0.5).then(pl.lit("Man")).otherwise(pl.lit("Zone")))
    t = t.with_columns(predicted.alias("predicted")).with_columns(
        pl.when(pl.col("predicted").is_null() | ~pl.col("family").is_in(["Man", "Zone"]))
        .then(None)
        .when(pl.col("predicted") == pl.col("family")).then(pl.lit("hit"))
        .otherwise(pl.lit("miss")).alias("outcome"),
        pl.format("{}-{} · wk {} · {} vs {} · Q{} {} · {}", "gameId", "playId", "week",
                  "offense", "defense", "quarter", "down_distance", "family").alias("label"),
    )
    return t.sort("week", "gameId", "playId")


@dataclass
class PlayFilters:
    """Sidebar selections; an empty list means "no restriction" for that column."""

    selections: dict[str, list[Any]] = field(default_factory=dict)
    search: str = ""

    def active(self) -> dict[str, list[Any]]:
        return {k: v for k, v in self.selections.items() if v}


def filter_options(table: pl.DataFrame) -> dict[str, list[Any]]:
    """Distinct values per filter column, in a sensible order (buckets short→long)."""
    out: dict[str, list[Any]] = {}
    for col in FILTER_COLUMNS:
        if col not in table.columns:
            continue
        vals = table[col].drop_nulls().unique().to_list()
        if col == "distance":
            vals = [b for b in DISTANCE_BUCKETS if b in vals]
        elif col == "outcome":
            vals = [o for o in OUTCOMES if o in vals]
        else:
            vals = sorted(vals)
        out[col] = vals
    return out


def filter_plays(table: pl.DataFrame, filters: PlayFilters) -> pl.DataFrame:
    """Rows of ``play_table`` matching every active filter and the text search.

    The search is a case-insensitive literal match over the description, ids,
    teams and coverage, so typing "Cover-1" or a playId finds the play.
    """
    expr = pl.lit(True)
    for col, vals in filters.active().items():
        if col not in table.columns:
            continue
        dtype = table.schema[col]
        vals = [v for v in vals if v is not None]
        if dtype.is_integer():
            vals = [int(v) for v in vals]
        expr = expr & pl.col(col).is_in(pl.Series(vals, dtype=dtype).implode())
    q = filters.search.strip().lower()
    if q:
        hay = pl.concat_str([pl.col(c).cast(pl.String).fill_null("") for c in
                             ("label", "description", "coverage", "formation")], separator=" ")
        expr = expr & hay.str.to_lowercase().str.contains(q, literal=True)
    return table.filter(expr)


def play_predictions(preds: pl.DataFrame | None, game_id: int, play_id: int,
                     models: Sequence[str] | None = None) -> pl.DataFrame | None:
    """One play's prediction rows (optionally only ``models``), or None when it has none."""
    if preds is None or preds.height == 0:
        return None
    out = preds.filter((pl.col("gameId") == game_id) & (pl.col("playId") == play_id))
    if models:
        out = out.filter(pl.col("model").is_in(list(models)))
    return out if out.height else None


def formation_slots(frames: pl.DataFrame, window: str = "1s") -> pl.DataFrame | None:
    """Each player's detected formation slot in every frame (EFPI per ``window``).

    Fed to the field's per-frame ``slots`` hook, so hovering a player shows e.g.
    "SLOT · SHOTGUN 3x1", and the label changes when a motion or shift changes the
    formation. One fit per 1 s window (mean positions) keeps a play switch in the tens
    of milliseconds; after the snap the snap-time slot is kept.
    """
    from coverage.formations import EFPI

    pre = frames.filter(pl.col("secs_from_snap") <= 0)
    if pre.height == 0:
        return None
    fit = EFPI(pre, on_bad="skip").fit(every=window)
    a = fit.assignments
    if a.height == 0:
        return None
    spans = fit.formations.select(
        "segment", "side",
        pl.int_ranges(pl.col("start_frame"), pl.col("end_frame") + 1).alias("frameId"),
    ).explode("frameId")
    detail = (pl.when(pl.col("side") == "offense")
              .then(pl.concat_str(pl.col("formation"), pl.lit(" "),
                                  pl.col("alignment").fill_null("")))
              .otherwise(pl.col("formation")))
    per_frame = (a.with_columns(pl.concat_str(pl.col("slot"), pl.lit(" · "), detail)
                                .alias("label"))
                 .join(spans, on=["segment", "side"])
                 .select(pl.col("nflId").cast(pl.Int64), pl.col("frameId").cast(pl.Int64),
                         pl.col("label").alias("slot")))
    last = per_frame.filter(pl.col("frameId") == pl.col("frameId").max()).drop("frameId")
    post = frames.filter(pl.col("secs_from_snap") > 0).select(
        pl.col("frameId").cast(pl.Int64)).unique()
    return pl.concat([per_frame, post.join(last, how="cross").select(per_frame.columns)])


def export_table(table: pl.DataFrame) -> pl.DataFrame:
    """The play list as analysts want it in a spreadsheet (CSV export)."""
    cols = ["gameId", "playId", "week", "offense", "defense", "quarter", "down", "yardsToGo",
            "distance", "formation", "detected", "shell", "family", "coverage", "passResult",
            "p_man_snap",
            "predicted", "outcome", "description"]
    return table.select([c for c in cols if c in table.columns])


# --------------------------------------------------------------------------- accuracy
def _scored(preds: pl.DataFrame | None, plays: pl.DataFrame) -> pl.DataFrame:
    """Pre-snap prediction rows of labelled plays with y (1 = man) and correct."""
    if preds is None or preds.height == 0:
        return pl.DataFrame(schema={"model": pl.String, "gameId": pl.Int64, "playId": pl.Int64,
                                    "secs_from_snap": pl.Float64, "p_man": pl.Float64,
                                    "y": pl.Int8, "correct": pl.Boolean})
    lab = labelled(plays).select(pl.col("gameId").cast(pl.Int64), pl.col("playId").cast(pl.Int64),
                                 (pl.col("pff_manZone") == "Man").cast(pl.Int8).alias("y"))
    return (preds.select(pl.col("model").cast(pl.String), pl.col("gameId").cast(pl.Int64),
                         pl.col("playId").cast(pl.Int64),
                         pl.col("secs_from_snap").cast(pl.Float64).round(1),
                         pl.col("p_man").cast(pl.Float64))
            .filter(pl.col("secs_from_snap") <= 1e-6)
            .join(lab, on=list(PLAY_KEYS), how="inner")
            .with_columns(((pl.col("p_man") >= 0.5).cast(pl.Int8) == pl.col("y"))
                          .alias("correct")))


def majority_class(plays: pl.DataFrame) -> str:
    """The more common of Man / Zone: the always-guess-it baseline's answer."""
    lab = labelled(plays)
    if lab.height == 0:
        return "Zone"
    return "Man" if (lab["pff_manZone"] == "Man").mean() > 0.5 else "Zone"


def time_bin_expr(bin_secs: float, col: str = "secs_from_snap") -> pl.Expr:
    """Upper edge of the ``(edge - bin_secs, edge]`` bin, so the snap (0) is its own edge.

    Frames 0.0 s and -0.4 s both land in the 0.0 bin for 0.5 s bins; a small
    epsilon keeps float noise (-0.5000001) in the right bin.
    """
    return ((pl.col(col) / bin_secs - 1e-6).ceil() * bin_secs).round(3) + 0.0


def accuracy_by_time(preds: pl.DataFrame | None, plays: pl.DataFrame, *,
                     bin_secs: float = 0.5, max_secs: float = 8.0,
                     min_plays: int = 1) -> pl.DataFrame:
    """Accuracy per time-to-snap bin and model, with Wilson CIs and the majority baseline.

    Each play counts once per bin (its frame closest to the snap within the bin),
    so ``n_plays`` is a play count and plays with many frames do not dominate.
    Columns match ``coverage.views.accuracy_by_time_figure``.
    """
    maj = 1 if majority_class(plays) == "Man" else 0
    df = _scored(preds, plays).filter(pl.col("secs_from_snap") >= -max_secs - 1e-6)
    out_schema = {"model": pl.String, "secs_from_snap": pl.Float64, "accuracy": pl.Float64,
                  "ci_low": pl.Float64, "ci_high": pl.Float64, "n_plays": pl.Int64,
                  "baseline": pl.Float64}
    if df.height == 0:
        return pl.DataFrame(schema=out_schema)
    per_play = (df.with_columns(time_bin_expr(bin_secs).alias("bin"))
                .sort("secs_from_snap")
                .group_by("model", "gameId", "playId", "bin")
                .agg(pl.col("correct").last(), pl.col("y").last()))
    out = (per_play.group_by("model", "bin")
           .agg(pl.col("correct").sum().alias("k"), pl.len().alias("n_plays"),
                (pl.col("y") == maj).mean().alias("baseline"))
           .filter(pl.col("n_plays") >= min_plays)
           .with_columns((pl.col("k") / pl.col("n_plays")).alias("accuracy"),
                         *wilson_exprs("k", "n_plays"))
           .rename({"bin": "secs_from_snap"}))
    return (out.select(pl.col("model"), pl.col("secs_from_snap").cast(pl.Float64),
                       "accuracy", "ci_low", "ci_high", pl.col("n_plays").cast(pl.Int64),
                       pl.col("baseline").cast(pl.Float64))
            .sort("model", "secs_from_snap"))


def normalise_accuracy_curve(df: pl.DataFrame) -> pl.DataFrame:
    """Evaluation parquet -> the columns the accuracy figure wants.

    The training code names the baseline ``majority_baseline``; the figure wants
    ``baseline``. Accept either so a page never breaks on that rename.
    """
    if "baseline" not in df.columns and "majority_baseline" in df.columns:
        df = df.rename({"majority_baseline": "baseline"})
    if "model" not in df.columns:
        df = df.with_columns(pl.lit("model").alias("model"))
    return df


def accuracy_by_group(preds: pl.DataFrame | None, plays: pl.DataFrame, by: str,
                      model: str | None = None) -> pl.DataFrame:
    """Accuracy at the snap per value of ``by`` (e.g. defensiveTeam, down, offenseFormation).

    Columns: model, group, accuracy, ci_low, ci_high, n_plays.
    """
    snap = snap_predictions(preds)
    if model is not None:
        snap = snap.filter(pl.col("model") == model)
    lab = labelled(plays).select(pl.col("gameId").cast(pl.Int64), pl.col("playId").cast(pl.Int64),
                                 pl.col(by).cast(pl.String).fill_null("—").alias("group"),
                                 (pl.col("pff_manZone") == "Man").alias("is_man"))
    df = snap.join(lab, on=list(PLAY_KEYS), how="inner").with_columns(
        ((pl.col("p_man") >= 0.5) == pl.col("is_man")).alias("correct"))
    return (df.group_by("model", "group")
            .agg(pl.col("correct").sum().alias("k"), pl.len().alias("n_plays"))
            .with_columns((pl.col("k") / pl.col("n_plays")).alias("accuracy"),
                          *wilson_exprs("k", "n_plays"))
            .select("model", "group", "accuracy", "ci_low", "ci_high",
                    pl.col("n_plays").cast(pl.Int64))
            .sort("model", "group"))


def calibration_bins(preds: pl.DataFrame | None, plays: pl.DataFrame, *,
                     n_bins: int = 10, at_snap: bool = True) -> pl.DataFrame:
    """Reliability table: per model and P(man) decile, mean prediction vs observed man rate.

    At the snap by default: one prediction per play, so ``n`` counts plays and
    long plays do not dominate the diagram.
    """
    if at_snap:
        snap = snap_predictions(preds)
        lab = labelled(plays).select(pl.col("gameId").cast(pl.Int64),
                                     pl.col("playId").cast(pl.Int64),
                                     (pl.col("pff_manZone") == "Man").cast(pl.Int8).alias("y"))
        df = snap.join(lab, on=list(PLAY_KEYS), how="inner")
    else:
        df = _scored(preds, plays)
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
    snap = snap_predictions(preds)
    if model is not None:
        snap = snap.filter(pl.col("model") == model)
    lab = labelled(plays).select(pl.col("gameId").cast(pl.Int64), pl.col("playId").cast(pl.Int64),
                                 "pff_manZone")
    df = snap.join(lab, on=list(PLAY_KEYS), how="inner")
    m = np.zeros((2, 2), dtype=np.int64)
    for i, truth in enumerate(("Man", "Zone")):
        sub = df.filter(pl.col("pff_manZone") == truth)
        m[i, 0] = int((sub["p_man"] >= 0.5).sum())
        m[i, 1] = sub.height - m[i, 0]
    return m


def confusion_from_report(report: dict[str, Any]) -> np.ndarray | None:
    """The at-snap confusion counts of an evaluation JSON (tp/fp/tn/fn), as a 2x2 matrix."""
    c = (report.get("at_snap") or {}).get("confusion")
    if not isinstance(c, dict) or not {"tp", "fp", "tn", "fn"} <= set(c):
        return None
    return np.array([[c["tp"], c["fn"]], [c["fp"], c["tn"]]], dtype=np.int64)


# --------------------------------------------------------------------------- teams
def man_rate_by_defense(plays: pl.DataFrame) -> tuple[pl.DataFrame, float]:
    """Man share (of Man+Zone plays) per defense with Wilson CIs, and the league rate."""
    lab = labelled(plays)
    league = float((lab["pff_manZone"] == "Man").mean()) if lab.height else math.nan
    df = (lab.group_by(pl.col("defensiveTeam").alias("team"))
          .agg((pl.col("pff_manZone") == "Man").sum().alias("k"), pl.len().alias("n_plays"))
          .with_columns((pl.col("k") / pl.col("n_plays")).alias("man_rate"),
                        *wilson_exprs("k", "n_plays"))
          .select("team", "man_rate", "ci_low", "ci_high", pl.col("n_plays").cast(pl.Int64))
          .sort("man_rate", descending=True))
    return df, league


def giveaway_times(preds: pl.DataFrame | None, plays: pl.DataFrame, model: str,
                   man_threshold: float = 0.8, zone_threshold: float = 0.2) -> pl.DataFrame:
    """Per labelled play: how many seconds before the snap the model "knew" the coverage.

    A man play is given away at the first frame from which P(man) stays >= 0.8
    through the snap (zone: stays <= 0.2). "Stays" rather than "first touches"
    so a brief spike does not count as the defense showing its hand.
    Columns: gameId, playId, defense, family, given_away (bool), secs_before_snap.
    """
    sub = _scored(preds, plays).filter(pl.col("model") == model)
    teams = plays.select(pl.col("gameId").cast(pl.Int64), pl.col("playId").cast(pl.Int64),
                         pl.col("defensiveTeam").alias("defense"))
    if sub.height == 0:
        return pl.DataFrame(schema={"gameId": pl.Int64, "playId": pl.Int64,
                                    "defense": pl.String, "family": pl.String,
                                    "given_away": pl.Boolean, "secs_before_snap": pl.Float64})
    past = (pl.when(pl.col("y") == 1).then(pl.col("p_man") >= man_threshold)
            .otherwise(pl.col("p_man") <= zone_threshold))
    secs = pl.col("secs_from_snap")
    per = (sub.sort("secs_from_snap")
           .with_columns(past.alias("past"))
           .group_by("gameId", "playId", maintain_order=True)
           .agg(pl.col("y").first(),
                # first frame after the last frame that was not past the threshold
                secs.filter(secs > secs.filter(~pl.col("past")).max().fill_null(-1e9))
                .min().alias("t_cross"),
                pl.col("past").last().alias("at_snap"))
           .with_columns(pl.when(pl.col("at_snap")).then(pl.col("t_cross")).alias("t_cross"))
           .with_columns(pl.col("at_snap").alias("given_away"),
                         (-pl.col("t_cross")).clip(0.0, None).round(1).alias("secs_before_snap"),
                         pl.when(pl.col("y") == 1).then(pl.lit("Man")).otherwise(pl.lit("Zone"))
                         .alias("family")))
    return (per.join(teams, on=list(PLAY_KEYS), how="left")
            .select("gameId", "playId", "defense", "family", "given_away", "secs_before_snap"))


def giveaway_by_defense(times: pl.DataFrame) -> pl.DataFrame:
    """Median seconds-before-snap of the give-away per defense and family, and how often.

    Columns: team, family, median_secs, share_given_away, n_given_away, n_plays.
    """
    return (times.group_by(pl.col("defense").alias("team"), "family")
            .agg(pl.col("secs_before_snap").filter(pl.col("given_away")).median()
                 .alias("median_secs"),
                 pl.col("given_away").mean().alias("share_given_away"),
                 pl.col("given_away").sum().cast(pl.Int64).alias("n_given_away"),
                 pl.len().cast(pl.Int64).alias("n_plays"))
            .sort("team", "family"))


# --------------------------------------------------------------------------- files
def read_evaluation(folder: str | Path) -> tuple[pl.DataFrame | None, dict[str, dict]]:
    """Accuracy-by-time curves and JSON reports found in ``<store>/evaluation/``.

    Returns (curves or None, {report name: report}). Unreadable files are
    skipped: a half-written report must not take the page down.
    """
    folder = Path(folder)
    if not folder.is_dir():
        return None, {}
    curves = []
    for p in sorted(folder.glob("*.parquet")):
        try:
            df = normalise_accuracy_curve(pl.read_parquet(p))
        except (OSError, pl.exceptions.PolarsError):
            continue
        need = {"model", "secs_from_snap", "accuracy", "ci_low", "ci_high", "n_plays",
                "baseline"}
        if need <= set(df.columns):
            curves.append(df.select(sorted(need)).with_columns(
                pl.col("n_plays").cast(pl.Int64), pl.col("model").cast(pl.String),
                *[pl.col(c).cast(pl.Float64) for c in sorted(need - {"model", "n_plays"})]))
    reports: dict[str, dict] = {}
    for p in sorted(folder.glob("*.json")):
        try:
            reports[p.stem] = json.loads(p.read_text())
        except (OSError, json.JSONDecodeError):
            continue
    return (pl.concat(curves) if curves else None), reports


def read_checkpoints(models_root: str | Path) -> list[dict[str, Any]]:
    """Every ``<models_root>/<name>/config.json`` (+ ``metrics.json``), sorted by name.

    Each entry: name, path, config (or None), metrics (or None), error (or None),
    has_weights. Broken JSON is reported on the entry instead of raised.
    """
    root = Path(models_root)
    out: list[dict[str, Any]] = []
    if not root.is_dir():
        return out
    for cfg_path in sorted(root.glob("*/config.json")):
        d = cfg_path.parent
        entry: dict[str, Any] = {"name": d.name, "path": str(d), "config": None,
                                 "metrics": None, "error": None,
                                 "has_weights": (d / "model.safetensors").exists()}
        for key, p in (("config", cfg_path), ("metrics", d / "metrics.json")):
            if p.exists():
                try:
                    entry[key] = json.loads(p.read_text())
                except (OSError, json.JSONDecodeError) as exc:
                    entry["error"] = f"{p.name}: {exc}"
        out.append(entry)
    return out


def flat_metrics(metrics: dict[str, Any], keys: Iterable[str] = (
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


ANIMATION_MAX_FRAMES = 40


def animation_stride(n_frames: int, max_frames: int = ANIMATION_MAX_FRAMES) -> int:
    """Frame stride for the in-app animation: at most ~``max_frames`` animation frames.

    Building and shipping the animated figure costs time per frame, and the
    play switch must stay under ~300 ms; 5 Hz motion still reads well, and key
    events are never dropped (``play_arrays`` moves them to the next kept frame).
    """
    return max(1, math.ceil(int(n_frames) / max_frames))


# --------------------------------------------------------------------------- explain mode
def _jerseys(frames: pl.DataFrame) -> pl.DataFrame:
    return (frames.filter(pl.col("nflId").is_not_null())
            .group_by("nflId").agg(pl.col("jerseyNumber").first().cast(pl.String)))


def responsibility_slots(resp: pl.DataFrame | None, frames: pl.DataFrame) -> pl.DataFrame | None:
    """Per-frame hover text for each defender, e.g. ``MAN 0.83 → #11 (0.77)``.

    Fed to the field's ``slots`` hook, so every animation frame's hover shows the
    predicted responsibility with its probability at no extra trace cost.
    """
    if resp is None or resp.height == 0:
        return None
    jer = _jerseys(frames).rename({"nflId": "target_nflId", "jerseyNumber": "target_jersey"})
    return (resp.join(jer, on="target_nflId", how="left")
            .select("nflId", pl.col("frameId").cast(pl.Int64), pl.concat_str(
                pl.col("assignment"), pl.lit(" "), pl.col("prob").round(2).cast(pl.String),
                pl.when(pl.col("target_nflId").is_not_null()).then(pl.concat_str(
                    pl.lit(" → #"), pl.col("target_jersey").fill_null("?"), pl.lit(" ("),
                    pl.col("target_prob").round(2).cast(pl.String), pl.lit(")")))
                .otherwise(pl.lit("")),
            ).alias("slot")))


def responsibility_table(resp: pl.DataFrame, frames: pl.DataFrame) -> pl.DataFrame:
    """Each defender's predicted responsibility at the last pre-snap frame."""
    last = resp.filter(pl.col("frameId") == pl.col("frameId").max())
    jer = _jerseys(frames)
    tgt = jer.rename({"nflId": "target_nflId", "jerseyNumber": "covers"})
    return (last.join(jer, on="nflId", how="left").join(tgt, on="target_nflId", how="left")
            .select(pl.concat_str(pl.lit("#"), pl.col("jerseyNumber").fill_null("?"))
                    .alias("defender"), "assignment", "prob",
                    pl.when(pl.col("covers").is_not_null())
                    .then(pl.concat_str(pl.lit("#"), pl.col("covers"))).alias("covers"),
                    pl.col("target_prob").alias("covers_prob"))
            .sort("assignment", "defender"))


def family_at_snap(fam: pl.DataFrame) -> pl.DataFrame:
    """Family probabilities at the play's last pre-snap frame, most likely first."""
    return (fam.filter(pl.col("frameId") == pl.col("frameId").max())
            .select("family", "prob").sort("prob", descending=True))


def position_giveaway_table(summary: pl.DataFrame | None, plays: pl.DataFrame,
                            players: pl.DataFrame, model: str | None = None) -> pl.DataFrame:
    """Per defense: mean |attribution| of its players by position (largest = gives it away)."""
    from coverage.explain.predict import position_giveaway

    if summary is None or summary.height == 0:
        return pl.DataFrame()
    if model is not None:
        summary = summary.filter(pl.col("model") == model)
    return position_giveaway(summary, plays, players)
