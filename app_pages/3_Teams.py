"""Teams: who plays man, and how early each defense gives its coverage away.

The man rate needs only labels; the give-away time needs a model's per-frame
P(man) (median seconds before the snap at which it crosses 0.8 for man plays
and 0.2 for zone plays and stays there), computed in ``coverage.app.team_data``.
"""

from __future__ import annotations

import polars as pl
import streamlit as st

from coverage.app import play_data, result_data, team_data
from coverage.app.provenance import provenance
from coverage.app.session import (
    load_attribution_summary,
    model_picker,
    no_predictions_message,
    page_data,
    plot,
    shown_path,
    warn_provenance,
)
from coverage.config import models_root
from coverage.views import as_secondary, rate_bar_figure, reference_line
from coverage.vocab import MAN_ZONE, metric_words

store, plays, preds = page_data("Teams", "🛡️", fix="check the data folder in the sidebar.")

st.subheader("Man-coverage rate by defense")
rates, league = team_data.man_rate_by_defense(plays)
if rates.height == 0:
    st.info("No Man/Zone labels in this data (pff_manZone is empty), so no rates to show.")
else:
    st.caption(f"Share of man coverage among a defense's Man+Zone plays, with 95% Wilson "
               f"intervals; dashed line: league rate {league:.1%}.")
    plot(rate_bar_figure(rates, ci_low="ci_low", ci_high="ci_high", reference=league,
                         x_title="man rate (95% CI)", y_title="defense"),
                    key="team_rates")

st.subheader("Tendencies the real-label model learned")
tend_dir = result_data.tendency_checkpoint([store.models_dir, models_root()])
tendencies = result_data.read_tendencies(tend_dir) if tend_dir is not None else None
if tendencies is None:
    st.info("No checkpoint with learned tendencies. Fix: `coverage train --model tabular "
            "--data <real folder>` (the shipped `context_real_gbm` carries them).")
else:
    weeks = tendencies["weeks"][0] if "weeks" in tendencies.columns else "?"
    st.caption(f"From `{tend_dir.name}`: each defense's man rate and coverage-family mix in the "
               f"real 2022 labels of weeks {weeks} (its training weeks), shrunk toward the "
               "league by empirical Bayes so a few plays cannot make an extreme; "
               "'offense faced' is the man rate the defense's opponents' offenses saw. "
               "These are real-data tendencies, whatever data this page shows above.")
    shares = [c for c in tendencies.columns
              if c not in ("team", "plays", "man_rate_raw", "weeks")]
    st.dataframe(tendencies.drop("weeks", strict=False), hide_index=True, column_config={
        "team": "defense",
        "man_rate_raw": st.column_config.NumberColumn("man rate (raw)", format="percent"),
        **{c: st.column_config.ProgressColumn(c.replace("_", " "), min_value=0.0,
                                              max_value=1.0, format="percent")
           for c in shares},
    })

st.subheader("Which positions give it away?")
attr_summary = load_attribution_summary(store, store.output_stamp("attribution"))
by_pos = team_data.position_giveaway_table(attr_summary, plays, store.players())
if pending := team_data.attribution_pending(store):
    st.info(f"The attribution summaries of {', '.join(pending)} are being written in the "
            "background (`coverage finish-training`, which the app started): reload this "
            "page in a few minutes to see them.")
if by_pos.height == 0:
    if not pending:
        st.info("No attribution summaries yet. Fix: `coverage train-family`, then "
                "`coverage predict-family models/family --attribution --data "
                f"{shown_path(store.root)}`.")
