"""The opponent scouting report: one defense's coverage tendencies against the league's,
as numbers (:mod:`coverage.report.tendencies`) and as one self-contained, printable HTML
file (:mod:`coverage.report.html`).

A view of the store like the app's pages: it reads labels and stored predictions and
never trains or writes to the store, so the CLI and the app hand out the same report.
"""

from coverage.report.tendencies import ScoutingReport, build_report, defenses

__all__ = ["ScoutingReport", "build_report", "defenses"]
