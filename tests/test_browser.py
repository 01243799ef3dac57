"""The real app in a real browser: every page renders its charts with no exception.

Starts ``streamlit run app.py`` against the small test store and drives Debian's
headless Chromium through Playwright (never ``playwright install``: the system
browser is used). Screenshots go to test-artifacts/ for a human look.
"""

from __future__ import annotations

import os

import pytest

from tests.builders.server import REPO, chromium, require_chromium, streamlit_server
from tests.builders.stores import build_app_stores, build_explain_models

pytestmark = [pytest.mark.browser, pytest.mark.slow]
ARTIFACTS = REPO / "test-artifacts"
# url path -> (screenshot name, charts expected)
# (the explorer's play is drawn by the play player, in its own frame: see _player_ready)
PAGES = {"": ("home", 1), "Play_explorer": ("play_explorer", 0), "Accuracy": ("accuracy", 3),
         "Teams": ("teams", 2), "Model": ("model", 0), "Scouting": ("scouting", 0)}
PLAYER = ".st-key-play_figure iframe"
# the play player (coverage/app/play_player.py) has drawn a play: its render counter is set
_PLAYER_DRAWN = """() => { const f = document.querySelector('.st-key-play_figure iframe');
  const b = f && f.contentDocument && f.contentDocument.body;
  return !!(b && b.dataset.renders && f.contentDocument.querySelector('.main-svg')); }"""


@pytest.fixture(scope="module")
def app_env(tmp_path_factory) -> dict[str, str]:
    require_chromium()
    stores = build_app_stores(tmp_path_factory.getbasetemp() / "app_stores")
    explain = build_explain_models(stores["preds"],
                                   tmp_path_factory.getbasetemp() / "explain_models")
    # the explain store has ordinary predictions plus the family model's tables
    return {**os.environ, "COVERAGE_DATA": str(explain / "store"),
            "COVERAGE_DATA_DIR": str(stores["data_dir"]),
            "COVERAGE_MODELS_DIR": str(explain)}


@pytest.fixture(scope="module")
def server(app_env, tmp_path_factory):
    with streamlit_server(app_env, tmp_path_factory.mktemp("streamlit") / "server.log") as url:
        yield url


@pytest.fixture(scope="module")
def dark_server(app_env, tmp_path_factory):
    with streamlit_server(app_env, tmp_path_factory.mktemp("streamlit_dark") / "server.log",
                          server_args=("--theme.base", "dark")) as url:
        yield url


@pytest.fixture(scope="module")
def browser(server):
    with chromium() as b:
        yield b


@pytest.mark.parametrize("path", list(PAGES))
def test_page_renders_in_chromium(server, browser, path) -> None:
    name, n_charts = PAGES[path]
    page = browser.new_page(viewport={"width": 1500, "height": 2400})
    try:
        page.goto(f"{server}/{path}", wait_until="domcontentloaded")
        page.wait_for_selector("[data-testid='stAppViewContainer']", timeout=30_000)
        if path == "Play_explorer":
            page.wait_for_function(_PLAYER_DRAWN, timeout=60_000)
        elif path == "Scouting":  # the report is its own HTML document, in a frame
            page.wait_for_function(
                "[...document.querySelectorAll('iframe')].some(f => f.contentDocument"
                " && f.contentDocument.querySelector('svg'))", timeout=60_000)
        elif n_charts:
            page.wait_for_function(
                f"document.querySelectorAll('.js-plotly-plot').length >= {n_charts}",
                timeout=60_000)
        else:
            page.wait_for_selector("[data-testid='stDataFrame']", timeout=30_000)
        # let the script finish (no "running" indicator) before judging the page
        page.wait_for_function(
            "!document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=30_000)
        page.wait_for_timeout(800)
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
        body = page.inner_text("body")
        assert page.locator("[data-testid='stException']").count() == 0, body[:2000]
        assert "Traceback" not in body
        assert "Synthetic data" in body
    finally:
        page.close()


def test_explain_toggle_in_chromium(server, browser) -> None:
    """Switching Explain on re-renders the play with tells and family probabilities."""
    page = browser.new_page(viewport={"width": 1500, "height": 2400})
    try:
        page.goto(f"{server}/Play_explorer", wait_until="domcontentloaded")
        page.wait_for_function(_PLAYER_DRAWN, timeout=60_000)
        renders = _renders(page)
        page.get_by_text("Explain", exact=True).first.click()
        page.wait_for_function("document.body.innerText.includes('Tells')", timeout=60_000)
        page.wait_for_function(
            "!document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=60_000)
        page.wait_for_timeout(800)
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "play_explorer_explain.png"), full_page=True)
        body = page.inner_text("body")
        assert page.locator("[data-testid='stException']").count() == 0, body[:2000]
        assert "Coverage family" in body and "Traceback" not in body
        assert _renders(page) > renders  # the play was redrawn with the explanation
    finally:
        page.close()


