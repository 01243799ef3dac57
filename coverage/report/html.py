"""The scouting report as one self-contained HTML file: inline CSS and hand-drawn SVG
charts, nothing fetched when it opens (no script, font, image or style sheet from
anywhere), laid out to print to PDF on Letter or A4 without cutting a figure.

Every rate is drawn with its 95% interval and printed with its count: a coordinator
reads "58% of 24 plays" differently from "58% of 400".
"""

from __future__ import annotations

from html import escape

from coverage.report.charts import (
    LEAGUE_COLOUR,
    calibration_words,
    figure,
    palette,
)
from coverage.report.sections import (
    motion_section,
    package_sections,
    shell_section,
    telling_section,
)
from coverage.report.telling import APP_URL
from coverage.report.tendencies import (
    FIELD_ZONE_DEFINITION,
    LEAGUE,
    MAX_GROUPS,
    PERSONNEL,
    SCOPE,
    SITUATIONS,
    ScoutingReport,
)

SYNTHETIC_BANNER = (
    "Synthetic data. This report is made from the embedded synthetic season made by our "
    "simulator in the official Big Data Bowl schema, not real NFL tracking: its tendencies "
    "describe no real team."
)

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
h3{font-size:1em;margin:1em 0 .3em}figure.play img{display:block;margin:4px 0}
@page{size:auto;margin:14mm}
@page letter{size:letter}@page a4{size:A4}
@media print{body{margin:0;max-width:none}.banner{border-width:2px}
 h2{break-after:avoid;page-break-after:avoid}}
"""


def _key(report: ScoutingReport) -> str:
    swatches = "".join(f'<span style="background:{c}"></span>{escape(s)}'
                       for s, c in palette(report).items() if s != LEAGUE)
    return (f'<p class="key">{swatches}'
            f'<span style="background:{LEAGUE_COLOUR}"></span>league (all defenses, same '
            "weeks) — black line: 95% Wilson interval</p>")


def _predicted_section(report: ScoutingReport) -> str:
    if report.predicted is None:
        return ""
    colours = palette(report, model=True)
    cap = (f"PREDICTION, not charting: mean P(man) at the snap from the model "
           f"{escape(report.model_label or '')} over the plays with no Man/Zone label. The "
           "interval shows the spread of the plays only, not the model's own error; read it "
           "with the model's calibration: " + escape(calibration_words(report)))
    fig = figure(report.predicted, [], "man_rate", "predicted man rate", cap, colours)
    return (f'<section class="pred"><h2>Predicted man rate where charting is missing '
            f"(model: {escape(report.model_label or '')})</h2>{fig}</section>")


def _early_read_section(report: ScoutingReport) -> str:
    if report.early_read is None:
        return ""
    colours = palette(report, model=True)
    cap = (f"MODEL FIGURE: accuracy of {escape(report.model_label or '')} on the charted "
           "Man/Zone plays, half a second at a time before the snap (each play once per "
           "bin), with 95% Wilson intervals. A bar that reaches its full height early says "
           "the coverage shows early. " + escape(calibration_words(report)))
    df = report.early_read.select(SCOPE, "before_snap", "n_plays", "accuracy",
                                  "ci_low", "ci_high")
    fig = figure(df, ["before_snap"], "accuracy", "accuracy", cap, colours)
    return (f'<section class="pred"><h2>How early their coverage can be read (model: '
            f"{escape(report.model_label or '')})</h2>{fig}</section>")


def _giveaway_section(report: ScoutingReport) -> str:
    shells = shell_section(report)
    if report.giveaway is None:
        return f"<h2>Who gives it away</h2>{shells}" if shells else ""
    df = report.giveaway
    colours = palette(report, model=True)
    top = float(df["mean_abs_attribution"].max() or 1.0) * 1.05
    cap = (f"MODEL FIGURE: mean |change of P(man)| when one of the defense's players is "
           f"removed (occlusion, {escape(report.giveaway_label or '')}), by position, "
           f"{escape(report.defense)}'s largest first against the same positions "
           "league-wide; n counts player-plays. Larger = that position's movement tells the "
           "model, and a reading offense, more about the call. A mean of magnitudes, so no "
           "interval.")
    fig = figure(df, ["position"], "mean_abs_attribution", "mean |ΔP(man)|", cap, colours,
                  top=top, fmt=_small)
    return (f'<section class="pred"><h2>Who gives it away (model: '
            f"{escape(report.giveaway_label or '')})</h2>{fig}</section>{shells}")


def _small(x: float | None) -> str:
    return "–" if x is None or x != x else f"{x:.4f}"


def render_html(report: ScoutingReport, app_url: str = APP_URL) -> str:
    """The whole report as one HTML document (str); ``app_url`` is where the telling
    plays' links open the app (a link, never fetched when the file opens)."""
    d = report.defense
    weeks = ", ".join(map(str, report.weeks))
    banner = f'<p class="banner">{escape(SYNTHETIC_BANNER)}</p>' if report.synthetic else ""
    pal = palette(report)
    heading = f"{d} defense" if not report.other else f"{d} vs {report.other} defense"
    who = escape(d if not report.other else f"{d} and {report.other}")
    body = [
        f"<h1>{escape(heading)}: coverage scouting report</h1>",
        f'<p class="meta">Weeks {escape(weeks)} · {escape(report.source)} data · from the '
        "charted labels (pff_manZone, pff_passCoverage) unless marked PREDICTION</p>",
        banner, _key(report),
        "<h2>Man or zone</h2>",
        figure(report.overall, [], "man_rate", "man rate",
                "Share of Man among the plays charted Man or Zone.", pal),
        "<h2>Coverage families</h2>",
        figure(report.families, ["family"], "share", "share",
                "Share of each coverage family among the charted plays "
                "(Cover-0, Cover-1 and 2-Man are man coverages).", pal),
    ]
    for title, by in SITUATIONS.items():
        extra = f" {FIELD_ZONE_DEFINITION}" if by == ("field_zone",) else ""
        body += [f"<h2>Man rate by {escape(title)}</h2>",
                 figure(report.situations[title], list(by), "man_rate", "man rate",
                         f"Man rate by {escape(title)}; short groups have wide intervals."
                         f"{escape(extra)}", pal)]
    for title, by in PERSONNEL.items():
        if report.personnel.get(title) is None or report.personnel[title].is_empty():
            continue
        body += [f"<h2>Man rate by {escape(title)}</h2>",
                 figure(report.personnel[title], list(by), "man_rate", "man rate",
                         f"Man rate by {escape(title)}, the {MAX_GROUPS} groups "
                         f"{who} saw most; short groups have wide intervals.", pal)]
    body += [package_sections(report), motion_section(report), _predicted_section(report),
             _early_read_section(report), _giveaway_section(report),
             telling_section(report, app_url)]
    body += [f'<p class="meta">{escape(n)}</p>' for n in report.notes]
    return ("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{escape(heading)} coverage scouting report</title><style>{CSS}</style>"
            f"</head><body>{''.join(body)}</body></html>")
