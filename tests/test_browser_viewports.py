"""The explorer at the screen sizes analysts use, light and dark: field, curve and the Play
bar in view without scrolling, the list's P(man) and hit/miss columns visible without a
horizontal scroll, nothing overlapping, the sidebar out of the way on narrow screens.

Only a real browser lays the page out, so this drives Debian's headless Chromium through
Playwright against ``streamlit run app.py`` on the small test store, as
tests/test_browser_explorer.py does. 1366x657 is a 1366x768 laptop under its browser's bars.
"""

from __future__ import annotations

import json
import os

import pytest

from tests.builders.server import (
    REPO,
    chromium,
    light_and_dark_servers,
    require_chromium,
)
from tests.builders.stores import build_app_stores

pytestmark = [pytest.mark.browser, pytest.mark.slow]
ARTIFACTS = REPO / "test-artifacts"
VIEWPORTS = [(1366, 657), (1280, 720), (1024, 768), (1920, 1080)]
NARROW = 1100  # under this width the sidebar starts collapsed
_PLAYER_DRAWN = """() => { const f = document.querySelector('.st-key-play_figure iframe');
  const b = f && f.contentDocument && f.contentDocument.body;
  return !!(b && b.dataset.renders && f.contentDocument.querySelector('.main-svg')); }"""
_IDLE = "!document.querySelector('[data-testid=\"stStatusWidget\"]')"

# boxes in the page's viewport coordinates: the player's parts are offset by its frame
_BOXES = """() => {
  const f = document.querySelector('.st-key-play_figure iframe');
  const fr = f.getBoundingClientRect(), d = f.contentDocument;
  const box = (e, inner) => { if (!e) return null; const r = e.getBoundingClientRect();
    const dx = inner ? fr.x : 0, dy = inner ? fr.y : 0;
    return [Math.round(r.x + dx), Math.round(r.y + dy), Math.round(r.width),
            Math.round(r.height)]; };
  const side = document.querySelector("[data-testid='stSidebar']");
  const sr = side && side.getBoundingClientRect();
  const open = !!sr && sr.width > 50 && sr.x + sr.width > 50;  // collapsed: slid off-screen
  return { field: box(d.querySelector(".nsewdrag[data-subplot='xy']"), true),
           curve: box(d.querySelector(".nsewdrag[data-subplot='x2y2']"), true),
           curve_title: box(d.querySelector('.g-y2title text'), true),
           bar: box(d.getElementById('bar'), true),
           play: box(d.getElementById('play'), true),
           frame: box(f, false),
           sidebar_open: open, sidebar: open ? box(side, false) : null,
           view: [innerWidth, innerHeight] };
}"""

# the list's columns as the grid lays them out, from its header row (x and width each)
_COLUMNS = """() => {
  const g = document.querySelector("[data-testid='stDataFrame']");
  const r = g.getBoundingClientRect();
  const th = [...g.querySelectorAll("table[role='grid'] thead th")];
  return { grid: [Math.round(r.x), Math.round(r.y), Math.round(r.width), Math.round(r.height)],
           heads: th.map(h => h.innerText.trim()),
           scroller: (() => { const s = g.querySelector('.dvn-scroller');
             return s ? [s.scrollWidth, s.clientWidth] : null; })() };
}"""


def _env(base):
    stores = build_app_stores(base / "app_stores")
    return {**os.environ, "COVERAGE_DATA": str(stores["preds"]),
            "COVERAGE_DATA_DIR": str(stores["data_dir"])}


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    require_chromium()
    env = _env(tmp_path_factory.getbasetemp())
    with light_and_dark_servers(env, tmp_path_factory.mktemp("servers")) as servers:
        yield servers


@pytest.fixture(scope="module")
def browser(servers):
    with chromium() as b:
        yield b


def _inside(b, w: int, h: int) -> bool:
    x, y, bw, bh = b
    return x >= 0 and y >= 0 and x + bw <= w + 1 and y + bh <= h + 1


def _overlap(a, b) -> bool:
    return (a[0] < b[0] + b[2] - 1 and b[0] < a[0] + a[2] - 1
            and a[1] < b[1] + b[3] - 1 and b[1] < a[1] + a[3] - 1)


