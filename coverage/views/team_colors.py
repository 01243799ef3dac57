"""Club colours, so both teams are recognisable at a glance on the field.

Analysts identify teams by colour faster than by label; using each club's own
colours (and falling back to neutral side colours for unknown or synthetic
clubs) keeps the field readable without a legend.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path

from PIL import ImageColor

from coverage.errors import DataError

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


_CSS_RGB = re.compile(r"rgba?\(\s*([\d.]+%?)\s*[,\s]\s*([\d.]+%?)\s*[,\s]\s*([\d.]+%?)"
                      r"(?:\s*[,/]\s*[\d.]+%?)?\s*\)", re.IGNORECASE)


def _channel(text: str) -> int:
    value = float(text[:-1]) * 2.55 if text.endswith("%") else float(text)
    return int(round(min(255.0, max(0.0, value))))


def hex_to_rgb(color: str) -> tuple[int, int, int]:
    """Any CSS colour as an (r, g, b) tuple (PIL and numpy need tuples, plotly takes the
    string): ``#RGB``, ``#RRGGBB``, their alpha forms, ``rgb()``/``rgba()``, names.

    Colours come from several palettes (``#666`` greys for "unknown", the club table,
    a caller's own team colours), so every form any of them may use is parsed here, once;
    pillow parses most, the regex adds the fractional-alpha ``rgba()`` it refuses. Alpha
    is dropped: every user of the tuple paints opaque.
    """
    text = str(color).strip()
    try:
        return ImageColor.getrgb(text)[:3]  # type: ignore[return-value]
    except ValueError:
        pass
    found = _CSS_RGB.fullmatch(text)
    if found:
        r, g, b = (_channel(v) for v in found.groups())
        return r, g, b
    raise DataError(f"not a colour: {text[:80]!r}",
                    expected="#rgb, #rrggbb, rgb(r, g, b) or a CSS colour name")


def css_hex(color: str) -> str:
    """Any CSS colour :func:`hex_to_rgb` reads, as ``#RRGGBB``: the one form every consumer
    of a team colour (figures, the GIF, the browser player's contrast check) can parse."""
    r, g, b = hex_to_rgb(color)
    return f"#{r:02X}{g:02X}{b:02X}"


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
    """(fill, outline) for a club, falling back to a side colour if unknown; always as
    ``#RRGGBB`` (a caller's palette may use any CSS form: normalised here, once, so no
    consumer downstream needs a parser of its own)."""
    table = TEAM_COLORS if team_colors is None else {**TEAM_COLORS, **team_colors}
    key = TEAM_ALIASES.get(club or "", club or "")
    fill, outline = table[key] if key in table else SIDE_FALLBACK.get(side,
                                                                      ("#888888", "#FFFFFF"))
    return css_hex(fill), css_hex(outline)


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
