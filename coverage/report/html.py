"""The scouting report as one self-contained HTML file: inline CSS and hand-drawn SVG
charts, nothing fetched when it opens (no script, font, image or style sheet from
anywhere), laid out to print to PDF on Letter or A4 without cutting a figure.

Every rate is drawn with its 95% interval and printed with its count: a coordinator
reads "58% of 24 plays" differently from "58% of 400".
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape

import polars as pl

from coverage.report.tendencies import (
    FIELD_ZONE_DEFINITION,
    FIELD_ZONE_WORDS,
    LEAGUE,
    MAX_GROUPS,
    PACKAGES,
    PERSONNEL,
    SCOPE,
    SITUATIONS,
    ScoutingReport,
)
from coverage.vocab import CLOCK_STATES, DISTANCE_BUCKETS, FAMILIES, SCORE_STATES

DEFENSE_COLOUR, LEAGUE_COLOUR = "#1f5fa8", "#9aa5b1"
PREDICTED_COLOUR = "#c26a1b"
OTHER_COLOUR, OTHER_PREDICTED = "#2a8c5a", "#7a3f8f"  # comparison mode's second side
SYNTHETIC_BANNER = (
    "Synthetic data. This report is made from the embedded synthetic season made by our "
    "simulator in the official Big Data Bowl schema, not real NFL tracking: its tendencies "
    "describe no real team."
)
_ORDER: list[object] = [*FIELD_ZONE_WORDS.values(), *DISTANCE_BUCKETS, *FAMILIES,
                        *SCORE_STATES, *CLOCK_STATES, *PACKAGES]
CHART_WIDTH, LABEL_WIDTH, BAR_HEIGHT, GAP = 640, 150, 13, 9
VALUE_WIDTH = 110  # room right of the bars for "100% (n=1234)"

CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;
 color:#1b1f24;margin:24px auto;max-width:760px;line-height:1.4}
h1{font-size:1.6em;margin:0 0 4px}h2{font-size:1.15em;margin:1.4em 0 .4em}
.meta{color:#555}.banner{background:#fff3cd;border:1px solid #d6a400;padding:8px 12px;
 border-radius:4px;margin:12px 0;font-weight:600}
.pred{border-left:4px solid #c26a1b;padding-left:10px}
figure{margin:0 0 18px;break-inside:avoid;page-break-inside:avoid}
figcaption{font-size:.85em;color:#444;margin-top:4px}
table{border-collapse:collapse;font-size:.85em;margin:-10px 0 18px}
thead{display:table-header-group}tr{break-inside:avoid}
th,td{padding:2px 8px;text-align:right;border-bottom:1px solid #e3e3e3}
th:first-child,td:first-child{text-align:left}
.key span{display:inline-block;width:12px;height:12px;margin:0 4px -2px 12px}
svg text{font-size:11px;fill:#1b1f24}
@page{size:auto;margin:14mm}
@page letter{size:letter}@page a4{size:A4}
@media print{body{margin:0;max-width:none}.banner{border-width:2px}
 h2{break-after:avoid;page-break-after:avoid}}
"""


def _pct(x: float | None) -> str:
    return "–" if x is None or x != x else f"{100 * x:.0f}%"


def _bars(groups: list[tuple[str, list[dict]]], value: str, colours: dict[str, str],
          top: float = 1.0, fmt: Callable[[float | None], str] = _pct) -> str:
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


