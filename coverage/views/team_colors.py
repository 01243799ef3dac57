"""Club colours, so both teams are recognisable at a glance on the field.

Analysts identify teams by colour faster than by label; using each club's own
colours (and falling back to neutral side colours for unknown or synthetic
clubs) keeps the field readable without a legend.
"""

from __future__ import annotations

from collections.abc import Mapping

# club -> (primary, secondary). Abbreviations as in the BDB files ("LA" = Rams).
TEAM_COLORS: dict[str, tuple[str, str]] = {
    "ARI": ("#97233F", "#FFB612"),
    "ATL": ("#A71930", "#000000"),
    "BAL": ("#241773", "#9E7C0C"),
    "BUF": ("#00338D", "#C60C30"),
    "CAR": ("#0085CA", "#101820"),
    "CHI": ("#0B162A", "#C83803"),
    "CIN": ("#FB4F14", "#000000"),
    "CLE": ("#311D00", "#FF3C00"),
    "DAL": ("#041E42", "#869397"),
    "DEN": ("#FB4F14", "#002244"),
    "DET": ("#0076B6", "#B0B7BC"),
    "GB": ("#203731", "#FFB612"),
    "HOU": ("#03202F", "#A71930"),
    "IND": ("#002C5F", "#A2AAAD"),
    "JAX": ("#006778", "#D7A22A"),
    "KC": ("#E31837", "#FFB81C"),
    "LV": ("#000000", "#A5ACAF"),
    "LAC": ("#0080C6", "#FFC20E"),
    "LA": ("#003594", "#FFA300"),
    "MIA": ("#008E97", "#FC4C02"),
    "MIN": ("#4F2683", "#FFC62F"),
    "NE": ("#002244", "#C60C30"),
    "NO": ("#D3BC8D", "#101820"),
    "NYG": ("#0B2265", "#A71930"),
    "NYJ": ("#125740", "#FFFFFF"),
    "PHI": ("#004C54", "#A5ACAF"),
    "PIT": ("#FFB612", "#101820"),
    "SF": ("#AA0000", "#B3995D"),
    "SEA": ("#002244", "#69BE28"),
    "TB": ("#D50A0A", "#34302B"),
    "TEN": ("#0C2340", "#4B92DB"),
    "WAS": ("#5A1414", "#FFB612"),
}

# Historical / alternative abbreviations seen in other data sources.
TEAM_ALIASES: dict[str, str] = {
    "LAR": "LA",
    "STL": "LA",
    "OAK": "LV",
    "SD": "LAC",
    "WSH": "WAS",
    "JAC": "JAX",
}

# Used when a club is unknown (synthetic teams): offense warm, defense cool.
SIDE_FALLBACK: dict[str, tuple[str, str]] = {
    "offense": ("#C8102E", "#FFFFFF"),
    "defense": ("#1F4E9C", "#FFFFFF"),
}
BALL_COLOR = "#7B4A12"
MIN_TEAM_DISTANCE = 90.0  # RGB distance below which two primaries are confusable


def hex_to_rgb(color: str) -> tuple[int, int, int]:
    """Parse ``#RRGGBB`` (PIL and numpy need tuples, plotly takes the string)."""
    c = color.lstrip("#")
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
