"""``streamlit run app.py`` for the tests that need a live app (smoke, browser)."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
HEALTH = "_stcore/health"  # Streamlit's health endpoint under the app URL


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def streamlit_server(env: dict[str, str], log_path: Path, app_args: list[str] | None = None,
                     timeout: float = 120.0,
                     server_args: Sequence[str] = ()) -> Iterator[str]:
    """``streamlit run app.py`` as ``make app`` starts it; yields the base URL once
    ``/_stcore/health`` answers, and always stops the server. ``server_args`` are
    Streamlit's own options (``--theme.base dark``), ``app_args`` the app's (``--data``)."""
    port = free_port()
    cmd = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
           "--server.headless", "true", "--browser.gatherUsageStats", "false",
           "--server.fileWatcherType", "none", *server_args]
    if app_args:
        cmd += ["--", *app_args]
    with open(log_path, "w+") as log:
        proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + timeout
            while True:
                if proc.poll() is not None:
                    pytest.fail(f"streamlit exited ({proc.returncode}):\n{log_path.read_text()}")
                try:
                    with urllib.request.urlopen(f"{url}/{HEALTH}", timeout=5) as r:
                        if r.status == 200:
                            break
                except OSError:
                    pass
                if time.monotonic() > deadline:
                    pytest.fail(f"streamlit did not answer in {timeout:.0f} s:\n"
                                f"{log_path.read_text()}")
                time.sleep(0.5)
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=15)


CHROMIUM = Path("/usr/bin/chromium")
CHROME_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
               "--disable-background-networking", "--disable-component-update",
               "--disable-sync"]


@contextlib.contextmanager
def chromium() -> Iterator:
    """Debian's headless Chromium driven by Playwright (never ``playwright install``)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROME_ARGS, headless=True)
        try:
            yield b
        finally:
            b.close()


def require_chromium() -> None:
    """Skip the calling test unless Chromium and Playwright's Python package are here."""
    if not CHROMIUM.exists():
        pytest.skip("/usr/bin/chromium is not installed (apt-get install -y chromium)")
    pytest.importorskip("playwright.sync_api", reason="playwright is not installed "
                        "(pip install playwright; never `playwright install`)")


@contextlib.contextmanager
def light_and_dark_servers(env: dict[str, str], base: Path) -> Iterator[dict[str, str]]:
    """The app served twice on the same stores, in the light and the dark theme: the browser
    tests that measure the layout check both."""
    with streamlit_server(env, base / "light.log") as light, \
            streamlit_server(env, base / "dark.log", server_args=("--theme.base", "dark")) as dark:
        yield {"light": light, "dark": dark}