def _table(df: pl.DataFrame, by: list[str], value: str, value_name: str,
           fmt: Callable[[float | None], str] = _pct) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in
                   [*by, "who", value_name, "95% CI", "plays"])
    rows = []
    for r in df.iter_rows(named=True):
        cells = [*(str(r[b]) for b in by), r[SCOPE], fmt(r[value]),
                 f"{_pct(r['ci_low'])}–{_pct(r['ci_high'])}", str(r["n_plays"])]
        rows.append("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _figure(df: pl.DataFrame, by: list[str], value: str, value_name: str, caption: str,
            colours: dict[str, str], top: float = 1.0,
            fmt: Callable[[float | None], str] = _pct) -> str:
    """One figure: the bars, the caption, and the same numbers as a table; ``colours``
    maps each scope to its colour, in the order the bars are drawn."""
    order = {scope: i for i, scope in enumerate(colours)}
    df = df.with_columns(pl.col(SCOPE).replace_strict(order, default=2).alias("_o"))
    keys = sorted(df.select(by).unique().rows(), key=_key_order) if by else [()]
    groups = []
    for key in keys:
        sel = df
        for b, k in zip(by, key, strict=True):
            sel = sel.filter(pl.col(b) == k)
        label = " · ".join(_group_label(b, k) for b, k in zip(by, key, strict=True)) or "all"
        groups.append((label, sel.sort("_o").to_dicts()))
    # the table follows the figure, not inside it: a long table may run onto the next
    # printed page, the chart may not
    return (f"<figure>{_bars(groups, value, colours, top, fmt)}<figcaption>{caption}"
            f"</figcaption></figure>{_table(df.drop('_o'), by, value, value_name, fmt)}")


def _key_order(key: tuple) -> tuple:
    """Groups in football order (downs 1-4, short to long, goal line to open field)."""
    return tuple((_ORDER.index(k), "") if k in _ORDER else (len(_ORDER), str(k))
                 for k in key)


def _group_label(column: str, value: object) -> str:
    if column == "off_personnel":
        return f"{value} personnel"
    if column == "down":
        return {1: "1st", 2: "2nd", 3: "3rd", 4: "4th"}.get(value, str(value))  # type: ignore
    return str(value)


def _palette(report: ScoutingReport, model: bool = False) -> dict[str, str]:
    """Scope -> colour, drawing order: the defense, the compared one, the league."""
    first, second = (PREDICTED_COLOUR, OTHER_PREDICTED) if model else (DEFENSE_COLOUR,
                                                                         OTHER_COLOUR)
    out = {report.defense: first}
    if report.other:
        out[report.other] = second
    return {**out, LEAGUE: LEAGUE_COLOUR}


def _key(report: ScoutingReport) -> str:
    swatches = "".join(f'<span style="background:{c}"></span>{escape(s)}'
                       for s, c in _palette(report).items() if s != LEAGUE)
    return (f'<p class="key">{swatches}'
            f'<span style="background:{LEAGUE_COLOUR}"></span>league (all defenses, same '
            "weeks) — black line: 95% Wilson interval</p>")


def _predicted_section(report: ScoutingReport) -> str:
    if report.predicted is None:
        return ""
    colours = _palette(report, model=True)
    cap = (f"PREDICTION, not charting: mean P(man) at the snap from the model "
           f"{escape(report.model_label or '')} over the plays with no Man/Zone label. The "
           "interval shows the spread of the plays only, not the model's own error; read it "
           "with the model's calibration: " + escape(_calibration_words(report)))
    fig = _figure(report.predicted, [], "man_rate", "predicted man rate", cap, colours)
    return (f'<section class="pred"><h2>Predicted man rate where charting is missing '
            f"(model: {escape(report.model_label or '')})</h2>{fig}</section>")


def _calibration_words(report: ScoutingReport) -> str:
    """One sentence on how far the model's P(man) can be trusted, from the charted plays."""
    parts = []
    for scope, c in report.calibration.items():
        who = "the league" if scope == LEAGUE else scope
        parts.append(f"on {who}'s {c['n_plays']:.0f} charted plays it is right "
                     f"{_pct(c['accuracy'])} at the snap, expected calibration error "
                     f"{c['ece']:.3f}")
    if not parts:
        return "No charted plays here to check its calibration on."
    return "Calibration: " + "; ".join(parts) + "."


