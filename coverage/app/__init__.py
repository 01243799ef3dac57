"""The Streamlit app's side of the package: what the pages show, prepared as pure polars
functions of store tables (``plays``, ``results``, ``teams``), and the Streamlit glue that
picks the store, caches loads and turns errors into messages (``session``).

Pages only call these and the figure builders in ``coverage.views``, so every number a
page shows is unit-tested without Streamlit.
"""
