"""The explorer's first load in a real browser: what is drawn stays where it was drawn.

At 1024x768 the sidebar used to be closed by a slide after the page had been drawn beside
it: the player's frame went 258 -> 234 -> 210 px down and 380 -> 80 px across within
0.4 s, and the synthetic-data banner re-wrapped at each width. Here a fresh tab of each
viewport analysts use, light and dark, records the player frame's and the banner's boxes
at every animation frame (and Chromium's own ``layout-shift`` entries) from the first
paint until the page settles.

The page's title and banner sit in a 1 px head box that the page's style (sent with
Streamlit's lazily loaded ``st.html``) opens, so they are not seen at Streamlit's default
padding first. The banner is held still from the moment the page's layout is decided (the
sidebar closed or kept, the app's style applied, the text face loaded), and the player's
frame from its first paint.
"""

from __future__ import annotations

import json

import pytest

from coverage.app.layout import NARROW_PX, STORAGE_KEY
from tests.builders.server import chromium, light_and_dark_servers, require_chromium
from tests.test_browser_viewports import VIEWPORTS, _env

pytestmark = [pytest.mark.browser, pytest.mark.slow]
TOLERANCE_PX = 2

# every animation frame: the frame's and the banner's boxes, whether the layout is decided
_RECORD = f"""
window.__shifts = []; window.__boxes = [];
try {{ new PerformanceObserver((l) => {{ for (const e of l.getEntries())
    window.__shifts.push([Math.round(e.startTime), e.value]); }})
  .observe({{type: 'layout-shift', buffered: true}}); }} catch (e) {{}}
(function poll() {{
  const box = (e) => {{ if (!e) return null; const r = e.getBoundingClientRect();
    return r.width + r.height > 0 ? [r.x, r.y, r.width, r.height] : null; }};
  let decided = false;
  try {{ decided = innerWidth >= {NARROW_PX} || !!sessionStorage.getItem("{STORAGE_KEY}"); }}
  catch (e) {{}}
  const c = document.querySelector("[data-testid='stMainBlockContainer']");
  const styled = !!c && parseFloat(getComputedStyle(c).paddingTop) < 60;  // compact page
  let font = false;
  for (const f of document.fonts)  // Streamlit's text face, there once it has loaded
    if (f.family.replace(/"/g, '') === 'Source Sans' && f.style === 'normal'
        && f.status === 'loaded') font = true;
  const side = document.querySelector("[data-testid='stSidebar']");
  const sr = side && side.getBoundingClientRect();
  window.__boxes.push({{t: Math.round(performance.now()), decided: decided && styled && font,
    font: font, side_open: !!sr && sr.width > 50 && sr.x + sr.width > 50,
    frame: box(document.querySelector('.st-key-play_figure iframe')),
    banner: box(document.querySelector("[data-testid='stMain'] [data-testid='stAlert']"))}});
  requestAnimationFrame(poll);
}})();
"""
_SETTLED = """() => { const f = document.querySelector('.st-key-play_figure iframe');
  const b = f && f.contentDocument && f.contentDocument.body;
  return !!(b && b.dataset.renders)
    && !document.querySelector('[data-testid="stStatusWidget"]'); }"""
_IDLE = "!document.querySelector('[data-testid=\"stStatusWidget\"]')"
_PAGE_DONE = f"!!document.querySelector(\"[data-testid='stMain'] h1\") && {_IDLE}"


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    require_chromium()
    env = _env(tmp_path_factory.getbasetemp())
    with light_and_dark_servers(env, tmp_path_factory.mktemp("servers")) as servers:
        yield servers


@pytest.fixture(scope="module")
def browser(servers):
    """Chromium, after one visit to each server: its caches warm, as an analyst's second
    visitor (or anyone after `make app`'s warm-up) finds it. A cold server's first page
    waits so long for Streamlit's web font that the text is drawn, then redrawn, in it."""
    with chromium() as b:
        for url in servers.values():
            context = b.new_context(viewport={"width": 1366, "height": 657})
            page = context.new_page()
            page.goto(f"{url}/Play_explorer", wait_until="domcontentloaded")
            page.wait_for_function(_SETTLED, timeout=90_000)
            context.close()
        yield b


