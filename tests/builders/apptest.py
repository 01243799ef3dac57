"""Running one app page in-process (streamlit AppTest) and checking it ended cleanly:
shared by the page, honesty and view-state tests."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

REPO = Path(__file__).resolve().parents[2]


def run_page(page: str, query: dict[str, str] | None = None) -> AppTest:
    """Run ``page`` (relative to the repository) once, with an optional query string."""
    at = AppTest.from_file(str(REPO / page), default_timeout=60)
    for k, v in (query or {}).items():
        at.query_params[k] = v
    return at.run()


def assert_clean(at: AppTest) -> None:
    """No exception and no error element on the page."""
    assert not at.exception, [e.message for e in at.exception]
    assert not at.error, [e.value for e in at.error]