@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize("size", VIEWPORTS, ids=[f"{w}x{h}" for w, h in VIEWPORTS])
def test_the_play_and_its_controls_fit_the_screen(servers, browser, theme, size) -> None:
    """On a fresh tab, without scrolling: field, curve (with its axis title) and the Play
    bar inside the viewport and apart; the sidebar collapsed under ~1100 px; scrolled to,
    the list shows P(man) and hit/miss without a horizontal scroll."""
    w, h = size
    page = browser.new_page(viewport={"width": w, "height": h})
    try:
        page.goto(f"{servers[theme]}/Play_explorer", wait_until="domcontentloaded")
        page.wait_for_function(_PLAYER_DRAWN, timeout=60_000)
        page.wait_for_function(_IDLE, timeout=60_000)
        page.locator("[data-testid='stDataFrame']").first.wait_for(timeout=60_000)
        page.wait_for_timeout(1200)  # the player's resize to its frame's width
        boxes = page.evaluate(_BOXES)
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"viewport_{w}x{h}_{theme}.png"))
        print(f"\n{w}x{h} {theme}: {json.dumps(boxes)}")
        assert boxes["sidebar_open"] == (w >= NARROW), boxes
        for name in ("field", "curve", "curve_title", "bar", "play"):
            assert boxes[name] is not None, name
            assert _inside(boxes[name], w, h), (name, boxes[name], size)
        parts = ["field", "curve", "curve_title", "bar"]
        for i, a in enumerate(parts):
            for b in parts[i + 1:]:
                if {a, b} != {"curve", "curve_title"}:
                    assert not _overlap(boxes[a], boxes[b]), (a, boxes[a], b, boxes[b])
        if boxes["sidebar"]:
            for name in parts:
                assert not _overlap(boxes[name], boxes["sidebar"]), (name, boxes["sidebar"])
        assert boxes["field"][2] >= 0.3 * w, boxes["field"]  # a field, not a thumbnail

        grid = page.locator("[data-testid='stDataFrame']").first
        grid.scroll_into_view_if_needed()
        page.wait_for_timeout(400)
        cols = page.evaluate(_COLUMNS)
        print(f"{w}x{h} {theme} list: {json.dumps(cols)}")
        assert _inside(cols["grid"][:2] + [cols["grid"][2], 1], w, h), cols["grid"]
        heads = cols["heads"]
        key = [i for i, t in enumerate(heads) if t.startswith(("P(man) at snap", "hit/miss"))]
        # glide draws the grid on a canvas; its accessible table lists the columns it drew,
        # in order: the key columns right after game and play (behind the narrow mark of the
        # play on screen), at their "medium" 200 px, fit in front of any horizontal scroll on
        # every grid at least 600 px wide
        assert heads[:3] == ["▶", "game", "play"] and key == [3, 4], heads
        assert cols["grid"][2] >= 600 and cols["grid"][0] + cols["grid"][2] <= w, cols
        if cols["scroller"]:
            assert page.evaluate(_SCROLL_LEFT) == 0
    finally:
        page.close()


_SCROLL_LEFT = ("document.querySelector(\"[data-testid='stDataFrame'] .dvn-scroller\")"
                ".scrollLeft")


