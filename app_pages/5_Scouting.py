"""Scouting: one defense's coverage against the league, the very file ``coverage report``
writes, shown in the page and handed out with a download button."""

from __future__ import annotations

import streamlit as st
import streamlit.components.v1 as components

from coverage.app.session import page_start, show_error
from coverage.report import build_report, defenses
from coverage.report.compare import compare_defenses, split_season
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
MODES = ("this defense alone", "beside another defense", "first half vs second half")
mode = st.radio("Compare", MODES, horizontal=True, key="scout_mode")
other = None
if mode == MODES[1]:
    rest = [t for t in teams if t != team]
    other = st.selectbox("Second defense", rest, key="scout_other") if rest else None
try:
    if other is not None:
        report = compare_defenses(store, team, other, weeks or None)
        command = f"--defense {team} --compare {other}"
    elif mode == MODES[2]:
        report = split_season(store, team, weeks or None)
        command = f"--defense {team} --split-season"
    else:
        report = build_report(store, team, weeks or None)
        command = f"--defense {team}"
    page = render_html(report)
except Exception as exc:  # noqa: BLE001 - any failure here must read as a message
    show_error(exc, FIX)
    st.stop()
name = f"scouting_{team}{'_vs_' + other if other else ''}{'_split' if mode == MODES[2] else ''}"
st.download_button("Download the report (HTML, prints to PDF)", page.encode("utf-8"),
                   file_name=f"{name}.html", mime="text/html", key="scout_download")
st.caption(f"The same file as `coverage report {command}`: self-contained, opens offline, "
           "prints on Letter or A4.")
components.html(page, height=1800, scrolling=True)
