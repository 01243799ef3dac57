"""The realism measurement as Markdown: headline, then one table per area."""

from __future__ import annotations

import math

import polars as pl

from devtools.realism.domain import DomainResult
from devtools.realism.run import Realism


def _cell(v: object, digits: int) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "–"
    if isinstance(v, float):
        return f"{v:.{digits}f}"
    return str(v)


def md_table(df: pl.DataFrame, digits: int = 2) -> str:
    """A DataFrame as a GitHub Markdown table (floats to ``digits``, nulls as –)."""
    head = "| " + " | ".join(df.columns) + " |"
    rule = "| " + " | ".join("---" for _ in df.columns) + " |"
    rows = ["| " + " | ".join(_cell(v, digits) for v in row) + " |" for row in df.iter_rows()]
    return "\n".join([head, rule, *rows])


def headline(results: list[DomainResult], features: str | None = None
             ) -> DomainResult | None:
    """The strongest classifier in the window just before the snap, on the models' full
    input unless ``features`` names another set (lower = more real)."""
    if not results:
        return None
    features = features or results[0].features
    usable = [r for r in results if r.fold_auc and r.window == results[0].window
              and r.features == features]
    return max(usable, key=lambda r: r.auc) if usable else None


def _headline_text(results: list[DomainResult]) -> str:
    top = headline(results)
    if top is None:
        return "**Headline: domain AUC not estimable** (fewer than 2 real plays)"
    text = (f"**Headline: domain AUC {top.auc:.3f} ± {top.sd:.3f}** ({top.model}, "
            f"{top.features}, {top.window}, {len(top.fold_auc)} folds grouped by play, "
            f"{top.n_real_plays} real plays / {top.n_real_frames} real frames)")
    others = {r.features for r in results} - {top.features}
    for f in sorted(others):
        if (alt := headline(results, f)) is not None:
            text += f"; on {f} only: {alt.auc:.3f} ± {alt.sd:.3f} ({alt.model})"
    return text


def _domain_section(results: list[DomainResult]) -> list[str]:
    rows = pl.DataFrame({
        "window": [r.window for r in results], "features": [r.features for r in results],
        "classifier": [r.model for r in results],
        "AUC": [r.auc for r in results], "sd across folds": [r.sd for r in results],
        "folds": [len(r.fold_auc) for r in results],
        "n real plays": [r.n_real_plays for r in results],
        "n real frames": [r.n_real_frames for r in results],
        "n synthetic plays": [r.n_synthetic_plays for r in results],
        "note": [r.note for r in results]})
    out = ["## Domain classifier (synthetic vs real frames; lower AUC = more realistic)", "",
           "Logistic regression and boosted stumps on the tracking models' per-frame "
           "features (`coverage.features`: 22 players × 12), cross-validated grouped by "
           "play, real = positive class, classes weighted equally.", "", md_table(rows, 3)]
    for r in results:
        if r.importance:
            imp = pl.DataFrame({"feature (side, column)": [n for n, _ in r.importance],
                                "AUC drop when permuted": [v for _, v in r.importance]})
            out += ["", f"Permutation importance, {r.model}, {r.features}, {r.window}:", "",
                    md_table(imp, 3)]
        if r.solo:
            solo = pl.DataFrame({"feature (side, column)": [n for n, _ in r.solo],
                                 "AUC on its own": [v for _, v in r.solo]})
            out += ["", f"Each feature alone (logistic regression on its 11 players, same "
                    f"folds), {r.window}: when many cues separate the worlds at once, "
                    "permuting one barely hurts, so this says which are large:", "",
                    md_table(solo, 3)]
    return out


def render(result: Realism) -> str:
    """The full report."""
    head = _headline_text(result.domain)
    compared = pl.col("n real plays") > 0
    out = ["# Realism report: synthetic vs real", "",
           f"- synthetic: `{result.synthetic}` ({result.n_synthetic_plays} tracked plays)",
           f"- real: `{result.real}` ({result.n_real_plays} tracked plays)", "", head, "",
           "Figures are medians over players (or plays), rates are means; difference = "
           "synthetic − real. Tracking figures rest on the few real tracked plays in "
           "`n real plays`: read them as effect sizes, not tests.", ""]
    for side, (unknown, players) in (result.unknown_positions or {}).items():
        if unknown:
            out += [f"- {side}: {unknown} of {players} tracked players have no roster "
                    "position (group UNK, left out of the position tables); positions "
                    "come from the players tables found beside the tracking (a season "
                    "without one borrows another season's roster, so some roles may be "
                    "stale).", ""]
    out += _domain_section(result.domain)
    out += ["", "## Geometry and movement (by coverage)", "",
            "Depths in yards past the line of scrimmage, widths in yards from the ball, "
            "speeds in yd/s, accelerations in yd/s². *Set* players moved under 0.5 yd "
            "in the last second (or since the first frame, when the play has less). Line "
            "set figures need a `line_set` event. Rows without a real play are left out.",
            "", md_table(result.geometry.filter(compared))]
    out += ["", "## At the snap, by coverage family", "",
            md_table(result.by_family.filter(compared))]
    if result.context:
        ctx = pl.DataFrame([{"side": k, **{c: (", ".join(map(str, v)) if isinstance(v, list)
                                               else v) for c, v in d.items()}}
                            for k, d in result.context.items()])
        out += ["", "## Context model trained on each side's labels", "",
                "Same trainer and week split (`coverage.tabular.pipeline`); AUC on each "
                "side's held-out test week.", "", md_table(ctx, 3)]
    out += ["", "## Label tables (whole labelled season on each side)", "",
            "P(man) among Man+Zone plays; motion flags from player_play; man matchups as "
            "a share of all defenders charted MAN with a primary matchup; assignment mix "
            "per defender group on plays with charted assignments. `n` counts plays "
            "(P(man), motion), matchups, or defender-plays (assignment mix).", "",
            md_table(result.labels, 3)]
    return "\n".join(out) + "\n"
