"""One colour system for the light and the dark page.

A colour picked for a white page can vanish on Streamlit's dark one (a navy club bar, a
near-black reference line) and the reverse (a gold club on white). Every figure takes
its colours from here: semantic colours (Man, Zone, reference lines, tags) chosen once
so they read on both backgrounds unchanged, and club colours resolved per background:
the primary when it reads, else the club's secondary, else the primary with an outline
that does (WCAG 2 contrast ratio, 3:1 being the minimum for graphics).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from coverage import pitch
from coverage.views.team_colors import hex_to_rgb, matchup_colors, team_color
from coverage.vocab import MAN, ZONE

LIGHT_BG = "#FFFFFF"
DARK_BG = "#0E1117"     # Streamlit's dark page
DARK_PANEL = "#1A1D26"  # the plot area our dark figures draw on
MIN_CONTRAST = 3.0      # WCAG 2.1, non-text contrast (1.4.11)

# Man and Zone everywhere (curves, bands, GIFs, the coverage mix), in both themes: both
# read at >= 3:1 on white and on the dark panel, so no theme needs to swap them.
MAN_COLOR = "#D0453A"
ZONE_COLOR = "#2F7FBF"
MAN_ZONE_COLORS: dict[str, str] = {MAN: MAN_COLOR, ZONE: ZONE_COLOR}
OTHER_COVERAGE_COLOR = "#8A8A8A"  # plays labelled neither Man nor Zone
# league/baseline lines, the snap and event lines, the "perfect" diagonal: one mid grey
# that reads on both backgrounds (near-black lines vanish on the dark one)
REFERENCE_COLOR = "#808080"
# small text tags on charts (event names): a grey that reads on both, drawn without a
# box (a light box behind re-inked light text on a dark page was unreadable)
TAG_COLOR = "#7A7A7A"
_OUTLINES = ("#111111", "#E6E6E6")
# what the players' markers are seen against: the field of play and the end zones
FIELD_BACKGROUNDS = (pitch.GRASS, pitch.ENDZONE_GRASS)


def _luminance(color: str) -> float:
    lin = [v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4
           for v in (x / 255 for x in hex_to_rgb(color))]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contrast_ratio(a: str, b: str) -> float:
    """WCAG 2 contrast ratio of two colours (1 to 21)."""
    la, lb = _luminance(a), _luminance(b)
    return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)


def backgrounds(dark: bool) -> tuple[str, ...]:
    """What a chart element is seen against in a theme: the page and the plot area."""
    return (DARK_BG, DARK_PANEL) if dark else (LIGHT_BG,)


def worst_contrast(color: str, against: str | Sequence[str]) -> float:
    bgs = (against,) if isinstance(against, str) else tuple(against)
    return min(contrast_ratio(color, bg) for bg in bgs)


@dataclass(frozen=True)
class Mark:
    """A filled mark as drawn: its fill and, when the fill alone does not read on the
    background, an outline that does."""

    fill: str
    outline: str | None = None

    @property
    def edge(self) -> str:
        """The colour that separates the mark from the background."""
        return self.outline or self.fill


def readable_mark(color: str, against: str | Sequence[str], secondary: str | None = None,
                  min_ratio: float = MIN_CONTRAST) -> Mark:
    """``color`` if it reads on ``against``, else ``secondary`` if that does, else
    ``color`` outlined in the light or dark ink that reads best."""
    if worst_contrast(color, against) >= min_ratio:
        return Mark(color)
    if secondary is not None and worst_contrast(secondary, against) >= min_ratio:
        return Mark(secondary)
    return Mark(color, max(_OUTLINES, key=lambda ink: worst_contrast(ink, against)))


def team_mark(club: str | None, dark: bool, side: str = "defense") -> Mark:
    """A club's bar/marker colour on the light or dark page."""
    primary, secondary = team_color(club, side)
    return readable_mark(primary, backgrounds(dark), secondary)


def readable_line(color: str, dark: bool, min_ratio: float = MIN_CONTRAST) -> str:
    """A line or text colour that reads in the theme: ``color`` when it does, else mixed
    toward white (dark theme) or black (light theme) until it does."""
    bgs = backgrounds(dark)
    if worst_contrast(color, bgs) >= min_ratio:
        return color
    rgb = hex_to_rgb(color)
    target = 255 if dark else 0
    for step in range(1, 11):
        t = step / 10
        mixed = "#" + "".join(f"{round(v + (target - v) * t):02x}" for v in rgb)
        if worst_contrast(mixed, bgs) >= min_ratio:
            return mixed
    return "#ffffff" if dark else "#000000"


def field_colors(offense_club: str | None, defense_club: str | None,
                 team_colors: Mapping[str, tuple[str, str]] | None = None
                 ) -> dict[str, tuple[str, str]]:
    """Each side's marker (fill, outline) on the grass: the clubs' colours as
    :func:`~coverage.views.team_colors.matchup_colors` picks them, with the outline
    replaced by the light or dark ink that reads on the grass when neither the fill nor
    the club's outline does (a midnight green with silver, an aqua with orange)."""
    out = {}
    for side, (fill, outline) in matchup_colors(offense_club, defense_club,
                                                team_colors).items():
        if max(worst_contrast(fill, FIELD_BACKGROUNDS),
               worst_contrast(outline, FIELD_BACKGROUNDS)) < MIN_CONTRAST:
            outline = max(_OUTLINES, key=lambda ink: worst_contrast(ink, FIELD_BACKGROUNDS))
        out[side] = (fill, outline)
    return out
