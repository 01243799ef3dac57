"""Experiment tooling: MLflow run tracking and Ray Tune hyper-parameter search.

Both depend on the optional ``tune`` extra (``pip install -e '.[tune]'``); nothing here
imports ray or mlflow at module import time, so the base app and CLI work without them
and only the features that need them raise a :class:`coverage.errors.CoverageError`
naming the install command.
"""

INSTALL_HINT = "pip install -e '.[tune]'"