def _renders(page) -> int:
    return int(page.frame_locator(PLAYER).locator("body").get_attribute("data-renders") or 0)


def _idle(page) -> None:
    page.wait_for_function("document.querySelectorAll('.js-plotly-plot').length >= 1 || "
                           f"({_PLAYER_DRAWN})()", timeout=60_000)
    page.wait_for_function(
        "!document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=60_000)
    page.wait_for_timeout(600)


def _plays_shown(page) -> int:
    text = page.locator("[data-testid='stMetric']").filter(has_text="Plays shown").first \
        .inner_text()
    lines = [ln.strip() for ln in text.split("\n") if ln.strip()]
    return int(lines[1].replace(",", ""))


def test_a_link_reload_and_page_visits_keep_the_view(server, browser) -> None:
    """The URL carries filters and play; a reload, a shared link and a visit to another
    page bring back the same filtered list and the same play."""
    page = browser.new_page(viewport={"width": 1440, "height": 900})
    try:
        page.goto(f"{server}/Play_explorer", wait_until="domcontentloaded")
        _idle(page)
        total = _plays_shown(page)
        page.goto(f"{server}/Play_explorer?family=Man", wait_until="domcontentloaded")
        _idle(page)
        n_man = _plays_shown(page)
        assert 0 < n_man < total
        page.wait_for_function("location.search.includes('game=')", timeout=30_000)
        assert "family=Man" in page.url
        link = page.url
        page.get_by_role("link", name="Accuracy").first.click()
        _idle(page)
        page.get_by_role("link", name="Play explorer").first.click()
        _idle(page)
        assert _plays_shown(page) == n_man  # the filter survived the other page
        # ... and is back in the URL (written by the run, which may land after the figure)
        page.wait_for_function("location.search.includes('family=Man')", timeout=30_000)
        page.reload(wait_until="domcontentloaded")
        _idle(page)
        assert _plays_shown(page) == n_man  # and a reload
        other = browser.new_page(viewport={"width": 1440, "height": 900})
        try:
            other.goto(link, wait_until="domcontentloaded")  # a shared link, new session
            _idle(other)
            assert _plays_shown(other) == n_man
            game = link.split("game=")[1].split("&")[0]
            other.wait_for_function(f"location.search.includes('game={game}')",
                                    timeout=30_000)
        finally:
            other.close()
    finally:
        page.close()


def test_the_field_is_in_view_on_a_laptop_screen(server, browser) -> None:
    """At 1366x768 the play figure starts high enough that field, curve and the Play button
    need no scroll: the plot is only as tall as the field needs."""
    page = browser.new_page(viewport={"width": 1366, "height": 768})
    try:
        page.goto(f"{server}/Play_explorer", wait_until="domcontentloaded")
        _idle(page)
        frame = page.locator(PLAYER).bounding_box()
        field = page.frame_locator(PLAYER).locator(".draglayer .xy .nsewdrag").first.bounding_box()
        assert frame is not None and field is not None
        assert frame["y"] < 330, frame
        assert field["y"] + field["height"] <= 768, (frame, field)  # page coordinates
        play = page.frame_locator(PLAYER).locator("#play").bounding_box()
        assert play is not None and play["y"] + play["height"] <= 768, play  # and Play too
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "play_explorer_1366x768.png"))
    finally:
        page.close()


