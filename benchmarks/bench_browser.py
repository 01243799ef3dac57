"""Felt speed of the Play explorer in a real browser (headless Chromium via Playwright).

What an analyst waits for, timed inside the page (``performance.now()``, no Playwright
round trip in the figure): from the click to the new play drawn by the play player
(its render counter ticks after ``Plotly.react`` resolves and the first frame is shown).

* first load: a tab on the explorer until the play's first frame is painted (the sketch
  the player draws before plotly.js is loaded, ``preview.js``) and until plotly has drawn
  it (interactive: hover, playback) (cold: the server's first
  visit; warm: a fresh browser profile on a warm server; returning: a new tab in a browser
  that has opened the app before, so its HTTP cache holds Streamlit's and the player's
  scripts; median of ``--loads``), beside the floor: the same on a plain page
  (``--plain-page``, default Model) until its script has run; and when the play list shows
  (a first load sends it once the player has drawn the play: ``first_play_pending``);
* play switch: the ``▶`` next-play button, N times: until the new play is drawn (the player
  draws the next play's spec it fetched ahead, ``spec_cache.py``), and until the rerun is
  in (the picker and the link name the new play);
* first Explain toggle: the toggle until the play is redrawn with the tells;
* one full playback of a play at 1× to check the player keeps 10 Hz.

Goals (issue 13): switch median < 300 ms and p95 < 600 ms, first load < 2.5 s, first
Explain toggle < 1 s. Starts its own server on a free port:

    python benchmarks/bench_browser.py [--data DIR] [--switches 20]
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import docpage

VIEWPORT = {"width": 1366, "height": 768}
REPO = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PLAYER = ".st-key-play_figure iframe"

# in the page: click `selector`, resolve with the ms until the player's render counter moves
_TIMED_CLICK = """
async ([selector, player, waitUrl]) => {
  const frame = document.querySelector(player);
  const body = () => frame.contentDocument && frame.contentDocument.body;
  const before = body() ? body().dataset.renders : undefined;
  const early = body() ? body().dataset.early : undefined;
  const where = () => { const q = new URLSearchParams(location.search);
                        return q.get('game') + '-' + q.get('play'); };
  const url0 = where();
  const t0 = performance.now();
  document.querySelector(selector).click();
  return await new Promise((resolve, reject) => {
    const limit = t0 + 30000;
    let drawn = null;
    function poll() {
      const f = document.querySelector(player);
      const b = f && f.contentDocument && f.contentDocument.body;
      if (drawn === null && b && b.dataset.renders && b.dataset.renders !== before) {
        const origin = performance.timeOrigin;
        requestAnimationFrame(() => {
          drawn = [performance.now() - t0, parseFloat(b.dataset.received) - origin - t0,
                   parseFloat(b.dataset.drawn) - parseFloat(b.dataset.received),
                   parseFloat(b.dataset.reactMs), b.dataset.early !== early ? 1 : 0];
        });
      }
      if (drawn !== null && (!waitUrl || where() !== url0)) {
        // the server's rerun is in too: the link (and the picker) name the new play
        resolve(drawn.concat([performance.now() - t0]));
      } else if (performance.now() > limit) { reject(new Error('no redraw in 30 s')); }
      else { requestAnimationFrame(poll); }
    }
    poll();
  });
}
"""
_REDRAWN = """([player, before]) => { const f = document.querySelector(player);
  const b = f && f.contentDocument && f.contentDocument.body;
  return b && b.dataset.renders && b.dataset.renders !== before; }"""


def _renders(page) -> str:
    return page.frame_locator(PLAYER).locator("body").get_attribute("data-renders") or ""

_DRAWN = """player => { const f = document.querySelector(player);
  const b = f && f.contentDocument && f.contentDocument.body;
  return b && b.dataset.renders; }"""
# when the play list's grid first shows (a first load sends it once the play is drawn)
_GRID_SEEN = """new MutationObserver((_, obs) => {
  if (document.querySelector("[data-testid='stDataFrame']")) {
    window.__gridSeen = performance.timeOrigin + performance.now(); obs.disconnect(); }
}).observe(document, {childList: true, subtree: true});"""
_STOPPED = """player => !document.querySelector(player).contentDocument
  .querySelector('#play').dataset.playing"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start(data: str | None) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    # as `make app` starts it: `python app.py` warms the caches as the server starts
    cmd = [sys.executable, "app.py", "--server.headless", "true",
           "--server.port", str(port), "--server.address", "127.0.0.1",
           "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"]
    if data:
        cmd += ["--", "--data", data]
    log = open(Path(tempfile.gettempdir()) / f"bench_browser_{port}.log", "w")  # noqa: SIM115
    proc = subprocess.Popen(cmd, cwd=REPO, stdout=log, stderr=subprocess.STDOUT,
                            env={**os.environ})
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 90
    while time.time() < deadline:
        try:
            if urllib.request.urlopen(url + "/_stcore/health", timeout=2).read() == b"ok":
                return proc, url
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise SystemExit(f"the app did not start; see {log.name}")


