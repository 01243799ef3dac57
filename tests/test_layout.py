"""The sidebar out of the way on narrow screens, from one place for every page.

What the browser does with it (closed at 1024 px on the explorer and on other pages, open
at 1366 px, nothing drawn moved by it) is checked in tests/test_browser_viewports.py and
tests/test_browser_layout_shift.py; here: the helper puts its script in the sidebar, hidden,
its style goes with the page's in one element that takes no place, ``app.py`` calls it
before it runs any page, and no page or player keeps a copy of its own.
"""

from __future__ import annotations

import ast
from pathlib import Path

from streamlit.testing.v1 import AppTest

from coverage.app import layout

REPO = Path(__file__).resolve().parent.parent


def _page() -> None:
    from coverage.app.layout import narrow_sidebar_closed

    narrow_sidebar_closed()


def test_the_helper_puts_a_hidden_script_in_the_sidebar() -> None:
    at = AppTest.from_function(_page).run()
    assert not at.exception
    assert not at.main.get("html")  # nothing in the page's own column
    (html,) = at.sidebar.get("html")
    assert html.proto.unsafe_allow_javascript  # runs in the app's document, not an iframe
    body = html.proto.body
    assert f"window.innerWidth >= {layout.NARROW_PX}" in body
    assert "button[aria-label='Collapse sidebar']" in body
    assert layout.STORAGE_KEY in body  # once per tab: the analyst's choice stands after
    assert ".stElementContainer:has(.coverage-sidebar-fit) { display: none; }" in body


def _styled_page() -> None:
    from coverage.app.session import page_style

    page_style("<style>.page-own { padding-top: 0.9rem; }</style>")


def test_the_page_style_is_one_style_only_element_with_the_narrow_sidebar_rule() -> None:
    """A style-only st.html goes to Streamlit's event container: no place in the page, and
    drawn as it arrives (the script's element runs its content a step later). One element
    holds every rule the layout depends on, so none arrives after the others have placed
    the title and banner."""
    at = AppTest.from_function(_styled_page).run()
    assert not at.exception
    events = at._tree.children[2]  # main, sidebar, event container
    (style,) = events.get("html")
    assert not at.main.get("html") and not at.sidebar.get("html")
    body = style.proto.body
    assert not style.proto.unsafe_allow_javascript and "<script" not in body
    assert f"@media (max-width: {layout.NARROW_PX - 0.02}px)" in body
    assert "position: fixed !important" in body
    assert "transition: none !important" in body  # the first close is instant
    assert ".block-container{padding-top:2.2rem" in body  # the app's compact padding
    assert body.endswith("<style>.page-own { padding-top: 0.9rem; }</style>")  # the page's


def test_app_py_calls_it_before_it_runs_any_page() -> None:
    tree = ast.parse((REPO / "app.py").read_text())
    calls = [ast.unparse(n.value.func) for n in tree.body
             if isinstance(n, ast.Expr) and isinstance(n.value, ast.Call)]
    assert "narrow_sidebar_closed" in calls
    run = next(i for i, c in enumerate(calls) if c.endswith(".run") and "navigation" in c)
    assert calls.index("narrow_sidebar_closed") < run, calls


def test_no_page_or_player_keeps_its_own_copy() -> None:
    sources = [REPO / "app.py", *sorted((REPO / "app_pages").glob("*.py")),
               *sorted((REPO / "coverage" / "app").rglob("*.py")),
               *sorted((REPO / "coverage" / "app" / "player_web").glob("*.js"))]
    holders = [p.relative_to(REPO).as_posix() for p in sources
               if "Collapse sidebar" in p.read_text(errors="replace")]
    assert holders == ["coverage/app/layout.py"], holders