def test_keyboard_j_and_k_change_the_play(server, browser) -> None:
    page = browser.new_page(viewport={"width": 1440, "height": 900})
    try:
        page.goto(f"{server}/Play_explorer", wait_until="domcontentloaded")
        _idle(page)
        page.wait_for_function("location.search.includes('play=')", timeout=30_000)
        page.wait_for_function("document.__coverageKeys === true", timeout=30_000)
        play = "new URLSearchParams(location.search).get('play')"
        first = page.evaluate(play)
        page.evaluate("document.activeElement && document.activeElement.blur()")  # no widget
        page.keyboard.press("j")
        page.wait_for_function(f"{play} !== {first!r}", timeout=30_000)
        _idle(page)
        page.keyboard.press("k")
        page.wait_for_function(f"{play} === {first!r}", timeout=30_000)
    finally:
        page.close()


def _player(page, expr: str):
    """Evaluate ``expr`` inside the play player's frame."""
    return page.frame_locator(PLAYER).locator("body").evaluate(f"() => {expr}")


def test_arrow_keys_and_space_drive_the_player(server, browser) -> None:
    """← / → step one frame, space plays and pauses, from the page (no focus in the
    player) and from inside the player."""
    page = browser.new_page(viewport={"width": 1440, "height": 900})
    frame = "window.coveragePlayer.frame()"
    try:
        page.goto(f"{server}/Play_explorer", wait_until="domcontentloaded")
        _idle(page)
        page.wait_for_function("document.__coverageKeys === true", timeout=30_000)
        page.evaluate("document.activeElement && document.activeElement.blur()")
        start = _player(page, frame)
        page.keyboard.press("ArrowRight")
        page.keyboard.press("ArrowRight")
        assert _player(page, frame) == start + 2
        page.keyboard.press("ArrowLeft")
        assert _player(page, frame) == start + 1
        page.keyboard.press(" ")
        page.wait_for_timeout(600)
        assert _player(page, "window.coveragePlayer.playing()")
        page.keyboard.press(" ")
        assert not _player(page, "window.coveragePlayer.playing()")
        assert _player(page, frame) > start + 1  # it moved while playing
        # the frame joins the link, so a shared URL opens on the same moment
        at = _player(page, "document.querySelector('#slider').value")
        page.wait_for_function("new URLSearchParams(location.search).get('frame') !== null",
                               timeout=10_000)
        link = page.url
        other = browser.new_page(viewport={"width": 1440, "height": 900})
        try:
            other.goto(link, wait_until="domcontentloaded")
            _idle(other)
            assert _player(other, "document.querySelector('#slider').value") == at
        finally:
            other.close()
    finally:
        page.close()


