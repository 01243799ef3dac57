"""Figure builders for the aggregate pages (accuracy over time, calibration, ...).

They take tidy, already-computed polars tables and only draw: metrics are
computed (and tested) in the evaluation code, so the same numbers appear in
reports, the CLI and the app. Missing columns raise ``DataError`` naming them.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
import polars as pl
from plotly.subplots import make_subplots

from coverage.errors import DataError
from coverage.views._common import (
    MAN_COLOR,
    MODEL_PALETTE,
    SECONDARY_DASH,
    SECONDARY_OPACITY,
    model_colors,
    secondary_models,
)
from coverage.views.palette import MAN_ZONE_COLORS, OTHER_COVERAGE_COLOR, REFERENCE_COLOR
from coverage.views.team_colors import hex_to_rgb
from coverage.views.theme import TEAM_BARS, team_bar_marker
from coverage.vocab import MAN_ZONE


def _require(df: pl.DataFrame, columns: Sequence[str], what: str) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise DataError(f"{what}: table lacks columns", column=", ".join(missing),
                        expected=", ".join(columns))


def nice_step(x: float, *, whole: bool = False) -> float:
    """The smallest 1, 2, 2.5, 4 or 5 x 10^k at or above ``x``: axis steps a reader can add
    up (``whole``: whole numbers only, for counts)."""
    if not x > 0:
        return 1.0
    k = 10.0 ** np.floor(np.log10(x))
    steps = (m * k for m in (1, 2, 2.5, 4, 5, 10))
    return float(next(v for v in steps if v >= x - 1e-9 * k and not (whole and v % 1)))


# A bin resting on fewer plays than this is drawn hollow and off the line: 0% or 100%
# from a handful of plays must not read like a measured rate.
SPARSE_PLAYS = 30


def accuracy_by_time_figure(df: pl.DataFrame, *, height: int = 420,
                            bands_for: Sequence[str] | None = None,
                            min_plays: int = SPARSE_PLAYS,
                            applied_to: str | None = None) -> go.Figure:
    """Accuracy vs seconds from snap per model, CI bands, baseline, plays on a 2nd axis.

    Columns of coverage.evaluation.CURVE_SCHEMA (model, secs_from_snap, accuracy, ci_low,
    ci_high, n_plays, majority_baseline).
    The play count matters because far-from-snap points rest on few plays (most
    plays have short pre-snap windows), so wide bands there are expected. Overlapping
    bands of many models make a muddy area, so only ``bands_for`` get one (default: all
    when there are at most two models, else the first); every line keeps its interval
    in the hover. On real data (``applied_to``), models trained on synthetic plays are
    drawn secondary: dashed, faded, no band.
    """
    _require(df, ("model", "secs_from_snap", "accuracy", "ci_low", "ci_high", "n_plays",
                  "majority_baseline"), "accuracy by time")
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    counts = df.group_by("secs_from_snap").agg(pl.col("n_plays").max()).sort("secs_from_snap")
    fig.add_trace(go.Bar(x=counts["secs_from_snap"].to_numpy(), y=counts["n_plays"].to_numpy(),
                         name="plays", marker={"color": "rgba(150,150,150,0.25)"},
                         hovertemplate="%{y} plays at %{x:+.1f} s<extra></extra>"),
                  secondary_y=True)
    colors = model_colors(df["model"].unique().to_list())
    names = sorted(colors)
    secondary = secondary_models(names, applied_to)
    primary = [m for m in names if m not in secondary] or names
    banded = (set(bands_for) if bands_for is not None else set(
        primary if len(primary) <= 2 else primary[:1])) - secondary
    for m in names:
        sub = df.filter(pl.col("model") == m).sort("secs_from_snap")
        x = sub["secs_from_snap"].to_numpy()
        dense = sub["n_plays"].to_numpy() >= min_plays
        if m in banded and dense.any():
            d = sub.filter(pl.Series(dense))
            xd = d["secs_from_snap"].to_numpy()
            fig.add_trace(go.Scatter(
                x=np.concatenate([xd, xd[::-1]]),
                y=np.concatenate([d["ci_high"].to_numpy(), d["ci_low"].to_numpy()[::-1]]),
                fill="toself", fillcolor="rgba({},{},{},0.15)".format(*hex_to_rgb(colors[m])),
                line={"width": 0},
                hoverinfo="skip", showlegend=False, legendgroup=m, name=f"{m} CI"),
                secondary_y=False)
        custom = np.stack([sub["ci_low"].to_numpy(), sub["ci_high"].to_numpy(),
                           sub["n_plays"].to_numpy()], axis=1)
        acc = sub["accuracy"].to_numpy().astype(float)
        style = ({"line": {"color": colors[m], "width": 1.5, "dash": SECONDARY_DASH},
                  "opacity": SECONDARY_OPACITY} if m in secondary
                 else {"line": {"color": colors[m], "width": 2.5}})
        fig.add_trace(go.Scatter(
            x=x, y=np.where(dense, acc, np.nan), mode="lines+markers", name=m,
            legendgroup=m, **style, marker={"size": 4},
            customdata=custom,
            hovertemplate=(m + ": %{y:.1%} [%{customdata[0]:.1%}, %{customdata[1]:.1%}]"
                           " · %{customdata[2]} plays<extra></extra>")),
            secondary_y=False)
        if (~dense).any():
            fig.add_trace(go.Scatter(
                x=x[~dense], y=acc[~dense], mode="markers", legendgroup=m, showlegend=False,
                name=f"{m} (few plays)", customdata=custom[~dense],
                marker={"size": 6, "color": "rgba(0,0,0,0)",
                        "line": {"color": colors[m], "width": 1}},
                hovertemplate=(m + ": %{y:.1%} from only %{customdata[2]} plays "
                               f"(< {min_plays}: not drawn as a rate)<extra></extra>")),
                secondary_y=False)
    base = (df.group_by("secs_from_snap").agg(pl.col("majority_baseline").mean())
            .sort("secs_from_snap"))
    fig.add_trace(go.Scatter(x=base["secs_from_snap"].to_numpy(),
                             y=base["majority_baseline"].to_numpy(),
                             mode="lines", name="baseline", line={"color": REFERENCE_COLOR,
                             "dash": "dash", "width": 1.5}), secondary_y=False)
    fig.add_vline(x=0, line={"color": REFERENCE_COLOR, "width": 1.5})
    fig.update_yaxes(title_text="accuracy", range=[0, 1.0], tickformat=".0%",
                     secondary_y=False)
    # five steps, like the accuracy axis's 20% ones, so both axes' ticks sit on its grid
    step = max(1.0, nice_step(float(counts["n_plays"].max() or 1) / 5, whole=True))
    fig.update_yaxes(title_text="plays", showgrid=False, secondary_y=True, range=[0, 5 * step],
                     dtick=step, tick0=0, tickformat=",d")
    fig.update_xaxes(title_text="seconds from snap")
    fig.update_layout(height=height, plot_bgcolor="white", hovermode="x unified",
                      margin={"l": 50, "r": 50, "t": 30, "b": 45},
                      legend={"orientation": "h", "y": 1.02, "yanchor": "bottom"})
    return fig


def calibration_figure(df: pl.DataFrame, *, height: int = 420,
                       applied_to: str | None = None) -> go.Figure:
    """Reliability diagram: mean predicted P(man) vs observed man rate per bin.

    Columns: model, mean_pred, frac_man, n (plays or frames in the bin). Marker
    area follows n so sparse bins do not look as trustworthy as dense ones. On real data
    (``applied_to``), models trained on synthetic plays are drawn dashed and faded.
    """
    _require(df, ("model", "mean_pred", "frac_man", "n"), "calibration")
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=[0, 1], y=[0, 1], mode="lines", name="perfect",
                             line={"color": REFERENCE_COLOR, "dash": "dash"}, hoverinfo="skip"))
    colors = model_colors(df["model"].unique().to_list())
    n_max = float(df["n"].max() or 1)
    secondary = secondary_models(list(colors), applied_to)
    for m in sorted(colors):
        sub = df.filter(pl.col("model") == m).sort("mean_pred")
        n = sub["n"].to_numpy().astype(float)
        style = ({"line": {"color": colors[m], "dash": SECONDARY_DASH},
                  "opacity": SECONDARY_OPACITY} if m in secondary
                 else {"line": {"color": colors[m]}})
        fig.add_trace(go.Scatter(
            x=sub["mean_pred"].to_numpy(), y=sub["frac_man"].to_numpy(), mode="lines+markers",
            name=m, **style, customdata=n,
            marker={"size": 6 + 16 * np.sqrt(n / n_max), "color": colors[m]},
            hovertemplate=m + ": predicted %{x:.2f}, observed %{y:.2f}, n=%{customdata:.0f}"
            "<extra></extra>"))
    fig.update_layout(height=height, plot_bgcolor="white",
                      xaxis={"title": "mean predicted P(man)", "range": [0, 1],
                             "gridcolor": "#eee"},
                      yaxis={"title": "observed man rate", "range": [0, 1], "gridcolor": "#eee",
                             "scaleanchor": "x", "scaleratio": 1},
                      margin={"l": 50, "r": 20, "t": 30, "b": 45},
                      legend={"orientation": "h", "y": 1.02, "yanchor": "bottom"})
    return fig


def confusion_figure(
    matrix: np.ndarray | Sequence[Sequence[float]],
    labels: Sequence[str] = MAN_ZONE,
    *,
    title: str | None = None,
    height: int = 360,
) -> go.Figure:
    """Heatmap of counts (rows = truth, columns = prediction), with row percentages.

    Row percentages are shown because classes are imbalanced (~27% man): raw
    counts alone hide how often man coverage is missed.
    """
    m = np.asarray(matrix, dtype=float)
    if m.ndim != 2 or m.shape[0] != m.shape[1] or m.shape[0] != len(labels):
        raise DataError("confusion matrix must be square with one label per row",
                        expected=f"{len(labels)}x{len(labels)}, got shape {m.shape}")
    rows = m.sum(axis=1, keepdims=True)
    pct = np.divide(m, rows, out=np.zeros_like(m), where=rows > 0)
    text = [[f"{int(m[i, j])}<br>{pct[i, j]:.0%}" for j in range(m.shape[1])]
            for i in range(m.shape[0])]
    fig = go.Figure(go.Heatmap(
        z=pct, x=[f"pred {lab}" for lab in labels], y=[f"true {lab}" for lab in labels],
        text=text, texttemplate="%{text}", colorscale="Blues", zmin=0, zmax=1,
        showscale=False, hovertemplate="%{y} → %{x}: %{text}<extra></extra>"))
    fig.update_yaxes(autorange="reversed")
    fig.update_layout(height=height, title=title, margin={"l": 70, "r": 20, "t": 40, "b": 40})
    return fig


def rate_bar_figure(
    df: pl.DataFrame,
    *,
    category: str = "team",
    value: str = "man_rate",
    n: str | None = "n_plays",
    ci_low: str | None = None,
    ci_high: str | None = None,
    reference: float | None = None,
    reference_label: str = "league",
    team_colored: bool = True,
    height: int | None = None,
    x_title: str | None = None,
    y_title: str | None = None,
) -> go.Figure:
    """Horizontal bars of a rate per category (e.g. man rate per defense), sorted.

    Bars use the club colours when categories are club abbreviations; a vertical
    line marks the league (or other ``reference``) rate so outliers stand out.
    """
    cols = [category, value] + [c for c in (n, ci_low, ci_high) if c]
    _require(df, cols, "rate bars")
    sub = df.sort(value)
    cats = [str(c) for c in sub[category].to_list()]
    err = None
    if ci_low and ci_high:
        v = sub[value].to_numpy()
        err = {"type": "data", "symmetric": False, "array": sub[ci_high].to_numpy() - v,
               "arrayminus": v - sub[ci_low].to_numpy(), "thickness": 1.5, "width": 4,
               # mid-grey reads on light and on dark club colours alike
               "color": "#9a9a9a"}
    custom = sub[n].to_numpy() if n else None
    # club bars carry their clubs, so the dark theme can re-resolve their colours
    marker = team_bar_marker(cats, dark=False) if team_colored else {"color": MAN_COLOR}
    fig = go.Figure(go.Bar(
        x=sub[value].to_numpy(), y=cats, orientation="h", marker=marker,
        meta={TEAM_BARS: cats} if team_colored else None, error_x=err, customdata=custom,
        hovertemplate="%{y}: %{x:.1%}" + (" · %{customdata} plays" if n else "")
        + "<extra></extra>"))
    if reference is not None:
        reference_line(fig, reference, f"{reference_label} {reference:.0%}")
    fig.update_layout(height=height or max(300, 18 * len(cats) + 80), plot_bgcolor="white",
                      xaxis={"tickformat": ".0%", "gridcolor": "#eee", "rangemode": "tozero",
                             "title": {"text": x_title or value.replace("_", " ")}},
                      yaxis={"title": {"text": y_title or category.replace("_", " ")}},
                      margin={"l": 60, "r": 20, "t": 30, "b": 50}, showlegend=False)
    return fig


def as_secondary(fig: go.Figure, secondary: bool = True) -> go.Figure:
    """``fig`` drawn faded when it shows a secondary model (one trained on synthetic plays,
    on real data), so it never looks as trustworthy as a real-trained one."""
    if secondary:
        fig.update_traces(opacity=SECONDARY_OPACITY)
    return fig


def reference_line(fig: go.Figure, x: float, label: str) -> go.Figure:
    """A dashed vertical reference (league rate, league median) with its label, in the one
    reference colour that reads on both themes."""
    fig.add_vline(x=x, line={"color": REFERENCE_COLOR, "dash": "dash"},
                  annotation_text=label, annotation_position="top")
    return fig


def coverage_mix_figure(plays: pl.DataFrame, *, title: str = "Coverage mix") -> go.Figure:
    """Plays per coverage shell, split Man / Zone in the app's Man and Zone colours."""
    _require(plays, ("pff_passCoverage", "pff_manZone"), "coverage mix")
    mix = (plays.group_by("pff_passCoverage", "pff_manZone").len()
           .sort("len", descending=True)
           .with_columns(pl.col("pff_passCoverage").fill_null("—"),
                         pl.col("pff_manZone").cast(pl.String).fill_null("unlabelled")))
    fig = go.Figure()
    kinds = [*MAN_ZONE, *sorted(set(mix["pff_manZone"].to_list()) - set(MAN_ZONE))]
    for kind in kinds:
        sub = mix.filter(pl.col("pff_manZone") == kind)
        if sub.height == 0:
            continue
        fig.add_trace(go.Bar(x=sub["pff_passCoverage"].to_list(), y=sub["len"].to_list(),
                             name=kind, marker_color=MAN_ZONE_COLORS.get(kind,
                                                                        OTHER_COVERAGE_COLOR),
                             hovertemplate="%{x}: %{y:,} plays<extra>" + kind + "</extra>"))
    fig.update_layout(title=title, barmode="stack", legend_title_text="man / zone",
                      xaxis={"title": "coverage", "categoryorder": "total descending"},
                      yaxis={"title": "plays"}, plot_bgcolor="white")
    return fig


