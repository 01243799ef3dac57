"""Geometry of an NFL field, in the normalised store's yards, for every renderer.

One copy of the field for every renderer, so an exported GIF matches what the
analyst saw in the app (sideline ticks, hash length). Everything they need lives
here, as constants and pure functions returning field coordinates; renderers only
map those to pixels or traces.

Coordinates follow ``coverage.schema``: x runs along the field from 0 to
``LENGTH`` (end zones 0-10 and 110-120, offense toward +x), y across it from 0
to ``WIDTH``.
"""

from __future__ import annotations

LENGTH = 120.0
WIDTH = 53.3
ENDZONE_DEPTH = 10.0
GOAL_LINES = (ENDZONE_DEPTH, LENGTH - ENDZONE_DEPTH)
YARD_LINE_EVERY = 5  # yards between drawn yard lines
NUMBER_EVERY = 10  # yards between yard numbers
NUMBER_FROM_SIDELINE = 12.0
NUMBER_Y = (NUMBER_FROM_SIDELINE, WIDTH - NUMBER_FROM_SIDELINE)
HASH_FROM_SIDELINE = 23.58  # NFL hashes: 70'9" from each sideline
HASH_Y = (HASH_FROM_SIDELINE, WIDTH - HASH_FROM_SIDELINE)
SIDELINE_TICK_FROM_SIDELINE = 0.6
SIDELINE_TICK_Y = (SIDELINE_TICK_FROM_SIDELINE, WIDTH - SIDELINE_TICK_FROM_SIDELINE)
TICK_HALF_LENGTH = 0.35  # hash marks and sideline ticks are drawn alike
GRASS = "#3A7D44"
ENDZONE_GRASS = "#2E6637"  # darker, so the end zones stand out from the field of play

Point = tuple[float, float]
Segment = tuple[Point, Point]
NumberMark = tuple[float, float, str]


def _goal_range(step: int, inset: int = 0) -> range:
    """Whole yards from goal line to goal line; markings only exist between them."""
    lo, hi = (int(g) for g in GOAL_LINES)
    return range(lo + inset, hi - inset + 1, step)


def yard_line_xs() -> list[float]:
    """Goal lines included, so the end zones need no separate border."""
    return [float(x) for x in _goal_range(YARD_LINE_EVERY)]


def yard_line_segments() -> list[Segment]:
    """Yard lines run the full width of the field."""
    return [((x, 0.0), (x, WIDTH)) for x in yard_line_xs()]


def tick_segments() -> list[Segment]:
    """One-yard ticks at both hashes and both sidelines, skipping the yard lines."""
    out: list[Segment] = []
    for x in _goal_range(1, inset=1):
        if x % YARD_LINE_EVERY == 0:
            continue
        for y in (*HASH_Y, *SIDELINE_TICK_Y):
            out.append(((float(x), y - TICK_HALF_LENGTH), (float(x), y + TICK_HALF_LENGTH)))
    return out


def marking_segments() -> list[Segment]:
    """Every white line on the grass, so renderers can draw them in one pass."""
    return yard_line_segments() + tick_segments()


def yard_numbers() -> list[NumberMark]:
    """(x, y, label) of the painted numbers; labels count yards to the nearer goal line."""
    lo, hi = GOAL_LINES
    out: list[NumberMark] = []
    for x in _goal_range(NUMBER_EVERY, inset=NUMBER_EVERY):
        label = str(int(min(x - lo, hi - x)))
        out.extend((float(x), y, label) for y in NUMBER_Y)
    return out


def end_zones() -> tuple[tuple[float, float], tuple[float, float]]:
    """x extents of the two end zones, which are shaded differently from the field."""
    return (0.0, GOAL_LINES[0]), (GOAL_LINES[1], LENGTH)


def on_field(x: float) -> bool:
    """Whether a line at ``x`` (line of scrimmage, first down) can be drawn at all."""
    return 0.0 <= x <= LENGTH