else:
    st.caption("Mean |change of P(man)| when one of the defense's players is removed "
               "(occlusion, family model), by position; larger = that position tells the "
               "offense more about the call.")
    # the models that wrote these attributions, by their own names: a real-trained family
    # model (coverage init's) must never be labelled as the shipped synthetic "family"
    attr_prov = provenance(store, team_data.attribution_models(attr_summary))
    attr_models = attr_prov.visible() or attr_prov.models
    attr_model = attr_prov.default(attr_models)
    if len(attr_models) > 1:
        attr_model = st.selectbox("Attribution model", attr_models, key="pos_model",
                                  index=attr_models.index(attr_model),
                                  format_func=attr_prov.label)
    warn_provenance(attr_prov, attr_model)
    by_pos = team_data.position_giveaway_table(attr_summary, plays, store.players(),
                                               model=attr_model)
    teams = sorted(by_pos["defensiveTeam"].unique().to_list())
    team = st.selectbox("Defense", ["all", *teams], key="pos_team")
    sub = by_pos if team == "all" else by_pos.filter(pl.col("defensiveTeam") == team)
    sub = (sub.group_by("position").agg(
        (pl.col("mean_abs_attribution") * pl.col("n")).sum() / pl.col("n").sum(),
        pl.col("n").sum()).sort("mean_abs_attribution", descending=True))
    fig = rate_bar_figure(sub, category="position", value="mean_abs_attribution", n="n",
                          team_colored=False)
    as_secondary(fig, attr_prov.secondary(attr_model))  # synthetic-trained, real plays
    fig.update_layout(title_text=f"{attr_prov.label(attr_model)} · applied "
                      f"to {store.source} data", title_font_size=13)
    fig.update_xaxes(tickformat=".3f", title_text="mean |ΔP(man)| when removed")
    fig.update_yaxes(title_text="position")
    plot(fig, key="pos_giveaway")

st.subheader("How early is the coverage given away?")
models = play_data.models_in(preds)
if not models:
    no_predictions_message(store)
    st.stop()
choice = model_picker(models, store=store)
model = choice.model
if model is None:
    st.stop()  # every model is hidden on this data: the note above says why and what to do
times = team_data.giveaway_times(preds, plays, model)
by_def = team_data.giveaway_by_defense(times)
if by_def.height == 0:
    st.info("No labelled plays with predictions.")
    st.stop()
st.caption(f"Model **{choice.label()}**, applied to {store.source} data. A play is *given "
           "away* once P(man) reaches 0.8 (man plays) or 0.2 (zone plays) and stays there "
           "through the snap. Bars: median seconds before the snap over the plays that were "
           "given away; the table also gives how many were.")
choice.warn()
tabs = st.tabs(["Man plays", "Zone plays"])
for tab, fam in zip(tabs, MAN_ZONE, strict=True):
    with tab:
        sub = by_def.filter((pl.col("family") == fam) & pl.col("median_secs").is_not_null())
        if sub.height == 0:
            st.info(f"No {fam.lower()} play of any defense crossed the threshold.")
            continue
        league_med = times.filter((pl.col("family") == fam) & pl.col("given_away"))[
            "secs_before_snap"].median()
        fig = rate_bar_figure(sub, category="team", value="median_secs", n="n_given_away",
                              y_title="defense")
        # rate_bar_figure formats rates as %; these are seconds
        fig.update_xaxes(tickformat=".1f", title_text="median seconds before snap")
        # the value beside every bar: a defense that gives it away only at the snap
        # (0.0 s) has no visible bar, which must not read as missing data
        fig.update_traces(hovertemplate="%{y}: %{x:.1f} s before snap · "
                                        "%{customdata} plays given away<extra></extra>",
                          texttemplate="%{x:.1f} s", textposition="outside", cliponaxis=False)
        fig.update_layout(title_text=f"{choice.label()} · applied to {store.source} data",
                          title_font_size=13)
        as_secondary(fig, choice.prov.secondary(model))
        if league_med is not None:
            reference_line(fig, league_med, f"league median {league_med:.1f} s")
        plot(fig, key=f"giveaway_{fam}")
# the table names its model too: it may leave the page as a CSV download
st.dataframe(by_def.with_columns(pl.lit(choice.label()).alias("model")), hide_index=True,
             column_config={
    **{c: metric_words(c) for c in by_def.columns},
    "median_secs": st.column_config.NumberColumn(metric_words("median_secs"), format="%.1f"),
    "share_given_away": st.column_config.NumberColumn(metric_words("share_given_away"),
                                                      format="percent"),
})
