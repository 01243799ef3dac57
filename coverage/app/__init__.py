"""The Streamlit app's side of the package: what the pages show, prepared as pure polars
functions of store tables (``plays``, ``results``, ``teams``), and the Streamlit glue that
picks the store, caches loads and turns errors into messages (``session``). What each
model was trained on, and how every view labels it, comes from ``provenance``; which
folders a visitor may open from the sidebar, from ``data_guard``.

Pages only call these and the figure builders in ``coverage.views``, so every number a
page shows is unit-tested without Streamlit.
"""
