"""One colour system for both themes: every team colour, reference line and tag as drawn
reads at >= 3:1 on the light and on the dark background, and Man / Zone keep the same
colours on every page in both themes."""

from __future__ import annotations

import polars as pl
import pytest

from coverage.export import gif
from coverage.views import (
    accuracy_by_time_figure,
    calibration_figure,
    combined_animation,
    coverage_mix_figure,
    rate_bar_figure,
    reference_line,
    themed,
)
from coverage.views import curves as curves_mod
from coverage.views._common import MODEL_PALETTE
from coverage.views.palette import (
    FIELD_BACKGROUNDS,
    MAN_COLOR,
    MAN_ZONE_COLORS,
    MIN_CONTRAST,
    REFERENCE_COLOR,
    TAG_COLOR,
    ZONE_COLOR,
    backgrounds,
    contrast_ratio,
    field_colors,
    readable_mark,
    team_mark,
    worst_contrast,
)
from coverage.views.team_colors import TEAM_COLORS
from tests.builders.sample_play import sample_play

THEMES = (False, True)  # light, dark
NAVY_AND_BLACK = ("NE", "HOU", "TEN", "CHI", "DAL", "SEA", "CLE", "LV")


def _bgs(fig, dark: bool) -> tuple[str, ...]:
    """The backgrounds a figure's elements sit on, as the figure sets them."""
    lay = fig.layout
    return tuple({c for c in (lay.paper_bgcolor, lay.plot_bgcolor) if c} or {"white"}) \
        if not dark else backgrounds(True)


def _hex(c: str) -> str:
    return "#FFFFFF" if c == "white" else c


def test_contrast_ratio_matches_wcag() -> None:
    assert contrast_ratio("#000000", "#FFFFFF") == pytest.approx(21.0)
    assert contrast_ratio("#777777", "#FFFFFF") == pytest.approx(4.48, abs=0.01)
    assert contrast_ratio("#123456", "#123456") == pytest.approx(1.0)


@pytest.mark.parametrize("dark", THEMES)
@pytest.mark.parametrize("club", sorted(TEAM_COLORS))
def test_every_team_colour_reads_on_both_backgrounds(club: str, dark: bool) -> None:
    mark = team_mark(club, dark)
    assert worst_contrast(mark.edge, backgrounds(dark)) >= MIN_CONTRAST, (club, mark)


def test_readable_mark_falls_back_to_secondary_then_outline() -> None:
    dark = backgrounds(True)
    assert readable_mark("#FFB612", dark).fill == "#FFB612"  # gold reads on dark
    assert readable_mark("#002244", dark, "#69BE28").fill == "#69BE28"  # SEA: secondary
    navy = readable_mark("#002244", dark, "#C60C30")  # NE: secondary too dark as well
    assert navy.fill == "#002244" and navy.outline is not None
    assert contrast_ratio(navy.outline, dark[1]) >= MIN_CONTRAST


def _team_rates() -> pl.DataFrame:
    teams = sorted(TEAM_COLORS)
    return pl.DataFrame({"team": teams, "man_rate": [0.1 + 0.02 * i for i in range(len(teams))],
                         "n_plays": [100] * len(teams)})


@pytest.mark.parametrize("dark", THEMES)
def test_team_bars_and_league_line_as_drawn(dark: bool) -> None:
    fig = themed(rate_bar_figure(_team_rates(), reference=0.3), dark)
    reference_line(fig, 0.25, "league median 1.0 s")  # as the Teams page adds its own
    fig = themed(fig, dark) if dark else fig
    bgs = [_hex(c) for c in _bgs(fig, dark)]
    bar = fig.data[0]
    widths = bar.marker.line.width
    for i, club in enumerate(bar.y):
        drawn = bar.marker.line.color[i] if widths[i] else bar.marker.color[i]
        assert worst_contrast(drawn, bgs) >= MIN_CONTRAST, (club, drawn, dark)
    assert set(NAVY_AND_BLACK) <= set(bar.y)
    for shape in fig.layout.shapes:
        assert worst_contrast(shape.line.color, bgs) >= MIN_CONTRAST, (shape.line.color, dark)
    assert len(fig.layout.shapes) == 2


