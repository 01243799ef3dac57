"""Scouting: one defense's coverage against the league, the very file ``coverage report``
writes, shown in the page and handed out with a download button."""

from __future__ import annotations

import streamlit as st
import streamlit.components.v1 as components

from coverage.app.session import page_start, show_error
from coverage.report import build_report, defenses
from coverage.report.html import render_html

FIX = "pick another defense or weeks, or check the data folder in the sidebar."

store = page_start("Scouting", "📋")
if store is None:
    st.stop()
try:
    teams = defenses(store)
    weeks_there = store.label_weeks
except Exception as exc:  # noqa: BLE001 - any failure here must read as a message
    show_error(exc, FIX)
    st.stop()
if not teams:
    st.info("No defensive teams in this data's plays, so there is nothing to scout.")
    st.stop()
left, right = st.columns([1, 3])
team = left.selectbox("Defense", teams, key="scout_team")
weeks = right.multiselect("Weeks (none = every week)", weeks_there, key="scout_weeks")
try:
    report = build_report(store, team, weeks or None)
    page = render_html(report)
except Exception as exc:  # noqa: BLE001 - any failure here must read as a message
    show_error(exc, FIX)
    st.stop()
st.download_button("Download the report (HTML, prints to PDF)", page.encode("utf-8"),
                   file_name=f"scouting_{team}.html", mime="text/html", key="scout_download")
st.caption("The same file as `coverage report --defense "
           f"{team}`: self-contained, opens offline, prints on Letter or A4.")
components.html(page, height=1800, scrolling=True)