def importance_figure(df: pl.DataFrame, *, height: int | None = None) -> go.Figure:
    """Permutation importance per feature group: how much worse the held-out log-loss gets
    when a group's columns are shuffled (longer bar = the model leans on it more)."""
    _require(df, ("group", "features", "log_loss_increase", "auc_drop"), "importance")
    d = df.sort("log_loss_increase")
    fig = go.Figure(go.Bar(
        x=d["log_loss_increase"].to_list(), y=d["group"].to_list(), orientation="h",
        marker_color=MODEL_PALETTE[0], customdata=np.stack([d["auc_drop"].to_numpy(),
                                                     d["features"].to_numpy()], axis=1),
        hovertemplate="%{y}: log-loss +%{x:.4f}, AUC −%{customdata[0]:.3f}<br>"
                      "%{customdata[1]}<extra></extra>",
        texttemplate="%{x:.3f}", textposition="outside", cliponaxis=False), _validate=False)
    fig.update_layout(height=height or 120 + 28 * d.height, plot_bgcolor="white",
                      margin={"l": 10, "r": 40, "t": 30, "b": 45},
                      title={"text": "Permutation importance on the selection week",
                             "font": {"size": 13}})
    fig.update_xaxes(title_text="log-loss increase when the group is shuffled",
                     gridcolor="#eee", zeroline=True, zerolinecolor="#999")
    fig.update_yaxes(title_text="feature group", automargin=True)
    return fig
