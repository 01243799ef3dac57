"""The report's sections beyond the plain tendencies: against motion, what each package
plays, the detected shells, and the most telling plays. Each says where its numbers come
from: charted labels, the tracking's geometry, detected formations, or a model.
"""

from __future__ import annotations

from html import escape

import polars as pl

from coverage.report.charts import calibration_words, figure, palette, pct
from coverage.report.motion import MOTION_DEFINITION
from coverage.report.telling import CONFIDENT, TellingPlay
from coverage.report.tendencies import PACKAGES, ScoutingReport

CURVE_W, CURVE_H, CURVE_PAD = 560, 96, 28


def motion_section(report: ScoutingReport) -> str:
    """How often a defender travels with motion, the charted man rate when one does or
    does not, and the model's P(man) before and after the motion."""
    if report.travel is None:
        return ""
    pal = palette(report)
    parts = ["<h2>Against motion</h2>",
             figure(report.travel, [], "share", "share",
                    "TRACKING GEOMETRY: share of the plays with motion on which a defender "
                    "travels with the man in motion. " + escape(MOTION_DEFINITION), pal)]
    if report.travel_man is not None:
        parts.append(figure(report.travel_man, ["travel"], "man_rate", "man rate",
                            "CHARTED: man rate of the charted Man/Zone motion plays, when a "
                            "defender travels and when nobody does: what travelling says "
                            "about man.", pal))
    if report.motion_p_man is not None:
        cap = (f"MODEL FIGURE: mean P(man) of {escape(report.model_label or '')} at the "
               "motion event (before) and at the snap (after), on every motion play it "
               "scored, charted or not. The interval is the plays' spread only, not the "
               "model's error. " + escape(calibration_words(report)))
        parts.append('<div class="pred">' + figure(
            report.motion_p_man, ["travel", "moment"], "p_man", "mean P(man)", cap,
            palette(report, model=True)) + "</div>")
    return "".join(parts)


def package_sections(report: ScoutingReport) -> str:
    """The coverage-family mix of each package the defense used, against the league's."""
    df = report.package_families
    if df is None:
        return ""
    parts = []
    pal = palette(report)
    for pkg in [p for p in PACKAGES if p in set(df["def_package"])]:
        mine = df.filter(pl.col("def_package") == pkg).drop("def_package")
        n = int(mine.filter(pl.col("scope") == report.defense)["n_plays"].max() or 0)
        parts += [f"<h2>What the {escape(pkg)} package plays</h2>",
                  figure(mine, ["family"], "share", "share",
                         f"CHARTED: coverage-family mix of {escape(report.defense)}'s {n} "
                         f"charted plays in {escape(pkg)} (defensive backs on the field: "
                         "base 4 or fewer, nickel 5, dime 6, quarter 7+), against the "
                         "league's in the same package.", pal)]
    return "".join(parts)


def shell_section(report: ScoutingReport) -> str:
    """The detected shells: how often each is shown, and the man rate behind each."""
    if report.shells is None:
        return ""
    pal = palette(report)
    parts = [figure(report.shells, ["def_shell"], "share", "share",
                    "DETECTED from the tracking (template matching of the defense's "
                    "alignment before the snap, coverage.formations): share of each "
                    "safety shell among the plays with a detected shell.", pal)]
    if report.shell_man is not None:
        parts.append(figure(report.shell_man, ["def_shell"], "man_rate", "man rate",
                            "CHARTED man rate behind each DETECTED shell: a shell whose "
                            "man rate sits far from the overall one gives the call away.",
                            pal))
    return "<h3>Detected defensive shells</h3>" + "".join(parts)


def _curve_svg(play: TellingPlay) -> str:
    """P(man) against seconds to the snap, the 0.5 line and the decisive moment."""
    if not play.curve:
        return ""
    t0 = min(s for s, _ in play.curve)
    w, h, pad = CURVE_W, CURVE_H, CURVE_PAD

    def x(s: float) -> float:
        return pad + (w - 2 * pad) * (s - t0) / ((0 - t0) or 1)

    def y(p: float) -> float:
        return 6 + (h - 24) * (1 - p)

    pts = " ".join(f"{x(s):.1f},{y(p):.1f}" for s, p in play.curve)
    rx = x(play.read_secs)
    return (f'<svg role="img" width="{w}" height="{h}" viewBox="0 0 {w} {h}">'
            f'<rect x="{pad}" y="6" width="{w - 2 * pad}" height="{h - 24}" fill="#f4f6f8"/>'
            f'<line x1="{pad}" x2="{w - pad}" y1="{y(.5):.1f}" y2="{y(.5):.1f}" '
            'stroke="#888" stroke-dasharray="4 3"/>'
            f'<line x1="{rx:.1f}" x2="{rx:.1f}" y1="6" y2="{h - 18}" stroke="#d62728"/>'
            f'<polyline points="{pts}" fill="none" stroke="#c26a1b" stroke-width="2"/>'
            f'<text x="0" y="{y(1) + 8:.0f}">1</text><text x="0" y="{y(0):.0f}">0</text>'
            f'<text x="{pad}" y="{h - 4}">{t0:.1f} s</text>'
            f'<text x="{w - pad - 30}" y="{h - 4}">snap</text>'
            f'<text x="{rx + 4:.1f}" y="{h - 4}">read at {play.read_secs:.1f} s</text>'
            "<title>P(man) before the snap</title></svg>")


def telling_section(report: ScoutingReport, app_url: str) -> str:
    """A handful of the defense's plays with a still at the decisive moment, the P(man)
    curve, and a link to each in the app's explorer."""
    if not report.telling:
        return ""
    parts = [f'<section class="pred"><h2>The most telling plays (model: '
             f"{escape(report.model_label or '')})</h2>"
             f'<p class="meta">MODEL FIGURES on charted plays: the earliest reads the model '
             f"made on the field and held to the snap (|P(man) - 0.5| at least {CONFIDENT}, "
             "on the right side), then the largest swings of P(man). The still is the field "
             "at the decisive moment (red line on the curve); each title opens the play in "
             f"the app (run `coverage app`). {escape(calibration_words(report))}</p>"]
    for tp in report.telling:
        img = (f'<img alt="the field at the decisive moment" width="{560}" '
               f'src="{tp.still}">' if tp.still else "")
        parts.append(
            f'<figure class="play"><a href="{escape(tp.link(app_url))}">'
            f"{escape(tp.title)}</a> — charted {escape(tp.label)}<br>{img}{_curve_svg(tp)}"
            f"<figcaption>{escape(tp.why)}: the read was made {-tp.read_secs:.1f} s before "
            f"the snap and held; P(man) swung {pct(tp.swing)} before the snap."
            f"</figcaption></figure>")
    return "".join(parts) + "</section>"
