"""Accuracy: how right the models are as the snap approaches, and where they miss.

Every chart covers the same weeks, chosen once in the sidebar: the held-out test week by
default (what the evaluation reports name), or all / chosen weeks, in which case each
chart says they include training weeks. Curves are computed from the predictions with
the one ``accuracy_by_time`` the evaluation uses, so the time bin always applies; the
stored evaluation curves are shown only when the predictions are missing.
"""

from __future__ import annotations

import polars as pl
import streamlit as st

from coverage.app import play_data, result_data
from coverage.app.provenance import trained_on, trained_phrase
from coverage.app.session import (
    load_evaluation,
    model_picker,
    no_predictions_message,
    page_data,
    plot,
    show_error,
    shown_path,
)
from coverage.store import EVALUATION
from coverage.views import (
    accuracy_by_time_figure,
    as_secondary,
    calibration_figure,
    confusion_figure,
    rate_bar_figure,
)

FIX = "re-run `coverage evaluate models/<name>` to rewrite the evaluation files."
store, plays, preds = page_data("Accuracy", "🎯", fix=FIX)
try:
    curves, reports = load_evaluation(store, store.output_stamp(EVALUATION))
except Exception as exc:  # noqa: BLE001 - any failure here must read as a message
    show_error(exc, FIX)
    st.stop()

models = play_data.models_in(preds)
if not models and curves is None:
    no_predictions_message(store)
    st.stop()
curve_models = curves["model"].unique().to_list() if curves is not None else []
choice = model_picker(sorted(set(models) | set(curve_models)), store=store)
model, prov = choice.model, choice.prov
if curves is not None:
    curves = curves.filter(pl.col("model").is_in(choice.visible))
if preds is not None and set(models) - set(choice.visible):  # else the cached table itself:
    preds = preds.filter(pl.col("model").is_in(choice.visible))  # its snap calls are kept

weeks = sorted(plays["week"].drop_nulls().unique().to_list())
held_out = result_data.held_out_weeks(reports, choice.visible, weeks)
with st.sidebar:
    held_label = f"Test week{'s' if len(held_out) > 1 else ''} " \
        f"{', '.join(map(str, held_out))} (held out)"
    # no held-out week with tracking here (a partial download): never offer one
    mode = st.radio("Weeks scored", [held_label] * bool(held_out) + [
        "All weeks (training included)", "Choose weeks"], key="acc_scope")
    if mode == "Choose weeks":
        week_sel = st.multiselect("Weeks", weeks, default=held_out or weeks,
                                  key="acc_weeks") or weeks
    else:
        week_sel = held_out if mode == held_label else weeks
    bin_secs = st.select_slider("Time bin (s)", [0.1, 0.2, 0.5, 1.0], value=0.5, key="acc_bin")
scope = plays.filter(pl.col("week").is_in(week_sel))
note = result_data.scope_note(week_sel, held_out, scope.height)

# --- accuracy by time to snap
st.subheader("Accuracy by time to snap")
if preds is not None and preds.height:
    st.caption(f"{note} Bands: 95% Wilson intervals; grey bars: plays per point; dashed: "
               "always-guess-majority baseline.")
    curve = result_data.accuracy_curve(preds, scope, bin_secs=float(bin_secs))
elif curves is not None and curves.height:
    st.caption("From the evaluation files (held-out test week, scored once, 0.1 s bins: the "
               "store has no predictions to re-bin). Bands: 95% Wilson intervals.")
    curve = curves
else:
    curve = pl.DataFrame()
if curve.height:
    bands = [prov.label(model)] if model is not None else None
    fig = accuracy_by_time_figure(prov.relabel(curve), bands_for=bands,
                                  applied_to=store.source)
    fig.update_layout(legend_title_text=f"applied to {store.source} data:")
    plot(fig, key="acc_time")
    for m in sorted(curve["model"].unique().to_list()):
        choice.warn(m)
else:
    st.info("No labelled (Man/Zone) plays with predictions in this selection.")

if not models:
    st.info("Per-team, calibration and confusion views need the predictions themselves: run "
            f"`coverage predict models/<name> --data {shown_path(store.root)}`.")
    st.stop()
if model is None:
    st.stop()  # every model is hidden on this data: the note above says why and what to do

left, right = st.columns(2)
st.caption(f"Below: {note}")
with left:
    st.subheader("Calibration at the snap")
    cal = result_data.calibration_bins(preds, scope)
    if cal.height:
        fig = calibration_figure(prov.relabel(cal), applied_to=store.source)
        fig.update_layout(legend_title_text=f"applied to {store.source} data:")
        plot(fig, key="acc_cal")
with right:
    st.subheader(f"Confusion at the snap · {choice.label()}")
    plot(as_secondary(confusion_figure(result_data.confusion_matrix(preds, scope, model)),
                      prov.secondary(model)), key="acc_conf")
choice.warn()

st.subheader(f"Accuracy at the snap by group · {choice.label()}")
groups = {"Defense": "defensiveTeam", "Down": "down", "Offensive formation": "offenseFormation",
          "Offense": "possessionTeam"}
tabs = st.tabs(list(groups))
for tab, (label, col) in zip(tabs, groups.items(), strict=True):
    with tab:
        acc = result_data.accuracy_by_group(preds, scope, col, model)
        if acc.height == 0:
            st.info("No labelled plays with predictions.")
            continue
        overall = float((acc["accuracy"] * acc["n_plays"]).sum() / acc["n_plays"].sum())
        plot(as_secondary(
            rate_bar_figure(acc, category="group", value="accuracy", n="n_plays",
                            ci_low="ci_low", ci_high="ci_high", reference=overall,
                            reference_label="all plays", team_colored=col in (
                                "defensiveTeam", "possessionTeam"),
                            x_title="accuracy at the snap (95% CI)", y_title=label),
            prov.secondary(model)), key=f"acc_group_{col}")

if reports:
    with st.expander("Evaluation reports (JSON)"):
        for name, rep in reports.items():
            trained = trained_on(store, name.rsplit("_week_", 1)[0])
            st.markdown(f"**{name}** · {trained_phrase(trained)}, applied to {store.source} "
                        "data")
            st.json(rep, expanded=False)
