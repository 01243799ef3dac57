"""coverage: the Streamlit app's entry point — its pages, their names and their addresses.

``streamlit run app.py`` starts here. Naming the pages explicitly (instead of Streamlit's
folder discovery) gives the menu readable titles ("Overview", not the script's file name)
and keeps each page's address stable for shared links. The pages live in ``app_pages/``,
not ``pages/``: Streamlit treats a ``pages/`` folder beside this script as its older
multipage mode, in which a deep link runs the page without this script until someone opens
the home page.

``python app.py [streamlit options] [-- --data DIR]`` (what ``make app`` runs) is
``streamlit run app.py`` with the server's caches warmed as it starts
(:mod:`coverage.app.warmup`): the first visitor waits no longer than later ones.
"""

from __future__ import annotations

import sys
from pathlib import Path

import streamlit as st

if __name__ == "__main__" and not st.runtime.exists():  # `python app.py`: start the server
    from coverage.app.warmup import serve

    raise SystemExit(serve(__file__, sys.argv[1:]))

from coverage.app import warmup  # noqa: E402 - after the launcher above: it needs none of it
from coverage.app.layout import narrow_sidebar_closed  # noqa: E402
from coverage.app.play_player import publish_static  # noqa: E402

PAGES = [
    st.Page("app_pages/0_Overview.py", title="Overview", icon="🏈", default=True),
    st.Page("app_pages/1_Play_explorer.py", title="Play explorer", icon="🎬",
            url_path="Play_explorer"),
    st.Page("app_pages/2_Accuracy.py", title="Accuracy", icon="📈", url_path="Accuracy"),
    st.Page("app_pages/3_Teams.py", title="Teams", icon="🛡️", url_path="Teams"),
    st.Page("app_pages/4_Model.py", title="Model", icon="🧠", url_path="Model"),
    st.Page("app_pages/5_Scouting.py", title="Scouting", icon="📋", url_path="Scouting"),
]


@st.cache_resource(show_spinner=False)
def _static_published() -> bool:
    """Once per server: plotly.js where the browser can cache it (see publish_static)."""
    return publish_static(Path(__file__).parent)


_static_published()
warmup.start(warmup.data_option(sys.argv[1:]))  # once per process; no-op if started
narrow_sidebar_closed()  # every page: the sidebar out of the way on a narrow screen
st.navigation(PAGES).run()