def _viewport(browser) -> dict:
    """A Browser's new page takes the size; a BrowserContext's pages have it already."""
    return {"viewport": VIEWPORT} if hasattr(browser, "new_context") else {}


def _first_load(browser, url: str) -> tuple[float, object]:
    """``browser`` may be a Browser (each page in a fresh profile) or a BrowserContext
    (a new tab in the same profile: its HTTP cache is kept). Returns the seconds until
    the play is drawn by plotly (interactive); ``_first_load.marks`` has, from the
    navigation start, when its first frame was painted (the sketch drawn before plotly.js
    is loaded, ``preview.js``) and the other steps."""
    page = browser.new_page(**_viewport(browser))
    page.add_init_script(_GRID_SEEN)
    t0 = time.perf_counter()
    page.goto(url + "/Play_explorer")
    page.wait_for_function(_DRAWN, arg=PLAYER, timeout=120_000, polling="raf")
    elapsed = time.perf_counter() - t0
    page.wait_for_function("window.__gridSeen", timeout=120_000, polling="raf")
    # where the time went, from the page's navigation start
    marks = page.evaluate("""player => { const b = document.querySelector(player)
        .contentDocument.body; const o = performance.timeOrigin;
      const nav = performance.getEntriesByType('navigation')[0];
      const w = document.querySelector(player).contentWindow;
      return {html: nav.responseEnd, player_frame: w.performance.timeOrigin - o,
              player_ready: b.dataset.ready - o, painted: b.dataset.painted - o,
              plotly_ready: b.dataset.plotly - o,
              play_data: b.dataset.received - o, drawn: b.dataset.drawn - o,
              list: window.__gridSeen - o}; }""", PLAYER)
    _first_load.marks = marks  # type: ignore[attr-defined]
    return elapsed, page


def _plain_load(browser, url: str, path: str) -> float:
    """The floor: a fresh tab on a plain page of the app (no player) until its script has
    run (the page's widgets drawn, Streamlit's running indicator gone)."""
    page = browser.new_page(**_viewport(browser))
    t0 = time.perf_counter()
    page.goto(f"{url}/{path}")
    page.wait_for_selector("[data-testid='stMain'] h1", timeout=120_000)
    page.wait_for_function("!document.querySelector('[data-testid=\"stStatusWidget\"]')",
                           timeout=120_000, polling="raf")
    elapsed = time.perf_counter() - t0
    page.close()
    return elapsed


