"""The real app in a real browser: every page renders its charts with no exception.

Starts ``streamlit run app.py`` against the small test store and drives Debian's
headless Chromium through Playwright (never ``playwright install``: the system
browser is used). Screenshots go to test-artifacts/ for a human look.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.test_app import REPO, build_app_stores, build_explain_models

pytestmark = [pytest.mark.browser, pytest.mark.slow]
CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = REPO / "test-artifacts"
CHROME_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
               "--disable-background-networking", "--disable-component-update",
               "--disable-sync"]
# url path -> (screenshot name, charts expected)
PAGES = {"": ("home", 1), "Play_explorer": ("play_explorer", 1), "Accuracy": ("accuracy", 3),
         "Teams": ("teams", 2), "Model": ("model", 0)}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    if not CHROMIUM.exists():
        pytest.skip("/usr/bin/chromium is not installed (apt-get install -y chromium)")
    pytest.importorskip("playwright.sync_api", reason="playwright is not installed "
                        "(pip install playwright; never `playwright install`)")
    stores = build_app_stores(tmp_path_factory.getbasetemp() / "app_stores")
    explain = build_explain_models(stores["preds"],
                                   tmp_path_factory.getbasetemp() / "explain_models")
    port = _free_port()
    # the explain store has ordinary predictions plus the family model's tables
    env = {**os.environ, "COVERAGE_DATA": str(explain / "store"),
           "COVERAGE_DATA_DIR": str(stores["data_dir"]),
           "COVERAGE_MODELS_DIR": str(explain)}
    log = open(tmp_path_factory.mktemp("streamlit") / "server.log", "w+")  # noqa: SIM115
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
         "--server.port", str(port), "--browser.gatherUsageStats", "false",
         "--server.fileWatcherType", "none"],
        cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            urllib.request.urlopen(f"{url}/_stcore/health", timeout=2)
            break
        except OSError:
            if proc.poll() is not None:
                break
            time.sleep(0.3)
    else:
        proc.kill()
        log.seek(0)
        pytest.fail(f"streamlit did not start:\n{log.read()}")
    if proc.poll() is not None:
        log.seek(0)
        pytest.fail(f"streamlit exited:\n{log.read()}")
    yield url
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


@pytest.fixture(scope="module")
def browser(server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROME_ARGS, headless=True)
        yield b
        b.close()


@pytest.mark.parametrize("path", list(PAGES))
def test_page_renders_in_chromium(server, browser, path) -> None:
    name, n_charts = PAGES[path]
    page = browser.new_page(viewport={"width": 1500, "height": 2400})
    try:
        page.goto(f"{server}/{path}", wait_until="domcontentloaded")
        page.wait_for_selector("[data-testid='stAppViewContainer']", timeout=30_000)
        if n_charts:
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
        page.wait_for_function("document.querySelectorAll('.js-plotly-plot').length >= 1",
                               timeout=60_000)
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
        assert page.locator(".js-plotly-plot").count() >= 1
    finally:
        page.close()


def _idle(page) -> None:
    page.wait_for_function("document.querySelectorAll('.js-plotly-plot').length >= 1",
                           timeout=60_000)
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
    """At 1366x768 the play figure starts high enough that field and curve need no scroll
    (the figure's plot area begins ~120 px below its top and is ~350 px tall)."""
    page = browser.new_page(viewport={"width": 1366, "height": 768})
    try:
        page.goto(f"{server}/Play_explorer", wait_until="domcontentloaded")
        _idle(page)
        box = page.locator(".js-plotly-plot").first.bounding_box()
        assert box is not None and box["y"] < 330, box
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
        first = page.url
        page.evaluate("document.activeElement && document.activeElement.blur()")  # no widget
        page.keyboard.press("j")
        page.wait_for_function(f"location.href !== {first!r}", timeout=30_000)
        _idle(page)
        second = page.url
        assert second != first
        page.keyboard.press("k")
        page.wait_for_function(f"location.href === {first!r}", timeout=30_000)
    finally:
        page.close()


def test_arrow_keys_step_the_animation(server, browser) -> None:
    page = browser.new_page(viewport={"width": 1440, "height": 900})
    active = ("document.querySelector('.st-key-play_figure .js-plotly-plot')"
              "._fullLayout.sliders[0].active")
    try:
        page.goto(f"{server}/Play_explorer", wait_until="domcontentloaded")
        _idle(page)
        page.wait_for_function("document.__coverageKeys === true", timeout=30_000)
        page.wait_for_selector(".st-key-play_figure rect.slider-tick-rect", timeout=30_000)
        page.evaluate("document.activeElement && document.activeElement.blur()")
        start = page.evaluate(active)
        page.keyboard.press("ArrowRight")
        page.wait_for_function(f"{active} === {start + 1}", timeout=30_000)
        page.keyboard.press("ArrowRight")
        page.wait_for_function(f"{active} === {start + 2}", timeout=30_000)
        page.keyboard.press("ArrowLeft")
        page.wait_for_function(f"{active} === {start + 1}", timeout=30_000)
    finally:
        page.close()
