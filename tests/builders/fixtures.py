"""The one lookup of the real Big Data Bowl samples (``shared/bdb``).

``COVERAGE_SHARED_BDB`` names the folder when set; otherwise it is ``../shared/bdb`` next to the
repository. ``COVERAGE_REQUIRE_REAL=1`` says the samples must be there (CI sets it when they
are), so tests fail instead of skipping without them. No pytest import: benchmarks use this too.
"""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
ENV_DIR = "COVERAGE_SHARED_BDB"
ENV_REQUIRE = "COVERAGE_REQUIRE_REAL"


def shared_bdb_dir() -> Path:
    """Where the real samples are expected (whether or not they exist)."""
    env = os.environ.get(ENV_DIR)
    return Path(env) if env else REPO.parent / "shared" / "bdb"


def find_shared_bdb() -> Path | None:
    """The real samples folder, or None when it has no ``plays.csv``."""
    d = shared_bdb_dir()
    return d if (d / "plays.csv").is_file() else None


def real_required() -> bool:
    return os.environ.get(ENV_REQUIRE, "") == "1"
