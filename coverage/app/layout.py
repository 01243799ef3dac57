"""Every page's layout on a narrow screen: the sidebar out of the way, the page never moved.

Streamlit opens its sidebar on any screen wider than a phone; under ``NARROW_PX`` it takes
a third of a 1024 px screen from the page (on the explorer, from the field). So a tab's
first page of the app, whichever it is, closes it, once per tab (``sessionStorage``): the
analyst's own choice stands after that, page after page. ``app.py`` calls this before it
runs the page, the one place every page passes through.

Closing it must not move what the page has drawn. Streamlit slides its sidebar shut in
300 ms and the page widens with it, frame by frame: the field and the banner above it
would slide and re-wrap at each width. So under ``NARROW_PX`` the sidebar lies over
the page instead of beside it: the page is laid out at the screen's width, whether the
sidebar is open or closed, and opening it by hand covers the field for as long as the
filters are in use instead of squeezing it. The first close is instant (no slide), and a
window narrowed under ``NARROW_PX`` with the sidebar open closes it the same way.
Streamlit remembers that close in its own ``localStorage`` entry, so later tabs of this
browser start with the sidebar closed before anything is drawn. A browser's very first page
lays its head out beside Streamlit's open sidebar until ``st.html``'s lazily loaded script
(this style included) is there, and no option (``initial_sidebar_state`` included) knows the
screen's width sooner; the page head stays hidden until then (``session.page_start``).

The script runs in the app's own document (``st.html`` with JavaScript allowed, not an
iframe); the element holding it is hidden, so the sidebar gains no gap.
"""

from __future__ import annotations

import streamlit as st

NARROW_PX = 1100
STORAGE_KEY = "coverage.sidebarClosed"
_MARK = "coverage-sidebar-fit"
_INSTANT = "coverage-sidebar-instant"
_SIDEBAR = "section[data-testid='stSidebar']"

STYLE = f"""<style>
@media (max-width: {NARROW_PX - 0.02}px) {{
  {_SIDEBAR} {{ position: fixed !important; top: 0; left: 0;
                height: 100dvh !important; }}
  {_SIDEBAR}[data-collapsed='false'] {{ box-shadow: 0 0 2rem rgba(0, 0, 0, 0.35); }}
}}
html.{_INSTANT} {_SIDEBAR} {{ transition: none !important; }}
</style>"""

SCRIPT = f"""<style>
.stElementContainer:has(.{_MARK}) {{ display: none; }}
</style><span class="{_MARK}"></span>
<script>
(function () {{
  const button = () => document.querySelector("[data-testid='stSidebar'] "
                                              + "button[aria-label='Collapse sidebar']");
  const shut = (b) => {{
    if (!b || b.getAttribute("aria-expanded") === "false") return;
    const root = document.documentElement;
    root.classList.add("{_INSTANT}");  /* shut in one frame, not a 300 ms slide */
    b.click();
    setTimeout(() => root.classList.remove("{_INSTANT}"), 100);
  }};
  if (!window.__coverageNarrowWatch) {{  /* a window narrowed under it: out of the way too */
    window.__coverageNarrowWatch = true;
    matchMedia("(max-width: {NARROW_PX - 0.02}px)").addEventListener("change", (e) => {{
      if (e.matches) shut(button());
    }});
  }}
  try {{
    if (window.innerWidth >= {NARROW_PX} || sessionStorage.getItem("{STORAGE_KEY}")) return;
  }} catch (e) {{ return; }}  /* no storage: the sidebar stays as Streamlit opened it */
  let tries = 60;  /* the sidebar's header may mount a little after this element */
  (function close() {{
    const b = button();
    if (b || --tries <= 0) {{
      try {{ sessionStorage.setItem("{STORAGE_KEY}", "1"); }} catch (e) {{}}
      shut(b);
      return;
    }}
    setTimeout(close, 50);
  }})();
}})();
</script>"""


def narrow_sidebar_closed() -> None:
    """Close the sidebar on a tab's first page when the screen is under ``NARROW_PX``, and
    lay it over the page there, so neither closing nor opening it moves the page.

    ``STYLE`` travels in the page's one style element
    (:func:`coverage.app.session.page_style`), so the sidebar's place and the page's padding
    apply in the same frame, one step before this script's element runs what it holds."""
    st.sidebar.html(SCRIPT, unsafe_allow_javascript=True)
