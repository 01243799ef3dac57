"""Every page's layout on a narrow screen: the sidebar out of the way.

Streamlit opens its sidebar on any screen wider than a phone; under ``NARROW_PX`` it takes
a third of a 1024 px screen from the page (on the explorer, from the field). So a tab's
first page of the app, whichever it is, closes it, once per tab (``sessionStorage``): the
analyst's own choice stands after that, page after page. ``app.py`` calls this before it
runs the page, the one place every page passes through.

The script runs in the app's own document (``st.html`` with JavaScript allowed, not an
iframe); the element holding it is hidden, so the sidebar gains no gap.
"""

from __future__ import annotations

import streamlit as st

NARROW_PX = 1100
STORAGE_KEY = "coverage.sidebarClosed"
_MARK = "coverage-sidebar-fit"

SCRIPT = f"""<style>
.stElementContainer:has(.{_MARK}) {{ display: none; }}
</style><span class="{_MARK}"></span>
<script>
(function () {{
  try {{
    if (window.innerWidth >= {NARROW_PX} || sessionStorage.getItem("{STORAGE_KEY}")) return;
  }} catch (e) {{ return; }}  /* no storage: the sidebar stays as Streamlit opened it */
  let tries = 60;  /* the sidebar's header may mount a little after this element */
  (function close() {{
    const b = document.querySelector("[data-testid='stSidebar'] "
                                      + "button[aria-label='Collapse sidebar']");
    if (b || --tries <= 0) {{
      try {{ sessionStorage.setItem("{STORAGE_KEY}", "1"); }} catch (e) {{}}
      if (b && b.getAttribute("aria-expanded") !== "false") b.click();
      return;
    }}
    setTimeout(close, 50);
  }})();
}})();
</script>"""


def narrow_sidebar_closed() -> None:
    """Close the sidebar on a tab's first page when the screen is under ``NARROW_PX``."""
    st.sidebar.html(SCRIPT, unsafe_allow_javascript=True)
