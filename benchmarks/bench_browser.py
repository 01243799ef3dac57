"""Felt speed of the app in headless Chromium, against a plain Streamlit page in the same run.

Driven by Playwright on Debian's Chromium. A first load is only slow or fast next to what
Streamlit itself costs on the same machine at the same moment, so the run starts two servers:
the app as ``make app`` starts it (``python app.py``: the caches warm as it starts) and a
plain page (``st.title`` and ``st.write``, nothing else) on another port. Every figure is
printed in seconds and as a ratio to the plain page's first load (fresh profile,
median of ``--rounds``):

* the explorer's first load, fresh profile: until the play's first frame is painted (the
  sketch drawn before plotly.js is loaded, ``preview.js``), until the play can be watched
  (playable: play, pause, speed, the slider, the event jumps, the keys, trails, follow ball
  and the legend work on the sketch) and until plotly has drawn it (interactive: hover and
  a click on a player too); for the first visitor after the server starts and on a
  warm server; then a new tab of a returning browser (its HTTP cache holds Streamlit's and
  the player's scripts), beside the plain page in that browser;
* the first load of a page other than the explorer (``--page``, default Accuracy);
* a play switch: ``j`` pressed ``--switches`` times, until the new play is drawn (timed in
  the page, no Playwright round trip) and until the rerun is in (the link names it);
* a row click: a click on a cell of a row of the play list until that play is drawn;
* the first Explain toggle and one playback at 1x (the player keeps 10 Hz).

Goals (issue 28): a first load within 0.3 s of the plain page, play painted and
interactive, first visitor and warm server; switch median < 150 ms, p95 < 300 ms; a row
click < 500 ms. A quick look: ``--rounds 1 --switches 2 --no-doc``. The full run:

    python benchmarks/bench_browser.py [--data DIR] [--rounds 5] [--switches 20]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Sequence
from pathlib import Path

import docpage

VIEWPORT = {"width": 1366, "height": 768}
REPO = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PLAYER = ".st-key-play_figure iframe"
# the floor: Streamlit alone, one title and one line, served like the app
PLAIN_PAGE = ('import streamlit as st\n\nst.title("A plain page")\n'
              'st.write("Streamlit alone: no data, no charts.")\n')
GOAL_LOAD_S = 0.3  # a first load within this of the plain page's
GOAL_SWITCH_MS = (150, 300)  # median, p95
GOAL_ROW_MS = 500

# in the page: press a key (``key:j``) or click a selector; resolve with the ms until the
# player's render counter moves (and the parts of it), then until the link names a new play
_TIMED_STEP = """
async ([action, player, waitUrl]) => {
  const frame = document.querySelector(player);
  const body = () => frame.contentDocument && frame.contentDocument.body;
  const before = body() ? body().dataset.renders : undefined;
  const early = body() ? body().dataset.early : undefined;
  const where = () => { const q = new URLSearchParams(location.search);
                        return q.get('game') + '-' + q.get('play'); };
  const url0 = where();
  const t0 = performance.now();
  if (action.startsWith('key:')) {  // as a key press reaches the app's listener (keyboard.py)
    document.body.dispatchEvent(new KeyboardEvent('keydown', {key: action.slice(4),
                                                              bubbles: true}));
  } else { document.querySelector(action).click(); }
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
# first true: the ms since navigation start, kept in the page (no round trip in the figure)
_INTERACTIVE = """player => { const f = document.querySelector(player);
  const b = f && f.contentDocument && f.contentDocument.body;
  if (!(b && b.dataset.renders)) return false;
  window.__loaded = window.__loaded || performance.now(); return true; }"""
_PAGE_DONE = """() => { if (!document.querySelector("[data-testid='stMain'] h1")
    || document.querySelector("[data-testid='stStatusWidget']")) return false;
  window.__loaded = window.__loaded || performance.now(); return true; }"""
# when the play list's grid first shows (a first load sends it once the play is drawn)
_GRID_SEEN = """new MutationObserver((_, obs) => {
  if (document.querySelector("[data-testid='stDataFrame']")) {
    window.__gridSeen = performance.timeOrigin + performance.now(); obs.disconnect(); }
}).observe(document, {childList: true, subtree: true});"""
_MARKS = """player => { const b = document.querySelector(player).contentDocument.body;
  const o = performance.timeOrigin, nav = performance.getEntriesByType('navigation')[0];
  const w = document.querySelector(player).contentWindow;
  return {html: nav.responseEnd, player_frame: w.performance.timeOrigin - o,
          player_ready: b.dataset.ready - o, painted: b.dataset.painted - o,
          playable: (b.dataset.live || b.dataset.drawn) - o,
          plotly_ready: b.dataset.plotly - o, play_data: b.dataset.received - o,
          interactive: window.__loaded, list: window.__gridSeen - o}; }"""
# the plays of the list's visible rows, top to bottom, from the grid's accessible table
_ROWS = """() => {
  const t = document.querySelector("[data-testid='stDataFrame'] table[role='grid']");
  return t ? [...t.querySelectorAll('tbody tr')].map(tr => {
    const c = [...tr.querySelectorAll('td')].map(td => td.innerText.trim());
    return c[1] + '-' + c[2]; }) : []; }"""
_ON_SCREEN = """([player, play]) => { const f = document.querySelector(player);
  const b = f && f.contentDocument && f.contentDocument.body;
  return !!b && b.dataset.play === play; }"""
_IDLE = "!document.querySelector('[data-testid=\"stStatusWidget\"]')"
_STOPPED = """player => !document.querySelector(player).contentDocument
  .querySelector('#play').dataset.playing"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def _server(script: list[str], tail: Sequence[str] = ()) -> Iterator[str]:
    """A Streamlit server on a free port, started by ``script`` from the repository (its
    ``.streamlit/config.toml`` applies to both servers); yields its URL, always stops it."""
    port = _free_port()
    cmd = [sys.executable, *script, "--server.headless", "true", "--server.port", str(port),
           "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false",
           "--server.fileWatcherType", "none", *tail]
    log = open(Path(tempfile.gettempdir()) / f"bench_browser_{port}.log", "w")  # noqa: SIM115
    proc = subprocess.Popen(cmd, cwd=REPO, stdout=log, stderr=subprocess.STDOUT,
                            env={**os.environ})
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 90
        while True:
            try:
                if urllib.request.urlopen(url + "/_stcore/health", timeout=2).read() == b"ok":
                    break
            except OSError:
                if time.time() > deadline or proc.poll() is not None:
                    raise SystemExit(f"{script[-1]} did not start; see {log.name}") from None
                time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        log.close()


def _new_page(browser):
    """A Browser's page opens in a fresh profile (and takes the size); a BrowserContext's
    page is a new tab of that profile (its HTTP cache kept)."""
    return browser.new_page(**({"viewport": VIEWPORT} if hasattr(browser, "new_context")
                               else {}))


def _explorer_load(browser, url: str, keep: bool = False):
    """A tab on the explorer until plotly has drawn the play and the list has shown; the
    marks (ms from navigation start: painted, interactive, list and the steps between),
    and the page when ``keep``."""
    page = _new_page(browser)
    page.add_init_script(_GRID_SEEN)
    page.goto(url + "/Play_explorer")
    page.wait_for_function(_INTERACTIVE, arg=PLAYER, timeout=120_000, polling="raf")
    page.wait_for_function("window.__gridSeen", timeout=120_000, polling="raf")
    marks = page.evaluate(_MARKS, PLAYER)
    if not keep:
        page.close()
        page = None
    return marks, page


def _page_load(browser, url: str) -> float:
    """A tab on a page without the player until its title shows and its script has run
    (Streamlit's running indicator gone): ms from navigation start."""
    page = _new_page(browser)
    page.goto(url)
    page.wait_for_function(_PAGE_DONE, timeout=120_000, polling="raf")
    ms = page.evaluate("window.__loaded")
    page.close()
    return ms


def _loads(browser, app: str, plain: str, args: argparse.Namespace) -> tuple[dict, object]:
    """Every first load, the plain page's beside the app's in each round (the machine's
    drift hits both); the last explorer tab, opened last, stays open for the clicks."""
    other = f"{app}/{'' if args.page == 'Overview' else args.page}"
    ms: dict[str, list[float]] = {k: [] for k in ("plain", "painted", "playable", "interactive",
                                                  "list", "other", "back_painted",
                                                  "back_playable", "back_interactive",
                                                  "back_plain")}
    res = {"loads": ms}
    res["cold"], _ = _explorer_load(browser, app)  # the first visitor after the start
    ctx = browser.new_context(viewport=VIEWPORT)  # a returning browser: its cache filled
    _explorer_load(ctx, app)
    _page_load(ctx, plain)
    for _ in range(args.rounds):
        marks, _ = _explorer_load(ctx, app)
        ms["back_painted"].append(marks["painted"])
        ms["back_playable"].append(marks["playable"])
        ms["back_interactive"].append(marks["interactive"])
        ms["back_plain"].append(_page_load(ctx, plain))
    ctx.close()
    page = None
    for r in range(args.rounds):
        ms["plain"].append(_page_load(browser, plain))
        ms["other"].append(_page_load(browser, other))
        marks, page = _explorer_load(browser, app, keep=r == args.rounds - 1)
        for k in ("painted", "playable", "interactive", "list"):
            ms[k].append(marks[k])
    res["marks"] = marks
    return res, page


def _switches(page, n: int, dwell: float) -> list[list[float]]:
    """``j`` pressed ``n`` times (after two that pay for the server's cold caches), each
    after ``dwell`` s on the play: [to drawn, to data, data to drawn, react, early, rerun]."""
    page.wait_for_function("document.__coverageKeys === true", timeout=60_000)
    out = []
    for _ in range(n + 2):
        page.wait_for_timeout(dwell * 1000)
        out.append(page.evaluate(_TIMED_STEP, ["key:j", PLAYER, True]))
    return out[2:]


def _row_clicks(page, n: int, dwell: float) -> list[float]:
    """A click on a cell in the middle of a visible row of the list (never the play on
    screen) until that row's play is drawn: ms, timed from Python around the click."""
    grid = page.locator("[data-testid='stDataFrame']").first
    grid.scroll_into_view_if_needed()
    page.wait_for_function(f"({_ROWS})().length > 3", timeout=60_000)
    out = []
    for i in range(n):
        page.wait_for_timeout(dwell * 1000)
        page.wait_for_function(_IDLE, timeout=60_000)
        rows = page.evaluate(_ROWS)[:5]
        now = page.frame_locator(PLAYER).locator("body").get_attribute("data-play")
        pick = [j for j, play in enumerate(rows) if play != now][i % (len(rows) - 1)]
        box = grid.bounding_box()
        t0 = time.perf_counter()
        page.mouse.click(box["x"] + 420, box["y"] + 35 + pick * 35 + 17)
        page.wait_for_function(_ON_SCREEN, arg=[PLAYER, rows[pick]], timeout=60_000,
                               polling="raf")
        out.append((time.perf_counter() - t0) * 1000)
    return out


def _after(page) -> tuple[float | None, int, float]:
    """The first Explain toggle (ms; None without a family model), then one playback at 1x:
    its frames and seconds."""
    explain = None
    if page.locator(".st-key-explain input").is_enabled():
        explain = page.evaluate(_TIMED_STEP, [".st-key-explain input", PLAYER, False])[0]
    page.evaluate("for (const e of document.querySelectorAll('*')) "
                  "{ if (e.scrollTop > 0) e.scrollTop = 0; }")
    frames = page.frame_locator(PLAYER)
    n = int(frames.locator("body").get_attribute("data-frames") or 0)
    t0 = time.perf_counter()
    frames.locator("#play").click()
    page.wait_for_function(_STOPPED, arg=PLAYER, timeout=120_000)
    return explain, n, time.perf_counter() - t0


def _stats(xs: list[float]) -> tuple[float, float, float]:
    xs = sorted(xs)
    return statistics.median(xs), xs[min(len(xs) - 1, round(0.95 * (len(xs) - 1)))], xs[-1]


def _fmt(xs: list[float]) -> str:
    med, p95, top = _stats(xs)
    return f"median {med:6.0f} ms  p95 {p95:6.0f} ms  max {top:6.0f} ms"


def _rows(res: dict, args: argparse.Namespace) -> list[dict[str, object]]:
    """The figures against the plain page's first load: seconds, ratio, goal, met."""
    med = {k: statistics.median(v) / 1000 for k, v in res["loads"].items()}
    plain = med["plain"]
    load = f"within {GOAL_LOAD_S} s of the plain page"
    rows = [("plain Streamlit page, first load (fresh profile)", plain, "the floor", None),
            ("explorer, first visitor after the start: play painted",
             res["cold"]["painted"] / 1000, load, None),
            ("explorer, first visitor after the start: playable",
             res["cold"]["playable"] / 1000, load, None),
            ("explorer, first visitor after the start: interactive",
             res["cold"]["interactive"] / 1000, load, None),
            ("explorer, warm server: play painted", med["painted"], load, None),
            ("explorer, warm server: playable", med["playable"], load, None),
            ("explorer, warm server: interactive", med["interactive"], load, None),
            ("explorer, warm server: filters and list shown", med["list"], "", None),
            (f"{args.page}, first load (fresh profile)", med["other"], load, None),
            ("explorer, returning browser: play painted", med["back_painted"],
             "vs the plain page, returning", med["back_plain"]),
            ("explorer, returning browser: playable", med["back_playable"],
             "vs the plain page, returning", med["back_plain"]),
            ("explorer, returning browser: interactive", med["back_interactive"],
             "vs the plain page, returning", med["back_plain"])]
    out = []
    for name, s, goal, floor in rows:
        floor = plain if floor is None else floor
        met = "" if not goal or goal == "the floor" else (
            "yes" if s - floor <= GOAL_LOAD_S else "no")
        out.append({"measure": name, "seconds": round(s, 3), "x plain": round(s / plain, 2),
                    "over plain (s)": round(s - floor, 3), "goal": goal, "met": met})
    for key, name, goal, ok in (
            ("switches", "play switch (j): median", f"< {GOAL_SWITCH_MS[0]} ms",
             lambda m, p: m < GOAL_SWITCH_MS[0]),
            ("switches", "play switch (j): p95", f"< {GOAL_SWITCH_MS[1]} ms",
             lambda m, p: p < GOAL_SWITCH_MS[1]),
            ("rows", "row click -> play drawn: median", f"< {GOAL_ROW_MS} ms",
             lambda m, p: m < GOAL_ROW_MS),
            ("rows", "row click -> play drawn: p95", f"< {GOAL_ROW_MS} ms",
             lambda m, p: p < GOAL_ROW_MS)):
        if not res.get(key):
            continue
        m, p, _ = _stats(res[key])
        s = (p if "p95" in name else m) / 1000
        out.append({"measure": f"{name} (n={len(res[key])})", "seconds": round(s, 3),
                    "x plain": round(s / plain, 2), "over plain (s)": "", "goal": goal,
                    "met": "yes" if ok(m, p) else "no"})
    return out


def _report(res: dict, switches: list[list[float]], args: argparse.Namespace) -> None:
    where = args.data or "embedded synthetic store"
    print(f"The app in headless Chromium, 1366x768, on {where}, against a plain Streamlit page "
          f"served in the same run ({time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores; "
          f"loads: median of {args.rounds})")
    rows = _rows(res, args)
    for r in rows:
        print(f"  {r['measure']:<58} {r['seconds']:7.3f} s  {r['x plain']:5.2f}x plain"
              f"  {r['goal']} {r['met']}".rstrip())
    print("    explorer first load, from navigation start (ms): "
          + ", ".join(f"{k} {v:.0f}" for k, v in res["marks"].items()))
    if switches:
        print(f"  play switch (j), n={len(switches)}: to drawn {_fmt([s[0] for s in switches])}")
        print(f"    drawn from the spec fetched ahead: {sum(s[4] for s in switches)} of "
              f"{len(switches)}")
        print(f"    click -> data   {_fmt([s[1] for s in switches])}  (fetched ahead, else "
              "the server's rerun)")
        print(f"    data -> drawn   {_fmt([s[2] for s in switches])}  (of which Plotly.react "
              f"median {statistics.median([s[3] for s in switches]):.0f} ms)")
        print(f"    key -> rerun done  {_fmt([s[5] for s in switches])}  (picker and link "
              "name the new play)")
    if res.get("rows"):
        print(f"  row click -> play drawn, n={len(res['rows'])}: {_fmt(res['rows'])}")
    if "explain" in res:
        print("  first Explain toggle  " + ("(no family model in this store)"
                                           if res["explain"] is None
                                           else f"{res['explain']:7.0f} ms   goal < 1000 ms"))
        n, secs = res["playback"]
        print(f"  playback of {n} frames  {secs:7.2f} s   real time {n / 10:.1f} s (10 Hz)")
    docpage.add_section("Against a plain Streamlit page", docpage.table(rows))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default=None, help="a store or raw folder (default: embedded)")
    ap.add_argument("--rounds", type=int, default=5,
                    help="first loads of each kind (median), the plain page's included")
    ap.add_argument("--switches", type=int, default=20,
                    help="timed j presses; half as many row clicks (at least one)")
    ap.add_argument("--page", default="Accuracy",
                    choices=["Overview", "Accuracy", "Teams", "Model", "Scouting"],
                    help="the page other than the explorer whose first load is timed")
    ap.add_argument("--dwell", type=float, default=1.5,
                    help="seconds on each play before the next press or click (an analyst "
                         "looks at a play before moving on; 0 = as fast as it draws)")
    ap.add_argument("--first-only", action="store_true",
                    help="only the first loads (first visitor, warm server, returning "
                         "browser, the other page, the plain page)")
    docpage.add_flag(ap)
    args = ap.parse_args()
    if args.rounds < 1 or args.switches < 1:
        ap.error("--rounds and --switches take 1 or more")
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        plain_py = Path(tmp) / "plain_page.py"
        plain_py.write_text(PLAIN_PAGE)
        with _server(["-m", "streamlit", "run", str(plain_py)]) as plain:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            _page_load(browser, plain)  # Chromium's own first start, not the page's
            tail = ["--", "--data", args.data] if args.data else []
            with _server(["app.py"], tail) as app:
                res, page = _loads(browser, app, plain, args)
                switches = []
                if not args.first_only:
                    switches = _switches(page, args.switches, args.dwell)
                    res["switches"] = [s[0] for s in switches]
                    res["rows"] = _row_clicks(page, max(1, args.switches // 2), args.dwell)
                    explain, n, secs = _after(page)
                    res["explain"], res["playback"] = explain, (n, secs)
                browser.close()
    _report(res, switches, args)
    return 0


if __name__ == "__main__":
    raise SystemExit(docpage.run(main, "browser", "Felt speed of the app in headless "
                                 "Chromium, against a plain Streamlit page"))
