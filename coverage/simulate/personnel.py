"""The defensive package (base / nickel / dime) drawn together with the coverage call.

Real defenses do not pick personnel and coverage apart: dime sets play man far more often
than base or nickel (a sixth defensive back is a man defender), and heavy offensive sets
see base. Drawing the package from the wide receivers alone leaves P(man | package) flat,
a cue a model trained here could never learn and a real play would contradict. The mix
comes from the real season (``PACKAGE_COUNTS_BY_WR_COVERAGE``); only the wide-receiver
count and the call's family condition it, so nothing else in the play changes.
"""

from __future__ import annotations

import numpy as np

from coverage.simulate.offense import Offense
from coverage.simulate.params import COVERAGE_MANZONE, PACKAGE_COUNTS_BY_WR_COVERAGE

PACKAGES = ("base", "nickel", "dime")
# pseudo-plays pulling a (wide receivers, family) cell toward its bucket's mix: rare sets
# (four-plus wide receivers) rest on few real plays, the common ones on thousands
SHRINK_K = 25.0


def wr_bucket(n_wr: int) -> str:
    """The table's wide-receiver bucket: none or one, 2, 3, four or more."""
    return "0-1" if n_wr <= 1 else "4+" if n_wr >= 4 else str(n_wr)


def package_probs(n_wr: int, cov: str | None) -> np.ndarray:
    """P(base, nickel, dime | wide receivers, the call's family), shrunk toward the
    bucket's mix over every family; an unlabelled call (None) gets that mix itself."""
    cells = PACKAGE_COUNTS_BY_WR_COVERAGE[wr_bucket(n_wr)]
    total = np.array([sum(c[p] for c in cells.values()) for p in PACKAGES], dtype=float)
    parent = total / total.sum()
    family = COVERAGE_MANZONE.get(cov) if cov is not None else None
    if family not in cells:
        return parent
    n = np.array([cells[family][p] for p in PACKAGES], dtype=float)
    return (n + SHRINK_K * parent) / (n.sum() + SHRINK_K)


def draw_package(rng: np.random.Generator, off: Offense, cov: str | None) -> str:
    """Base / nickel / dime for this offense and call. A goal-line call is always base, as
    real ones nearly always are: its front is built for it."""
    if cov == "Goal Line":
        return "base"
    n_wr = sum(1 for k in off.kind if k == "WR")
    cum = np.cumsum(package_probs(n_wr, cov))
    return PACKAGES[min(int(np.searchsorted(cum, rng.random() * cum[-1], side="right")), 2)]