def _first_visit(args: argparse.Namespace) -> int:
    """The first visitor after the server starts (``make app``) against a plain page and a
    later visitor, all in a fresh profile, on one server: what warming at start must close."""
    from playwright.sync_api import sync_playwright

    proc, url = _start(args.data)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            cold, page = _first_load(browser, url)
            cold_paint = _first_load.marks["painted"] / 1000  # type: ignore[attr-defined]
            page.close()
            plain = [_plain_load(browser, url, args.plain_page) for _ in range(args.loads)]
            later, later_paint = [], []
            for _ in range(args.loads):
                t, pg = _first_load(browser, url)
                pg.close()
                later.append(t)
                later_paint.append(_first_load.marks["painted"] / 1000)  # type: ignore[attr-defined]
            browser.close()
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    print(f"First visit after a server start, headless Chromium, 1366x768, fresh profiles "
          f"({time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores)")
    print(f"  explorer, first visitor   play painted {cold_paint * 1000:6.0f} ms   "
          f"interactive {cold * 1000:6.0f} ms")
    print(f"  explorer, later visitors  play painted {statistics.median(later_paint) * 1000:6.0f}"
          f" ms   interactive {statistics.median(later) * 1000:6.0f} ms  "
          f"(median of {len(later)})")
    print(f"  plain page ({args.plain_page})         {statistics.median(plain) * 1000:6.0f} ms"
          f"  (median of {len(plain)})")
    return 0


