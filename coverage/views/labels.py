"""Where text labels go so they never print over each other.

Key events bunch up before the snap ("line set" and "shift" a few frames apart), and a
label placed at its event's x collides with its neighbour; the plotly curve and the
pillow GIF both place their labels with :func:`stagger`, each in its own units (seconds
or pixels).
"""

from __future__ import annotations

from collections.abc import Sequence


def stagger(starts: Sequence[float], widths: Sequence[float], *, gap: float = 0.0,
            max_rows: int | None = None) -> list[int]:
    """Row (0 = first line) of each label, in the input order: labels are taken left to
    right and each goes on the first row whose last label ends (plus ``gap``) before it
    starts, so labels whose x positions are close are stacked vertically. With
    ``max_rows`` full, a label goes on the row that frees up first."""
    if len(starts) != len(widths):
        raise ValueError("one width per label")
    order = sorted(range(len(starts)), key=lambda i: (starts[i], i))
    ends: list[float] = []  # right edge of the last label on each row
    rows = [0] * len(starts)
    for i in order:
        free = [r for r, end in enumerate(ends) if end + gap <= starts[i]]
        if free:
            row = free[0]
        elif max_rows is None or len(ends) < max_rows:
            ends.append(float("-inf"))
            row = len(ends) - 1
        else:
            row = min(range(len(ends)), key=lambda r: ends[r])
        ends[row] = starts[i] + widths[i]
        rows[i] = row
    return rows


def overlaps(boxes: Sequence[tuple[float, float, float, float]]) -> list[tuple[int, int]]:
    """Pairs of (left, top, right, bottom) boxes that intersect (for checks and tests)."""
    out = []
    for i, a in enumerate(boxes):
        for j in range(i + 1, len(boxes)):
            b = boxes[j]
            if a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]:
                out.append((i, j))
    return out