def _plays_shown(page) -> int:
    text = page.locator("[data-testid='stMetric']").filter(has_text="Plays shown").first \
        .inner_text()
    return int([ln.strip() for ln in text.split("\n") if ln.strip()][1].replace(",", ""))


def _moves(boxes: list[dict], name: str, since) -> list[tuple]:
    """Each change of ``name``'s x, y or width beyond the tolerance after ``since(box)``
    first holds (its height may grow: what is below it moves, not what it drew)."""
    first, out = None, []
    for b in boxes:
        if b[name] is None or not since(b):
            continue
        if first is None:
            first = b
            continue
        d = [abs(b[name][i] - first[name][i]) for i in range(3)]
        if max(d) > TOLERANCE_PX:
            out.append((first["t"], [round(v) for v in first[name]], b["t"],
                        [round(v) for v in b[name]]))
    return out


@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize("size", VIEWPORTS, ids=[f"{w}x{h}" for w, h in VIEWPORTS])
def test_nothing_drawn_moves_while_the_explorer_loads(servers, browser, theme, size) -> None:
    w, h = size
    context = browser.new_context(viewport={"width": w, "height": h})
    context.add_init_script(_RECORD)
    page = context.new_page()
    try:
        page.goto(f"{servers[theme]}/Play_explorer", wait_until="domcontentloaded")
        page.wait_for_function(_SETTLED, timeout=60_000)
        page.wait_for_timeout(1500)  # the player's own resize, the list, the late scripts
        boxes = page.evaluate("window.__boxes")
        shifts = page.evaluate("window.__shifts")
        trace = [(b["t"], b["decided"], b["font"], b["frame"] and [round(v) for v in b["frame"]],
                  b["banner"] and [round(v) for v in b["banner"]]) for b in boxes]
        changes = [t for i, t in enumerate(trace) if i == 0 or t[1:] != trace[i - 1][1:]]
        print(f"\n{w}x{h} {theme}: CLS {sum(v for _, v in shifts):.3f}; {json.dumps(changes)}")
        assert any(b["frame"] for b in boxes) and any(b["banner"] for b in boxes), trace[-1]
        assert boxes[-1]["decided"], trace[-1]
        frame = _moves(boxes, "frame", lambda b: True)
        banner = _moves(boxes, "banner", lambda b: b["decided"])
        assert not frame, ("player frame moved", frame[:4])
        assert not banner, ("banner moved", banner[:4])
    finally:
        context.close()