def test_player_controls(server, browser) -> None:
    """Every frame is there (10 Hz), speed changes the pace, event buttons jump, a click on a
    player highlights him and trails draw paths."""
    page = browser.new_page(viewport={"width": 1440, "height": 900})
    try:
        page.goto(f"{server}/Play_explorer", wait_until="domcontentloaded")
        _idle(page)
        player = page.frame_locator(PLAYER)
        n = int(player.locator("body").get_attribute("data-frames"))
        assert n == int(_player(page, "window.coveragePlayer.frames()"))
        assert int(player.locator("#slider").get_attribute("max")) == n - 1
        snap = player.locator("#jumps button", has_text="snap")
        snap.click()
        label = player.locator("#label").inner_text()
        assert "snap" in label, label
        player.locator("#speed").select_option("4")
        player.locator("#slider").evaluate("s => { s.value = 0; s.dispatchEvent("
                                           "new Event('input')); }")
        player.locator("#play").click()
        page.wait_for_timeout(1000)
        moved = _player(page, "window.coveragePlayer.frame()")
        assert moved >= 20 or moved == n - 1, moved  # 4x: ~40 frames a second
        if _player(page, "window.coveragePlayer.playing()"):
            player.locator("#play").click()
        player.locator("#trails").check()
        trail = _player(page, "document.getElementById('plot').data"
                              ".find(t => t.name === 'trails').x.length")
        assert trail > 0
        # a click on a player highlights him and draws his whole path
        point = player.locator("g.trace.scatter .points path").nth(12).bounding_box()
        assert point is not None
        page.mouse.click(point["x"] + point["width"] / 2, point["y"] + point["height"] / 2)
        page.wait_for_timeout(300)
        assert player.locator("#focus").is_visible()
        assert "following" in player.locator("#focus-name").inner_text()
        path = _player(page, "document.getElementById('plot').data"
                             ".find(t => t.name === 'path').x.length")
        assert path == n
        player.locator("#focus-clear").click()
        assert not player.locator("#focus").is_visible()
    finally:
        page.close()


def _contrast(a: str, b: str) -> float:
    """WCAG contrast ratio of two CSS colours ("rgb(r, g, b)" or "#rrggbb")."""
    def lum(c: str) -> float:
        c = {"white": "#ffffff", "black": "#000000"}.get(c, c)
        if c.startswith("#"):
            vals = [int(c[i:i + 2], 16) for i in (1, 3, 5)]
        else:
            vals = [int(float(v)) for v in c[c.index("(") + 1:c.index(")")].split(",")[:3]]
        lin = [v / 255 / 12.92 if v / 255 <= 0.03928 else ((v / 255 + 0.055) / 1.055) ** 2.4
               for v in vals]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]
    hi, lo = sorted((lum(a), lum(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_dark_theme_keeps_the_play_readable(dark_server, browser) -> None:
    """On the dark theme the figure turns dark and its title, legend, axis labels and
    controls stay readable (WCAG AA contrast 4.5 against the figure's background)."""
    page = browser.new_page(viewport={"width": 1440, "height": 900})
    try:
        page.goto(f"{dark_server}/Play_explorer", wait_until="domcontentloaded")
        _idle(page)
        player = page.frame_locator(PLAYER)
        bg = _player(page, "document.getElementById('plot')._fullLayout.paper_bgcolor")
        assert _contrast(bg, "#ffffff") > 10, bg  # a dark figure, not a white block
        title = player.locator("#title-text").evaluate("e => getComputedStyle(e).color")
        badge = player.locator("#badge").evaluate("e => getComputedStyle(e).color")
        tick = _player(page, "getComputedStyle(document.querySelector('.y2tick text')).fill")
        legend = player.locator("#legend .item").first.evaluate("e => getComputedStyle(e).color")
        label = player.locator("#label").evaluate("e => getComputedStyle(e).color")
        button = player.locator("#play").evaluate("e => getComputedStyle(e).color")
        for name, color in (("title", title), ("badge", badge), ("ticks", tick), ("legend", legend),
                            ("frame label", label), ("play button", button)):
            assert _contrast(color, bg) >= 4.5, (name, color, bg)
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "play_explorer_dark.png"))
    finally:
        page.close()


@pytest.mark.parametrize("opened_at", [1024, 1440])
def test_layout_at_1024_px_has_no_overlaps(server, browser, opened_at) -> None:
    """At 1024x768 nothing is cut or overlaps: the title and legend do not cover each
    other, the play buttons show their labels, the page does not scroll sideways, the
    curve's axis labels stay off the field; also after a window narrowed to 1024 px."""
    page = browser.new_page(viewport={"width": opened_at, "height": 768})
    try:
        page.goto(f"{server}/Play_explorer", wait_until="domcontentloaded")
        _idle(page)
        if opened_at != 1024:
            page.set_viewport_size({"width": 1024, "height": 768})
            page.wait_for_timeout(1500)
        assert page.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth + 1")
        for key in ("prev_play", "next_play"):
            btn = page.locator(f".st-key-{key} button").first
            assert btn.evaluate("b => b.scrollWidth <= b.clientWidth + 1"), key
        player = page.frame_locator(PLAYER)
        field = player.locator(".draglayer .xy .nsewdrag").first.bounding_box()
        assert field is not None and field["width"] >= 300, field  # not squeezed
        title = player.locator("#title").bounding_box()
        legend = player.locator("#legend").bounding_box()
        bar = player.locator("#bar").bounding_box()
        assert title["y"] + title["height"] <= field["y"]  # title above the plot
        assert legend["y"] >= field["y"] + field["height"] - 1  # legend below it
        assert bar["y"] >= legend["y"] + legend["height"] - 1
        # the curve's "P(man)" title and tick labels stay off the field
        for label in (".g-y2title", ".yaxislayer-above .y2tick"):
            box = player.locator(label).first.bounding_box()
            assert box is not None and box["x"] >= field["x"] + field["width"], (label, box)
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"play_explorer_1024_from_{opened_at}.png"))
    finally:
        page.close()