def _early_read_section(report: ScoutingReport) -> str:
    if report.early_read is None:
        return ""
    colours = _palette(report, model=True)
    cap = (f"MODEL FIGURE: accuracy of {escape(report.model_label or '')} on the charted "
           "Man/Zone plays, half a second at a time before the snap (each play once per "
           "bin), with 95% Wilson intervals. A bar that reaches its full height early says "
           "the coverage shows early. " + escape(_calibration_words(report)))
    df = report.early_read.select(SCOPE, "before_snap", "n_plays", "accuracy",
                                  "ci_low", "ci_high")
    fig = _figure(df, ["before_snap"], "accuracy", "accuracy", cap, colours)
    return (f'<section class="pred"><h2>How early their coverage can be read (model: '
            f"{escape(report.model_label or '')})</h2>{fig}</section>")


def _giveaway_section(report: ScoutingReport) -> str:
    if report.giveaway is None:
        return ""
    df = report.giveaway
    colours = _palette(report, model=True)
    top = float(df["mean_abs_attribution"].max() or 1.0) * 1.05
    cap = (f"MODEL FIGURE: mean |change of P(man)| when one of the defense's players is "
           f"removed (occlusion, {escape(report.giveaway_label or '')}), by position, "
           f"{escape(report.defense)}'s largest first against the same positions "
           "league-wide; n counts player-plays. Larger = that position's movement tells the "
           "model, and a reading offense, more about the call. A mean of magnitudes, so no "
           "interval.")
    fig = _figure(df, ["position"], "mean_abs_attribution", "mean |ΔP(man)|", cap, colours,
                  top=top, fmt=_small)
    return (f'<section class="pred"><h2>Who gives it away (model: '
            f"{escape(report.giveaway_label or '')})</h2>{fig}</section>")


def _small(x: float | None) -> str:
    return "–" if x is None or x != x else f"{x:.4f}"


def render_html(report: ScoutingReport) -> str:
    """The whole report as one HTML document (str)."""
    d = report.defense
    weeks = ", ".join(map(str, report.weeks))
    banner = f'<p class="banner">{escape(SYNTHETIC_BANNER)}</p>' if report.synthetic else ""
    pal = _palette(report)
    heading = f"{d} defense" if not report.other else f"{d} vs {report.other} defense"
    who = escape(d if not report.other else f"{d} and {report.other}")
    body = [
        f"<h1>{escape(heading)}: coverage scouting report</h1>",
        f'<p class="meta">Weeks {escape(weeks)} · {escape(report.source)} data · from the '
        "charted labels (pff_manZone, pff_passCoverage) unless marked PREDICTION</p>",
        banner, _key(report),
        "<h2>Man or zone</h2>",
        _figure(report.overall, [], "man_rate", "man rate",
                "Share of Man among the plays charted Man or Zone.", pal),
        "<h2>Coverage families</h2>",
        _figure(report.families, ["family"], "share", "share",
                "Share of each coverage family among the charted plays "
                "(Cover-0, Cover-1 and 2-Man are man coverages).", pal),
    ]
    for title, by in SITUATIONS.items():
        extra = f" {FIELD_ZONE_DEFINITION}" if by == ("field_zone",) else ""
        body += [f"<h2>Man rate by {escape(title)}</h2>",
                 _figure(report.situations[title], list(by), "man_rate", "man rate",
                         f"Man rate by {escape(title)}; short groups have wide intervals."
                         f"{escape(extra)}", pal)]
    for title, by in PERSONNEL.items():
        if report.personnel.get(title) is None or report.personnel[title].is_empty():
            continue
        body += [f"<h2>Man rate by {escape(title)}</h2>",
                 _figure(report.personnel[title], list(by), "man_rate", "man rate",
                         f"Man rate by {escape(title)}, the {MAX_GROUPS} groups "
                         f"{who} saw most; short groups have wide intervals.", pal)]
    body += [_predicted_section(report), _early_read_section(report),
             _giveaway_section(report)]
    body += [f'<p class="meta">{escape(n)}</p>' for n in report.notes]
    return ("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{escape(heading)} coverage scouting report</title><style>{CSS}</style>"
            f"</head><body>{''.join(body)}</body></html>")
