"""Model: which checkpoints the app can use, how they were trained, how well they scored.

Reads ``<folder>/*/config.json`` + ``metrics.json`` (via ``coverage.app.result_data``) of
the store's own models (trained on its data) and the shipped ones; never loads weights,
so the page is instant and works without torch on the path.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import streamlit as st

from coverage.app import play_data, result_data
from coverage.app.provenance import checkpoint_dir, trained_phrase
from coverage.app.session import (
    load_predictions,
    page_start,
    plot,
    shown_path,
    warn_stale,
)
from coverage.config import models_root
from coverage.training.notes import init_notes, served_notes, stopped_by_budget
from coverage.views import importance_figure

store = page_start("Model", "🧠")
roots = ([("trained on this data", store.models_dir)] if store is not None else []) + [
    ("shipped", models_root())]
ckpts = [{**c, "location": where} for where, root in roots
         for c in result_data.read_checkpoints(root)]
if not ckpts:
    st.info(f"No model checkpoints in `{shown_path(models_root())}`. Fix: train one with "
            "`coverage train --model transformer` (or `lstm`, `context`), then "
            "`coverage predict models/<name>` to score the store.", icon="ℹ️")
    st.stop()

in_store: list[str] = []
if store is not None:
    in_store = play_data.models_in(load_predictions(store, store.output_stamp("predictions")))
    warn_stale(store, in_store)


def _used(c: dict) -> bool:
    """Whether this folder is the one behind the store's predictions of that name (the
    store's own models win over shipped ones of the same name)."""
    return store is not None and checkpoint_dir(store, c["name"]) == Path(c["path"])


summary = pl.DataFrame([{
    "model": c["name"],
    "location": c["location"],
    "architecture": (c["config"] or {}).get("architecture"),
    "training data": ((c["config"] or {}).get("data") or {}).get("source") or "unknown",
    "train weeks": str(((c["config"] or {}).get("split") or {}).get("train", "")),
    "test weeks": str(((c["config"] or {}).get("split") or {}).get("test", "")),
    "weights": "yes" if c["has_weights"] else "missing",
    "training ended": "by the time budget: under-trained" if stopped_by_budget(c["metrics"])
    else ((c["metrics"] or {}).get("training") or {}).get("stopped_by", ""),
    "predictions in this store": "yes" if c["name"] in in_store and _used(c) else "no",
} for c in ckpts])
st.subheader("Checkpoints")
if store is not None:
    st.caption(f"The store's own (`{shown_path(store.models_dir)}`) first, then the shipped "
               f"ones (`{shown_path(models_root())}`). Applied to {store.source} data here.")
st.dataframe(summary, hide_index=True)
for note in init_notes(store.models_dir) if store is not None else []:
    st.info(f"**Partial download.** {note}", icon="ℹ️")

real = result_data.read_real_plays(models_root())
if real is not None and real["models"]:
    n = len(real["plays"])
    n_man = sum(1 for p in real["plays"] if p.get("label") == 1)
    st.subheader("On real tracking plays")
    st.caption(
        f"Every shipped checkpoint on the **{n} real tracking plays** the project has "
        f"({n_man} Man, {n - n_man} Zone; `python -m devtools.realism transfer --real DIR`). "
        "That is very few: "
        "read these as a check that a model trained on the synthetic season reads real "
        "football sensibly, not as its real accuracy. A model that calls the same class on "
        "every play has learned nothing that transfers; the real-label context priors are "
        "the bar. \"own test week\" is the held-out week of the data it was trained on.")
    st.dataframe(result_data.real_plays_table(real), hide_index=True,
                 column_config={k: st.column_config.NumberColumn(format="%.3f") for k in (
                     "own test week, acc. at snap", "log-loss at snap", "Brier at snap",
                     "accuracy at snap", "called man", "log-loss at −1 s")})
    with st.expander("P(man) at the snap, play by play"):
        st.dataframe(result_data.real_play_calls(real), hide_index=True)

for c in ckpts:
    cfg, met = c["config"] or {}, c["metrics"] or {}
    src = (cfg.get("data") or {}).get("source")
    title = (f"{c['name']} · {cfg.get('architecture', '?')} · "
             f"{trained_phrase(src or 'unknown')} · {c['location']}")
    with st.expander(title, expanded=len(ckpts) == 1):
        if c["error"]:
            st.error(f"Could not read {c['error']}. Fix: retrain or rewrite this checkpoint.")
        if src == "synthetic":
            st.warning("Trained on **synthetic** data: its accuracy says nothing about real "
                       "NFL plays.", icon="🧪")
        elif src:
            st.info(f"Trained on **{src}** data (`{shown_path(data_path)}`)."
                    if (data_path := (cfg.get("data") or {}).get("path")) else
                    f"Trained on **{src}** data.")
        else:
            st.warning("Training data unknown: its config.json has no data.source.")
        for note in served_notes(c["path"], cfg, met):
            st.warning(f"**{c['name']}**: {note}.", icon="⏱️" if "budget" in note else "⚠️")
        if not c["has_weights"]:
            st.warning("Weights file (model.safetensors) is missing: this checkpoint cannot "
                       "predict. Fix: retrain it.")
        table = result_data.metrics_table(met)
        if table.height:
            st.markdown("**Metrics at the snap** (val = model selection week, test = held-out "
                        "week scored once)")
            st.dataframe(table, hide_index=True)
        elif met:
            st.caption("metrics.json has no val/test sections.")
        else:
            st.caption("No metrics.json next to this checkpoint.")
        importance = result_data.read_importance(c["path"])
        if importance is not None:
            st.markdown("**What it leans on** (permutation importance by feature group, "
                        "measured on the selection week; hover a bar for its features)")
            plot(importance_figure(importance), key=f"importance_{c['location']}_{c['name']}")
        cols = st.columns(2)
        with cols[0]:
            st.markdown("**Config**")
            shown = {k: v for k, v in cfg.items() if k not in ("encoding",)}
            if isinstance(shown.get("data"), dict) and shown["data"].get("path"):
                shown["data"] = {**shown["data"], "path": shown_path(shown["data"]["path"])}
            st.json(shown, expanded=False)
        with cols[1]:
            if met:
                st.markdown("**metrics.json**")
                st.json({k: v for k, v in met.items() if k != "history"}, expanded=False)