def test_picker_table_and_player_agree_after_filters_and_clicks(server, browser) -> None:
    """A filter, a click on a row of the list, ◀ / ▶: the picker, the URL and the player
    always name the same play."""
    page = browser.new_page(viewport={"width": 1440, "height": 1100})

    def agree() -> str:
        page.wait_for_function(
            "() => { const f = document.querySelector('.st-key-play_figure iframe');"
            " const b = f && f.contentDocument && f.contentDocument.body;"
            " const q = new URLSearchParams(location.search);"
            " return b && b.dataset.play === q.get('game') + '-' + q.get('play'); }",
            timeout=30_000)
        shown = page.locator(".st-key-play_pick input").first.input_value()
        on_screen = page.frame_locator(PLAYER).locator("body").get_attribute("data-play")
        assert on_screen in shown, (on_screen, shown)
        return on_screen

    try:
        # Zone: the larger family of the test store (the third row must exist)
        page.goto(f"{server}/Play_explorer?family=Zone", wait_until="domcontentloaded")
        _idle(page)
        first = agree()
        grid = page.locator("[data-testid='stDataFrame']").first
        grid.scroll_into_view_if_needed()
        box = grid.bounding_box()
        # the row-selection column of the third row (header ~35 px, rows ~35 px)
        page.mouse.click(box["x"] + 14, box["y"] + 35 + 2 * 35 + 17)
        page.wait_for_function(
            f"() => {{ const q = new URLSearchParams(location.search);"
            f" return q.get('game') + '-' + q.get('play') !== '{first}'; }}", timeout=30_000)
        picked = agree()
        assert picked != first
        page.locator(".st-key-next_play button").first.click()
        page.wait_for_function(
            f"() => {{ const q = new URLSearchParams(location.search);"
            f" return q.get('game') + '-' + q.get('play') !== '{picked}'; }}", timeout=30_000)
        assert agree() != picked
    finally:
        page.close()