@pytest.mark.parametrize("dark", THEMES)
def test_accuracy_page_lines_as_drawn(dark: bool) -> None:
    curve = pl.DataFrame({"model": ["lstm", "lstm", "tabular", "tabular"],
                          "secs_from_snap": [-1.0, 0.0, -1.0, 0.0],
                          "accuracy": [0.6, 0.7, 0.5, 0.6], "ci_low": [0.5] * 4,
                          "ci_high": [0.8] * 4, "n_plays": [100] * 4,
                          "majority_baseline": [0.7] * 4})
    cal = pl.DataFrame({"model": ["lstm"] * 2, "mean_pred": [0.2, 0.8], "frac_man": [0.3, 0.7],
                        "n": [10, 10]})
    for fig in (accuracy_by_time_figure(curve), calibration_figure(cal)):
        fig = themed(fig, dark)
        bgs = [_hex(c) for c in _bgs(fig, dark)]
        for shape in fig.layout.shapes:
            assert worst_contrast(shape.line.color, bgs) >= MIN_CONTRAST
        for trace in fig.data:
            color = trace.line.color if trace.type == "scatter" else None
            if isinstance(color, str) and color.startswith("#"):
                assert worst_contrast(color, bgs) >= MIN_CONTRAST, (trace.name, color)


def test_model_palette_reads_on_both_backgrounds() -> None:
    for color in MODEL_PALETTE:
        for dark in THEMES:
            assert worst_contrast(color, backgrounds(dark)) >= MIN_CONTRAST, color


def test_curve_lines_and_tags_read_on_both_backgrounds() -> None:
    demo = sample_play()
    layout = combined_animation(demo["frames"], demo["preds"], demo["play"]).figure.layout
    for dark in THEMES:
        for shape in layout.shapes:
            on_curve = "x2" in str(shape.xref) or "y2" in str(shape.yref)  # not the field
            if shape.type == "line" and on_curve:
                assert worst_contrast(shape.line.color, backgrounds(dark)) >= MIN_CONTRAST
        for ann in layout.annotations:
            if "x2" not in str(ann.xref):
                continue
            # no light box behind a tag: the dark page re-inks the text light
            assert ann.bgcolor is None, ann.text
    tags = [a for a in layout.annotations if a.text in ("line set", "motion", "shift")]
    assert tags and all(a.font.color == TAG_COLOR for a in tags)
    for dark in THEMES:
        assert worst_contrast(TAG_COLOR, backgrounds(dark)) >= MIN_CONTRAST
        assert worst_contrast(REFERENCE_COLOR, backgrounds(dark)) >= MIN_CONTRAST


def test_man_and_zone_are_the_same_colours_everywhere_in_both_themes() -> None:
    assert MAN_ZONE_COLORS == {"Man": MAN_COLOR, "Zone": ZONE_COLOR}
    assert gif.MAN_COLOR == MAN_COLOR and gif.ZONE_COLOR == ZONE_COLOR
    assert curves_mod.MAN_COLOR == MAN_COLOR and curves_mod.ZONE_COLOR == ZONE_COLOR
    plays = pl.DataFrame({"pff_passCoverage": ["Cover-1", "Cover-3", "Cover-3", None],
                          "pff_manZone": ["Man", "Zone", "Zone", None]})
    seen = []
    for dark in THEMES:
        fig = themed(coverage_mix_figure(plays), dark)
        seen.append({t.name: t.marker.color for t in fig.data})
    assert seen[0] == seen[1]
    assert seen[0]["Man"] == MAN_COLOR and seen[0]["Zone"] == ZONE_COLOR
    for dark in THEMES:
        for color in (MAN_COLOR, ZONE_COLOR):
            assert worst_contrast(color, backgrounds(dark)) >= MIN_CONTRAST
    demo = sample_play()
    for truth, color in (("Man", MAN_COLOR), ("Zone", ZONE_COLOR)):
        play = {**demo["play"], "pff_manZone": truth}
        layout = combined_animation(demo["frames"], demo["preds"], play).figure.layout
        band = [s for s in layout.shapes if s.type == "rect" and s.xref == "x2 domain"]
        assert band and band[0].fillcolor == color


def test_every_club_reads_on_the_grass_against_every_opponent() -> None:
    """The players' markers on the field: the fill or the outline of each side reads at
    3:1 or more on the field of play and the end zones, whoever the opponent is (clashing
    primaries make one side switch colours, which must still read)."""
    clubs = sorted(TEAM_COLORS)
    faint = []
    for off in clubs:
        for de in clubs:
            for side, (fill, outline) in field_colors(off, de).items():
                if side == "ball":
                    continue
                edge = max(worst_contrast(fill, FIELD_BACKGROUNDS),
                           worst_contrast(outline, FIELD_BACKGROUNDS))
                if edge < MIN_CONTRAST:
                    faint.append((off, de, side, fill, outline, round(edge, 2)))
    assert faint == []
    fill, outline = field_colors("PHI", "DAL")["offense"]
    assert outline in ("#111111", "#E6E6E6")  # midnight green with silver: an ink instead