def test_the_sidebar_opened_on_a_narrow_screen_lies_over_the_page(servers, browser) -> None:
    """At 1024 px the analyst's own toggle still opens the sidebar, its filters at hand (one
    picked from the bottom of it narrows the list); the page under it keeps its width and
    place, opened and closed again."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    context = browser.new_context(viewport={"width": 1024, "height": 768})
    page = context.new_page()
    frame_box = """() => { const r = document.querySelector('.st-key-play_figure iframe')
      .getBoundingClientRect(); return [r.x, r.y, r.width]; }"""
    side_open = """() => { const r = document.querySelector("[data-testid='stSidebar']")
      .getBoundingClientRect(); return r.width > 50 && r.x + r.width > 50; }"""
    try:
        page.goto(f"{servers['light']}/Play_explorer", wait_until="domcontentloaded")
        page.wait_for_function(_SETTLED, timeout=60_000)
        page.wait_for_timeout(800)
        assert not page.evaluate(side_open)
        before = page.evaluate(frame_box)
        page.locator("[data-testid='stExpandSidebarButton']").click()
        page.wait_for_function(side_open, timeout=5_000)
        page.wait_for_timeout(500)  # the slide
        sidebar = page.locator("[data-testid='stSidebar']")
        sidebar.get_by_text("Filters", exact=True).wait_for(timeout=10_000)
        opened = page.evaluate(frame_box)
        page.wait_for_function(_IDLE, timeout=30_000)
        total = _plays_shown(page)
        field = sidebar.locator("[data-testid='stMultiSelect']").last  # scrolled to
        option = page.locator("[role='option']:not([data-key='__select_all__'])").first
        for attempt in range(3):  # a rerun landing on a click closes the list it opened
            field.click()
            try:
                option.wait_for(timeout=5_000)
                option.click(timeout=5_000)
                break
            except PlaywrightTimeout:
                if attempt == 2:
                    raise
                page.keyboard.press("Escape")
        page.keyboard.press("Escape")
        page.wait_for_function(f"""() => {{ const m = [...document.querySelectorAll(
            "[data-testid='stMetric']")].find(e => e.innerText.includes('Plays shown'));
            return m && !m.innerText.includes('{total}\\n'); }}""", timeout=30_000)
        assert 0 < _plays_shown(page) < total  # the filter, used over the page, applies
        page.locator("[data-testid='stSidebar'] button[aria-label='Collapse sidebar']").click()
        page.wait_for_timeout(600)
        assert not page.evaluate(side_open)
        closed = page.evaluate(frame_box)
        for box in (opened, closed):
            moved = max(abs(a - b) for a, b in zip(box, before, strict=True))
            assert moved <= TOLERANCE_PX, (before, box)
    finally:
        context.close()


def test_a_later_tab_of_a_narrow_browser_never_draws_the_sidebar_open(servers, browser) -> None:
    """Streamlit keeps the first close in its own localStorage entry: the next tab at
    1024 px starts with the sidebar closed, so nothing is ever laid out beside it."""
    context = browser.new_context(viewport={"width": 1024, "height": 768})
    context.add_init_script(_RECORD)
    try:
        first = context.new_page()
        first.goto(f"{servers['light']}/Play_explorer", wait_until="domcontentloaded")
        first.wait_for_function(_SETTLED, timeout=60_000)
        first.wait_for_timeout(500)
        assert not first.evaluate("window.__boxes")[-1]["side_open"]
        later = context.new_page()
        later.goto(f"{servers['light']}/Accuracy", wait_until="domcontentloaded")
        later.wait_for_function(_PAGE_DONE, timeout=60_000)
        later.wait_for_timeout(800)
        boxes = later.evaluate("window.__boxes")
        assert not any(b["side_open"] for b in boxes), [b["t"] for b in boxes if b["side_open"]]
        xs = {round(b["banner"][0]) for b in boxes if b["banner"]}
        assert len(xs) == 1, xs  # the banner drawn at the page's full width from the start
    finally:
        context.close()


def test_a_window_narrowed_under_the_threshold_closes_the_open_sidebar(servers,
                                                                      browser) -> None:
    """Opened at 1366 px (sidebar open beside the page), narrowed to 1024 px: the sidebar
    gets out of the way there too, instead of lying over the field."""
    context = browser.new_context(viewport={"width": 1366, "height": 657})
    page = context.new_page()
    is_open = """() => { const r = document.querySelector("[data-testid='stSidebar']")
      .getBoundingClientRect(); return r.width > 50 && r.x + r.width > 50; }"""
    try:
        page.goto(f"{servers['light']}/Play_explorer", wait_until="domcontentloaded")
        page.wait_for_function(_SETTLED, timeout=60_000)
        page.wait_for_timeout(500)
        assert page.evaluate(is_open)
        page.set_viewport_size({"width": 1024, "height": 768})
        page.wait_for_function(f"!({is_open})()", timeout=5_000)
        page.set_viewport_size({"width": 1366, "height": 657})  # widened: the choice stands
        page.wait_for_timeout(500)
        assert not page.evaluate(is_open)
    finally:
        context.close()