def test_next_play_is_drawn_ahead_of_the_rerun(server, browser) -> None:
    """The player fetches the next and previous play's spec while a play is watched and
    draws it as soon as ▶ / ◀ (or j / k) is pressed; the rerun that follows agrees with it
    (picker, link and player name the same play) and does not draw it a second time."""
    page = browser.new_page(viewport={"width": 1440, "height": 900})
    body = page.frame_locator(PLAYER).locator("body")
    try:
        page.goto(f"{server}/Play_explorer", wait_until="domcontentloaded")
        _idle(page)
        for selector in (".st-key-next_play button", ".st-key-prev_play button"):
            # the neighbours' specs are published by the server and fetched by the player
            page.wait_for_timeout(1500)
            early = int(body.get_attribute("data-early") or 0)
            renders = _renders(page)
            page.locator(selector).first.click()
            page.wait_for_function(
                "() => { const q = new URLSearchParams(location.search);"
                " const f = document.querySelector('.st-key-play_figure iframe');"
                " const b = f && f.contentDocument && f.contentDocument.body;"
                " return b && b.dataset.play === q.get('game') + '-' + q.get('play'); }",
                timeout=30_000)
            _idle(page)
            assert int(body.get_attribute("data-early") or 0) == early + 1, selector
            assert _renders(page) == renders + 1  # drawn once: the rerun left it alone
            on_screen = body.get_attribute("data-play")
            assert on_screen in page.locator(".st-key-play_pick input").first.input_value()
    finally:
        page.close()


def test_follow_the_ball_keeps_the_ball_in_a_fixed_window(server, browser) -> None:
    """"follow ball" (or f) zooms the field to a fixed window centred on the ball and moves
    it with the ball frame by frame; off, the view the server sent comes back."""
    page = browser.new_page(viewport={"width": 1440, "height": 900})
    player = page.frame_locator(PLAYER)
    ranges = ("(() => { const L = document.getElementById('plot')._fullLayout;"
              " return [L.xaxis.range.slice(), L.yaxis.range.slice()]; })()")
    try:
        page.goto(f"{server}/Play_explorer", wait_until="domcontentloaded")
        _idle(page)
        full_x, full_y = _player(page, ranges)
        player.locator("#follow").check()
        n = int(player.locator("body").get_attribute("data-frames"))
        seen = []
        for f in (0, n // 2, n - 1):
            player.locator("#slider").evaluate(f"s => {{ s.value = {f}; s.dispatchEvent("
                                               "new Event('input')); }")
            page.wait_for_timeout(150)
            (x0, x1), (y0, y1) = _player(page, ranges)
            bx, by = _player(page, "window.coveragePlayer.ball()")
            assert abs((y1 - y0) - 22) < 0.5, (y0, y1)  # a fixed window: 22 yards high
            assert abs((x1 - x0) - 22 * 121 / 57.8) < 1, (x0, x1)
            assert x0 <= bx <= x1 and y0 <= by <= y1, ((x0, x1), (y0, y1), (bx, by))
            seen.append(round(x0, 1))
        assert len(set(seen)) > 1, seen  # the window moved with the ball
        player.locator("#follow").uncheck()
        page.wait_for_timeout(150)
        (x0, x1), (y0, y1) = _player(page, ranges)
        assert (round(x0, 1), round(x1, 1)) == (round(full_x[0], 1), round(full_x[1], 1))
        # the key toggles it too (from the page, focus outside the player)
        page.wait_for_function("document.__coverageKeys === true", timeout=30_000)
        page.evaluate("document.activeElement && document.activeElement.blur()")
        page.keyboard.press("f")
        assert player.locator("#follow").is_checked()
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "play_explorer_follow_ball.png"))
    finally:
        page.close()


