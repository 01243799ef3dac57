"""The report's drawing primitives: horizontal bars with 95% whiskers as hand-drawn SVG,
the same numbers as a table below, and the colours of each side; no figure fetches
anything, so the file stays self-contained.
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape

import polars as pl

from coverage.report.motion import MOMENT_WORDS, TRAVEL_WORDS
from coverage.report.tendencies import (
    FIELD_ZONE_WORDS,
    LEAGUE,
    PACKAGES,
    SCOPE,
    ScoutingReport,
)
from coverage.vocab import CLOCK_STATES, DISTANCE_BUCKETS, FAMILIES, SCORE_STATES

DEFENSE_COLOUR, LEAGUE_COLOUR = "#1f5fa8", "#9aa5b1"
PREDICTED_COLOUR = "#c26a1b"
OTHER_COLOUR, OTHER_PREDICTED = "#2a8c5a", "#7a3f8f"  # comparison mode's second side

_ORDER: list[object] = [*FIELD_ZONE_WORDS.values(), *DISTANCE_BUCKETS, *FAMILIES,
                        *SCORE_STATES, *CLOCK_STATES, *PACKAGES,
                        *TRAVEL_WORDS.values(), *MOMENT_WORDS]
CHART_WIDTH, LABEL_WIDTH, BAR_HEIGHT, GAP = 640, 150, 13, 9
VALUE_WIDTH = 110  # room right of the bars for "100% (n=1234)"


def pct(x: float | None) -> str:
    return "–" if x is None or x != x else f"{100 * x:.0f}%"


def bars(groups: list[tuple[str, list[dict]]], value: str, colours: dict[str, str],
          top: float = 1.0, fmt: Callable[[float | None], str] = pct) -> str:
    """Horizontal bars with 95% whiskers: one block per group, one bar per scope; a bar
    of ``top`` fills the plot."""
    plot = (CHART_WIDTH - LABEL_WIDTH - VALUE_WIDTH) / (top or 1.0)
    y, parts = 4, []
    for label, rows in groups:
        parts.append(f'<text x="0" y="{y + BAR_HEIGHT}">{escape(label)}</text>')
        for r in rows:
            v, lo, hi = r[value], r["ci_low"], r["ci_high"]
            x0, w = LABEL_WIDTH, plot * (v or 0)
            c = colours.get(r[SCOPE], DEFENSE_COLOUR)
            parts.append(f'<rect x="{x0}" y="{y}" width="{w:.1f}" height="{BAR_HEIGHT}" '
                         f'fill="{c}"><title>{escape(r[SCOPE])}: {fmt(v)} of '
                         f'{r["n_plays"]}</title></rect>')
            if lo == lo and hi == hi:  # not NaN
                ym = y + BAR_HEIGHT / 2
                parts.append(f'<line x1="{x0 + plot * lo:.1f}" x2="{x0 + plot * hi:.1f}" '
                             f'y1="{ym}" y2="{ym}" stroke="#111" stroke-width="1.2"/>')
            parts.append(f'<text x="{x0 + plot * top + 6}" y="{y + BAR_HEIGHT - 2}">{fmt(v)} '
                         f'(n={r["n_plays"]})</text>')
            y += BAR_HEIGHT + 2
        y += GAP
    return (f'<svg role="img" width="{CHART_WIDTH}" '
            f'height="{y}" viewBox="0 0 {CHART_WIDTH} {y}">{"".join(parts)}</svg>')


def table(df: pl.DataFrame, by: list[str], value: str, value_name: str,
           fmt: Callable[[float | None], str] = pct) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in
                   [*by, "who", value_name, "95% CI", "plays"])
    rows = []
    for r in df.iter_rows(named=True):
        cells = [*(str(r[b]) for b in by), r[SCOPE], fmt(r[value]),
                 f"{pct(r['ci_low'])}–{pct(r['ci_high'])}", str(r["n_plays"])]
        rows.append("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def figure(df: pl.DataFrame, by: list[str], value: str, value_name: str, caption: str,
            colours: dict[str, str], top: float = 1.0,
            fmt: Callable[[float | None], str] = pct) -> str:
    """One figure: the bars, the caption, and the same numbers as a table; ``colours``
    maps each scope to its colour, in the order the bars are drawn."""
    order = {scope: i for i, scope in enumerate(colours)}
    df = df.with_columns(pl.col(SCOPE).replace_strict(order, default=2).alias("_o"))
    keys = sorted(df.select(by).unique().rows(), key=key_order) if by else [()]
    groups = []
    for key in keys:
        sel = df
        for b, k in zip(by, key, strict=True):
            sel = sel.filter(pl.col(b) == k)
        label = " · ".join(group_label(b, k) for b, k in zip(by, key, strict=True)) or "all"
        groups.append((label, sel.sort("_o").to_dicts()))
    # the table follows the figure, not inside it: a long table may run onto the next
    # printed page, the chart may not
    return (f"<figure>{bars(groups, value, colours, top, fmt)}<figcaption>{caption}"
            f"</figcaption></figure>{table(df.drop('_o'), by, value, value_name, fmt)}")


def key_order(key: tuple) -> tuple:
    """Groups in football order (downs 1-4, short to long, goal line to open field)."""
    return tuple((_ORDER.index(k), "") if k in _ORDER else (len(_ORDER), str(k))
                 for k in key)


def group_label(column: str, value: object) -> str:
    if column == "off_personnel":
        return f"{value} personnel"
    if column == "down":
        return {1: "1st", 2: "2nd", 3: "3rd", 4: "4th"}.get(value, str(value))  # type: ignore
    return str(value)


def palette(report: ScoutingReport, model: bool = False) -> dict[str, str]:
    """Scope -> colour, drawing order: the defense, the compared one, the league."""
    first, second = (PREDICTED_COLOUR, OTHER_PREDICTED) if model else (DEFENSE_COLOUR,
                                                                         OTHER_COLOUR)
    out = {report.defense: first}
    if report.other:
        out[report.other] = second
    return {**out, LEAGUE: LEAGUE_COLOUR}



def calibration_words(report: ScoutingReport) -> str:
    """One sentence on how far the model's P(man) can be trusted, from the charted plays."""
    parts = []
    for scope, c in report.calibration.items():
        who = "the league" if scope == LEAGUE else scope
        parts.append(f"on {who}'s {c['n_plays']:.0f} charted plays it is right "
                     f"{pct(c['accuracy'])} at the snap, expected calibration error "
                     f"{c['ece']:.3f}")
    if not parts:
        return "No charted plays here to check its calibration on."
    return "Calibration: " + "; ".join(parts) + "."
