"""Animated GIF of a play (field + P(man) curve) drawn directly with pillow.

Analysts paste these into slides and chats, often from a server with no browser,
so there is no plotly/kaleido/matplotlib here. Speed comes from drawing the
static parts (field, axes, legend, title) once and only the moving parts per
frame, then mapping every frame onto ONE fixed palette: the GIF writer then
needs no per-frame colour quantisation search, and colours never flicker.
"""

from __future__ import annotations

import io
import itertools
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
import polars as pl
from PIL import Image, ImageDraw, ImageFont

from coverage import pitch
from coverage.atomic import atomic_path
from coverage.views._common import (
    ARROW_SECONDS,
    FIRST_DOWN_COLOR,
    LOS_COLOR,
    MAN_COLOR,
    SECONDARY_OPACITY,
    ZONE_COLOR,
    PlayArrays,
    SideArrays,
    is_synthetic,
    key_events,
    model_colors,
    play_arrays,
    play_title,
    readouts,
    secondary_models,
    true_coverage,
)
from coverage.views.labels import stagger
from coverage.views.palette import field_colors
from coverage.views.team_colors import hex_to_rgb, text_color_for
from coverage.vocab import MAN, MAN_ZONE, ZONE, event_words

RGB = tuple[int, int, int]
WHITE: RGB = (255, 255, 255)
BLACK: RGB = (0, 0, 0)
FIELD_GREEN: RGB = hex_to_rgb(pitch.GRASS)
ENDZONE_GREEN: RGB = hex_to_rgb(pitch.ENDZONE_GRASS)
LINE: RGB = (225, 236, 226)
LOS_BLUE: RGB = hex_to_rgb(LOS_COLOR)
FIRST_DOWN_YELLOW: RGB = hex_to_rgb(FIRST_DOWN_COLOR)
TITLE_BG: RGB = (31, 42, 54)
SYNTH_RED: RGB = (208, 0, 0)
REAL_GREEN: RGB = (0, 110, 60)
GRID: RGB = (225, 225, 225)
MID_GRAY: RGB = (136, 136, 136)
DARK: RGB = (34, 34, 34)
CURSOR: RGB = (208, 0, 0)
HALO: RGB = (255, 140, 0)
UNLABELLED_GRAY = "#666"  # the "true: ..." note of a play labelled Other or not at all
TRANSPARENT_INDEX = 255
MAX_LEGEND_ROWS = 4


@lru_cache(maxsize=32)
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """Pillow's bundled font: no font files to ship or find."""
    return ImageFont.load_default(size=size)


def _tint(color: RGB, alpha: float) -> RGB:
    return tuple(int(round(255 + (c - 255) * alpha)) for c in color)  # type: ignore[return-value]


class _Palette:
    """Fixed 256-colour palette: named UI colours first, then a cube and a gray ramp.

    The cube and ramp catch antialiased edges of text and discs, so quantising a
    frame to this palette looks clean without dithering.
    """

    def __init__(self, named: list[RGB]) -> None:
        colors = list(dict.fromkeys(named))
        cube = [c for c in itertools.product((0, 51, 102, 153, 204, 255), repeat=3)
                if c not in colors]
        colors += cube[: max(0, 232 - len(colors))]
        ramp = [(v, v, v) for v in range(8, 256, 10) if (v, v, v) not in colors]
        colors += ramp[: max(0, 256 - len(colors))]
        colors = colors[: TRANSPARENT_INDEX]
        colors += [BLACK] * (TRANSPARENT_INDEX - len(colors))
        # The last slot duplicates white so quantising never picks it (ties go to
        # the lower index); the GIF writer uses it to mark "unchanged" pixels,
        # which shrinks delta frames about six-fold.
        colors.append(WHITE)
        self.colors = colors
        self.image = Image.new("P", (1, 1))
        self.image.putpalette([v for c in self.colors for v in c])

    def quantize(self, im: Image.Image) -> Image.Image:
        return im.quantize(palette=self.image, dither=Image.Dither.NONE)


