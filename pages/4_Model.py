"""Model: which checkpoints the app can use, how they were trained, how well they scored.

Reads ``models/*/config.json`` + ``metrics.json`` (via ``coverage.app.result_data``);
never loads weights, so the page is instant and works without torch on the path.
"""

from __future__ import annotations

import polars as pl
import streamlit as st

from coverage.app import play_data, result_data
from coverage.app.session import (
    load_predictions,
    models_root,
    page_start,
)

store = page_start("Model", "🧠")
root = models_root()
ckpts = result_data.read_checkpoints(root)
if not ckpts:
    st.info(f"No model checkpoints in `{root}`. Fix: train one with "
            "`coverage train --model transformer` (or `lstm`, `context`), then "
            "`coverage predict models/<name>` to score the store.", icon="ℹ️")
    st.stop()

in_store: list[str] = []
if store is not None:
    in_store = play_data.models_in(load_predictions(store, store.output_stamp("predictions")))
summary = pl.DataFrame([{
    "model": c["name"],
    "architecture": (c["config"] or {}).get("architecture"),
    "training data": ((c["config"] or {}).get("data") or {}).get("source"),
    "train weeks": str(((c["config"] or {}).get("split") or {}).get("train", "")),
    "test weeks": str(((c["config"] or {}).get("split") or {}).get("test", "")),
    "weights": "yes" if c["has_weights"] else "missing",
    "predictions in this store": "yes" if c["name"] in in_store else "no",
} for c in ckpts])
st.subheader(f"Checkpoints in `{root}`")
st.dataframe(summary, hide_index=True)

for c in ckpts:
    cfg, met = c["config"] or {}, c["metrics"] or {}
    with st.expander(f"{c['name']} · {cfg.get('architecture', '?')}", expanded=len(ckpts) == 1):
        if c["error"]:
            st.error(f"Could not read {c['error']}. Fix: retrain or rewrite this checkpoint.")
        src = (cfg.get("data") or {}).get("source")
        if src == "synthetic":
            st.warning("Trained on **synthetic** data: its accuracy says nothing about real "
                       "NFL plays.", icon="🧪")
        elif src:
            st.caption(f"Trained on {src} data: {(cfg.get('data') or {}).get('path', '')}")
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
        cols = st.columns(2)
        with cols[0]:
            st.markdown("**Config**")
            st.json({k: v for k, v in cfg.items() if k not in ("encoding",)}, expanded=False)
        with cols[1]:
            if met:
                st.markdown("**metrics.json**")
                st.json({k: v for k, v in met.items() if k != "history"}, expanded=False)
