"""Every environment variable the package reads, in one place.

Paths default to folders inside the repository so a fresh clone works with no
setup; the variables exist for tests (throw-away folders) and for users who keep
data or checkpoints elsewhere. The README's "Configuration" table lists them.
"""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent

#: name -> (meaning, default shown in the README)
VARIABLES: dict[str, tuple[str, str]] = {
    "COVERAGE_DATA_DIR": ("where generated stores live (embedded season, ingested downloads)",
                          "<repo>/data"),
    "COVERAGE_MODELS_DIR": ("checkpoint folders the app and `coverage init` serve",
                            "<repo>/models"),
    "COVERAGE_DATA": ("data folder the app opens when no `-- --data DIR` is given "
                      "(a store or a raw download)", "the embedded synthetic season"),
    "COVERAGE_DEFAULT_SIZE": ("size of the embedded season as weeks,games,plays "
                              "(small values for smoke tests)", "9,4,40"),
}


def data_root() -> Path:
    return Path(os.environ.get("COVERAGE_DATA_DIR", REPO_ROOT / "data"))


def models_root() -> Path:
    return Path(os.environ.get("COVERAGE_MODELS_DIR", REPO_ROOT / "models"))


def data_arg() -> str | None:
    return os.environ.get("COVERAGE_DATA") or None


def default_size() -> dict[str, int]:
    """Embedded season: 9 weeks x 4 games x 40 plays = 1,440 plays (~3 M tracking rows).

    Big enough for week-level splits (train 1-7, validate 8, test 9) and per-team
    views, small enough to simulate + ingest in about 40 s on 2 cores.
    """
    text = os.environ.get("COVERAGE_DEFAULT_SIZE", "9,4,40")
    weeks, games, plays = (int(v) for v in text.split(","))
    return {"weeks": weeks, "games_per_week": games, "plays_per_game": plays}