# the curve's text and lines as drawn (colour and every opacity above it, blended onto the
# curve's background) and that background, as #rrggbb
_CHART_COLOURS = """() => {
  const f = document.querySelector('.st-key-play_figure iframe');
  const d = f.contentDocument, w = f.contentWindow, gd = d.getElementById('plot');
  const probe = d.createElement('span'); d.body.appendChild(probe);
  const rgba = (c) => { probe.style.color = ''; probe.style.color = c || 'transparent';
    const v = w.getComputedStyle(probe).color.match(/[\\d.]+/g).map(Number);
    return [v[0], v[1], v[2], v.length > 3 ? v[3] : 1]; };
  const over = (c, a, bg) => [0, 1, 2].map(i => c[i] * a + bg[i] * (1 - a));
  const hex = (c) => '#' + c.map(v => Math.round(v).toString(16).padStart(2, '0')).join('');
  let bg = rgba(getComputedStyle(document.querySelector('.stApp')).backgroundColor);
  for (const c of [gd._fullLayout.paper_bgcolor, gd._fullLayout.plot_bgcolor]) {
    const p = rgba(c); bg = over(p, p[3], bg); }
  const alpha = (e, own) => { let a = own; for (let n = e; n && n.nodeType === 1; n = n.parentNode)
    a *= +(w.getComputedStyle(n).opacity || 1); return a; };
  const field = d.querySelector(".nsewdrag[data-subplot='xy']").getBoundingClientRect();
  const offField = (e) => { const r = e.getBoundingClientRect(); return r.width + r.height > 0
    && (r.right <= field.left || r.left >= field.right || r.bottom <= field.top
        || r.top >= field.bottom); };
  const out = [];
  const texts = d.querySelectorAll('.x2tick text, .y2tick text, .g-x2title text, .g-y2title text, '
                                   + '.annotation text, .subplot.x2y2 text');
  for (const t of texts) { if (!offField(t) || !t.textContent.trim()) continue;
    const s = w.getComputedStyle(t), c = rgba(s.fill);
    out.push(['text ' + t.textContent.trim().slice(0, 24),
              hex(over(c, alpha(t, c[3] * +(s.fillOpacity || 1)), bg))]); }
  const lines = d.querySelectorAll('.subplot.x2y2 .scatterlayer path.js-line, .shapelayer path');
  for (const p of lines) { const s = w.getComputedStyle(p);
    if (!s.stroke || s.stroke === 'none' || !(parseFloat(s.strokeWidth) > 0)
        || !offField(p)) continue;
    const c = rgba(s.stroke);
    if (c[3] === 0) continue;
    const name = p.closest('.trace') ? 'curve line' : 'reference line';
    out.push([name, hex(over(c, alpha(p, c[3] * +(s.strokeOpacity || 1)), bg))]); }
  probe.remove();
  return { bg: hex(bg), items: out };
}"""


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_the_curves_text_and_lines_read_on_their_background(servers, browser, theme) -> None:
    """WCAG 3:1 for the curve's tick labels, titles, tags, model lines and reference lines
    against the curve's background, as the browser draws them (faded lines included)."""
    from coverage.views.palette import contrast_ratio

    page = browser.new_page(viewport={"width": 1366, "height": 657})
    try:
        page.goto(f"{servers[theme]}/Play_explorer", wait_until="domcontentloaded")
        page.wait_for_function(_PLAYER_DRAWN, timeout=60_000)
        page.wait_for_function(_IDLE, timeout=60_000)
        page.wait_for_timeout(800)
        drawn = page.evaluate(_CHART_COLOURS)
        ratios = [(name, c, round(contrast_ratio(c, drawn["bg"]), 2))
                  for name, c in drawn["items"]]
        print(f"\n{theme} on {drawn['bg']}: {ratios}")
        assert len([r for r in ratios if r[0].startswith("text")]) >= 5, ratios
        assert any(r[0] == "curve line" for r in ratios), ratios
        low = [r for r in ratios if r[2] < 3.0]
        assert not low, (drawn["bg"], low)
    finally:
        page.close()


_SIDEBAR_OPEN = """() => { const s = document.querySelector("[data-testid='stSidebar']");
  const r = s && s.getBoundingClientRect();
  return !!r && r.width > 50 && r.x + r.width > 50; }"""
_PAGE_DONE = f"!!document.querySelector(\"[data-testid='stMain'] h1\") && {_IDLE}"


def _sidebar_settles(page, is_open: bool) -> None:
    """Wait out the sidebar's slide, then for it to be open (or not): 5 s at most."""
    page.wait_for_timeout(800)
    page.wait_for_function(f"({_SIDEBAR_OPEN})() === {str(is_open).lower()}", timeout=5_000)


def test_every_page_moves_the_sidebar_out_of_the_way_on_a_narrow_screen(servers,
                                                                        browser) -> None:
    """Not only the explorer: a tab's first page at 1024x768 (Accuracy) opens with the
    sidebar closed, at 1366 it stays open; opened again by hand, it stays open on the next
    page of that tab (once per tab: the analyst's choice stands)."""
    wide = browser.new_page(viewport={"width": 1366, "height": 657})
    narrow = browser.new_page(viewport={"width": 1024, "height": 768})
    try:
        for page, is_open in ((wide, True), (narrow, False)):
            page.goto(f"{servers['light']}/Accuracy", wait_until="domcontentloaded")
            page.wait_for_function(_PAGE_DONE, timeout=60_000)
            _sidebar_settles(page, is_open)
        narrow.locator("[data-testid='stExpandSidebarButton']").click()
        _sidebar_settles(narrow, True)
        narrow.goto(f"{servers['light']}/", wait_until="domcontentloaded")  # Overview
        narrow.wait_for_function(_PAGE_DONE, timeout=60_000)
        _sidebar_settles(narrow, True)
    finally:
        wide.close()
        narrow.close()
