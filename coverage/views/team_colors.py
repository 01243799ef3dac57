"""Club colours, so both teams are recognisable at a glance on the field.

Analysts identify teams by colour faster than by label; using each club's own
colours (and falling back to neutral side colours for unknown or synthetic
clubs) keeps the field readable without a legend.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

# club -> (primary, secondary), abbreviations as in the BDB files ("LA" = Rams), and the
# historical / alternative abbreviations other data sources use: data, in team_colors.json.
_TABLE = json.loads((Path(__file__).parent / "team_colors.json").read_text(encoding="utf-8"))
TEAM_COLORS: dict[str, tuple[str, str]] = {
    club: (primary, secondary) for club, (primary, secondary) in _TABLE["colors"].items()
}
TEAM_ALIASES: dict[str, str] = _TABLE["aliases"]

# Used when a club is unknown (synthetic teams): offense warm, defense cool.
SIDE_FALLBACK: dict[str, tuple[str, str]] = {
    "offense": ("#C8102E", "#FFFFFF"),
    "defense": ("#1F4E9C", "#FFFFFF"),
}
BALL_COLOR = "#7B4A12"
MIN_TEAM_DISTANCE = 90.0  # RGB distance below which two primaries are confusable


def hex_to_rgb(color: str) -> tuple[int, int, int]:
    """Parse ``#RRGGBB`` or ``#RGB`` (PIL and numpy need tuples, plotly takes the string)."""
    c = color.lstrip("#")
    c = "".join(ch * 2 for ch in c) if len(c) == 3 else c
    return int(c[0:2], 16), int(c[2:4], 16), int(c[4:6], 16)


def text_color_for(fill: str) -> str:
    """Black or white, whichever stays legible on ``fill`` (jersey numbers)."""
    r, g, b = hex_to_rgb(fill)
    luminance = 0.299 * r + 0.587 * g + 0.114 * b
    return "#000000" if luminance > 150 else "#FFFFFF"


def _distance(a: str, b: str) -> float:
    ra, rb = hex_to_rgb(a), hex_to_rgb(b)
    return sum((x - y) ** 2 for x, y in zip(ra, rb, strict=True)) ** 0.5


def team_color(
    club: str | None, side: str, team_colors: Mapping[str, tuple[str, str]] | None = None
) -> tuple[str, str]:
    """(fill, outline) for a club, falling back to a side colour if unknown."""
    table = TEAM_COLORS if team_colors is None else {**TEAM_COLORS, **team_colors}
    key = TEAM_ALIASES.get(club or "", club or "")
    if key in table:
        return table[key]
    return SIDE_FALLBACK.get(side, ("#888888", "#FFFFFF"))


def matchup_colors(
    offense_club: str | None,
    defense_club: str | None,
    team_colors: Mapping[str, tuple[str, str]] | None = None,
) -> dict[str, tuple[str, str]]:
    """Side -> (fill, outline), guaranteeing the two sides look different.

    NE and SEA share a navy primary, for instance; when primaries clash the
    defense switches to its secondary colour (or the neutral fallback), since
    telling the sides apart matters more than brand accuracy here.
    """
    off = team_color(offense_club, "offense", team_colors)
    de = team_color(defense_club, "defense", team_colors)
    if _distance(off[0], de[0]) < MIN_TEAM_DISTANCE:
        swapped = (de[1], de[0])
        de = swapped if _distance(off[0], swapped[0]) >= MIN_TEAM_DISTANCE else SIDE_FALLBACK[
            "defense"
        ]
        if _distance(off[0], de[0]) < MIN_TEAM_DISTANCE:
            off = SIDE_FALLBACK["offense"]
    return {"offense": off, "defense": de, "ball": (BALL_COLOR, "#FFFFFF")}
