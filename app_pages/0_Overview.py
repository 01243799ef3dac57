"""Overview: what the data holds (plays, games, weeks, coverage mix) and where to go next."""

from __future__ import annotations

import streamlit as st

from coverage.app.play_data import models_in
from coverage.app.provenance import provenance
from coverage.app.session import load_plays, load_predictions, page_start, plot, real_model_note
from coverage.views import coverage_mix_figure
from coverage.vocab import is_man, labelled

store = page_start("coverage — man or zone, before the snap",
                   tab="coverage: man or zone before the snap")
st.markdown(
    "Frame-by-frame probability that the defense is in **man** coverage, from player tracking "
    "before the snap. Use the pages on the left to explore plays, accuracy, teams and the model."
)


def _week_span(weeks: list[int]) -> str:
    """``1-9`` for a run of weeks (a list of nine numbers is cut off in a metric)."""
    if not weeks:
        return "—"
    if weeks == list(range(weeks[0], weeks[-1] + 1)):
        return f"{weeks[0]}-{weeks[-1]}" if len(weeks) > 1 else str(weeks[0])
    return ", ".join(map(str, weeks))


if store is not None:
    if not store.is_synthetic:
        models = models_in(load_predictions(store, store.output_stamp("predictions")))
        prov = provenance(store, models)
        real_model_note(prov, hidden_synthetic=bool(prov.with_source("synthetic")))
    plays = load_plays(store)
    lab = labelled(plays)
    man_rate = lab.select(is_man().mean()).item() if lab.height else float("nan")
    c = st.columns(4)
    c[0].metric("Plays", f"{plays.height:,}")
    c[1].metric("Games", f"{plays['gameId'].n_unique():,}")
    c[2].metric("Weeks", _week_span(store.weeks), help=", ".join(map(str, store.weeks)))
    c[3].metric("Man share (Man+Zone)", f"{man_rate:.1%}")
    plot(coverage_mix_figure(plays), width="stretch")
