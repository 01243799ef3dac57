"""Development tooling kept out of the installed package: simulator calibration and the
synthetic-vs-real realism report (``python -m devtools.realism``)."""