def test_the_play_is_painted_before_plotly_and_without_it(server, browser) -> None:
    """The first frame is drawn from the server's figure before plotly.js is loaded (it is
    the slow part of a first load), and stays on screen if plotly.js never comes."""
    page = browser.new_page(viewport={"width": 1366, "height": 768})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page.route("**/plotly-basic.min.js", lambda route: route.abort())
        page.goto(f"{server}/Play_explorer", wait_until="domcontentloaded")
        page.wait_for_function("""() => { const f = document.querySelector(
            '.st-key-play_figure iframe'); const b = f && f.contentDocument &&
            f.contentDocument.body; return !!(b && b.dataset.painted); }""", timeout=60_000)
        page.wait_for_timeout(1500)
        box = page.frame_locator(PLAYER).locator("#preview").bounding_box()
        assert box is not None and box["width"] > 600 and box["height"] > 300
        # the canvas has the field's grass and the players drawn on it, not a blank sheet
        colours = _player(page, """(() => { const c = document.getElementById('preview');
            const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
            const seen = new Set(); for (let i = 0; i < d.length; i += 4 * 97)
              seen.add(d[i] >> 4 << 8 | d[i + 1] >> 4 << 4 | d[i + 2] >> 4);
            return seen.size; })()""")
        assert colours > 12
        assert _player(page, "document.getElementById('title-text').textContent").strip()
        assert _player(page, "!!window.Plotly") is False
        assert _renders(page) == 0  # the interactive draw never happened
        # the player still says its play is up: the list it held back comes
        page.locator("[data-testid='stDataFrame']").wait_for(timeout=60_000)
    finally:
        page.close()
    assert errors == []
    page = browser.new_page(viewport={"width": 1366, "height": 768})
    try:
        page.goto(f"{server}/Play_explorer", wait_until="domcontentloaded")
        page.wait_for_function(_PLAYER_DRAWN, timeout=60_000)
        painted, ready = _player(page, "[+document.body.dataset.painted, "
                                       "+document.body.dataset.plotly]")
        assert painted <= ready
        assert page.frame_locator(PLAYER).locator("#preview").count() == 0  # swapped out
    finally:
        page.close()


_CANVAS_SEEN = """(() => { const c = document.getElementById('preview');
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let h = 0; for (let i = 0; i < d.length; i += 4 * 31) h = (h * 31 + d[i] + d[i + 1]) | 0;
    return h; })()"""


def test_the_sketch_plays_before_plotly_and_hands_over_the_frame(server, browser) -> None:
    """Before plotly.js has come, the sketch is a player: Play moves the frames on the
    canvas at the tracking rate, the slider and the arrow keys seek, the legend hides a
    trace; when plotly.js comes, its figure takes over on the frame on screen, still
    playing, with the hidden trace still hidden, and the Play bar has not moved."""
    page = browser.new_page(viewport={"width": 1366, "height": 768})
    held: list = []
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page.route("**/plotly-basic.min.js", lambda route: held.append(route))  # held: see below
        page.goto(f"{server}/Play_explorer", wait_until="domcontentloaded")
        page.wait_for_function("""() => { const f = document.querySelector(
            '.st-key-play_figure iframe'); const b = f && f.contentDocument &&
            f.contentDocument.body; return !!(b && b.dataset.live); }""", timeout=60_000)
        player = page.frame_locator(PLAYER)
        assert _player(page, "!!window.Plotly") is False
        n = int(player.locator("body").get_attribute("data-frames"))
        assert n > 20
        before = _player(page, _CANVAS_SEEN)
        player.locator("#slider").fill("12")  # the slider seeks: the canvas is redrawn
        assert _player(page, "window.coveragePlayer.frame()") == 12
        assert _player(page, _CANVAS_SEEN) != before
        assert player.locator("#label").inner_text().strip()
        player.locator("#play").focus()
        page.keyboard.press("ArrowRight")  # the keys step one frame
        assert _player(page, "window.coveragePlayer.frame()") == 13
        legend = player.locator("#legend .item").first
        legend.click()  # a legend item hides its trace on the sketch too
        assert "off" in (legend.get_attribute("class") or "")
        player.locator("#play").click()
        page.wait_for_timeout(1000)
        moved = _player(page, "window.coveragePlayer.frame()")
        assert _player(page, "window.coveragePlayer.playing()") is True
        assert 13 + 5 <= moved <= 13 + 14  # ~10 frames a second, drawn on the canvas
        assert _renders(page) == 0 and _player(page, "!!window.Plotly") is False
        bar = player.locator("#bar").bounding_box()
        assert held, "the player asked for plotly.js"
        for route in held:
            route.continue_()
        page.wait_for_function(_PLAYER_DRAWN, timeout=60_000)
        assert page.frame_locator(PLAYER).locator("#preview").count() == 0
        at = _player(page, "window.coveragePlayer.frame()")
        assert at >= moved  # plotly's figure opened on the frame the sketch was on
        assert _player(page, "window.coveragePlayer.playing()") is True
        assert "off" in (player.locator("#legend .item").first.get_attribute("class") or "")
        trace = int(player.locator("#legend .item").first.get_attribute("data-trace"))
        assert _player(page, f"document.getElementById('plot').data[{trace}].visible") is False
        page.wait_for_timeout(500)
        assert _player(page, "window.coveragePlayer.frame()") > at  # still playing
        after = player.locator("#bar").bounding_box()
        assert abs(after["y"] - bar["y"]) <= 1 and abs(after["height"] - bar["height"]) <= 1
    finally:
        page.close()
    assert errors == []


