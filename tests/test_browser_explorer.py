"""The explorer's state in a real browser, where only a browser shows it drifting: a click
anywhere on a row of the list, the frame kept across Explain, zoom and page visits, and
fast j / k presses each counted.

Starts ``streamlit run app.py`` against the small test store and drives Debian's headless
Chromium through Playwright, as tests/test_browser.py does.
"""

from __future__ import annotations

import os
import time

import pytest

from tests.builders.server import chromium, require_chromium, streamlit_server
from tests.builders.stores import build_app_stores, build_explain_models

pytestmark = [pytest.mark.browser, pytest.mark.slow]
PLAYER = ".st-key-play_figure iframe"
_PLAYER_DRAWN = """() => { const f = document.querySelector('.st-key-play_figure iframe');
  const b = f && f.contentDocument && f.contentDocument.body;
  return !!(b && b.dataset.renders && f.contentDocument.querySelector('.main-svg')); }"""
# how long a condition may take to come true: generous, since a 2-core machine running
# other tests beside the server can take tens of seconds for one rerun
_WAIT = 90_000
_IDLE = "!document.querySelector('[data-testid=\"stStatusWidget\"]')"
_URL_PLAY = ("(() => { const q = new URLSearchParams(location.search);"
             " return q.get('game') + '-' + q.get('play'); })()")
# the player's frame may be between documents (no body yet) when a rerun replaces it
_ON_SCREEN = ("(() => { const f = document.querySelector('.st-key-play_figure iframe');"
              " const b = f && f.contentDocument && f.contentDocument.body;"
              " return b ? b.dataset.play : null; })()")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    require_chromium()
    base = tmp_path_factory.getbasetemp()
    stores = build_app_stores(base / "app_stores")
    explain = build_explain_models(stores["preds"], base / "explain_models")
    env = {**os.environ, "COVERAGE_DATA": str(explain / "store"),
           "COVERAGE_DATA_DIR": str(stores["data_dir"]), "COVERAGE_MODELS_DIR": str(explain)}
    with streamlit_server(env, tmp_path_factory.mktemp("streamlit") / "server.log") as url:
        yield url


@pytest.fixture(scope="module")
def browser(server):
    with chromium() as b:
        yield b


def _idle(page) -> None:
    page.wait_for_function(_PLAYER_DRAWN, timeout=_WAIT)
    page.wait_for_function(_IDLE, timeout=_WAIT)
    page.wait_for_timeout(600)


def _open(browser, url: str, height: int = 1100):
    page = browser.new_page(viewport={"width": 1440, "height": height})
    page.goto(url, wait_until="domcontentloaded")
    _idle(page)
    page.locator("[data-testid='stDataFrame']").first.wait_for(timeout=_WAIT)
    return page


def _player(page, expr: str):
    return page.frame_locator(PLAYER).locator("body").evaluate(f"() => {expr}")


def _grid_rows(page) -> list[str]:
    """The list's rows as the grid's accessible table reports them: 'game|play|…' per row,
    with a '*' for the row its mark column marks as the play on screen."""
    return page.evaluate("""() => {
      const t = document.querySelector("[data-testid='stDataFrame'] table[role='grid']");
      if (!t) return [];
      return [...t.querySelectorAll('tbody tr')].map(tr => {
        const cells = [...tr.querySelectorAll('td')].map(td => td.innerText.trim());
        const mark = cells.shift();
        return (mark === '\u25b6' ? '*' : '') + cells.join('|');
      });
    }""")


def _marked(page) -> list[str]:
    return [r[1:].split("|")[0] + "-" + r[1:].split("|")[1] for r in _grid_rows(page)
            if r.startswith("*")]


def _listed(page) -> list[str]:
    return [r.lstrip("*").split("|")[0] + "-" + r.lstrip("*").split("|")[1]
            for r in _grid_rows(page)]


def _wait_marked(page, play: str) -> None:
    """Wait (up to 10 s) for the list to mark ``play`` alone, then check it."""
    deadline = time.monotonic() + 10
    while _marked(page) != [play] and time.monotonic() < deadline:
        page.wait_for_timeout(200)
    assert _marked(page) == [play]


def test_a_click_anywhere_on_a_row_opens_its_play_and_the_list_marks_it(server,
                                                                       browser) -> None:
    """A click on a row's cells (not only its tick box) opens that play; the list's mark
    is on the play on screen after the click, after ▶ and after the picker."""
    page = _open(browser, f"{server}/Play_explorer?family=Zone")
    try:
        grid = page.locator("[data-testid='stDataFrame']").first
        grid.scroll_into_view_if_needed()
        page.wait_for_function("document.querySelectorAll(\"[data-testid='stDataFrame'] "
                               "table[role='grid'] tbody tr\").length > 4", timeout=_WAIT)
        rows = _listed(page)
        first = page.evaluate(_URL_PLAY)
        assert rows[0] == first and _marked(page) == [first]
        box = grid.bounding_box()
        # a cell in the middle of the third row (header ~35 px, rows ~35 px)
        t0 = time.perf_counter()
        page.mouse.click(box["x"] + 420, box["y"] + 35 + 2 * 35 + 17)
        page.wait_for_function(f"{_URL_PLAY} === {rows[2]!r} && {_ON_SCREEN} === {rows[2]!r}",
                               timeout=_WAIT)
        print(f"row click -> play drawn: {(time.perf_counter() - t0) * 1000:.0f} ms")
        _idle(page)
        _wait_marked(page, rows[2])
        page.locator(".st-key-next_play button").first.click()
        page.wait_for_function(f"{_URL_PLAY} === {rows[3]!r}", timeout=_WAIT)
        page.wait_for_function(f"{_ON_SCREEN} === {rows[3]!r}", timeout=_WAIT)
        _idle(page)
        _wait_marked(page, rows[3])  # ▶ moved the list's mark too
        # a click on the marked row's tick box keeps that play (no play lost to an un-tick)
        page.mouse.click(box["x"] + 14, box["y"] + 35 + 3 * 35 + 17)
        _idle(page)
        _wait_marked(page, rows[3])
        assert page.evaluate(_URL_PLAY) == rows[3]
    finally:
        page.close()



