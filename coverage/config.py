"""Every environment variable the package reads, in one place.

Paths default to folders inside the repository so a fresh clone works with no
setup; the variables exist for tests (throw-away folders) and for users who keep
data or checkpoints elsewhere. The README's "Configuration" table documents them.
"""

from __future__ import annotations

import os
from pathlib import Path

from coverage.errors import CoverageError

REPO_ROOT = Path(__file__).resolve().parent.parent

def data_root() -> Path:
    return Path(os.environ.get("COVERAGE_DATA_DIR", REPO_ROOT / "data"))


def portable_path(path: str | Path) -> str:
    """``path`` as a checkpoint records it: relative to the data folder when inside it (a
    store), else relative to the repository (``../shared/bdb``), never this machine's
    absolute path, since shipped checkpoints are committed and read on other machines."""
    p = Path(path).expanduser().resolve()
    try:
        return p.relative_to(data_root().resolve()).as_posix()
    except ValueError:
        return Path(os.path.relpath(p, REPO_ROOT)).as_posix()


def data_root_allowed() -> Path:
    """The only folder tree the app's sidebar "Data folder" may open.

    Anyone who can reach the app can type a path there, so it must not become a way to
    read, or probe for, arbitrary server folders; the operator widens it on purpose
    with COVERAGE_DATA_ROOT (``--data`` on the command line is trusted regardless).
    """
    return Path(os.environ.get("COVERAGE_DATA_ROOT") or data_root())


def models_root() -> Path:
    return Path(os.environ.get("COVERAGE_MODELS_DIR", REPO_ROOT / "models"))


def data_arg() -> str | None:
    return os.environ.get("COVERAGE_DATA") or None


def default_size() -> dict[str, int]:
    """Embedded season: 9 weeks x 4 games x 40 plays = 1,440 plays.

    Big enough for week-level splits (train 1-7, validate 8, test 9) and per-team
    views, small enough to simulate and ingest on first use.
    """
    text = os.environ.get("COVERAGE_DEFAULT_SIZE", "9,4,40")
    try:
        weeks, games, plays = (int(v) for v in text.split(","))
    except ValueError:
        raise CoverageError(f"COVERAGE_DEFAULT_SIZE={text!r}: expected three whole numbers "
                            "weeks,games,plays such as 9,4,40") from None
    if min(weeks, games, plays) < 1:
        raise CoverageError(f"COVERAGE_DEFAULT_SIZE={text!r}: every number must be at least 1")
    return {"weeks": weeks, "games_per_week": games, "plays_per_game": plays}


def cache_root() -> Path:
    """Where derived files that are safe to delete live (the app's browser assets)."""
    base = os.environ.get("COVERAGE_CACHE_DIR") or os.environ.get("XDG_CACHE_HOME")
    return Path(base) / "coverage" if base else Path.home() / ".cache" / "coverage"


def sim_knobs_file() -> str | None:
    """A JSON file of simulator shape knobs over the shipped ones (realism experiments)."""
    return os.environ.get("COVERAGE_SIM_KNOBS") or None


def finish_in_background() -> bool:
    """``python app.py -- --data DIR`` (``make app DATA=DIR``) trains the models ``coverage
    init``'s budget stopped short beside the app; ``COVERAGE_FINISH_TRAINING=0`` keeps the
    CPU for the app alone."""
    return os.environ.get("COVERAGE_FINISH_TRAINING", "1").strip() not in ("0", "false", "no")