# when the list's grid first shows, on the clock the player's stamps use
_GRID_SEEN = """new MutationObserver((_, obs) => {
  if (document.querySelector("[data-testid='stDataFrame']")) {
    window.__gridSeen = performance.timeOrigin + performance.now(); obs.disconnect(); }
}).observe(document, {childList: true, subtree: true});"""


# the sidebar's model picker's tops as they change, and when the data folder input and the
# downloads first show (lazily loaded widgets: a first load sends them after the play)
_LATER_SEEN = """window.__modelTops = []; new MutationObserver(() => {
  const now = performance.timeOrigin + performance.now();
  const m = document.querySelector("[data-testid='stSidebar'] [data-testid='stSelectbox']");
  if (m) { const t = Math.round(m.getBoundingClientRect().top), tops = window.__modelTops;
           if (tops[tops.length - 1] !== t) tops.push(t); }
  if (!window.__inputSeen && document.querySelector(
      "[data-testid='stSidebar'] [data-testid='stTextInput']")) window.__inputSeen = now;
  if (!window.__downloadSeen && document.querySelector(
      "[data-testid='stDownloadButton']")) window.__downloadSeen = now;
  if (!window.__pickerSeen && document.querySelector(
      ".st-key-play_pick [data-testid='stSelectbox']")) window.__pickerSeen = now;
}).observe(document, {childList: true, subtree: true, attributes: true});"""


def test_the_list_follows_the_play_on_a_first_load(server, browser) -> None:
    """A first load sends the play list (a data grid: the costliest element to draw), the
    data folder input, the pickers, Explain and the downloads (lazily loaded widgets) only
    once the player has drawn the play; then they and the view's link are all there, the
    drawn play is left alone and the sidebar's model picker has not moved."""
    page = browser.new_page(viewport={"width": 1366, "height": 768})
    try:
        page.add_init_script(_GRID_SEEN)
        page.add_init_script(_LATER_SEEN)
        page.goto(f"{server}/Play_explorer", wait_until="domcontentloaded")
        page.wait_for_function(_PLAYER_DRAWN, timeout=60_000)
        page.locator("[data-testid='stDataFrame']").wait_for(timeout=60_000)
        page.locator("[data-testid='stDownloadButton']").first.wait_for(timeout=60_000)
        _idle(page)
        drawn = _player(page, "+document.body.dataset.drawn")
        assert page.evaluate("window.__gridSeen") > drawn
        assert page.evaluate("window.__inputSeen") > drawn
        assert page.evaluate("window.__downloadSeen") > drawn
        assert page.evaluate("window.__pickerSeen") > drawn  # the player's title names it
        assert page.locator(".st-key-explain").count() == 1
        assert _plays_shown(page) > 0
        assert page.locator("[data-testid='stSidebar'] [data-testid='stMultiSelect']").count()
        assert page.locator("[data-testid='stSidebar'] .st-key-data_dir input").count() == 1
        assert len(page.evaluate("window.__modelTops")) == 1  # held its place throughout
        assert "game=" in page.url and "play=" in page.url
        assert _renders(page) == 1  # the page's rerun left the drawn play alone
    finally:
        page.close()