_FRAME = """JSON.stringify((() => {
  const d = document.getElementById('plot').data;
  const text = (n) => { const t = d.find(t => t.name === n); return t ? String(t.text) : ''; };
  const now = d.find(t => t.name === 'now');
  return { slider: +document.querySelector('#slider').value,
           label: document.querySelector('#label').innerText, clock: text('clock'),
           now: now ? now.x[0] : null, play: document.body.dataset.play };
})())"""


def _frame(page) -> dict:
    """What the player shows as the frame: slider, label, the field's clock and the curve's
    'now' line; asserting they agree (one frame on screen, not three)."""
    import json

    state = json.loads(_player(page, _FRAME))
    secs = float(state["label"].split(" s")[0])
    assert state["now"] is not None and abs(state["now"] - secs) < 1e-6, state
    assert f"{abs(secs):.1f} s" in state["clock"], state
    return state


def _seek(page, index: int) -> None:
    page.frame_locator(PLAYER).locator("#slider").evaluate(
        f"s => {{ s.value = {index}; s.dispatchEvent(new Event('input')); }}")


def test_explain_zoom_and_page_visits_keep_the_frame(server, browser) -> None:
    """Paused before the snap, the frame stays the same (slider, curve and field together)
    when Explain is switched on and off, when the field zooms to the box, and after a visit
    to another page and back."""
    page = _open(browser, f"{server}/Play_explorer", height=1400)
    try:
        _seek(page, 20)
        paused = _frame(page)
        assert paused["slider"] == 20 and paused["label"].startswith("-")
        for step in ("explain on", "zoom", "explain off"):
            renders = int(page.frame_locator(PLAYER).locator("body").get_attribute("data-renders"))
            if step.startswith("explain"):
                page.get_by_text("Explain", exact=True).first.click()
            else:
                page.locator("[data-testid='stSidebar']").get_by_text("Zoom to the box").click()
            page.wait_for_function(
                f"() => {{ const f = document.querySelector({PLAYER!r});"
                " const b = f && f.contentDocument && f.contentDocument.body;"
                f" return !!b && +b.dataset.renders > {renders}; }}",
                timeout=_WAIT)
            _idle(page)
            assert _frame(page) == paused, step
        assert "frame=" in page.url  # the link still opens on that moment
        page.get_by_role("link", name="Accuracy").first.click()
        page.wait_for_function("!document.querySelector('.st-key-play_figure iframe')",
                               timeout=_WAIT)
        page.wait_for_function(_IDLE, timeout=_WAIT)
        page.get_by_role("link", name="Play explorer").first.click()
        _idle(page)
        assert _frame(page) == paused  # back on the same play at the same moment
    finally:
        page.close()


def _six_plays_forward(page) -> list[str]:
    """The play after each of six j presses, one at a time (each waited for)."""
    page.wait_for_function("document.__coverageKeys === true", timeout=_WAIT)
    page.evaluate("document.activeElement && document.activeElement.blur()")
    seen = [page.evaluate(_URL_PLAY)]
    for _ in range(6):
        page.keyboard.press("j")
        page.wait_for_function(f"{_URL_PLAY} !== {seen[-1]!r}", timeout=_WAIT)
        _idle(page)
        seen.append(page.evaluate(_URL_PLAY))
    return seen


def test_j_presses_one_at_a_time_each_move_one_play(server, browser) -> None:
    page = _open(browser, f"{server}/Play_explorer")
    try:
        seen = _six_plays_forward(page)
        assert len(set(seen)) == 7, seen
    finally:
        page.close()


def test_fast_j_and_k_presses_each_move_one_play(server, browser) -> None:
    """Six presses 80 ms apart move exactly six plays, either way."""
    page = _open(browser, f"{server}/Play_explorer")
    try:
        seen = _six_plays_forward(page)
        start = seen[0]
        for key, target in (("k", start), ("j", seen[-1])):
            for _ in range(6):
                page.keyboard.press(key)
                page.wait_for_timeout(80)
            page.wait_for_function(f"{_URL_PLAY} === {target!r} && {_ON_SCREEN} === {target!r}",
                                   timeout=_WAIT)
            _idle(page)
            assert page.evaluate(_URL_PLAY) == target, key
            assert target in page.locator(".st-key-play_pick input").first.input_value()
    finally:
        page.close()