def _stats(xs: list[float]) -> str:
    xs = sorted(xs)
    p95 = xs[min(len(xs) - 1, round(0.95 * (len(xs) - 1)))]
    return f"median {statistics.median(xs):6.0f} ms  p95 {p95:6.0f} ms  max {xs[-1]:6.0f} ms"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default=None, help="a store or raw folder (default: embedded)")
    ap.add_argument("--switches", type=int, default=20)
    ap.add_argument("--loads", type=int, default=5, help="first loads per kind (median)")
    ap.add_argument("--plain-page", default="Model",
                    help="the page whose first load is the floor (a warm server, a fresh tab)")
    ap.add_argument("--dwell", type=float, default=1.5,
                    help="seconds on each play before the next click (an analyst looks at a "
                         "play before moving on; 0 = click as fast as it draws)")
    ap.add_argument("--first-only", action="store_true",
                    help="only the first visit after a server start: the explorer's first "
                         "load on a fresh server, then the plain page and the explorer again "
                         "(fresh profiles), in the same run")
    docpage.add_flag(ap)
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    if args.first_only:
        return _first_visit(args)
    proc, url = _start(args.data)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            cold, page = _first_load(browser, url)
            page.close()
            plain = statistics.median([_plain_load(browser, url, args.plain_page)
                                       for _ in range(args.loads)])
            fresh, fresh_paint = [], []
            for _ in range(args.loads - 1):
                t, pg = _first_load(browser, url)
                pg.close()
                fresh.append(t)
                fresh_paint.append(_first_load.marks["painted"] / 1000)  # type: ignore[attr-defined]
            ctx = browser.new_context(viewport=VIEWPORT)
            _first_load(ctx, url)[1].close()  # the browser's first visit fills its cache
            returning, plain_back, returning_paint, returning_list = [], [], [], []
            for _ in range(args.loads):
                t, pg = _first_load(ctx, url)
                pg.close()
                returning.append(t)
                returning_paint.append(_first_load.marks["painted"] / 1000)  # type: ignore[attr-defined]
                returning_list.append(_first_load.marks["list"] / 1000)  # type: ignore[attr-defined]
                plain_back.append(_plain_load(ctx, url, args.plain_page))
            ctx.close()
            warm, page = _first_load(browser, url)
            fresh.append(warm)
            fresh_paint.append(_first_load.marks["painted"] / 1000)  # type: ignore[attr-defined]
            warm = statistics.median(fresh)
            marks = _first_load.marks  # type: ignore[attr-defined]
            switches = []
            for _ in range(args.switches + 2):
                page.wait_for_timeout(args.dwell * 1000)
                switches.append(page.evaluate(_TIMED_CLICK,
                                              [".st-key-next_play button", PLAYER, True]))
            switches = switches[2:]  # the first two pay for the server's cold caches
            server = [s[1] for s in switches]  # click -> the play's data in the player
            draw = [s[2] for s in switches]  # data -> drawn (plotly in the player)
            react = [s[3] for s in switches]  # of which Plotly.react
            early = sum(s[4] for s in switches)  # drawn from the spec fetched ahead
            agreed = [s[5] for s in switches]  # click -> the rerun's link names the play
            switches = [s[0] for s in switches]
            picks = []  # a jump: a click on a row of the list (a full rerun, never prefetched)
            grid = page.locator("[data-testid='stDataFrame']").first
            for i in range(args.switches // 2):
                page.wait_for_timeout(args.dwell * 1000)
                grid.scroll_into_view_if_needed()
                box = grid.bounding_box()
                before = _renders(page)
                t0 = time.perf_counter()
                page.mouse.click(box["x"] + 14, box["y"] + 35 + (1 + i % 5) * 35 + 17)
                page.wait_for_function(_REDRAWN, arg=[PLAYER, before], timeout=60_000,
                                       polling="raf")
                picks.append((time.perf_counter() - t0) * 1000)
            page.evaluate("for (const e of document.querySelectorAll('*')) "
                          "{ if (e.scrollTop > 0) e.scrollTop = 0; }")
            frames = page.frame_locator(PLAYER)
            n = int(frames.locator("body").get_attribute("data-frames") or 0)
            t0 = time.perf_counter()
            frames.locator("#play").click()
            page.wait_for_function(_STOPPED, arg=PLAYER, timeout=120_000)
            playback = time.perf_counter() - t0
            explain = None
            if page.locator(".st-key-explain input").is_enabled():
                explain = page.evaluate(_TIMED_CLICK,
                                        [".st-key-explain input", PLAYER, False])[0]
            browser.close()
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    where = args.data or "embedded synthetic store"
    print(f"Play explorer in headless Chromium, 1366x768, on {where} "
          f"({time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores)")
    print(f"  first load, cold server   {cold * 1000:7.0f} ms")
    print(f"  first load, warm server, fresh profile (median of {len(fresh)})  "
          f"play painted {statistics.median(fresh_paint) * 1000:7.0f} ms   goal < 2500 ms; "
          f"interactive (plotly) {warm * 1000:7.0f} ms")
    print(f"    plain page ({args.plain_page}), fresh profile   {plain * 1000:7.0f} ms   "
          "(the floor: Streamlit itself on this machine)")
    print(f"  first load, new tab of a returning browser (median of {len(returning)})  "
          f"play painted {statistics.median(returning_paint) * 1000:7.0f} ms   goal < 2500 ms;"
          f" interactive (plotly) {statistics.median(returning) * 1000:7.0f} ms")
    print(f"    play list shown (sent once the play is drawn)   "
          f"{statistics.median(returning_list) * 1000:7.0f} ms")
    print(f"    plain page ({args.plain_page}), returning browser   "
          f"{statistics.median(plain_back) * 1000:7.0f} ms")
    print("    from navigation start: " + ", ".join(f"{k} {v:.0f} ms" for k, v in marks.items()))
    print(f"  play switch (n={len(switches)})     {_stats(switches)}   goal median < 300, "
          "p95 < 600")
    print(f"    drawn ahead of the rerun (spec fetched in advance): {early} of {len(switches)}")
    print(f"    of which click -> data   {_stats(server)}  (the spec in the player: fetched "
          "ahead, else the server rerun + Streamlit)")
    print(f"    of which data -> drawn   {_stats(draw)}  (the player: parse + plotly)")
    print(f"      of which Plotly.react  {_stats(react)}")
    print(f"    click -> rerun done      {_stats(agreed)}  (picker and link name the new play)")
    print(f"  jump: a click on a row of the list (n={len(picks)}, timed from Python)  "
          f"{_stats(picks)}")
    if explain is not None:
        print(f"  first Explain toggle      {explain:7.0f} ms   goal < 1000 ms")
    else:
        print("  first Explain toggle      (no family model in this store)")
    print(f"  playback of {n} frames    {playback:7.2f} s    real time {n / 10:.1f} s (10 Hz)")
    return 0


if __name__ == "__main__":
    raise SystemExit(docpage.run(main, "browser", "Felt speed of the Play explorer in "
                                 "headless Chromium"))