@dataclass
class _Layout:
    """Pixel geometry of the title bar, field panel and curve panel."""

    width: int
    height: int
    title_h: int
    field_x0: float
    field_y0: float
    scale: float  # pixels per yard
    curve_box: tuple[int, int, int, int]  # left, top, right, bottom of the plot area
    readout_xy: tuple[int, int]

    def field_xy(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Yards -> pixels; +y is up on the field, so it is flipped on screen."""
        return self.field_x0 + x * self.scale, self.field_y0 + (pitch.WIDTH - y) * self.scale

    def px(self, x: float, y: float) -> tuple[float, float]:
        """One field point in pixels, as the plain floats pillow's coordinate tuples want."""
        px, py = self.field_xy(np.asarray(x, dtype=float), np.asarray(y, dtype=float))
        return float(px), float(py)


def _layout(size: tuple[int, int], legend_rows: int = 1) -> _Layout:
    """Geometry of the panels; each legend row past the first lowers the curve's top."""
    w, h = size
    title_h = max(22, int(h * 0.08))
    left_w = int(w * 0.64)
    pad = max(6, int(w * 0.008))
    readout_h = max(14, int(h * 0.045))
    avail_w = left_w - 2 * pad
    avail_h = h - title_h - readout_h - 2 * pad
    scale = min(avail_w / pitch.LENGTH, avail_h / pitch.WIDTH)
    fw, fh = pitch.LENGTH * scale, pitch.WIDTH * scale
    x0 = pad + (avail_w - fw) / 2
    y0 = title_h + readout_h + pad + (avail_h - fh) / 2
    ch = max(10, int(h * 0.03))
    top = title_h + (2 + max(1, legend_rows)) * ch
    curve_box = (left_w + 5 * ch // 2 + 6, top, w - pad - 4, h - 3 * ch)
    return _Layout(w, h, title_h, x0, y0, scale, curve_box, (int(x0), int(y0 - readout_h - 2)))


def _draw_title(draw: ImageDraw.ImageDraw, lay: _Layout, play: Mapping[str, Any],
                applied_to: str | None = None) -> None:
    """Title bar led by a badge saying which data the play (and every curve) is from."""
    draw.rectangle((0, 0, lay.width, lay.title_h), fill=TITLE_BG)
    fs = max(10, int(lay.title_h * 0.5))
    font = _font(fs)
    x = 10
    source = applied_to or ("synthetic" if is_synthetic(play) else play.get("source"))
    badge = {"synthetic": ("SYNTHETIC DATA", SYNTH_RED),
             "real": ("REAL DATA", REAL_GREEN)}.get(str(source or "").lower())
    if badge is not None:
        label, color = badge
        tw = draw.textlength(label, font=font)
        draw.rectangle((6, 4, 14 + tw, lay.title_h - 4), fill=color)
        draw.text((10, lay.title_h / 2), label, font=font, fill=WHITE, anchor="lm")
        x = int(22 + tw)
    draw.text((x, lay.title_h / 2), play_title(play), font=font, fill=WHITE, anchor="lm")


def _draw_team_legend(draw: ImageDraw.ImageDraw, lay: _Layout, play: Mapping[str, Any],
                      colors: Mapping[str, tuple[str, str]], font: Any) -> None:
    """Which colour is which team, right-aligned above the field (the readout is left)."""
    items = [(f"{play.get('possessionTeam') or ''} offense".strip(), colors["offense"]),
             (f"{play.get('defensiveTeam') or ''} defense".strip(), colors["defense"])]
    x = lay.field_x0 + pitch.LENGTH * lay.scale
    y = lay.readout_xy[1]
    r = max(4, int(font.size * 0.45)) if hasattr(font, "size") else 5
    for label, (fill, outline) in reversed(items):
        x -= draw.textlength(label, font=font)
        draw.text((x, y), label, font=font, fill=DARK, anchor="lb")
        x -= 2 * r + 4
        cy = y - r - 2
        draw.ellipse((x, cy - r, x + 2 * r, cy + r), fill=hex_to_rgb(fill),
                     outline=hex_to_rgb(outline))
        x -= 12


def _draw_field(draw: ImageDraw.ImageDraw, lay: _Layout, pa: PlayArrays) -> None:
    """Same markings as the plotly field (``coverage.pitch``), so a GIF matches the app."""
    px = lay.px
    draw.rectangle((*px(0, pitch.WIDTH), *px(pitch.LENGTH, 0)), fill=FIELD_GREEN)
    for x0, x1 in pitch.end_zones():
        draw.rectangle((*px(x0, pitch.WIDTH), *px(x1, 0)), fill=ENDZONE_GREEN)
    for a, b in pitch.marking_segments():
        draw.line((*px(*a), *px(*b)), fill=LINE, width=1)
    font = _font(max(8, int(lay.scale * 2.0)))
    for x, y, label in pitch.yard_numbers():
        draw.text(px(x, y), label, font=font, fill=LINE, anchor="mm")
    draw.rectangle((*px(0, pitch.WIDTH), *px(pitch.LENGTH, 0)), outline=WHITE, width=2)
    lw = max(2, int(lay.scale * 0.4))
    for xv, color in ((pa.los_x, LOS_BLUE), (pa.first_down_x, FIRST_DOWN_YELLOW)):
        if xv is not None and pitch.on_field(xv):
            draw.line((*px(xv, 0), *px(xv, pitch.WIDTH)), fill=color, width=lw)


@dataclass
class _Curve:
    models: list[str]
    colors: dict[str, RGB]
    secs: list[np.ndarray]  # per model, sorted, NaN-free
    pman: list[np.ndarray]
    lo: float
    hi: float
    labels: dict[str, str] = field(default_factory=dict)  # legend text, e.g. with training data
    secondary: set[str] = field(default_factory=set)  # drawn dashed and faded (see _curve_data)

    def label(self, model: str) -> str:
        return self.labels.get(model, model)

    def x(self, lay: _Layout, secs: Any) -> Any:
        """Seconds from the snap -> pixel column of the curve panel."""
        l, _, r, _ = lay.curve_box
        return l + (secs - self.lo) / (self.hi - self.lo) * (r - l)


def _panel_font_size(height: int) -> int:
    """Curve-panel text size (ticks, legend), also used to size the legend rows."""
    return max(8, int(height * 0.026))


def _legend_rows(cv: _Curve, font: Any, left: int, right: int) -> list[list[tuple[str, int]]]:
    """Legend entries flowed into rows that fit the curve panel: [(model, x), ...] per row.

    Labels such as "transformer (trained on synthetic)" are long; wrapping them keeps
    every curve's training data readable instead of running off the image.
    """
    rows: list[list[tuple[str, int]]] = [[]]
    x = left
    for m in cv.models:
        w = int(28 + font.getlength(cv.label(m)))
        if rows[-1] and x + w - 8 > right and len(rows) < MAX_LEGEND_ROWS:
            rows.append([])
            x = left
        rows[-1].append((m, x))
        x += w
    return rows


def _curve_data(preds: pl.DataFrame | None, pa: PlayArrays,
                labels: Mapping[str, str] | None = None,
                applied_to: str | None = None) -> _Curve:
    """The curves to draw; on real data (``applied_to``) a model whose label says it was
    trained on synthetic plays is secondary: faded, dashed, its label unchanged."""
    lo, hi = float(pa.secs.min()), float(pa.secs.max())
    if preds is None or preds.height == 0:
        return _Curve([], {}, [], [], lo, max(hi, lo + 0.1))
    models = sorted(preds["model"].unique().to_list())
    hexes = model_colors(models)
    secs, pman = [], []
    for m in models:
        sub = preds.filter(pl.col("model") == m).drop_nulls(["secs_from_snap", "p_man"])
        sub = sub.sort("secs_from_snap")
        t = sub["secs_from_snap"].to_numpy().astype(float)
        p = sub["p_man"].to_numpy().astype(float)
        ok = np.isfinite(t) & np.isfinite(p)
        secs.append(t[ok])
        pman.append(np.clip(p[ok], 0, 1))
        if ok.any():
            lo, hi = min(lo, float(t[ok].min())), max(hi, float(t[ok].max()))
    labels = dict(labels or {})
    secondary = secondary_models([labels.get(m, m) for m in models], applied_to)
    faded = {m for m in models if labels.get(m, m) in secondary}
    colors = {m: _tint(hex_to_rgb(hexes[m]), SECONDARY_OPACITY) if m in faded
              else hex_to_rgb(hexes[m]) for m in models}
    return _Curve(models, colors, secs, pman, lo, max(hi, lo + 0.1), labels, faded)


def _curve_px(lay: _Layout, cv: _Curve, t: np.ndarray, p: np.ndarray) -> np.ndarray:
    _, top, _, b = lay.curve_box
    return np.stack([cv.x(lay, t), b - p * (b - top)], axis=1)


def _draw_curve_panel(
    draw: ImageDraw.ImageDraw, lay: _Layout, cv: _Curve, play: Mapping[str, Any],
    events: list[tuple[float, str]],
) -> None:
    l, top, r, b = lay.curve_box
    fs = _panel_font_size(lay.height)
    font = _font(fs)
    truth = play.get("pff_manZone")
    mid = (top + b) / 2
    if truth in MAN_ZONE:
        tint = _tint(hex_to_rgb(MAN_COLOR if truth == MAN else ZONE_COLOR), 0.12)
        draw.rectangle((l, top if truth == MAN else mid, r, mid if truth == MAN else b),
                       fill=tint)
    for p in (0.0, 0.25, 0.75, 1.0):
        y = b - p * (b - top)
        draw.line((l, y, r, y), fill=GRID)
        draw.text((l - 4, y), f"{p:g}", font=font, fill=DARK, anchor="rm")
    for x in range(l, r, 8):  # dashed 0.5 line
        draw.line((x, mid, min(x + 4, r), mid), fill=MID_GRAY, width=1)
    draw.text((l - 4, mid), "0.5", font=font, fill=DARK, anchor="rm")
    for sec in range(int(np.ceil(cv.lo)), int(np.floor(cv.hi)) + 1):
        x = cv.x(lay, sec)
        draw.line((x, b, x, b + 3), fill=DARK)
        draw.text((x, b + 4), f"{sec:d}", font=font, fill=DARK, anchor="mt")
    _draw_event_tags(draw, lay, cv, events, font)
    if cv.lo <= 0 <= cv.hi:
        x0 = cv.x(lay, 0.0)
        draw.line((x0, top, x0, b), fill=BLACK, width=2)
        right = x0 + 2 + draw.textlength("snap", font=font) > r
        draw.text((x0 - 3 if right else x0 + 2, b - 2), "snap", font=font, fill=DARK,
                  anchor="rb" if right else "lb")
    draw.rectangle((l, top, r, b), outline=MID_GRAY)
    _draw_axis_title_and_truth(draw, lay, play, font, _font(fs + 1))
    # legend above the plot area, one or more rows (the last one just above the plot)
    rows = _legend_rows(cv, font, l, r)
    row_h = max(10, int(lay.height * 0.03))
    ly0 = top - 2 * fs - 2 - (len(rows) - 1) * row_h
    draw.text((l - 4, ly0), "P(man)", font=font, fill=DARK, anchor="ra")
    if not cv.models:
        draw.text(((l + r) / 2, mid), "no predictions", font=font, fill=MID_GRAY, anchor="mm")
    for i, row in enumerate(rows):
        ly = ly0 + i * row_h
        for m, x in row:
            for x0 in (x, x + 10) if m in cv.secondary else (x,):  # dashed: secondary
                draw.line((x0, ly + fs / 2, x0 + (6 if m in cv.secondary else 16),
                           ly + fs / 2), fill=cv.colors[m], width=3)
            draw.text((x + 20, ly), cv.label(m), font=font, fill=DARK)


def _draw_event_tags(draw: ImageDraw.ImageDraw, lay: _Layout, cv: _Curve,
                     events: list[tuple[float, str]], font: Any) -> None:
    """Dashed event lines and their names along the top of the plot, stacked onto further
    rows where two names would print over each other (``coverage.views.labels``)."""
    l, top, r, b = lay.curve_box
    fs = _panel_font_size(lay.height)
    tags = []
    for secs, ev in events:
        label = event_words(ev)
        if label == "snap":
            continue
        x = cv.x(lay, secs)
        for y in range(top, b, 6):  # dashed event line
            draw.line((x, y, x, min(y + 3, b)), fill=MID_GRAY, width=1)
        w = draw.textlength(label, font=font)
        start = x - 2 - w if x + 2 + w > r else x + 2  # keep it inside the panel
        tags.append((max(l + 1.0, start), w, label))
    rows = stagger([t[0] for t in tags], [t[1] for t in tags], gap=4)
    for (x, _, label), row in zip(tags, rows, strict=True):
        draw.text((x, top + 2 + row * (fs + 4)), label, font=font, fill=MID_GRAY, anchor="la")


def _draw_axis_title_and_truth(draw: ImageDraw.ImageDraw, lay: _Layout,
                               play: Mapping[str, Any], font: Any, bold: Any) -> None:
    """The x axis' title and the "true: ..." note on the line under the ticks, outside the
    plot box so no curve runs under the note; where the panel is too narrow for both, the
    note goes inside the box in the half the truth is not in."""
    l, top, r, b = lay.curve_box
    fs = _panel_font_size(lay.height)
    truth = play.get("pff_manZone")
    color = hex_to_rgb(MAN_COLOR if truth == MAN else ZONE_COLOR if truth == ZONE
                       else UNLABELLED_GRAY)
    note = f"true: {true_coverage(play)}"
    y = b + 5 + fs
    title_w, note_w = draw.textlength("seconds from snap", font=font), draw.textlength(
        note, font=bold)
    if l + title_w + 10 <= r - note_w:
        draw.text((l, y), "seconds from snap", font=font, fill=DARK, anchor="la")
        draw.text((r, y), note, font=bold, fill=color, anchor="ra")
        return
    draw.text(((l + r) / 2, y), "seconds from snap", font=font, fill=DARK, anchor="mt")
    draw.text((r - 4, top + 4 if truth != MAN else b - 4 - fs), note, font=bold, fill=color,
              anchor="ra")


def _sprite(fill: str, outline: str, jersey: str, diameter: int) -> tuple[Image.Image, Image.Image]:
    """Disc with a jersey number, as RGB image + binary mask for pasting."""
    im = Image.new("RGBA", (diameter, diameter), (0, 0, 0, 0))
    d = ImageDraw.Draw(im)
    d.ellipse((0, 0, diameter - 1, diameter - 1), fill=hex_to_rgb(fill),
              outline=hex_to_rgb(outline), width=max(1, diameter // 10))
    if jersey:
        fs = max(7, int(diameter * (0.62 if len(jersey) < 2 else 0.55)))
        d.text((diameter / 2, diameter / 2 + 0.5), jersey, font=_font(fs),
               fill=hex_to_rgb(text_color_for(fill)), anchor="mm")
    mask = im.getchannel("A").point(lambda a: 255 if a > 110 else 0)
    return im.convert("RGB"), mask


class _Renderer:
    """Holds everything drawn once; ``frame(k)`` draws only what moves."""

    def __init__(
        self, pa: PlayArrays, preds: pl.DataFrame | None, play: Mapping[str, Any],
        frames: pl.DataFrame, size: tuple[int, int], *,
        team_colors: Mapping[str, tuple[str, str]] | None = None,
        model_labels: Mapping[str, str] | None = None, applied_to: str | None = None,
    ) -> None:
        self.pa = pa
        self.colors = field_colors(play.get("possessionTeam") or pa.offense.club,
                                     play.get("defensiveTeam") or pa.defense.club, team_colors)
        self.cv = _curve_data(preds, pa, model_labels, applied_to or play.get("source"))
        box = _layout(size).curve_box
        n_rows = len(_legend_rows(self.cv, _font(_panel_font_size(size[1])), box[0], box[2]))
        self.lay = _layout(size, n_rows)
        named = [WHITE, BLACK, FIELD_GREEN, ENDZONE_GREEN, LINE, LOS_BLUE, FIRST_DOWN_YELLOW,
                 TITLE_BG, SYNTH_RED, REAL_GREEN, GRID, MID_GRAY, DARK, CURSOR, HALO,
                 hex_to_rgb(MAN_COLOR), hex_to_rgb(ZONE_COLOR),
                 _tint(hex_to_rgb(MAN_COLOR), 0.12), _tint(hex_to_rgb(ZONE_COLOR), 0.12)]
        for fill, outline in self.colors.values():
            named += [hex_to_rgb(fill), hex_to_rgb(outline), hex_to_rgb(text_color_for(fill))]
        named += list(self.cv.colors.values())
        self.palette = _Palette(named)
        bg = Image.new("RGB", size, WHITE)
        draw = ImageDraw.Draw(bg)
        _draw_title(draw, self.lay, play, applied_to)
        _draw_field(draw, self.lay, pa)
        events = [(e.secs, e.event) for e in key_events(frames)]
        _draw_curve_panel(draw, self.lay, self.cv, play, events)
        self.background = bg
        self.diameter = max(9, int(round(self.lay.scale * 2.1)))
        self.sprites = {
            name: [_sprite(*self.colors[name], j, self.diameter) for j in side.jerseys]
            for name, side in (("offense", pa.offense), ("defense", pa.defense))
        }
        self.readout_font = _font(max(9, int(size[1] * 0.034)))
        _draw_team_legend(draw, self.lay, play, self.colors, self.readout_font)
        self._curve_pts = [_curve_px(self.lay, self.cv, t, p)
                           for t, p in zip(self.cv.secs, self.cv.pman, strict=True)]
        self._readouts = readouts(pa)

    def _players(self, im: Image.Image, draw: ImageDraw.ImageDraw, k: int) -> None:
        lay, half = self.lay, self.diameter / 2
        for name, side in (("offense", self.pa.offense), ("defense", self.pa.defense)):
            px, py = lay.field_xy(side.x[k], side.y[k])
            ax, ay = lay.field_xy(side.x[k] + ARROW_SECONDS * side.vx[k],
                                  side.y[k] + ARROW_SECONDS * side.vy[k])
            for j in range(len(side.nfl_ids)):
                if np.isfinite(px[j]) and np.isfinite(ax[j]):
                    draw.line((px[j], py[j], ax[j], ay[j]), fill=WHITE, width=1)
            self._halos(draw, side, k, px, py)
            for j, (sprite, mask) in enumerate(self.sprites[name]):
                if np.isfinite(px[j]) and np.isfinite(py[j]):
                    im.paste(sprite, (int(round(px[j] - half)), int(round(py[j] - half))), mask)

    def _halos(self, draw: ImageDraw.ImageDraw, side: SideArrays, k: int, px: np.ndarray,
               py: np.ndarray) -> None:
        """Explain-mode hook: an orange ring whose width follows |attribution|."""
        if side.attribution is None:
            return
        scale = float(np.nanmax(np.abs(side.attribution))) or 1.0
        for j, v in enumerate(np.abs(side.attribution[k]) / scale):
            if v > 0.15 and np.isfinite(px[j]):
                r = self.diameter / 2 + 1 + 4 * v
                draw.ellipse((px[j] - r, py[j] - r, px[j] + r, py[j] + r), outline=HALO,
                             width=max(1, int(1 + 3 * v)))

    def _ball(self, draw: ImageDraw.ImageDraw, k: int) -> None:
        bx, by = self.lay.field_xy(self.pa.ball_x[k : k + 1], self.pa.ball_y[k : k + 1])
        if np.isfinite(bx[0]):
            r = max(2.5, self.lay.scale * 0.55)
            draw.ellipse((bx[0] - r, by[0] - r * 0.7, bx[0] + r, by[0] + r * 0.7),
                         fill=hex_to_rgb(self.colors["ball"][0]), outline=WHITE)

    def _readout(self, draw: ImageDraw.ImageDraw, k: int) -> None:
        draw.text(self.lay.readout_xy, self._readouts[k], font=self.readout_font, fill=DARK,
                  anchor="lb")

    def _curve(self, draw: ImageDraw.ImageDraw, k: int) -> None:
        _, top, _, b = self.lay.curve_box
        now = float(self.pa.secs[k])
        x = self.cv.x(self.lay, now)
        draw.line((x, top, x, b), fill=CURSOR, width=1)
        for m, t, pts in zip(self.cv.models, self.cv.secs, self._curve_pts, strict=True):
            n = int(np.searchsorted(t, now + 1e-6, side="right"))
            if n >= 2 and m in self.cv.secondary:  # dashed: three points on, three off
                for i in range(0, n - 1, 6):
                    draw.line([tuple(p) for p in pts[i:min(i + 4, n)]],
                              fill=self.cv.colors[m], width=2)
            elif n >= 2:
                draw.line([tuple(p) for p in pts[:n]], fill=self.cv.colors[m], width=2,
                          joint="curve")
            if n >= 1:
                cx, cy = pts[n - 1]
                draw.ellipse((cx - 4, cy - 4, cx + 4, cy + 4), fill=self.cv.colors[m],
                             outline=WHITE)

    def frame(self, k: int) -> Image.Image:
        im = self.background.copy()
        draw = ImageDraw.Draw(im)
        self._players(im, draw, k)
        self._ball(draw, k)
        self._readout(draw, k)
        self._curve(draw, k)
        return self.palette.quantize(im)


MAX_SIDE = 8192  # pixels: a larger image is no slide or chat image, and costs gigabytes
GIF_MAX_MS = 655_350  # a GIF frame's delay is 16 bits of centiseconds


def _check_size(size: tuple[int, int]) -> None:
    ok = (isinstance(size, tuple | list) and len(size) == 2
          and all(isinstance(v, int) and not isinstance(v, bool) for v in size)
          and all(64 <= v <= MAX_SIDE for v in size))
    if not ok:
        raise ValueError(f"size must be (width, height) in pixels, each 64 to {MAX_SIDE}, "
                         f"got {str(size)[:80]}")


def _frame_ms(frame_stride: int, fps: float) -> int:
    """How long each GIF frame shows: 20 ms at the fastest (browsers slow anything faster
    down), a GIF's 16-bit delay at the slowest."""
    return min(GIF_MAX_MS, max(20, int(round(1000 * frame_stride / fps))))


def render_play_gif(
    frames: pl.DataFrame,
    preds: pl.DataFrame | None,
    play: Mapping[str, Any],
    *,
    path: str | os.PathLike[str] | None = None,
    fps: float = 10,
    size: tuple[int, int] = (1200, 480),
    frame_stride: int = 1,
    attribution: pl.DataFrame | None = None,
    team_colors: Mapping[str, tuple[str, str]] | None = None,
    loop: int = 0,
    model_labels: Mapping[str, str] | None = None,
    applied_to: str | None = None,
) -> bytes:
    """GIF bytes of the play: title bar, field (left), progressive P(man) curve (right).

    One GIF frame per kept tracking frame (``ceil(n_frames / frame_stride)``). ``fps`` is
    the playback rate in *tracking* frames per second: 10 is real time for 10 Hz tracking
    at any stride (each GIF frame then stands for ``frame_stride`` tracking frames and
    shows that long), 20 is double speed. ``path``, if given, is written
    atomically. ``attribution`` (nflId, frameId, value) draws rings whose width
    follows |value| on each player.

    A GIF leaves the app without its banner, so it carries its own: ``model_labels``
    (model -> legend text, e.g. "transformer (trained on synthetic)", from
    ``coverage.app.provenance``) marks each curve, and the title badge says which data
    the play is (``applied_to``, else the play's own ``source``).
    """
    if not (isinstance(fps, int | float) and math.isfinite(fps) and fps > 0):
        raise ValueError(f"fps must be a finite number above 0, got {fps!r}")
    if isinstance(frame_stride, bool) or not isinstance(frame_stride, int) or frame_stride < 1:
        raise ValueError(f"frame_stride must be a whole number >= 1, got {frame_stride!r}")
    _check_size(size)
    pa = play_arrays(frames, play, frame_stride=frame_stride, attribution=attribution)
    rend = _Renderer(pa, preds, play, frames, size, team_colors=team_colors,
                     model_labels=model_labels, applied_to=applied_to)
    images = [rend.frame(k) for k in range(pa.n_frames)]
    buf = io.BytesIO()
    images[0].save(buf, format="GIF", save_all=True, append_images=images[1:],
                   duration=_frame_ms(frame_stride, fps), loop=loop,
                   optimize=True,
                   transparency=TRANSPARENT_INDEX)
    data = buf.getvalue()
    if path is not None:
        with atomic_path(path) as tmp:  # readers never see half a GIF
            tmp.write_bytes(data)
    return data


def render_play_png(
    frames: pl.DataFrame,
    preds: pl.DataFrame | None,
    play: Mapping[str, Any],
    frame_id: int,
    *,
    size: tuple[int, int] = (1200, 480),
    attribution: pl.DataFrame | None = None,
    team_colors: Mapping[str, tuple[str, str]] | None = None,
    model_labels: Mapping[str, str] | None = None,
    applied_to: str | None = None,
) -> bytes:
    """One frame of the GIF as a PNG (field + P(man) curve up to that moment): a still for
    a report or a slide, with the same badge, legend and labels as the GIF."""
    _check_size(size)
    pa = play_arrays(frames, play, attribution=attribution)
    hits = np.flatnonzero(pa.frame_ids == int(frame_id))
    if not len(hits):
        raise ValueError(f"frameId {frame_id} not in this play's frames")
    rend = _Renderer(pa, preds, play, frames, size, team_colors=team_colors,
                     model_labels=model_labels, applied_to=applied_to)
    buf = io.BytesIO()
    rend.frame(int(hits[0])).convert("RGB").save(buf, format="PNG", optimize=True)
    return buf.getvalue()
