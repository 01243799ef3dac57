"""The one lookup of the real Big Data Bowl samples (``shared/bdb``).

``COVERAGE_SHARED_BDB`` names the folder when set; otherwise it is ``../shared/bdb`` next to the
repository. ``COVERAGE_REQUIRE_REAL=1`` says the samples must be there (CI sets it when they
are), so tests fail instead of skipping without them. pytest is imported only when a test
gives up: benchmarks use this module too.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import NoReturn

REPO = Path(__file__).resolve().parents[2]
ENV_DIR = "COVERAGE_SHARED_BDB"
ENV_REQUIRE = "COVERAGE_REQUIRE_REAL"
REAL_PLAY = (2022103007, 1507)  # the one real tracking play in the samples (week 8)


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


SHARED_BDB = find_shared_bdb()


def require_real(what: str = "real Big Data Bowl samples") -> NoReturn:
    """The one way a test gives up for lack of the real fixtures: a skip, or a failure when
    ``COVERAGE_REQUIRE_REAL=1`` (CI sets it where ``../shared/bdb`` exists). pytest is
    imported here only, so benchmarks can import this module without it."""
    import pytest

    msg = f"{what} not present at {shared_bdb_dir()} (set COVERAGE_SHARED_BDB)"
    if real_required():
        pytest.fail(f"COVERAGE_REQUIRE_REAL=1 but {msg}", pytrace=False)
    pytest.skip(msg)
